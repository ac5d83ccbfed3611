import { beforeEach, describe, expect, it } from 'vitest';
import { toChecksumAddress } from '../../../../../src/primitives/address.js';
import { keccak256 } from '../../../../../src/primitives/hash.js';
import { bytesToHex, utf8ToBytes } from '../../../../../src/primitives/hex.js';
import { createSupplyModule, SUPPLY_ADDRESS } from '../../../../../src/ledger/modules/supply/module.js';
import { decodeEventLog, eventTopic } from '../../../../../src/ledger/modules/supply/records.js';
import { getEvent, getItem, listItems } from '../../../../../src/ledger/modules/supply/queries.js';
import { FakeState } from './fake-state.js';
import { accept, ALICE, BOB, CAROL, refuse, run, supplyTx } from './fixtures.js';

const A = toChecksumAddress(ALICE);
const B = toChecksumAddress(BOB);
const C = toChecksumAddress(CAROL);

const register = (id: string, extra: object = {}): object => ({ op: 'register', id, kind: 'green coffee', ...extra });
const transfer = (id: string, to: string): object => ({ op: 'transfer', id, to });
const checkpoint = (id: string, extra: object = {}): object => ({ op: 'checkpoint', id, bizStep: 'shipping', disposition: 'in_transit', ...extra });
const close = (id: string, extra: object = {}): object => ({ op: 'close', id, ...extra });
const transform = (inputs: string[], outputs: string[]): object => ({ op: 'transform', inputs, outputs: outputs.map((id) => ({ id, kind: 'blend' })) });

let state: FakeState;
beforeEach(() => {
  state = new FakeState();
});

/** A refusal must leave the records exactly as they were and write nothing. */
function refuseCleanly(from: Uint8Array, data: object | string, options: { value?: bigint } = {}): string {
  const before = state.snapshot();
  const writes = state.writes;
  const reason = refuse(state, from, data, options);
  expect(state.snapshot()).toEqual(before);
  expect(state.writes).toBe(writes);
  return reason;
}

describe('createSupplyModule', () => {
  it('is named supply and lives at 0x…2000', () => {
    const module = createSupplyModule();
    expect(module.name).toBe('supply');
    expect(bytesToHex(module.address)).toBe('0x0000000000000000000000000000000000002000');
    expect(module.address).toEqual(SUPPLY_ADDRESS);
    const outcome = module.call(state, { tx: supplyTx(ALICE, register('lot-1')), txIndex: 0, blockNumber: 1 });
    expect(outcome.ok).toBe(true);
  });
});

describe('every operation', () => {
  it('refuses value sent to the module, before reading the document', () => {
    expect(refuseCleanly(ALICE, register('lot-1'), { value: 5n })).toBe(
      'supply operations carry no value: this transaction sends 5 wei, which would be stuck at the supply module; send 0',
    );
    expect(refuseCleanly(ALICE, 'not json', { value: 1n })).toContain('carry no value');
  });

  it('refuses a malformed document with the parser reason', () => {
    expect(refuseCleanly(ALICE, '{"op":"register"')).toBe('invalid supply operation: the data is not valid JSON');
    expect(refuseCleanly(ALICE, { op: 'register', id: 'a' })).toContain('needs the field "kind"');
  });
});

