import { DecodingError } from '../../../primitives/errors.js';
import { keccak256 } from '../../../primitives/hash.js';
import { bytesToHex, equalBytes, hexToBytes, utf8ToBytes } from '../../../primitives/hex.js';
import { asBytes, asList, asNumber, rlpDecode, rlpEncode, type RlpInput, type RlpValue } from '../../../primitives/rlp.js';
import type { Log } from '../../block/types.js';
import { recordKey, type RecordReader } from '../module.js';
import {
  idProblem,
  kindProblem,
  MAX_METADATA_BYTES,
  MAX_METADATA_DEPTH,
  MAX_READINGS,
  MAX_TRANSFORM_ITEMS,
  numberText,
  parseNumberText,
  readingNameProblem,
  textProblem,
  uomProblem,
} from './fields.js';
import { canonicalJson, isJsonObject, jsonProblem, type JsonObject, type JsonValue } from './json.js';
import type { Reading } from './ops.js';
import { isBizStep, isDisposition, type BizStep, type Disposition } from './vocabulary.js';

/**
 * The supply module's records and logs.
 *
 * Keys (UTF-8, recordKey('supply', …); ids are ASCII, addresses lowercase
 * hex without 0x, so byte order is string order):
 *   supply/item/<id>                          → item   rlp (below)
 *   supply/event/<keccak256(id) hex>/<seq>    → event  rlp; seq = 16 hex digits, 0-based
 *   supply/owner/<owner>/<id>                 → 0x01   (listing by owner)
 *   supply/custodian/<custodian>/<id>         → 0x01   (listing by custodian)
 *
 * item  = rlp([id, kind, owner, custodian, metadata, status, createdBlock, [input ids], [output ids], eventCount])
 *         metadata: canonical JSON (RFC 8785) of the object, empty = none; status 0 active, 1 closed, 2 consumed.
 * event = rlp([id, seq, type, signer, txHash, blockNumber, txIndex, payload]); type and payload:
 *         0 Registered   [kind, metadata]
 *         1 Transferred  [from, to]
 *         2 Checkpointed [location (empty = none), [[name, value, uom (empty = none)]…], bizStep, disposition]
 *                        value: the number's shortest round-trip text ("4.2"); readings sorted by name
 *         3 Transformed  [[input ids], [output ids]]  (the same payload in every item the transform touched)
 *         4 Closed       [reason (empty = none)]
 *
 * Log of an event: address SUPPLY_ADDRESS, topics [keccak256(type name), keccak256(id)],
 * data = the event record's bytes, so a receipt commits to exactly what the history serves.
 * Decoders are strict: each field's bounds are the operation's, integers canonical.
 */

export const SUPPLY_MODULE_NAME = 'supply';
/** The supply module's reserved address, 0x…2000. */
export const SUPPLY_ADDRESS: Uint8Array = hexToBytes('0x0000000000000000000000000000000000002000');

export type ItemStatus = 'active' | 'closed' | 'consumed';
export const ITEM_STATUSES: readonly ItemStatus[] = ['active', 'closed', 'consumed'];

export interface SupplyItem {
  readonly id: string;
  readonly kind: string;
  readonly owner: Uint8Array;
  /** Who holds the item now: the only one who may transfer, checkpoint, transform or close it. */
  readonly custodian: Uint8Array;
  readonly metadata: JsonObject | null;
  readonly status: ItemStatus;
  readonly createdBlock: number;
  /** The items a transform consumed to make this one; empty for a registered item. */
  readonly inputs: readonly string[];
  /** The items a transform made of this one; set when it was consumed. */
  readonly outputs: readonly string[];
  /** Events in its history; event `seq` runs from 0 to eventCount - 1. */
  readonly eventCount: number;
}

export const EVENT_TYPES = ['Registered', 'Transferred', 'Checkpointed', 'Transformed', 'Closed'] as const;
export type SupplyEventType = (typeof EVENT_TYPES)[number];

interface EventBase {
  /** The item whose history holds the event. */
  readonly id: string;
  readonly seq: number;
  /** The transaction's sender. */
  readonly signer: Uint8Array;
  readonly txHash: Uint8Array;
  readonly blockNumber: number;
  readonly txIndex: number;
}

export interface RegisteredEvent extends EventBase {
  readonly type: 'Registered';
  readonly kind: string;
  readonly metadata: JsonObject | null;
}

export interface TransferredEvent extends EventBase {
  readonly type: 'Transferred';
  readonly from: Uint8Array;
  readonly to: Uint8Array;
}

export interface CheckpointedEvent extends EventBase {
  readonly type: 'Checkpointed';
  readonly location: string | null;
  readonly readings: readonly Reading[];
  readonly bizStep: BizStep;
  readonly disposition: Disposition;
}

