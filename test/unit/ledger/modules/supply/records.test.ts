import { describe, expect, it } from 'vitest';
import { DecodingError } from '../../../../../src/primitives/errors.js';
import { keccak256 } from '../../../../../src/primitives/hash.js';
import { bytesToHex, bytesToUtf8, concatBytes, utf8ToBytes } from '../../../../../src/primitives/hex.js';
import { rlpDecode, rlpEncode, type RlpInput, type RlpValue } from '../../../../../src/primitives/rlp.js';
import {
  custodianIndexKey,
  decodeEvent,
  decodeEventLog,
  decodeItem,
  encodeEvent,
  encodeItem,
  eventKey,
  eventLog,
  eventTopic,
  itemKey,
  ownerIndexKey,
  SUPPLY_ADDRESS,
  type SupplyEvent,
  type SupplyItem,
} from '../../../../../src/ledger/modules/supply/records.js';
import { ALICE, BOB } from './fixtures.js';

const TX = keccak256(utf8ToBytes('tx'));

const item: SupplyItem = {
  id: 'urn:epc:id:sgtin:0614141.107346.2017',
  kind: 'roasted coffee',
  owner: ALICE,
  custodian: BOB,
  metadata: { roast: 'medium', batch: { n: 3, tags: ['a', 'b'] } },
  status: 'consumed',
  createdBlock: 12,
  inputs: ['lot-1', 'lot-2'],
  outputs: ['bag-1'],
  eventCount: 4,
};

const base = { id: 'lot-1', seq: 3, signer: ALICE, txHash: TX, blockNumber: 1_000_000, txIndex: 7 };
const events: SupplyEvent[] = [
  { ...base, seq: 0, type: 'Registered', kind: 'green coffee', metadata: { farm: 'x' } },
  { ...base, type: 'Registered', kind: 'green coffee', metadata: null },
  { ...base, type: 'Transferred', from: ALICE, to: BOB },
  {
    ...base,
    type: 'Checkpointed',
    location: 'Port of Rotterdam',
    readings: [
      { name: 'humidity', value: 61.5, uom: null },
      { name: 'temperature', value: -18.25, uom: 'CEL' },
    ],
    bizStep: 'storing',
    disposition: 'in_progress',
  },
  { ...base, type: 'Checkpointed', location: null, readings: [], bizStep: 'receiving', disposition: 'active' },
  { ...base, type: 'Transformed', inputs: ['lot-1', 'lot-2'], outputs: ['blend-1'] },
  { ...base, type: 'Closed', reason: 'sold' },
  { ...base, type: 'Closed', reason: null },
];

/** The RLP of `bytes` with field `index` replaced (a path into nested lists). */
function tamper(bytes: Uint8Array, path: number[], value: RlpInput): Uint8Array {
  const root = rlpDecode(bytes) as RlpValue[];
  let list = root;
  for (const i of path.slice(0, -1)) list = list[i] as RlpValue[];
  (list as RlpInput[])[path[path.length - 1]!] = value;
  return rlpEncode(root as RlpInput);
}

describe('record keys', () => {
  it('follow the documented layout', () => {
    expect(bytesToUtf8(itemKey('lot-1'))).toBe('supply/item/lot-1');
    const hash = bytesToHex(keccak256(utf8ToBytes('lot-1'))).slice(2);
    expect(bytesToUtf8(eventKey('lot-1', 0))).toBe(`supply/event/${hash}/0000000000000000`);
    expect(bytesToUtf8(eventKey('lot-1', 255))).toBe(`supply/event/${hash}/00000000000000ff`);
    expect(bytesToUtf8(ownerIndexKey(ALICE, 'lot-1'))).toBe(`supply/owner/${'a1'.repeat(20)}/lot-1`);
    expect(bytesToUtf8(custodianIndexKey(BOB, 'lot-1'))).toBe(`supply/custodian/${'b0'.repeat(20)}/lot-1`);
  });

  it('sort event keys in sequence order', () => {
    const keys = [0, 9, 10, 255, 4096].map((seq) => bytesToHex(eventKey('a', seq)));
    expect([...keys].sort()).toEqual(keys);
  });
});