describe('register', () => {
  it('makes the sender owner and custodian, with one Registered event', () => {
    const { logs } = accept(state, ALICE, register('lot-1', { metadata: { farm: 'Finca A' } }), { blockNumber: 7, txIndex: 2 });
    expect(getItem(state, 'lot-1')).toEqual({
      id: 'lot-1',
      kind: 'green coffee',
      owner: ALICE,
      custodian: ALICE,
      metadata: { farm: 'Finca A' },
      status: 'active',
      createdBlock: 7,
      inputs: [],
      outputs: [],
      eventCount: 1,
    });
    expect(logs).toHaveLength(1);
    const event = decodeEventLog(logs[0]!);
    expect(event).toMatchObject({ id: 'lot-1', seq: 0, type: 'Registered', signer: ALICE, blockNumber: 7, txIndex: 2, kind: 'green coffee', metadata: { farm: 'Finca A' } });
    expect(getEvent(state, 'lot-1', 0)).toEqual(event);
  });

  it('emits the log the brief defines: module address, keccak(type), keccak(id)', () => {
    const { logs } = accept(state, ALICE, register('lot-1'));
    expect(logs[0]!.address).toEqual(SUPPLY_ADDRESS);
    expect(logs[0]!.topics).toEqual([keccak256(utf8ToBytes('Registered')), keccak256(utf8ToBytes('lot-1'))]);
  });

  it('records the transaction hash in the event', () => {
    const tx = supplyTx(ALICE, register('lot-1'));
    const outcome = createSupplyModule().call(state, { tx, txIndex: 0, blockNumber: 1 });
    expect(outcome.ok && decodeEventLog(outcome.logs[0]!).txHash).toEqual(tx.hash);
  });

  it('refuses an id that exists, whoever asks and whatever its status', () => {
    accept(state, ALICE, register('lot-1'), { blockNumber: 3 });
    expect(refuseCleanly(BOB, register('lot-1'))).toBe('item "lot-1" already exists (created in block 3); ids are never reused');
    accept(state, ALICE, close('lot-1'));
    expect(refuseCleanly(ALICE, register('lot-1'))).toContain('already exists');
  });
});

describe('transfer', () => {
  beforeEach(() => {
    accept(state, ALICE, register('lot-1'));
  });

  it('moves custody, keeps the owner, and appends a Transferred event', () => {
    const { logs } = accept(state, ALICE, transfer('lot-1', B), { blockNumber: 2 });
    expect(getItem(state, 'lot-1')).toMatchObject({ owner: ALICE, custodian: BOB, eventCount: 2, status: 'active' });
    expect(logs.map((l) => bytesToHex(l.topics[0]!))).toEqual([bytesToHex(eventTopic('Transferred'))]);
    expect(decodeEventLog(logs[0]!)).toMatchObject({ seq: 1, type: 'Transferred', from: ALICE, to: BOB, signer: ALICE });
    expect(listItems(state, { custodian: BOB }).items.map((i) => i.id)).toEqual(['lot-1']);
    expect(listItems(state, { custodian: ALICE }).items).toEqual([]);
    expect(listItems(state, { owner: ALICE }).items.map((i) => i.id)).toEqual(['lot-1']);
  });

  it('accepts a lowercase address', () => {
    accept(state, ALICE, transfer('lot-1', B.toLowerCase()));
    expect(getItem(state, 'lot-1')!.custodian).toEqual(BOB);
  });

  it('lets only the current custodian transfer', () => {
    expect(refuseCleanly(BOB, transfer('lot-1', C))).toBe(`item "lot-1" is held by ${A}, not by the sender ${B}`);
    accept(state, ALICE, transfer('lot-1', B));
    // The owner gave custody away: the owner may no longer move the item.
    expect(refuseCleanly(ALICE, transfer('lot-1', C))).toBe(`item "lot-1" is held by ${B}, not by the sender ${A}`);
    accept(state, BOB, transfer('lot-1', C));
    expect(getItem(state, 'lot-1')!.custodian).toEqual(CAROL);
  });

  it('refuses an unknown item', () => {
    expect(refuseCleanly(ALICE, transfer('lot-9', B))).toBe('item "lot-9" does not exist');
  });

  it('refuses the current custodian, the zero address and the module address', () => {
    expect(refuseCleanly(ALICE, transfer('lot-1', A))).toBe(`item "lot-1" is already held by ${A}`);
    expect(refuseCleanly(ALICE, transfer('lot-1', '0x' + '00'.repeat(20)))).toContain('no one can sign for that address');
    expect(refuseCleanly(ALICE, transfer('lot-1', toChecksumAddress(SUPPLY_ADDRESS)))).toContain('no one can sign for that address');
  });

  it('refuses an address that is not 20 bytes', () => {
    expect(refuseCleanly(ALICE, transfer('lot-1', '0x1234'))).toContain('field "to": not an address');
  });
});

