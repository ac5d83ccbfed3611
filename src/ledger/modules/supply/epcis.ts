import { keccak256 } from '../../../primitives/hash.js';
import { bytesToHex, concatBytes, utf8ToBytes } from '../../../primitives/hex.js';
import type { JsonObject, JsonValue } from './json.js';
import type { Reading } from './ops.js';
import type { SupplyEvent } from './records.js';
import { checksummed, type TimestampOf } from './views.js';
import { gs1MeasurementType } from './vocabulary.js';

/**
 * An item's history as a GS1 EPCIS 2.0 JSON-LD document.
 *
 * - Registered   → ObjectEvent ADD, bizStep commissioning, disposition active;
 *                  kind and metadata as instance/lot master data (ilmd).
 * - Transferred  → ObjectEvent OBSERVE, bizStep shipping, disposition in_transit,
 *                  sourceList / destinationList of possessing_party (old and new custodian).
 * - Checkpointed → ObjectEvent OBSERVE with the operation's bizStep and disposition,
 *                  readPoint when the location is a URI, readings as one sensorElement.
 * - Transformed  → TransformationEvent with inputEPCList, outputEPCList, transformationID.
 * - Closed       → ObjectEvent DELETE, bizStep decommissioning, disposition inactive.
 *
 * Identifiers: an item id that is already a URI (urn:epc:id:sgtin:…, a GS1
 * Digital Link) is its EPC; any other id, and any id in the cairn namespace,
 * becomes urn:cairn:supply:item:<id>.
 * Parties are did:pkh:eip155:<chainId>:<address> (CAIP-10). eventID is a
 * urn:uuid (RFC 9562 version 8) derived from the transaction hash, so every
 * export of one event names it the same way, and a transform has one eventID
 * in the histories of all its inputs and outputs. (The CBV 2.0 event hash ID,
 * ni:///sha-256;…, is not used: it hashes a canonical form of the whole event
 * that this module does not build.)
 *
 * What the standard has no field for (the transaction, block, signer, a
 * location that is not a URI, a close reason, readings without a GS1
 * measurement type) sits in members of the `cairn:` namespace declared in
 * the document's @context.
 */

export const EPCIS_CONTEXT = 'https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld';
export const CAIRN_NAMESPACE = 'urn:cairn:supply:';

export interface EpcisExportInput {
  /** An item's events, in history order. */
  readonly events: readonly SupplyEvent[];
  readonly timestampOf: TimestampOf;
  /** When the document is made, in milliseconds since the Unix epoch (the caller's clock). */
  readonly creationDate: number;
  /** The chain id, for party identifiers. */
  readonly chainId: bigint;
}

export function exportEpcis(input: EpcisExportInput): JsonObject {
  return {
    '@context': [EPCIS_CONTEXT, { cairn: CAIRN_NAMESPACE }],
    type: 'EPCISDocument',
    schemaVersion: '2.0',
    creationDate: isoTime(input.creationDate),
    epcisBody: { eventList: input.events.map((event) => epcisEvent(event, input)) },
  };
}

