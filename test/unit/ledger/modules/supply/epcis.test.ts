import { describe, expect, it } from 'vitest';
import { toChecksumAddress } from '../../../../../src/primitives/address.js';
import { bytesToHex } from '../../../../../src/primitives/hex.js';
import { CAIRN_NAMESPACE, EPCIS_CONTEXT, exportEpcis, isoTime, itemUri } from '../../../../../src/ledger/modules/supply/epcis.js';
import type { JsonObject, JsonValue } from '../../../../../src/ledger/modules/supply/json.js';
import { getHistory } from '../../../../../src/ledger/modules/supply/queries.js';
import type { SupplyEvent } from '../../../../../src/ledger/modules/supply/records.js';
import { BIZ_STEPS, DISPOSITIONS } from '../../../../../src/ledger/modules/supply/vocabulary.js';
import { FakeState } from './fake-state.js';
import { accept, ALICE, BOB } from './fixtures.js';

const T0 = 1_714_564_800_000; // 2024-05-01T12:00:00.000Z
const timestampOf = (blockNumber: number): number => T0 + blockNumber * 1500;
const CHAIN_ID = 1337n;

/** Histories of a small supply chain: two lots merged, checkpointed, handed over and closed. */
function histories(): { lot: readonly SupplyEvent[]; blend: readonly SupplyEvent[] } {
  const state = new FakeState();
  accept(state, ALICE, { op: 'register', id: 'urn:epc:id:sgtin:0614141.107346.2017', kind: 'green coffee', metadata: { farm: 'Finca A' } }, { blockNumber: 1 });
  accept(state, ALICE, { op: 'register', id: 'lot-b', kind: 'green coffee' }, { blockNumber: 1, txIndex: 1 });
  accept(
    state,
    ALICE,
    {
      op: 'checkpoint',
      id: 'lot-b',
      location: 'urn:epc:id:sgln:0614141.00777.0',
      readings: { temperature: { value: 4.2, uom: 'CEL' }, humidity: 61, shock: 0.5 },
      bizStep: 'storing',
      disposition: 'in_progress',
    },
    { blockNumber: 2 },
  );
  accept(state, ALICE, { op: 'checkpoint', id: 'lot-b', location: 'Warehouse 7, Huila', bizStep: 'inspecting', disposition: 'conformant' }, { blockNumber: 3 });
  accept(state, ALICE, { op: 'transform', inputs: ['urn:epc:id:sgtin:0614141.107346.2017', 'lot-b'], outputs: [{ id: 'blend', kind: 'blend' }] }, { blockNumber: 4 });
  accept(state, ALICE, { op: 'transfer', id: 'blend', to: toChecksumAddress(BOB) }, { blockNumber: 5 });
  accept(state, BOB, { op: 'close', id: 'blend', reason: 'sold' }, { blockNumber: 6 });
  return { lot: getHistory(state, 'lot-b')!.events, blend: getHistory(state, 'blend')!.events };
}

function exportOf(events: readonly SupplyEvent[]): JsonObject {
  const doc = exportEpcis({ events, timestampOf, creationDate: T0 + 60_000, chainId: CHAIN_ID });
  // What a client receives: the document after a JSON round trip.
  return JSON.parse(JSON.stringify(doc)) as JsonObject;
}

function eventList(doc: JsonObject): JsonObject[] {
  return ((doc.epcisBody as JsonObject).eventList as JsonValue[]).map((e) => e as JsonObject);
}

