import { beforeEach, describe, expect, it } from 'vitest';
import { SUPPLY_ADDRESS } from '../../../src/ledger/modules/supply/index.js';
import { bytesToHex, utf8ToBytes } from '../../../src/primitives/hex.js';
import type { RpcDispatcher } from '../../../src/rpc/dispatch.js';
import { createRpcDispatcher } from '../../../src/rpc/server.js';
import { accept, ALICE, BOB } from '../ledger/modules/supply/fixtures.js';
import { FakeBackend, signed } from './fake-backend.js';
import { failure, result } from './helpers.js';

type Json = Record<string, unknown>;

let backend: FakeBackend;
let rpc: RpcDispatcher;

beforeEach(() => {
  backend = new FakeBackend();
  rpc = createRpcDispatcher({ backend });
  backend.mine([]);
  backend.mine([]);
  const state = backend.records;
  accept(state, ALICE, { op: 'register', id: 'lot-1', kind: 'coffee', metadata: { farm: 'A' } }, { blockNumber: 1 });
  accept(state, ALICE, { op: 'register', id: 'lot-2', kind: 'coffee' }, { blockNumber: 1 });
  accept(state, ALICE, { op: 'checkpoint', id: 'lot-1', location: 'Farm A', readings: { temperature: 21.5 }, bizStep: 'storing', disposition: 'active' }, { blockNumber: 2 });
  accept(state, ALICE, { op: 'transform', inputs: ['lot-1', 'lot-2'], outputs: [{ id: 'blend-1', kind: 'blend' }] }, { blockNumber: 2 });
  accept(state, ALICE, { op: 'transfer', id: 'blend-1', to: bytesToHex(BOB) }, { blockNumber: 2 });
});

