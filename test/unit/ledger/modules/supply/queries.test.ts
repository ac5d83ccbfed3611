import { beforeEach, describe, expect, it } from 'vitest';
import { toChecksumAddress } from '../../../../../src/primitives/address.js';
import { bytesToHex } from '../../../../../src/primitives/hex.js';
import { SupplyError, SupplyErrorCode } from '../../../../../src/ledger/modules/supply/errors.js';
import { getEvent, getHistory, getItem, getLineage, listItems } from '../../../../../src/ledger/modules/supply/queries.js';
import { eventKey } from '../../../../../src/ledger/modules/supply/records.js';
import { eventToJson, historyToJson, itemToJson, lineageToJson, pageToJson } from '../../../../../src/ledger/modules/supply/views.js';
import { FakeState } from './fake-state.js';
import { accept, ALICE, BOB, CAROL } from './fixtures.js';

let state: FakeState;
beforeEach(() => {
  state = new FakeState();
});

const register = (id: string): object => ({ op: 'register', id, kind: 'k' });
const checkpoint = (id: string, t: number): object => ({ op: 'checkpoint', id, bizStep: 'storing', disposition: 'in_progress', readings: { temperature: t } });
const transform = (inputs: string[], outputs: string[]): object => ({ op: 'transform', inputs, outputs: outputs.map((id) => ({ id, kind: 'k' })) });

function invalidQuery(fn: () => unknown, message: string): void {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(SupplyError);
  expect((thrown as SupplyError).code).toBe(SupplyErrorCode.InvalidQuery);
  expect((thrown as SupplyError).message).toContain(message);
}

describe('getItem / getEvent', () => {
  it('answer undefined for an unknown item or event', () => {
    accept(state, ALICE, register('a'));
    expect(getItem(state, 'b')).toBeUndefined();
    expect(getEvent(state, 'a', 1)).toBeUndefined();
    expect(getEvent(state, 'a', 0)).toMatchObject({ type: 'Registered' });
  });

  it('refuse a malformed id or sequence number', () => {
    invalidQuery(() => getItem(state, 'has space'), 'id must be 1-128 characters');
    invalidQuery(() => getEvent(state, 'a', -1), 'seq must be an integer');
    invalidQuery(() => getEvent(state, 'a', 1.5), 'seq must be an integer');
  });
});

describe('getHistory', () => {
  it('returns the events in order with block numbers and signers', () => {
    accept(state, ALICE, register('a'), { blockNumber: 1 });
    accept(state, ALICE, checkpoint('a', 4), { blockNumber: 2 });
    accept(state, ALICE, { op: 'transfer', id: 'a', to: toChecksumAddress(BOB) }, { blockNumber: 3 });
    accept(state, BOB, { op: 'close', id: 'a' }, { blockNumber: 4 });
    const history = getHistory(state, 'a')!;
    expect(history.events.map((e) => [e.seq, e.type, e.blockNumber, bytesToHex(e.signer)])).toEqual([
      [0, 'Registered', 1, bytesToHex(ALICE)],
      [1, 'Checkpointed', 2, bytesToHex(ALICE)],
      [2, 'Transferred', 3, bytesToHex(ALICE)],
      [3, 'Closed', 4, bytesToHex(BOB)],
    ]);
    expect(history.next).toBeNull();
    expect(history.item.status).toBe('closed');
  });

  it('reads 1,000 events by sequence number, in pages', () => {
    accept(state, ALICE, register('a'));
    for (let i = 1; i < 1000; i++) accept(state, ALICE, checkpoint('a', i), { blockNumber: i });
    const all = getHistory(state, 'a')!;
    expect(all.events).toHaveLength(1000);
    expect(all.events.every((e, i) => e.seq === i)).toBe(true);
    expect(all.events[999]).toMatchObject({ type: 'Checkpointed', readings: [{ name: 'temperature', value: 999, uom: null }] });
    expect(all.next).toBeNull();
    const page = getHistory(state, 'a', { from: 990, limit: 5 })!;
    expect(page.events.map((e) => e.seq)).toEqual([990, 991, 992, 993, 994]);
    expect(page.next).toBe(995);
    expect(getHistory(state, 'a', { from: 995 })!.next).toBeNull();
    expect(getHistory(state, 'a', { from: 5000 })!.events).toEqual([]);
  });

  it('reads only the records of the page, not a scan', () => {
    accept(state, ALICE, register('a'));
    for (let i = 0; i < 20; i++) accept(state, ALICE, checkpoint('a', i));
    const reads: string[] = [];
    const counting = { getRecord: (key: Uint8Array) => (reads.push(bytesToHex(key)), state.getRecord(key)) };
    getHistory(counting, 'a', { from: 10, limit: 3 });
    expect(reads).toHaveLength(4); // the item, then events 10, 11 and 12
    expect(reads.slice(1)).toEqual([10, 11, 12].map((seq) => bytesToHex(eventKey('a', seq))));
  });

  it('answers undefined for an unknown item and refuses bad paging', () => {
    expect(getHistory(state, 'nope')).toBeUndefined();
    invalidQuery(() => getHistory(state, 'a', { limit: 0 }), 'limit must be an integer from 1 to 1000');
    invalidQuery(() => getHistory(state, 'a', { limit: 1001 }), 'limit must be an integer from 1 to 1000');
    invalidQuery(() => getHistory(state, 'a', { from: -1 }), 'from must be');
  });

  it('names a store that lost a counted event', () => {
    accept(state, ALICE, register('a'));
    accept(state, ALICE, checkpoint('a', 1));
    state.setRecord(eventKey('a', 1), undefined);
    expect(() => getHistory(state, 'a')).toThrow('supply records are inconsistent: event 1 of item "a" is missing');
  });
});