const URI = /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The members EPCIS 2.0 requires of every event and of each event type (the standard's JSON schema). */
function checkRequired(event: JsonObject): void {
  expect(typeof event.eventTime === 'string' && DATE_TIME.test(event.eventTime)).toBe(true);
  expect(event.eventTimeZoneOffset).toMatch(/^[+-]((0\d|1[0-3]):[0-5]\d|14:00)$/);
  expect(event.eventID).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  if (event.bizStep !== undefined) expect(BIZ_STEPS).toContain(event.bizStep);
  if (event.disposition !== undefined) expect(DISPOSITIONS).toContain(event.disposition);
  for (const key of Object.keys(event)) {
    // Standard members are bare; everything else is in the declared cairn: namespace.
    if (key.includes(':')) expect(key.startsWith('cairn:')).toBe(true);
  }
  if (event.type === 'ObjectEvent') {
    expect(['ADD', 'OBSERVE', 'DELETE']).toContain(event.action);
    const epcList = event.epcList as string[];
    expect(epcList.length).toBeGreaterThan(0);
    for (const epc of epcList) expect(epc).toMatch(URI);
    if (event.action !== 'ADD') expect(event).not.toHaveProperty('ilmd');
  } else {
    expect(event.type).toBe('TransformationEvent');
    expect((event.inputEPCList as string[]).length).toBeGreaterThan(0);
    expect((event.outputEPCList as string[]).length).toBeGreaterThan(0);
    for (const epc of [...(event.inputEPCList as string[]), ...(event.outputEPCList as string[])]) expect(epc).toMatch(URI);
    expect(event.transformationID).toMatch(URI);
    expect(event).not.toHaveProperty('action');
  }
}

describe('exportEpcis', () => {
  it('makes an EPCIS 2.0 document with the GS1 context and the cairn namespace', () => {
    const doc = exportOf(histories().lot);
    expect(doc['@context']).toEqual([EPCIS_CONTEXT, { cairn: CAIRN_NAMESPACE }]);
    expect(EPCIS_CONTEXT).toBe('https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld');
    expect(doc.type).toBe('EPCISDocument');
    expect(doc.schemaVersion).toBe('2.0');
    expect(doc.creationDate).toBe('2024-05-01T12:01:00.000Z');
  });

  it('gives every event the fields its type requires', () => {
    const { lot, blend } = histories();
    const events = [...eventList(exportOf(lot)), ...eventList(exportOf(blend))];
    expect(events).toHaveLength(7);
    for (const event of events) checkRequired(event);
  });

  it('maps register, checkpoints and transform of a lot', () => {
    const { lot } = histories();
    const [registered, stored, inspected, transformed] = eventList(exportOf(lot));
    expect(registered).toMatchObject({
      type: 'ObjectEvent',
      eventTime: '2024-05-01T12:00:01.500Z',
      eventTimeZoneOffset: '+00:00',
      epcList: [`${CAIRN_NAMESPACE}item:lot-b`],
      action: 'ADD',
      bizStep: 'commissioning',
      disposition: 'active',
      ilmd: { 'cairn:kind': 'green coffee' },
      'cairn:txHash': bytesToHex(lot[0]!.txHash),
      'cairn:blockNumber': 1,
      'cairn:txIndex': 1,
      'cairn:signer': `did:pkh:eip155:1337:${toChecksumAddress(ALICE)}`,
    });
    expect(stored).toMatchObject({
      action: 'OBSERVE',
      bizStep: 'storing',
      disposition: 'in_progress',
      readPoint: { id: 'urn:epc:id:sgln:0614141.00777.0' },
      sensorElementList: [
        {
          sensorReport: [
            { type: 'gs1:RelativeHumidity', value: 61 },
            { type: 'cairn:shock', value: 0.5 },
            { type: 'gs1:Temperature', value: 4.2, uom: 'CEL' },
          ],
        },
      ],
    });
    expect(stored).not.toHaveProperty('cairn:location');
    // A location that is not a URI cannot be a readPoint: it is kept in the extension.
    expect(inspected).toMatchObject({ bizStep: 'inspecting', disposition: 'conformant', 'cairn:location': 'Warehouse 7, Huila' });
    expect(inspected).not.toHaveProperty('readPoint');
    expect(inspected).not.toHaveProperty('sensorElementList');
    expect(transformed).toMatchObject({
      type: 'TransformationEvent',
      inputEPCList: ['urn:epc:id:sgtin:0614141.107346.2017', `${CAIRN_NAMESPACE}item:lot-b`],
      outputEPCList: [`${CAIRN_NAMESPACE}item:blend`],
    });
  });

  it('maps transfer to a change of possessing party and close to a DELETE', () => {
    const { blend } = histories();
    const [, transferred, closed] = eventList(exportOf(blend));
    expect(transferred).toMatchObject({
      type: 'ObjectEvent',
      action: 'OBSERVE',
      bizStep: 'shipping',
      disposition: 'in_transit',
      sourceList: [{ type: 'possessing_party', source: `did:pkh:eip155:1337:${toChecksumAddress(ALICE)}` }],
      destinationList: [{ type: 'possessing_party', destination: `did:pkh:eip155:1337:${toChecksumAddress(BOB)}` }],
    });
    expect(closed).toMatchObject({ action: 'DELETE', bizStep: 'decommissioning', disposition: 'inactive', 'cairn:reason': 'sold' });
  });

  it('names one transform with one eventID in the histories of its input and its output, and events apart', () => {
    const { lot, blend } = histories();
    const fromLot = eventList(exportOf(lot))[3]!;
    const fromBlend = eventList(exportOf(blend))[0]!;
    expect(fromLot.eventID).toBe(fromBlend.eventID);
    expect(fromLot.transformationID).toBe(fromBlend.transformationID);
    expect(fromLot.transformationID).not.toBe(fromLot.eventID);
    const ids = eventList(exportOf(lot)).map((e) => e.eventID);
    expect(new Set(ids).size).toBe(ids.length);
    expect(exportOf(lot)).toEqual(exportOf(lot));
  });

  it('exports an empty history as a document with an empty event list', () => {
    expect(eventList(exportOf([]))).toEqual([]);
  });
});

describe('itemUri', () => {
  it('keeps URIs and puts other ids in the cairn namespace', () => {
    expect(itemUri('urn:epc:id:sgtin:0614141.107346.2017')).toBe('urn:epc:id:sgtin:0614141.107346.2017');
    expect(itemUri('https://id.gs1.org/01/09506000134352/21/2017')).toBe('https://id.gs1.org/01/09506000134352/21/2017');
    expect(itemUri('lot-1')).toBe('urn:cairn:supply:item:lot-1');
    expect(itemUri('9:30')).toBe('urn:cairn:supply:item:9:30');
  });

  it("gives an id that spells another item's EPC an EPC of its own", () => {
    const taken = itemUri('lot-1');
    for (const impostor of [taken, 'URN:CAIRN:supply:item:lot-1', 'cairn:item:lot-1']) {
      expect(itemUri(impostor)).not.toBe(taken);
      expect(itemUri(impostor)).toBe(`urn:cairn:supply:item:${impostor}`);
    }
  });
});

describe('isoTime', () => {
  it('formats like Date.prototype.toISOString across leap years and centuries', () => {
    const samples = [0, 951_782_400_000, 951_868_799_999, 1_709_164_800_000, 4_107_542_400_000, 253_402_300_799_999];
    for (let ms = 0; ms < 4_000_000_000_000; ms += 7_777_777_777) samples.push(ms);
    for (const ms of samples) expect(isoTime(ms)).toBe(new Date(ms).toISOString());
  });

  it('refuses times it cannot write', () => {
    expect(() => isoTime(-1)).toThrow(RangeError);
    expect(() => isoTime(1.5)).toThrow(RangeError);
    expect(() => isoTime(253_402_300_800_000)).toThrow(RangeError);
  });
});