describe('supply_', () => {
  it('supply_getItem: the item, null when unknown, -32602 for a malformed id', async () => {
    const item = await result<Json>(rpc, 'supply_getItem', ['blend-1']);
    expect(item).toMatchObject({ id: 'blend-1', kind: 'blend', status: 'active' });
    expect(String(item['custodian']).toLowerCase()).toBe(bytesToHex(BOB));
    expect(await result(rpc, 'supply_getItem', ['nope'])).toBeNull();
    expect((await failure(rpc, 'supply_getItem', ['bad id with spaces'])).code).toBe(-32602);
    expect((await failure(rpc, 'supply_getItem', [7])).code).toBe(-32602);
  });

  it('supply_getHistory: events in order with block timestamps, paged', async () => {
    const history = await result<{ events: Json[]; next: number | null }>(rpc, 'supply_getHistory', ['lot-1']);
    expect(history.events.map((e) => e['type'])).toEqual(['Registered', 'Checkpointed', 'Transformed']);
    expect(history.events.map((e) => e['timestamp'])).toEqual([1, 2, 2].map((n) => backend.blocks[n]!.header.timestamp));
    expect(history.next).toBeNull();
    const page = await result<{ events: Json[]; next: number | null }>(rpc, 'supply_getHistory', ['lot-1', { from: 1, limit: 1 }]);
    expect(page.events.map((e) => e['seq'])).toEqual([1]);
    expect(page.next).toBe(2);
    expect((await failure(rpc, 'supply_getHistory', ['lot-1', { limit: 0 }])).code).toBe(-32602);
    expect((await failure(rpc, 'supply_getHistory', ['lot-1', { page: 1 }])).message).toMatch(/unknown option "page"/);
  });

  it('supply_getLineage: ancestors and descendants through the transform', async () => {
    const lineage = await result<{ ancestors: { item: Json }[]; descendants: { item: Json }[] }>(rpc, 'supply_getLineage', ['blend-1']);
    expect(lineage.ancestors.map((n) => n.item['id']).sort()).toEqual(['lot-1', 'lot-2']);
    const down = await result<{ descendants: { depth: number; item: Json }[] }>(rpc, 'supply_getLineage', ['lot-2']);
    expect(down.descendants).toMatchObject([{ depth: 1, item: { id: 'blend-1' } }]);
  });

  it('supply_listItems: by owner or custodian, paged by cursor', async () => {
    const first = await result<{ items: Json[]; nextCursor: string | null }>(rpc, 'supply_listItems', [{ owner: bytesToHex(ALICE), limit: 2 }]);
    expect(first.items.map((i) => i['id'])).toEqual(['blend-1', 'lot-1']);
    const rest = await result<{ items: Json[]; nextCursor: string | null }>(rpc, 'supply_listItems', [{ owner: bytesToHex(ALICE), cursor: first.nextCursor }]);
    expect(rest.items.map((i) => i['id'])).toEqual(['lot-2']);
    expect(rest.nextCursor).toBeNull();
    const held = await result<{ items: Json[] }>(rpc, 'supply_listItems', [{ custodian: bytesToHex(BOB) }]);
    expect(held.items.map((i) => i['id'])).toEqual(['blend-1']);
    expect((await failure(rpc, 'supply_listItems', [{ owner: '0x1234' }])).code).toBe(-32602);
  });

  it('supply_getTransaction: a transaction to another address is no supply operation, mined or pending', async () => {
    const transfer = signed({ nonce: 0n });
    backend.mine([transfer]);
    const mined = await failure(rpc, 'supply_getTransaction', [bytesToHex(transfer.hash)]);
    expect(mined.code).toBe(-32602);
    expect(mined.message).toMatch(/is not a supply operation: it is sent to 0x70997970C51812dc3A010C7d01b50e0d17dc79C8, not to the supply module/);
    const waiting = signed({ nonce: 1n });
    backend.pool.set(bytesToHex(waiting.hash), waiting);
    expect((await failure(rpc, 'supply_getTransaction', [bytesToHex(waiting.hash)])).code).toBe(-32602);
  });

  it('supply_getTransaction: a supply operation, pending then mined, with the module address checksummed', async () => {
    const op = signed({ nonce: 0n, to: SUPPLY_ADDRESS, value: 0n, gasLimit: 100_000n, data: utf8ToBytes('{"op":"close","id":"nope"}') });
    backend.pool.set(bytesToHex(op.hash), op);
    expect(await result(rpc, 'supply_getTransaction', [bytesToHex(op.hash)])).toEqual({ hash: bytesToHex(op.hash), status: 'pending' });
    backend.mine([op]);
    const answer = await result<Json>(rpc, 'supply_getTransaction', [bytesToHex(op.hash)]);
    // The fake backend's receipts succeed without logs.
    expect(answer).toMatchObject({ to: '0x0000000000000000000000000000000000002000', blockNumber: 3, status: 'accepted', events: [] });
  });

  it('supply_getProof: a history longer than one proof is refused with the paging that proves it, before any proving', async () => {
    for (let i = 0; i < 1000; i++) accept(backend.records, BOB, { op: 'checkpoint', id: 'blend-1', bizStep: 'storing', disposition: 'active' }, { blockNumber: 2 });
    // blend-1 now has 1,002 events; the fake backend serves no proofs, so each answer here comes before proving.
    const whole = await failure(rpc, 'supply_getProof', ['blend-1']);
    expect(whole.code).toBe(-32602);
    expect(whole.message).toBe('item "blend-1" has 1002 events, more than the 1000 one proof holds: prove them a page at a time with the option {"from": 0}, then {"from": 1000}, and so on');
    const past = await failure(rpc, 'supply_getProof', ['blend-1', { from: 1002 }]);
    expect(past.code).toBe(-32602);
    expect(past.message).toBe('item "blend-1" has 1002 events (#0…#1001): option from 1002 is past its last one');
    expect((await failure(rpc, 'supply_getProof', ['blend-1', { from: 0, limit: 1001 }])).message).toMatch(/limit must be an integer from 1 to 1000/);
    expect((await failure(rpc, 'supply_getProof', ['blend-1', { page: 1 }])).message).toMatch(/unknown option "page"/);
    expect(await result(rpc, 'supply_getProof', ['nope', { from: 0 }])).toBeNull();
  });

  it('supply_exportEpcis: an EPCIS 2.0 document with one event per history entry', async () => {
    const doc = await result<{ type: string; schemaVersion: string; epcisBody: { eventList: Json[] } }>(rpc, 'supply_exportEpcis', ['lot-1']);
    expect(doc.type).toBe('EPCISDocument');
    expect(doc.schemaVersion).toBe('2.0');
    expect(doc.epcisBody.eventList.map((e) => e['type'])).toEqual(['ObjectEvent', 'ObjectEvent', 'TransformationEvent']);
    expect(await result(rpc, 'supply_exportEpcis', ['nope'])).toBeNull();
  });
});