describe('checkpoint', () => {
  beforeEach(() => {
    accept(state, ALICE, register('lot-1'));
  });

  it('appends a Checkpointed event with location, readings, bizStep and disposition', () => {
    const doc = checkpoint('lot-1', { location: 'Port of Rotterdam', readings: { temperature: { value: 4.2, uom: 'CEL' } } });
    const { logs } = accept(state, ALICE, doc, { blockNumber: 5 });
    expect(decodeEventLog(logs[0]!)).toMatchObject({
      seq: 1,
      type: 'Checkpointed',
      location: 'Port of Rotterdam',
      readings: [{ name: 'temperature', value: 4.2, uom: 'CEL' }],
      bizStep: 'shipping',
      disposition: 'in_transit',
      blockNumber: 5,
    });
    expect(getItem(state, 'lot-1')!.eventCount).toBe(2);
    expect(getEvent(state, 'lot-1', 1)).toEqual(decodeEventLog(logs[0]!));
  });

  it('lets only the custodian record a checkpoint', () => {
    expect(refuseCleanly(BOB, checkpoint('lot-1'))).toBe(`item "lot-1" is held by ${A}, not by the sender ${B}`);
    accept(state, ALICE, transfer('lot-1', B));
    accept(state, BOB, checkpoint('lot-1'));
    expect(refuseCleanly(ALICE, checkpoint('lot-1'))).toContain(`not by the sender ${A}`);
  });

  it('refuses an unknown item', () => {
    expect(refuseCleanly(ALICE, checkpoint('nope'))).toBe('item "nope" does not exist');
  });
});

describe('close', () => {
  beforeEach(() => {
    accept(state, ALICE, register('lot-1'));
  });

  it('closes the item with a Closed event carrying the reason', () => {
    const { logs } = accept(state, ALICE, close('lot-1', { reason: 'sold' }));
    expect(getItem(state, 'lot-1')).toMatchObject({ status: 'closed', eventCount: 2 });
    expect(decodeEventLog(logs[0]!)).toMatchObject({ type: 'Closed', reason: 'sold', seq: 1 });
  });

  it('lets only the custodian close', () => {
    expect(refuseCleanly(BOB, close('lot-1'))).toBe(`item "lot-1" is held by ${A}, not by the sender ${B}`);
  });

  it('leaves nothing possible afterwards, for anyone', () => {
    accept(state, ALICE, close('lot-1'));
    const closed = 'item "lot-1" is closed: nothing can happen to it anymore';
    expect(refuseCleanly(ALICE, transfer('lot-1', B))).toBe(closed);
    expect(refuseCleanly(ALICE, checkpoint('lot-1'))).toBe(closed);
    expect(refuseCleanly(ALICE, close('lot-1'))).toBe(closed);
    expect(refuseCleanly(ALICE, transform(['lot-1'], ['x']))).toBe(closed);
    expect(refuseCleanly(BOB, checkpoint('lot-1'))).toBe(closed);
    expect(getItem(state, 'lot-1')!.eventCount).toBe(2);
  });
});