export interface TransformedEvent extends EventBase {
  readonly type: 'Transformed';
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
}

export interface ClosedEvent extends EventBase {
  readonly type: 'Closed';
  readonly reason: string | null;
}

export type SupplyEvent = RegisteredEvent | TransferredEvent | CheckpointedEvent | TransformedEvent | ClosedEvent;

/** Records whose value is only their key's presence (recordKey treats an empty value as a delete). */
export const INDEX_VALUE: Uint8Array = Uint8Array.of(1);

export const ITEM_PREFIX: Uint8Array = recordKey(SUPPLY_MODULE_NAME, 'item/');

export function itemKey(id: string): Uint8Array {
  return recordKey(SUPPLY_MODULE_NAME, `item/${id}`);
}

/** keccak256 of the id's UTF-8: the item's log topic and the middle of its event keys. */
export function itemIdHash(id: string): Uint8Array {
  return keccak256(utf8ToBytes(id));
}

export function eventKey(id: string, seq: number): Uint8Array {
  return eventKeysOf(itemIdHash(id))(seq);
}

/**
 * The event keys of the item whose id hashes to `idHash`, by seq: the prefix
 * is encoded once, since reading a long history builds a key per event.
 */
export function eventKeysOf(idHash: Uint8Array): (seq: number) => Uint8Array {
  const prefix = recordKey(SUPPLY_MODULE_NAME, `event/${bytesToHex(idHash).slice(2)}/`);
  return (seq) => {
    const digits = seq.toString(16).padStart(16, '0');
    const key = new Uint8Array(prefix.length + digits.length);
    key.set(prefix);
    for (let i = 0; i < digits.length; i++) key[prefix.length + i] = digits.charCodeAt(i);
    return key;
  };
}

export function ownerIndexPrefix(owner: Uint8Array): Uint8Array {
  return recordKey(SUPPLY_MODULE_NAME, `owner/${addressText(owner)}/`);
}

export function ownerIndexKey(owner: Uint8Array, id: string): Uint8Array {
  return recordKey(SUPPLY_MODULE_NAME, `owner/${addressText(owner)}/${id}`);
}

export function custodianIndexPrefix(custodian: Uint8Array): Uint8Array {
  return recordKey(SUPPLY_MODULE_NAME, `custodian/${addressText(custodian)}/`);
}

export function custodianIndexKey(custodian: Uint8Array, id: string): Uint8Array {
  return recordKey(SUPPLY_MODULE_NAME, `custodian/${addressText(custodian)}/${id}`);
}

function addressText(address: Uint8Array): string {
  if (address.length !== 20) throw new RangeError(`an address is 20 bytes, got ${address.length}`);
  return bytesToHex(address).slice(2);
}

// ---- items ----

export function encodeItem(item: SupplyItem): Uint8Array {
  return rlpEncode([
    item.id,
    item.kind,
    item.owner,
    item.custodian,
    metadataBytes(item.metadata),
    ITEM_STATUSES.indexOf(item.status),
    item.createdBlock,
    [...item.inputs],
    [...item.outputs],
    item.eventCount,
  ]);
}

/** Strict inverse of encodeItem; throws DecodingError naming the bad field. */
export function decodeItem(bytes: Uint8Array): SupplyItem {
  const f = asList(rlpDecode(bytes), 'supply item', 10);
  const statusCode = asNumber(f[5], 'supply item.status');
  const status = ITEM_STATUSES[statusCode];
  if (status === undefined) throw new DecodingError(`supply item.status: expected 0, 1 or 2, got ${statusCode}`);
  const outputs = idList(f[8], 'supply item.outputs', 0);
  if ((status === 'consumed') !== (outputs.length > 0)) {
    throw new DecodingError(`supply item: a ${status} item ${outputs.length > 0 ? 'cannot have' : 'must have'} outputs`);
  }
  const eventCount = asNumber(f[9], 'supply item.eventCount');
  if (eventCount === 0) throw new DecodingError('supply item.eventCount: an item has at least the event that created it');
  return {
    id: idField(f[0], 'supply item.id'),
    kind: kindField(f[1], 'supply item.kind'),
    owner: asBytes(f[2], 'supply item.owner', 20),
    custodian: asBytes(f[3], 'supply item.custodian', 20),
    metadata: metadataField(f[4], 'supply item.metadata'),
    status,
    createdBlock: asNumber(f[6], 'supply item.createdBlock'),
    inputs: idList(f[7], 'supply item.inputs', 0),
    outputs,
    eventCount,
  };
}