describe('getLineage', () => {
  // farm-a ─┐            ┌─ bag-1 ─┐
  //         ├─ coop ─ roast         ├─ gift
  // farm-b ─┘            └─ bag-2 ─┘
  beforeEach(() => {
    accept(state, ALICE, register('farm-a'));
    accept(state, ALICE, register('farm-b'));
    accept(state, ALICE, transform(['farm-a', 'farm-b'], ['coop']));
    accept(state, ALICE, transform(['coop'], ['roast']));
    accept(state, ALICE, transform(['roast'], ['bag-1', 'bag-2']));
    accept(state, ALICE, transform(['bag-1', 'bag-2'], ['gift']));
  });

  const ids = (nodes: readonly { depth: number; item: { id: string } }[]): [string, number][] => nodes.map((n) => [n.item.id, n.depth]);

  it('walks ancestors and descendants breadth first, each item once at its least depth', () => {
    const lineage = getLineage(state, 'roast')!;
    expect(ids(lineage.ancestors)).toEqual([['coop', 1], ['farm-a', 2], ['farm-b', 2]]);
    expect(ids(lineage.descendants)).toEqual([['bag-1', 1], ['bag-2', 1], ['gift', 2]]);
    expect(lineage.truncated).toBe(false);
    expect(ids(getLineage(state, 'gift')!.ancestors)).toEqual([['bag-1', 1], ['bag-2', 1], ['roast', 2], ['coop', 3], ['farm-a', 4], ['farm-b', 4]]);
    expect(getLineage(state, 'farm-a')!.ancestors).toEqual([]);
  });

  it('stops at the depth and size bounds and says so', () => {
    const shallow = getLineage(state, 'gift', { maxDepth: 2 })!;
    expect(ids(shallow.ancestors)).toEqual([['bag-1', 1], ['bag-2', 1], ['roast', 2]]);
    expect(shallow.truncated).toBe(true);
    const small = getLineage(state, 'roast', { maxItems: 2 })!;
    expect(ids(small.ancestors)).toEqual([['coop', 1], ['farm-a', 2]]);
    expect(ids(small.descendants)).toEqual([['bag-1', 1], ['bag-2', 1]]);
    expect(small.truncated).toBe(true);
    expect(getLineage(state, 'roast', { maxDepth: 2, maxItems: 3 })!.truncated).toBe(false);
  });

  it('refuses bounds out of range and answers undefined for an unknown item', () => {
    invalidQuery(() => getLineage(state, 'roast', { maxDepth: 65 }), 'maxDepth must be an integer from 1 to 64');
    invalidQuery(() => getLineage(state, 'roast', { maxItems: 0 }), 'maxItems must be an integer from 1 to 1024');
    expect(getLineage(state, 'nope')).toBeUndefined();
  });
});