function epcisEvent(event: SupplyEvent, input: EpcisExportInput): JsonObject {
  const party = (address: Uint8Array): string => partyUri(address, input.chainId);
  const common = {
    eventID: uuidUrn('cairn supply event', event.txHash),
    eventTime: isoTime(input.timestampOf(event.blockNumber)),
    eventTimeZoneOffset: '+00:00',
  };
  const cairn = {
    'cairn:txHash': bytesToHex(event.txHash),
    'cairn:blockNumber': event.blockNumber,
    'cairn:txIndex': event.txIndex,
    'cairn:signer': party(event.signer),
  };
  const epcList = [itemUri(event.id)];
  switch (event.type) {
    case 'Registered':
      return {
        type: 'ObjectEvent',
        ...common,
        epcList,
        action: 'ADD',
        bizStep: 'commissioning',
        disposition: 'active',
        ilmd: { 'cairn:kind': event.kind, ...(event.metadata ? { 'cairn:metadata': event.metadata } : {}) },
        ...cairn,
      };
    case 'Transferred':
      return {
        type: 'ObjectEvent',
        ...common,
        epcList,
        action: 'OBSERVE',
        bizStep: 'shipping',
        disposition: 'in_transit',
        sourceList: [{ type: 'possessing_party', source: party(event.from) }],
        destinationList: [{ type: 'possessing_party', destination: party(event.to) }],
        ...cairn,
      };
    case 'Checkpointed': {
      const located = event.location !== null && isUri(event.location);
      return {
        type: 'ObjectEvent',
        ...common,
        epcList,
        action: 'OBSERVE',
        bizStep: event.bizStep,
        disposition: event.disposition,
        ...(located ? { readPoint: { id: event.location } } : {}),
        ...(event.readings.length > 0 ? { sensorElementList: [{ sensorReport: event.readings.map(sensorReport) }] } : {}),
        ...cairn,
        ...(event.location !== null && !located ? { 'cairn:location': event.location } : {}),
      };
    }
    case 'Transformed':
      return {
        type: 'TransformationEvent',
        ...common,
        inputEPCList: event.inputs.map(itemUri),
        outputEPCList: event.outputs.map(itemUri),
        transformationID: uuidUrn('cairn supply transformation', event.txHash),
        ...cairn,
      };
    case 'Closed':
      return {
        type: 'ObjectEvent',
        ...common,
        epcList,
        action: 'DELETE',
        bizStep: 'decommissioning',
        disposition: 'inactive',
        ...cairn,
        ...(event.reason !== null ? { 'cairn:reason': event.reason } : {}),
      };
  }
}

function sensorReport(reading: Reading): JsonObject {
  const gs1 = gs1MeasurementType(reading.name);
  const report: Record<string, JsonValue> = { type: gs1 ? `gs1:${gs1}` : `cairn:${reading.name}`, value: reading.value };
  if (reading.uom !== null) report.uom = reading.uom;
  return report;
}

const URI_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$/;

function isUri(text: string): boolean {
  return URI_SCHEME.test(text);
}

// Ids in the cairn namespace itself, spelled out (any case: URN namespaces
// ignore it) or through the document's "cairn:" prefix, are not kept as they are.
const CAIRN_IRI = /^(?:urn:)?cairn:/i;

/**
 * The EPC URI of an item id. One EPC per id: an id that spells another
 * item's URI ("urn:cairn:supply:item:lot-1", "cairn:item:lot-1") is put in
 * the namespace like any other id, or merged EPCIS documents would take its
 * events for that item's.
 */
export function itemUri(id: string): string {
  return isUri(id) && !CAIRN_IRI.test(id) ? id : `${CAIRN_NAMESPACE}item:${id}`;
}

export function partyUri(address: Uint8Array, chainId: bigint): string {
  return `did:pkh:eip155:${chainId}:${checksummed(address)}`;
}

function uuidUrn(domain: string, txHash: Uint8Array): string {
  const b = keccak256(concatBytes(utf8ToBytes(domain), txHash)).slice(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x80; // version 8: application-defined
  b[8] = (b[8]! & 0x3f) | 0x80; // RFC 9562 variant
  const h = bytesToHex(b).slice(2);
  return `urn:uuid:${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const MS_PER_DAY = 86_400_000;
const MAX_TIME = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z

/**
 * ISO 8601 UTC with milliseconds, "2024-05-01T12:00:00.000Z", computed from
 * the number alone (days to civil date: H. Hinnant's algorithm).
 */
export function isoTime(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0 || ms > MAX_TIME) throw new RangeError(`not a time between 1970 and 9999 in milliseconds: ${ms}`);
  const days = Math.floor(ms / MS_PER_DAY);
  const rest = ms - days * MS_PER_DAY;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  const time = `${pad(Math.floor(rest / 3_600_000))}:${pad(Math.floor(rest / 60_000) % 60)}:${pad(Math.floor(rest / 1000) % 60)}.${pad(rest % 1000, 3)}`;
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}T${time}Z`;
}