/** The item stored under `id`, or undefined. */
export function readItem(reader: RecordReader, id: string): SupplyItem | undefined {
  const bytes = reader.getRecord(itemKey(id));
  return bytes === undefined || bytes.length === 0 ? undefined : decodeItem(bytes);
}

// ---- events ----

export function encodeEvent(event: SupplyEvent): Uint8Array {
  return rlpEncode([
    event.id,
    event.seq,
    EVENT_TYPES.indexOf(event.type),
    event.signer,
    event.txHash,
    event.blockNumber,
    event.txIndex,
    eventPayload(event),
  ]);
}

function eventPayload(event: SupplyEvent): RlpInput[] {
  switch (event.type) {
    case 'Registered':
      return [event.kind, metadataBytes(event.metadata)];
    case 'Transferred':
      return [event.from, event.to];
    case 'Checkpointed':
      return [
        event.location ?? '',
        event.readings.map((r) => [r.name, numberText(r.value), r.uom ?? '']),
        event.bizStep,
        event.disposition,
      ];
    case 'Transformed':
      return [[...event.inputs], [...event.outputs]];
    case 'Closed':
      return [event.reason ?? ''];
  }
}

/** Strict inverse of encodeEvent; throws DecodingError naming the bad field. */
export function decodeEvent(bytes: Uint8Array): SupplyEvent {
  const f = asList(rlpDecode(bytes), 'supply event', 8);
  const typeCode = asNumber(f[2], 'supply event.type');
  const type = EVENT_TYPES[typeCode];
  if (type === undefined) throw new DecodingError(`supply event.type: expected 0-4, got ${typeCode}`);
  const id = idField(f[0], 'supply event.id');
  const seq = asNumber(f[1], 'supply event.seq');
  const signer = asBytes(f[3], 'supply event.signer', 20);
  const txHash = asBytes(f[4], 'supply event.txHash', 32);
  const blockNumber = asNumber(f[5], 'supply event.blockNumber');
  const txIndex = asNumber(f[6], 'supply event.txIndex');
  const what = `supply event.payload (${type})`;
  // Every case spells the common fields out: an object spread here made a
  // 1,000-event history several times slower to decode.
  switch (type) {
    case 'Registered': {
      const p = asList(f[7]!, what, 2);
      const kind = kindField(p[0], `${what}.kind`);
      const metadata = metadataField(p[1], `${what}.metadata`);
      return { id, seq, type, signer, txHash, blockNumber, txIndex, kind, metadata };
    }
    case 'Transferred': {
      const p = asList(f[7]!, what, 2);
      const from = asBytes(p[0], `${what}.from`, 20);
      const to = asBytes(p[1], `${what}.to`, 20);
      return { id, seq, type, signer, txHash, blockNumber, txIndex, from, to };
    }
    case 'Checkpointed': {
      const p = asList(f[7]!, what, 4);
      const location = optionalText(p[0], `${what}.location`);
      const readings = readingsField(p[1]!, `${what}.readings`);
      const bizStep = textField(p[2], `${what}.bizStep`);
      if (!isBizStep(bizStep)) throw new DecodingError(`${what}.bizStep: not a CBV business step: ${bizStep}`);
      const disposition = textField(p[3], `${what}.disposition`);
      if (!isDisposition(disposition)) throw new DecodingError(`${what}.disposition: not a CBV disposition: ${disposition}`);
      return { id, seq, type, signer, txHash, blockNumber, txIndex, location, readings, bizStep, disposition };
    }
    case 'Transformed': {
      const p = asList(f[7]!, what, 2);
      const inputs = idList(p[0], `${what}.inputs`, 1);
      const outputs = idList(p[1], `${what}.outputs`, 1);
      const shared = outputs.find((output) => inputs.includes(output));
      if (shared !== undefined) throw new DecodingError(`${what}: ${shared} is both an input and an output`);
      return { id, seq, type, signer, txHash, blockNumber, txIndex, inputs, outputs };
    }
    case 'Closed': {
      const p = asList(f[7]!, what, 1);
      const reason = optionalText(p[0], `${what}.reason`);
      return { id, seq, type, signer, txHash, blockNumber, txIndex, reason };
    }
  }
}

// ---- logs ----

const EVENT_TOPICS: ReadonlyMap<SupplyEventType, Uint8Array> = new Map(
  EVENT_TYPES.map((type): [SupplyEventType, Uint8Array] => [type, keccak256(utf8ToBytes(type))]),
);

/** topics[0] of an event's log: keccak256 of its type name ("Registered"). */
export function eventTopic(type: SupplyEventType): Uint8Array {
  return EVENT_TOPICS.get(type)!;
}