describe('item codec', () => {
  it('round-trips, and re-encodes to the same bytes', () => {
    const bytes = encodeItem(item);
    expect(decodeItem(bytes)).toEqual(item);
    expect(encodeItem(decodeItem(bytes))).toEqual(bytes);
    const plain: SupplyItem = { ...item, metadata: null, status: 'active', inputs: [], outputs: [], eventCount: 1 };
    expect(decodeItem(encodeItem(plain))).toEqual(plain);
  });

  it('stores metadata as canonical JSON whatever the member order', () => {
    const a = encodeItem({ ...item, metadata: { b: 1, a: { d: 2, c: 3 } } });
    const b = encodeItem({ ...item, metadata: { a: { c: 3, d: 2 }, b: 1 } });
    expect(a).toEqual(b);
    expect(bytesToUtf8((rlpDecode(a) as Uint8Array[])[4]!)).toBe('{"a":{"c":3,"d":2},"b":1}');
  });

  const bad: [string, (bytes: Uint8Array) => Uint8Array, string][] = [
    ['a trailing byte', (b) => concatBytes(b, Uint8Array.of(0)), 'trailing bytes'],
    ['a missing field', (b) => rlpEncode((rlpDecode(b) as RlpInput[]).slice(0, 9)), 'expected 10 fields'],
    ['an unknown status', (b) => tamper(b, [5], 3), 'supply item.status: expected 0, 1 or 2'],
    ['a consumed item without outputs', (b) => tamper(b, [8], []), 'a consumed item must have outputs'],
    ['an active item with outputs', (b) => tamper(b, [5], 0), 'a active item cannot have outputs'],
    ['a short owner', (b) => tamper(b, [2], new Uint8Array(19)), 'supply item.owner: expected 20 bytes'],
    ['an invalid id', (b) => tamper(b, [0], 'lot 1'), 'supply item.id: must be'],
    ['non-canonical metadata', (b) => tamper(b, [4], '{"b":1,"a":2}'), 'not the canonical JSON'],
    ['metadata that is not an object', (b) => tamper(b, [4], '[1]'), 'not the canonical JSON'],
    ['metadata that is not JSON', (b) => tamper(b, [4], '{'), 'not JSON'],
    ['a duplicated input', (b) => tamper(b, [7], ['a', 'a']), 'listed twice'],
    ['no events', (b) => tamper(b, [9], 0), 'at least the event that created it'],
    ['a non-canonical integer', (b) => tamper(b, [6], Uint8Array.of(0, 12)), 'leading zero'],
    ['invalid UTF-8 in the kind', (b) => tamper(b, [1], Uint8Array.of(0xff)), 'supply item.kind: not UTF-8'],
  ];
  for (const [name, change, message] of bad) {
    it(`refuses ${name}`, () => {
      const bytes = change(encodeItem(item));
      expect(() => decodeItem(bytes)).toThrow(DecodingError);
      expect(() => decodeItem(bytes)).toThrow(message);
    });
  }
});

describe('event codec', () => {
  events.forEach((event, i) => {
    it(`round-trips ${event.type} #${i}`, () => {
      const bytes = encodeEvent(event);
      expect(decodeEvent(bytes)).toEqual(event);
      expect(encodeEvent(decodeEvent(bytes))).toEqual(bytes);
    });
  });

  const checkpoint = encodeEvent(events[3]!);
  const bad: [string, Uint8Array, string][] = [
    ['an unknown type', tamper(checkpoint, [2], 5), 'supply event.type: expected 0-4'],
    ['a payload of another type', tamper(checkpoint, [2], 4), 'expected 1 fields'],
    ['a short tx hash', tamper(checkpoint, [4], new Uint8Array(31)), 'supply event.txHash: expected 32 bytes'],
    ['an unknown business step', tamper(checkpoint, [7, 2], 'roasting'), 'not a CBV business step'],
    ['an unknown disposition', tamper(checkpoint, [7, 3], 'lost'), 'not a CBV disposition'],
    ['readings out of order', tamper(checkpoint, [7, 1], [['temperature', '1', ''], ['humidity', '2', '']]), 'strictly ascending'],
    ['a reading twice', tamper(checkpoint, [7, 1], [['t', '1', ''], ['t', '2', '']]), 'strictly ascending'],
    ['a reading in a longer form', tamper(checkpoint, [7, 1], [['t', '4.20', '']]), 'shortest form'],
    ['a reading that is not a number', tamper(checkpoint, [7, 1], [['t', 'NaN', '']]), 'shortest form'],
    ['a reading with a bad unit', tamper(checkpoint, [7, 1], [['t', '1', 'cel']]), 'UN/ECE'],
    ['a location with a control character', tamper(checkpoint, [7, 0], 'a\u0007'), 'control characters'],
    ['a transform with no outputs', tamper(encodeEvent(events[5]!), [7, 1], []), 'expected 1-32 ids'],
    ['a transform whose output is an input', tamper(encodeEvent(events[5]!), [7, 1], ['lot-2']), 'both an input and an output'],
  ];
  for (const [name, bytes, message] of bad) {
    it(`refuses ${name}`, () => {
      expect(() => decodeEvent(bytes)).toThrow(DecodingError);
      expect(() => decodeEvent(bytes)).toThrow(message);
    });
  }
});

describe('event logs', () => {
  it('carry the module address, the type and id topics, and the event record as data', () => {
    const event = events[2]!;
    const log = eventLog(event);
    expect(log.address).toEqual(SUPPLY_ADDRESS);
    expect(bytesToHex(log.address)).toBe('0x0000000000000000000000000000000000002000');
    expect(log.topics).toEqual([keccak256(utf8ToBytes('Transferred')), keccak256(utf8ToBytes('lot-1'))]);
    expect(log.data).toEqual(encodeEvent(event));
    expect(decodeEventLog(log)).toEqual(event);
  });

  it('have one topic per event type', () => {
    const topics = new Set(['Registered', 'Transferred', 'Checkpointed', 'Transformed', 'Closed'].map((t) => bytesToHex(eventTopic(t as SupplyEvent['type']))));
    expect(topics.size).toBe(5);
    expect(topics.has(bytesToHex(keccak256(utf8ToBytes('Registered'))))).toBe(true);
  });

  it('refuse a log whose address or topics do not match its data', () => {
    const log = eventLog(events[2]!);
    expect(() => decodeEventLog({ ...log, address: ALICE })).toThrow('is not the supply module');
    expect(() => decodeEventLog({ ...log, topics: [eventTopic('Closed'), log.topics[1]!] })).toThrow('topics do not match');
    expect(() => decodeEventLog({ ...log, topics: [log.topics[0]!, keccak256(utf8ToBytes('lot-2'))] })).toThrow('topics do not match');
    expect(() => decodeEventLog({ ...log, topics: [...log.topics, TX] })).toThrow('topics do not match');
  });
});
