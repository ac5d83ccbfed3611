import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/cli/errors.js';
import {
  operationData,
  parseBizStep,
  parseDisposition,
  parseMetadata,
  parseOutput,
  parseReading,
  parseReadings,
} from '../../../src/cli/supply/ops.js';
import { parseSupplyOp } from '../../../src/ledger/modules/supply/index.js';
import { bytesToUtf8 } from '../../../src/primitives/hex.js';

describe('parseReading', () => {
  it('reads name=value with an optional unit, with or without a space', () => {
    expect(parseReading('temperature=4.2CEL')).toEqual({ name: 'temperature', value: 4.2, uom: 'CEL' });
    expect(parseReading('humidity=61 P1')).toEqual({ name: 'humidity', value: 61, uom: 'P1' });
    expect(parseReading('shock=0')).toEqual({ name: 'shock', value: 0, uom: null });
    expect(parseReading('temperature=-18.5CEL')).toEqual({ name: 'temperature', value: -18.5, uom: 'CEL' });
    expect(parseReading('count=1e3')).toEqual({ name: 'count', value: 1000, uom: null });
    expect(parseReading('weight=.5KGM')).toEqual({ name: 'weight', value: 0.5, uom: 'KGM' });
  });

  it('keeps -0 out of the operation', () => {
    expect(Object.is(parseReading('delta=-0').value, 0)).toBe(true);
  });

  it('refuses what is not name=value[unit], naming the flag', () => {
    for (const bad of ['temperature', 'temperature=', '=4', 'temperature=warm', 'temperature=4.2 °C', 'a=1=2', 'temperature=4,2CEL']) {
      expect(() => parseReading(bad), bad).toThrow(UsageError);
      expect(() => parseReading(bad), bad).toThrow(/--reading/);
    }
  });

  it('refuses a value too large for a double', () => {
    expect(() => parseReading('x=1e999')).toThrow(/too large/);
  });
});

describe('parseReadings', () => {
  it('sorts by name as the module keeps them', () => {
    expect(parseReadings(['temperature=4CEL', 'humidity=60P1']).map((r) => r.name)).toEqual(['humidity', 'temperature']);
    expect(parseReadings([])).toEqual([]);
  });

  it('refuses a name given twice instead of keeping one of them silently', () => {
    expect(() => parseReadings(['temperature=4CEL', 'temperature=5CEL'])).toThrow(/"temperature" is given twice/);
  });
});

describe('parseOutput', () => {
  it('splits at the last colon, so URN ids keep theirs', () => {
    expect(parseOutput('roast-7:roasted coffee')).toEqual({ id: 'roast-7', kind: 'roasted coffee', metadata: null });
    expect(parseOutput('urn:epc:id:sgtin:0614141.107346.2018:pallet')).toEqual({ id: 'urn:epc:id:sgtin:0614141.107346.2018', kind: 'pallet', metadata: null });
  });

  it('refuses an output without an id or a kind', () => {
    for (const bad of ['roast-7', 'roast-7:', ':coffee', '']) expect(() => parseOutput(bad), bad).toThrow(/--output .* is not id:kind/);
  });
});

describe('parseMetadata', () => {
  it('reads a JSON object, and null when the flag is absent', () => {
    expect(parseMetadata('{"farm":"Finca Aurora","weightKg":600}')).toEqual({ farm: 'Finca Aurora', weightKg: 600 });
    expect(parseMetadata(undefined)).toBeNull();
  });

  it('refuses JSON that is not an object, and text that is not JSON', () => {
    expect(() => parseMetadata('[1,2]')).toThrow(/must be a JSON object/);
    expect(() => parseMetadata('"x"')).toThrow(/must be a JSON object/);
    expect(() => parseMetadata('null')).toThrow(/must be a JSON object/);
    expect(() => parseMetadata("{farm: 'x'}")).toThrow(/not valid JSON/);
  });
});

describe('parseBizStep and parseDisposition', () => {
  it('accept the CBV 2.0 words', () => {
    expect(parseBizStep('receiving')).toBe('receiving');
    expect(parseDisposition('in_transit')).toBe('in_transit');
  });

  it('say which flag is missing or wrong, and list the words', () => {
    expect(() => parseBizStep(undefined)).toThrow(/--biz-step is required.*shipping/);
    expect(() => parseBizStep('roasting')).toThrow(/--biz-step "roasting" is not a CBV 2.0 business step/);
    expect(() => parseDisposition(undefined)).toThrow(/--disposition is required.*in_transit/);
    expect(() => parseDisposition('fine')).toThrow(/--disposition "fine" is not a CBV 2.0 disposition/);
  });
});

describe('operationData', () => {
  it('encodes an operation the module parses back to the same operation', () => {
    const op = {
      op: 'checkpoint',
      id: 'lot-1',
      location: 'Port of Cartagena',
      readings: parseReadings(['temperature=4.2CEL', 'humidity=61P1']),
      bizStep: 'transporting',
      disposition: 'in_transit',
    } as const;
    const data = operationData(op);
    expect(parseSupplyOp(data)).toEqual({ ok: true, op });
    expect(JSON.parse(bytesToUtf8(data))).toMatchObject({ op: 'checkpoint', readings: { temperature: { value: 4.2, uom: 'CEL' } } });
  });

  it("turns a bound the module would refuse into a usage error with the module's reason", () => {
    expect(() => operationData({ op: 'register', id: 'bad id', kind: 'coffee', metadata: null })).toThrow(UsageError);
    expect(() => operationData({ op: 'register', id: 'bad id', kind: 'coffee', metadata: null })).toThrow(/field "id" must be 1-128 characters/);
    expect(() => operationData({ op: 'checkpoint', id: 'lot-1', location: null, readings: [parseReading('temperature=4cel')], bizStep: 'storing', disposition: 'active' })).toThrow(
      /UN\/ECE Rec. 20 unit code/,
    );
    expect(() => operationData({ op: 'transform', inputs: ['a'], outputs: [parseOutput('a:coffee')] })).toThrow(/"a" is both an input and an output/);
  });

  it('refuses --metadata with a number too large for a double instead of registering null in its place', () => {
    const op = { op: 'register', id: 'lot-1', kind: 'coffee', metadata: parseMetadata('{"weightKg":1e999}') } as const;
    expect(() => operationData(op)).toThrow(UsageError);
    expect(() => operationData(op)).toThrow(/field "metadata" holds a number too large for a double/);
  });
});
