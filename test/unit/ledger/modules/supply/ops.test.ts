import { describe, expect, it } from 'vitest';
import { toChecksumAddress } from '../../../../../src/primitives/address.js';
import { bytesToHex, utf8ToBytes } from '../../../../../src/primitives/hex.js';
import { SupplyError } from '../../../../../src/ledger/modules/supply/errors.js';
import { encodeSupplyOp, parseSupplyOp, type SupplyOp } from '../../../../../src/ledger/modules/supply/ops.js';
import { BIZ_STEPS, DISPOSITIONS } from '../../../../../src/ledger/modules/supply/vocabulary.js';
import { BOB } from './fixtures.js';

function parse(doc: unknown): SupplyOp {
  const parsed = parseSupplyOp(utf8ToBytes(typeof doc === 'string' ? doc : JSON.stringify(doc)));
  if (!parsed.ok) throw new Error(`refused: ${parsed.reason}`);
  return parsed.op;
}

function reason(doc: unknown): string {
  const data = doc instanceof Uint8Array ? doc : utf8ToBytes(typeof doc === 'string' ? doc : JSON.stringify(doc));
  const parsed = parseSupplyOp(data);
  if (parsed.ok) throw new Error(`accepted: ${JSON.stringify(doc)}`);
  return parsed.reason;
}

const checkpoint = { op: 'checkpoint', id: 'lot-1', bizStep: 'shipping', disposition: 'in_transit' };

describe('parseSupplyOp: accepted documents', () => {
  it('reads each operation, optional fields null when absent', () => {
    expect(parse({ op: 'register', id: 'urn:epc:id:sgtin:0614141.107346.2017', kind: 'green coffee' })).toEqual({
      op: 'register',
      id: 'urn:epc:id:sgtin:0614141.107346.2017',
      kind: 'green coffee',
      metadata: null,
    });
    expect(parse({ op: 'register', id: 'a', kind: 'k', metadata: { origin: 'Huila', grade: 1, tags: ['x'] } })).toMatchObject({
      metadata: { origin: 'Huila', grade: 1, tags: ['x'] },
    });
    const transfer = parse({ op: 'transfer', id: 'lot-1', to: toChecksumAddress(BOB) });
    expect(transfer.op === 'transfer' && bytesToHex(transfer.to)).toBe(bytesToHex(BOB));
    expect(parse(checkpoint)).toEqual({ ...checkpoint, location: null, readings: [] });
    expect(parse({ op: 'transform', inputs: ['a', 'b'], outputs: [{ id: 'c', kind: 'blend' }] })).toEqual({
      op: 'transform',
      inputs: ['a', 'b'],
      outputs: [{ id: 'c', kind: 'blend', metadata: null }],
    });
    expect(parse({ op: 'close', id: 'lot-1', reason: 'sold' })).toEqual({ op: 'close', id: 'lot-1', reason: 'sold' });
    expect(parse({ op: 'close', id: 'lot-1' })).toEqual({ op: 'close', id: 'lot-1', reason: null });
  });

  it('sorts readings by name, takes bare numbers and {value, uom}, and turns -0 into 0', () => {
    const op = parse({ ...checkpoint, location: 'Port of Rotterdam', readings: { temperature: { value: 4.2, uom: 'CEL' }, humidity: 61, shock: -0 } });
    expect(op).toMatchObject({
      location: 'Port of Rotterdam',
      readings: [
        { name: 'humidity', value: 61, uom: null },
        { name: 'shock', value: 0, uom: null },
        { name: 'temperature', value: 4.2, uom: 'CEL' },
      ],
    });
    expect(op.op === 'checkpoint' && Object.is(op.readings[1]!.value, 0)).toBe(true);
  });

  it('accepts every CBV 2.0 business step and disposition', () => {
    for (const bizStep of BIZ_STEPS) expect(parse({ ...checkpoint, bizStep })).toMatchObject({ bizStep });
    for (const disposition of DISPOSITIONS) expect(parse({ ...checkpoint, disposition })).toMatchObject({ disposition });
    expect(BIZ_STEPS).toHaveLength(41);
    expect(DISPOSITIONS).toHaveLength(33);
  });

  it('accepts ids at the bounds: 128 characters, the whole charset', () => {
    expect(parse({ op: 'close', id: 'x'.repeat(128) })).toMatchObject({ id: 'x'.repeat(128) });
    expect(parse({ op: 'close', id: 'AZaz09._:/-' })).toMatchObject({ id: 'AZaz09._:/-' });
  });

  it('accepts a document of exactly 8 KiB and 16 readings', () => {
    const base = JSON.stringify({ op: 'close', id: 'a', reason: '' });
    const padded = base.replace('"reason":""', '"reason":"r"') + ' '.repeat(8192 - base.length - 1);
    expect(utf8ToBytes(padded).length).toBe(8192);
    expect(parseSupplyOp(utf8ToBytes(padded)).ok).toBe(true);
    const readings = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`r${i}`, i]));
    expect(parse({ ...checkpoint, readings })).toMatchObject({ readings: expect.arrayContaining([{ name: 'r15', value: 15, uom: null }]) });
  });
});