describe('listItems', () => {
  beforeEach(() => {
    for (const id of ['a-3', 'a-1', 'a-2', 'a-5', 'a-4']) accept(state, ALICE, register(id));
    accept(state, BOB, register('b-1'));
    accept(state, ALICE, { op: 'transfer', id: 'a-2', to: toChecksumAddress(CAROL) });
    accept(state, ALICE, { op: 'close', id: 'a-4' });
  });

  const idsOf = (page: { items: readonly { id: string }[] }): string[] => page.items.map((i) => i.id);

  it('lists by owner, by custodian, by status, or everything, in id order', () => {
    expect(idsOf(listItems(state, { owner: ALICE }))).toEqual(['a-1', 'a-2', 'a-3', 'a-4', 'a-5']);
    expect(idsOf(listItems(state, { custodian: ALICE }))).toEqual(['a-1', 'a-3', 'a-4', 'a-5']);
    expect(idsOf(listItems(state, { custodian: CAROL }))).toEqual(['a-2']);
    expect(idsOf(listItems(state, { owner: ALICE, custodian: CAROL }))).toEqual(['a-2']);
    expect(idsOf(listItems(state, { owner: ALICE, status: 'closed' }))).toEqual(['a-4']);
    expect(idsOf(listItems(state))).toEqual(['a-1', 'a-2', 'a-3', 'a-4', 'a-5', 'b-1']);
    expect(listItems(state, { owner: CAROL })).toEqual({ items: [], nextCursor: null });
  });

  it('pages with a cursor, and the last page has no cursor', () => {
    const first = listItems(state, { owner: ALICE, limit: 2 });
    expect(idsOf(first)).toEqual(['a-1', 'a-2']);
    expect(first.nextCursor).toBe('a-2');
    const second = listItems(state, { owner: ALICE, limit: 2, cursor: first.nextCursor! });
    expect(idsOf(second)).toEqual(['a-3', 'a-4']);
    const third = listItems(state, { owner: ALICE, limit: 2, cursor: second.nextCursor! });
    expect(idsOf(third)).toEqual(['a-5']);
    expect(third.nextCursor).toBeNull();
    // Exactly a full last page: no cursor to an empty page.
    expect(listItems(state, { owner: ALICE, limit: 5 }).nextCursor).toBeNull();
  });

  it('keeps paging stable while items are added and change hands', () => {
    const first = listItems(state, { custodian: ALICE, limit: 2 });
    expect(idsOf(first)).toEqual(['a-1', 'a-3']);
    accept(state, ALICE, register('a-0'));
    accept(state, ALICE, register('a-6'));
    accept(state, ALICE, { op: 'transfer', id: 'a-1', to: toChecksumAddress(BOB) });
    const rest = listItems(state, { custodian: ALICE, cursor: first.nextCursor! });
    expect(idsOf(rest)).toEqual(['a-4', 'a-5', 'a-6']);
  });

  it('refuses malformed queries', () => {
    invalidQuery(() => listItems(state, { limit: 101 }), 'limit must be an integer from 1 to 100');
    invalidQuery(() => listItems(state, { cursor: '' }), 'cursor must be');
    invalidQuery(() => listItems(state, { owner: new Uint8Array(19) }), 'owner must be a 20-byte address');
    invalidQuery(() => listItems(state, { status: 'lost' as 'active' }), 'status must be one of active, closed, consumed');
  });
});

describe('JSON views', () => {
  it('show addresses checksummed, hashes as hex, and optional fields as null', () => {
    accept(state, ALICE, register('a'), { blockNumber: 3, txIndex: 1 });
    accept(state, ALICE, { op: 'checkpoint', id: 'a', bizStep: 'receiving', disposition: 'active' }, { blockNumber: 4 });
    const history = getHistory(state, 'a')!;
    const json = historyToJson(history, (n) => n * 1000);
    expect(json.item).toEqual(itemToJson(history.item));
    expect(itemToJson(history.item)).toEqual({
      id: 'a',
      kind: 'k',
      owner: toChecksumAddress(ALICE),
      custodian: toChecksumAddress(ALICE),
      metadata: null,
      status: 'active',
      createdBlock: 3,
      inputs: [],
      outputs: [],
      eventCount: 2,
    });
    expect(json.events).toEqual([
      {
        id: 'a',
        seq: 0,
        type: 'Registered',
        signer: toChecksumAddress(ALICE),
        txHash: bytesToHex(history.events[0]!.txHash),
        blockNumber: 3,
        txIndex: 1,
        timestamp: 3000,
        kind: 'k',
        metadata: null,
      },
      expect.objectContaining({ seq: 1, type: 'Checkpointed', location: null, readings: [], bizStep: 'receiving', timestamp: 4000 }),
    ]);
    expect(eventToJson(history.events[0]!)).not.toHaveProperty('timestamp');
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });

  it('show lineage and pages', () => {
    accept(state, ALICE, register('a'));
    accept(state, ALICE, transform(['a'], ['b']));
    expect(lineageToJson(getLineage(state, 'b')!)).toMatchObject({ ancestors: [{ depth: 1, item: { id: 'a', status: 'consumed', outputs: ['b'] } }], descendants: [], truncated: false });
    expect(pageToJson(listItems(state, { limit: 1 }))).toMatchObject({ items: [{ id: 'a' }], nextCursor: 'a' });
  });
});