export function eventLog(event: SupplyEvent): Log {
  return { address: SUPPLY_ADDRESS, topics: [eventTopic(event.type), itemIdHash(event.id)], data: encodeEvent(event) };
}

/** The event a supply log carries, after checking its address and topics against the data. */
export function decodeEventLog(log: Log): SupplyEvent {
  if (!equalBytes(log.address, SUPPLY_ADDRESS)) throw new DecodingError(`supply log: address ${bytesToHex(log.address)} is not the supply module`);
  const event = decodeEvent(log.data);
  const [typeTopic, idTopic] = log.topics;
  if (log.topics.length !== 2 || !equalBytes(typeTopic!, eventTopic(event.type)) || !equalBytes(idTopic!, itemIdHash(event.id))) {
    throw new DecodingError(`supply log: topics do not match its ${event.type} event of item ${event.id}`);
  }
  return event;
}

// ---- fields ----

function metadataBytes(metadata: JsonObject | null): Uint8Array {
  return metadata === null ? new Uint8Array(0) : utf8ToBytes(canonicalJson(metadata));
}

// One decoder for every field: a history of 1,000 events decodes thousands of strings.
const UTF8 = new TextDecoder('utf-8', { fatal: true });

function textField(value: RlpValue | undefined, what: string): string {
  const bytes = asBytes(value, what);
  try {
    return UTF8.decode(bytes);
  } catch {
    throw new DecodingError(`${what}: not UTF-8`);
  }
}

function idField(value: RlpValue | undefined, what: string): string {
  const id = textField(value, what);
  const problem = idProblem(id);
  if (problem) throw new DecodingError(`${what}: ${problem}`);
  return id;
}

function kindField(value: RlpValue | undefined, what: string): string {
  const kind = textField(value, what);
  const problem = kindProblem(kind);
  if (problem) throw new DecodingError(`${what}: ${problem}`);
  return kind;
}

/** Empty bytes stand for "none"; present text has the operation's bounds. */
function optionalText(value: RlpValue | undefined, what: string): string | null {
  const text = textField(value, what);
  if (text === '') return null;
  const problem = textProblem(text);
  if (problem) throw new DecodingError(`${what}: ${problem}`);
  return text;
}

function idList(value: RlpValue | undefined, what: string, min: number): string[] {
  if (value === undefined) throw new DecodingError(`${what}: missing`);
  const list = asList(value, what);
  if (list.length < min || list.length > MAX_TRANSFORM_ITEMS) {
    throw new DecodingError(`${what}: expected ${min}-${MAX_TRANSFORM_ITEMS} ids, got ${list.length}`);
  }
  const ids = list.map((v, i) => idField(v, `${what}[${i}]`));
  if (new Set(ids).size !== ids.length) throw new DecodingError(`${what}: an id is listed twice`);
  return ids;
}

function metadataField(value: RlpValue | undefined, what: string): JsonObject | null {
  if (asBytes(value, what).length > MAX_METADATA_BYTES) throw new DecodingError(`${what}: more than ${MAX_METADATA_BYTES} bytes`);
  const text = textField(value, what);
  if (text === '') return null;
  let parsed: JsonValue;
  try {
    parsed = JSON.parse(text) as JsonValue;
  } catch {
    throw new DecodingError(`${what}: not JSON`);
  }
  if (!isJsonObject(parsed) || jsonProblem(parsed, MAX_METADATA_DEPTH) !== null || canonicalJson(parsed) !== text) {
    throw new DecodingError(`${what}: not the canonical JSON of an object within bounds`);
  }
  return parsed;
}

function readingsField(value: RlpValue, what: string): Reading[] {
  const list = asList(value, what);
  if (list.length > MAX_READINGS) throw new DecodingError(`${what}: more than ${MAX_READINGS} readings`);
  let previous: string | undefined;
  return list.map((entry, i): Reading => {
    const r = asList(entry, `${what}[${i}]`, 3);
    const name = textField(r[0], `${what}[${i}].name`);
    const nameProblem = readingNameProblem(name);
    if (nameProblem) throw new DecodingError(`${what}[${i}].name: ${nameProblem}`);
    if (previous !== undefined && name <= previous) throw new DecodingError(`${what}: names not in strictly ascending order`);
    previous = name;
    const value = parseNumberText(textField(r[1], `${what}[${i}].value`));
    if (value === undefined) throw new DecodingError(`${what}[${i}].value: not a number in its shortest form`);
    const uom = textField(r[2], `${what}[${i}].uom`);
    if (uom !== '' && uomProblem(uom)) throw new DecodingError(`${what}[${i}].uom: ${uomProblem(uom)}`);
    return { name, value, uom: uom === '' ? null : uom };
  });
}