describe('parseSupplyOp: refusals', () => {
  const cases: [string, unknown, string][] = [
    ['empty data', new Uint8Array(0), 'the transaction has no data'],
    ['invalid UTF-8', Uint8Array.of(0x7b, 0xff, 0x7d), 'not UTF-8'],
    ['not JSON', '{"op":', 'not valid JSON'],
    ['an array', '[1]', 'must be a JSON object with an "op" field, got an array'],
    ['null', 'null', 'got null'],
    ['no op', { id: 'a' }, 'has no "op" field'],
    ['unknown op', { op: 'destroy', id: 'a' }, 'unknown op "destroy"'],
    ['op not a string', { op: 3 }, 'unknown op a number'],
    ['unknown field', { op: 'close', id: 'a', color: 'red' }, 'unknown field "color" in a close operation (allowed: op, id, reason)'],
    ['missing field', { op: 'register', id: 'a' }, 'a register operation needs the field "kind"'],
    ['id not a string', { op: 'close', id: 7 }, 'field "id" must be a string, got a number'],
    ['empty id', { op: 'close', id: '' }, 'field "id" must be 1-128 characters'],
    ['id too long', { op: 'close', id: 'x'.repeat(129) }, 'field "id" must be 1-128 characters'],
    ['id with a space', { op: 'close', id: 'lot 1' }, 'got "lot 1"'],
    ['id with a non-ASCII letter', { op: 'close', id: 'café' }, 'field "id" must be'],
    ['kind too long', { op: 'register', id: 'a', kind: 'k'.repeat(65) }, 'field "kind" must be 1-64 characters'],
    ['kind with an outer space', { op: 'register', id: 'a', kind: ' coffee' }, 'field "kind" must be'],
    ['metadata an array', { op: 'register', id: 'a', kind: 'k', metadata: [] }, 'field "metadata" must be a JSON object, got an array'],
    ['metadata null', { op: 'register', id: 'a', kind: 'k', metadata: null }, 'got null'],
    ['metadata over 2 KiB', { op: 'register', id: 'a', kind: 'k', metadata: { note: 'x'.repeat(2040) } }, 'more than the 2048 allowed'],
    ['metadata too deep', { op: 'register', id: 'a', kind: 'k', metadata: { a: { b: { c: { d: { e: { f: { g: { h: {} } } } } } } } } }, 'nests deeper than 8'],
    ['metadata with an infinite number', '{"op":"register","id":"a","kind":"k","metadata":{"x":1e999}}', 'too large for a double'],
    ['transfer to a non-address', { op: 'transfer', id: 'a', to: '0x1234' }, 'field "to": not an address'],
    ['transfer to a bad checksum', { op: 'transfer', id: 'a', to: '0xA1a1A1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1' }, 'invalid EIP-55 checksum'],
    ['unknown business step', { ...checkpoint, bizStep: 'roasting' }, 'must be a CBV 2.0 business step such as "shipping"'],
    ['business step as a URN', { ...checkpoint, bizStep: 'urn:epcglobal:cbv:bizstep:shipping' }, 'CBV 2.0 business step'],
    ['unknown disposition', { ...checkpoint, disposition: 'lost' }, 'must be a CBV 2.0 disposition'],
    ['missing disposition', { op: 'checkpoint', id: 'a', bizStep: 'shipping' }, 'needs the field "disposition"'],
    ['empty location', { ...checkpoint, location: '' }, 'field "location" must not be empty'],
    ['location with a newline', { ...checkpoint, location: 'a\nb' }, 'must not contain control characters'],
    ['location over 256 bytes', { ...checkpoint, location: 'é'.repeat(129) }, 'at most 256 bytes of UTF-8, got 258'],
    ['location with a lone surrogate', '{"op":"checkpoint","id":"a","bizStep":"shipping","disposition":"active","location":"\\ud800"}', 'unpaired surrogates'],
    ['readings an array', { ...checkpoint, readings: [4.2] }, 'field "readings" must be an object'],
    ['17 readings', { ...checkpoint, readings: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`r${i}`, i])) }, '17 entries, more than the 16'],
    ['reading name with a dash', { ...checkpoint, readings: { 'air-temp': 3 } }, 'reading name "air-temp" must be a letter'],
    ['reading a string', { ...checkpoint, readings: { temperature: '4' } }, 'must be a number or {"value": number'],
    ['reading with an extra field', { ...checkpoint, readings: { temperature: { value: 4, unit: 'C' } } }, 'unknown field "unit" in "readings.temperature"'],
    ['reading without value', { ...checkpoint, readings: { temperature: { uom: 'CEL' } } }, 'needs the field "value"'],
    ['reading with a bad unit', { ...checkpoint, readings: { temperature: { value: 4, uom: '°C' } } }, 'UN/ECE Rec. 20 unit code'],
    ['reading too large', '{"op":"checkpoint","id":"a","bizStep":"shipping","disposition":"active","readings":{"t":1e400}}', 'too large for a double'],
    ['transform without inputs', { op: 'transform', inputs: [], outputs: [{ id: 'b', kind: 'k' }] }, 'field "inputs" must list at least one item'],
    ['transform without outputs', { op: 'transform', inputs: ['a'], outputs: [] }, 'field "outputs" must list at least one item'],
    ['transform with 33 inputs', { op: 'transform', inputs: Array.from({ length: 33 }, (_, i) => `i${i}`), outputs: [{ id: 'o', kind: 'k' }] }, 'lists 33 items, more than the 32'],
    ['transform input twice', { op: 'transform', inputs: ['a', 'a'], outputs: [{ id: 'b', kind: 'k' }] }, 'input "a" is listed twice'],
    ['transform output twice', { op: 'transform', inputs: ['a'], outputs: [{ id: 'b', kind: 'k' }, { id: 'b', kind: 'k' }] }, 'output "b" is listed twice'],
    ['transform output that is an input', { op: 'transform', inputs: ['a'], outputs: [{ id: 'a', kind: 'k' }] }, '"a" is both an input and an output'],
    ['transform input not an id', { op: 'transform', inputs: ['a', 5], outputs: [{ id: 'b', kind: 'k' }] }, 'field "inputs[1]" must be a string'],
    ['transform output not an object', { op: 'transform', inputs: ['a'], outputs: ['b'] }, 'field "outputs[0]" must be an object'],
    ['transform output with an owner', { op: 'transform', inputs: ['a'], outputs: [{ id: 'b', kind: 'k', owner: '0x' }] }, 'unknown field "owner" in "outputs[0]"'],
    ['transform output with a bad id', { op: 'transform', inputs: ['a'], outputs: [{ id: 'b c', kind: 'k' }] }, 'field "outputs[0].id" must be'],
    ['close reason not a string', { op: 'close', id: 'a', reason: 1 }, 'field "reason" must be a string'],
  ];
  for (const [name, doc, expected] of cases) {
    it(`refuses ${name}`, () => {
      const text = reason(doc);
      expect(text).toContain(expected);
      expect(text.startsWith('invalid supply operation: ')).toBe(true);
    });
  }

  it('refuses a document over 8 KiB before reading it', () => {
    const doc = utf8ToBytes(JSON.stringify({ op: 'close', id: 'a' }) + ' '.repeat(8192));
    expect(reason(doc)).toBe(`invalid supply operation: the document is ${doc.length} bytes, more than the 8192 allowed`);
  });

  it('quotes a long user value in bounded form', () => {
    expect(reason({ ...checkpoint, bizStep: 'b'.repeat(500) })).toContain(`"${'b'.repeat(48)}…"`);
  });

  it('never throws, whatever the bytes', () => {
    // A fixed xorshift sequence: the same inputs every run.
    let seed = 0x9e3779b9;
    const next = (): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return seed >>> 0;
    };
    const valid = utf8ToBytes(JSON.stringify({ ...checkpoint, readings: { t: { value: 1, uom: 'CEL' } }, location: 'x' }));
    for (let i = 0; i < 2000; i++) {
      const bytes = valid.slice();
      for (let j = next() % 4; j >= 0; j--) bytes[next() % bytes.length] = next() % 256;
      const parsed = parseSupplyOp(bytes.subarray(0, next() % (bytes.length + 1)));
      expect(typeof parsed.ok).toBe('boolean');
    }
  });
});