describe('transform', () => {
  beforeEach(() => {
    accept(state, ALICE, register('farm-a'));
    accept(state, BOB, register('farm-b'));
    accept(state, BOB, transfer('farm-b', A));
  });

  it('consumes the inputs and creates outputs owned and held by the sender, linked both ways', () => {
    const { logs } = accept(state, ALICE, { op: 'transform', inputs: ['farm-a', 'farm-b'], outputs: [{ id: 'coop-1', kind: 'blend', metadata: { kg: 120 } }] }, { blockNumber: 9 });
    expect(getItem(state, 'farm-a')).toMatchObject({ status: 'consumed', outputs: ['coop-1'], eventCount: 2 });
    // Bob still owns farm-b; custody went to Alice, who transformed it.
    expect(getItem(state, 'farm-b')).toMatchObject({ status: 'consumed', outputs: ['coop-1'], owner: BOB, custodian: ALICE, eventCount: 3 });
    expect(getItem(state, 'coop-1')).toEqual({
      id: 'coop-1',
      kind: 'blend',
      owner: ALICE,
      custodian: ALICE,
      metadata: { kg: 120 },
      status: 'active',
      createdBlock: 9,
      inputs: ['farm-a', 'farm-b'],
      outputs: [],
      eventCount: 1,
    });
    // One log per touched item: inputs in order, then outputs; the same payload in each.
    const decoded = logs.map(decodeEventLog);
    expect(decoded.map((e) => [e.id, e.seq, e.type])).toEqual([
      ['farm-a', 1, 'Transformed'],
      ['farm-b', 2, 'Transformed'],
      ['coop-1', 0, 'Transformed'],
    ]);
    for (const e of decoded) expect(e).toMatchObject({ inputs: ['farm-a', 'farm-b'], outputs: ['coop-1'] });
    expect(logs.map((l) => l.topics[1])).toEqual(['farm-a', 'farm-b', 'coop-1'].map((id) => keccak256(utf8ToBytes(id))));
  });

  it('splits one input into many outputs', () => {
    accept(state, ALICE, transform(['farm-a'], ['bag-1', 'bag-2', 'bag-3']));
    expect(getItem(state, 'farm-a')!.outputs).toEqual(['bag-1', 'bag-2', 'bag-3']);
    for (const id of ['bag-1', 'bag-2', 'bag-3']) expect(getItem(state, id)).toMatchObject({ inputs: ['farm-a'], status: 'active' });
  });

  it('makes consumed inputs unusable', () => {
    accept(state, ALICE, transform(['farm-a'], ['bag-1', 'bag-2']));
    const consumed = 'item "farm-a" was consumed by a transform into "bag-1", "bag-2": nothing can happen to it anymore';
    expect(refuseCleanly(ALICE, transform(['farm-a'], ['bag-3']))).toBe(consumed);
    expect(refuseCleanly(ALICE, transfer('farm-a', B))).toBe(consumed);
    expect(refuseCleanly(ALICE, checkpoint('farm-a'))).toBe(consumed);
    expect(refuseCleanly(ALICE, close('farm-a'))).toBe(consumed);
  });

  it('refuses an input the sender does not hold, and changes nothing', () => {
    accept(state, BOB, register('farm-c'));
    expect(refuseCleanly(ALICE, transform(['farm-a', 'farm-c'], ['blend']))).toBe(`item "farm-c" is held by ${B}, not by the sender ${A}`);
    expect(getItem(state, 'farm-a')!.status).toBe('active');
    expect(getItem(state, 'blend')).toBeUndefined();
  });

  it('refuses a missing, closed or consumed input', () => {
    expect(refuseCleanly(ALICE, transform(['farm-a', 'ghost'], ['x']))).toBe('item "ghost" does not exist');
    accept(state, ALICE, close('farm-b'));
    expect(refuseCleanly(ALICE, transform(['farm-a', 'farm-b'], ['x']))).toBe('item "farm-b" is closed: nothing can happen to it anymore');
  });

  it('refuses an output id that exists', () => {
    accept(state, CAROL, register('taken'));
    expect(refuseCleanly(ALICE, transform(['farm-a'], ['new', 'taken']))).toBe('output "taken" already exists; a transform creates new items');
  });

  it('refuses duplicated inputs or outputs (document bounds)', () => {
    expect(refuseCleanly(ALICE, transform(['farm-a', 'farm-a'], ['x']))).toContain('input "farm-a" is listed twice');
    expect(refuseCleanly(ALICE, transform(['farm-a'], ['x', 'x']))).toContain('output "x" is listed twice');
  });
});

describe('determinism', () => {
  it('gives the same records and logs on two nodes for the same calls', () => {
    const script: [Uint8Array, object][] = [
      [ALICE, register('b', { metadata: { z: 1, a: [1, 2] } })],
      [ALICE, register('a')],
      [ALICE, checkpoint('a', { readings: { t: 1, rh: { value: 50, uom: 'P1' } } })],
      [ALICE, transform(['a', 'b'], ['c'])],
      [ALICE, transfer('c', B)],
      [BOB, close('c', { reason: 'done' })],
    ];
    const txs = script.map(([from, doc]) => supplyTx(from, doc));
    const replay = (): [FakeState, unknown[]] => {
      const s = new FakeState();
      const module = createSupplyModule();
      const outcomes = txs.map((tx, i) => module.call(s, { tx, txIndex: i, blockNumber: 4 }));
      return [s, outcomes];
    };
    const [s1, o1] = replay();
    const [s2, o2] = replay();
    expect(s1.snapshot()).toEqual(s2.snapshot());
    expect(o1).toEqual(o2);
    expect(o1.every((o) => (o as { ok: boolean }).ok)).toBe(true);
  });

  it('returns the same refusal reason for the same call', () => {
    expect(run(state, ALICE, transfer('x', B))).toEqual(run(new FakeState(), ALICE, transfer('x', B)));
  });
});