describe('encodeSupplyOp', () => {
  const ops: SupplyOp[] = [
    { op: 'register', id: 'lot-1', kind: 'green coffee', metadata: { farm: 'La Esperanza', kg: 60 } },
    { op: 'register', id: 'lot-2', kind: 'k', metadata: null },
    { op: 'transfer', id: 'lot-1', to: BOB },
    {
      op: 'checkpoint',
      id: 'lot-1',
      location: 'urn:epc:id:sgln:0614141.00777.0',
      readings: [
        { name: 'humidity', value: 61.5, uom: null },
        { name: 'temperature', value: 4.2, uom: 'CEL' },
      ],
      bizStep: 'storing',
      disposition: 'in_progress',
    },
    { op: 'checkpoint', id: 'lot-1', location: null, readings: [], bizStep: 'receiving', disposition: 'active' },
    { op: 'transform', inputs: ['lot-1', 'lot-2'], outputs: [{ id: 'blend-1', kind: 'blend', metadata: { roast: 'medium' } }, { id: 'blend-2', kind: 'blend', metadata: null }] },
    { op: 'close', id: 'blend-1', reason: 'sold at retail' },
    { op: 'close', id: 'blend-2', reason: null },
  ];
  for (const op of ops) {
    it(`round-trips ${op.op} ${JSON.stringify(op).slice(0, 60)}`, () => {
      const parsed = parseSupplyOp(encodeSupplyOp(op));
      expect(parsed).toEqual({ ok: true, op });
    });
  }

  it('throws the reason the module would give for an op out of bounds', () => {
    expect(() => encodeSupplyOp({ op: 'close', id: 'no spaces', reason: null })).toThrow(SupplyError);
    expect(() => encodeSupplyOp({ op: 'close', id: 'no spaces', reason: null })).toThrow('field "id" must be');
  });

  it('refuses a number JSON cannot write rather than recording null in its place', () => {
    // JSON.parse('{"a":1e999}') gives Infinity, as `cairn supply register --metadata` would pass it on.
    const register: SupplyOp = { op: 'register', id: 'lot-1', kind: 'k', metadata: { a: { b: Infinity } } };
    expect(() => encodeSupplyOp(register)).toThrow('field "metadata" holds a number too large for a double');
    const transform: SupplyOp = { op: 'transform', inputs: ['lot-1'], outputs: [{ id: 'o-1', kind: 'k', metadata: { n: -Infinity } }] };
    expect(() => encodeSupplyOp(transform)).toThrow('field "outputs[0].metadata" holds a number too large for a double');
    const checkpoint: SupplyOp = {
      op: 'checkpoint',
      id: 'lot-1',
      location: null,
      readings: [{ name: 'temperature', value: Number.NaN, uom: 'CEL' }],
      bizStep: 'storing',
      disposition: 'active',
    };
    expect(() => encodeSupplyOp(checkpoint)).toThrow('field "readings.temperature" must be a finite number, got NaN');
  });

  it('writes the transfer address checksummed', () => {
    const text = new TextDecoder().decode(encodeSupplyOp({ op: 'transfer', id: 'a', to: BOB }));
    expect(text).toBe(`{"op":"transfer","id":"a","to":"${toChecksumAddress(BOB)}"}`);
  });
});
