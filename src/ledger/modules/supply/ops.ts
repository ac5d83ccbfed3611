import { parseAddress, toChecksumAddress } from '../../../primitives/address.js';
import { CairnError } from '../../../primitives/errors.js';
import { bytesToUtf8, utf8ToBytes } from '../../../primitives/hex.js';
import { SupplyError, SupplyErrorCode } from './errors.js';
import {
  idProblem,
  kindProblem,
  MAX_DOCUMENT_BYTES,
  MAX_METADATA_BYTES,
  MAX_METADATA_DEPTH,
  MAX_READINGS,
  MAX_TRANSFORM_ITEMS,
  quote,
  readingNameProblem,
  textProblem,
  uomProblem,
} from './fields.js';
import { canonicalJson, isJsonObject, jsonProblem, type JsonObject, type JsonValue } from './json.js';
import { isBizStep, isDisposition, type BizStep, type Disposition } from './vocabulary.js';

/**
 * Supply operations: the JSON document in the `data` of a transaction to the
 * supply module (DESIGN.md, "State and system modules"), so that any wallet
 * can sign one. UTF-8 JSON, one object, at most 8 KiB:
 *
 *   {"op":"register","id":ID,"kind":KIND,"metadata"?:{...}}
 *   {"op":"transfer","id":ID,"to":"0x…20 bytes"}
 *   {"op":"checkpoint","id":ID,"location"?:TEXT,"readings"?:{NAME:NUMBER|{"value":NUMBER,"uom"?:UOM}},
 *    "bizStep":CBV_BIZ_STEP,"disposition":CBV_DISPOSITION}
 *   {"op":"transform","inputs":[ID…],"outputs":[{"id":ID,"kind":KIND,"metadata"?:{...}}…]}
 *   {"op":"close","id":ID,"reason"?:TEXT}
 *
 * Parsing is strict (unknown ops and fields, wrong types and sizes are
 * refused) and never throws for bad input: a malformed document is a
 * refusal whose reason lands in the receipt, so every reason is built from
 * the input and fixed text only, never from an engine's error message,
 * which could differ between the nodes that must agree on the receipt.
 */

export interface Reading {
  /** As written in the operation: "temperature", "RelativeHumidity", "shock". */
  readonly name: string;
  readonly value: number;
  /** UN/ECE Rec. 20 unit code (CEL, KGM), or null. */
  readonly uom: string | null;
}

export interface RegisterOp {
  readonly op: 'register';
  readonly id: string;
  readonly kind: string;
  readonly metadata: JsonObject | null;
}

export interface TransferOp {
  readonly op: 'transfer';
  readonly id: string;
  /** 20 bytes: the new custodian. */
  readonly to: Uint8Array;
}

export interface CheckpointOp {
  readonly op: 'checkpoint';
  readonly id: string;
  readonly location: string | null;
  /** Sorted by name, names distinct. */
  readonly readings: readonly Reading[];
  readonly bizStep: BizStep;
  readonly disposition: Disposition;
}

export interface TransformOutput {
  readonly id: string;
  readonly kind: string;
  readonly metadata: JsonObject | null;
}

export interface TransformOp {
  readonly op: 'transform';
  /** Distinct, 1-32. */
  readonly inputs: readonly string[];
  /** Distinct ids none of which is an input, 1-32. */
  readonly outputs: readonly TransformOutput[];
}

export interface CloseOp {
  readonly op: 'close';
  readonly id: string;
  readonly reason: string | null;
}

export type SupplyOp = RegisterOp | TransferOp | CheckpointOp | TransformOp | CloseOp;
export type SupplyOpName = SupplyOp['op'];

export type ParsedSupplyOp = { readonly ok: true; readonly op: SupplyOp } | { readonly ok: false; readonly reason: string };

const OP_NAMES: readonly SupplyOpName[] = ['register', 'transfer', 'checkpoint', 'transform', 'close'];

/** Parses a transaction's data; `ok: false` carries the reason for the receipt. */
export function parseSupplyOp(data: Uint8Array): ParsedSupplyOp {
  try {
    return { ok: true, op: readOp(data) };
  } catch (err) {
    if (err instanceof SupplyError) return { ok: false, reason: err.message };
    throw err;
  }
}

/**
 * The data of a transaction that performs `op` (JSON, fields in the order
 * above). Throws SupplyError(InvalidOp) with the reason the module would give
 * if `op` breaks a bound, so a client finds out before paying gas.
 */
export function encodeSupplyOp(op: SupplyOp): Uint8Array {
  // JSON.stringify writes Infinity and NaN as null, which the parser would
  // then accept in a metadata object: the chain would record another value.
  const problem = numberProblem(op);
  if (problem) fail(problem);
  const data = utf8ToBytes(JSON.stringify(opDocument(op)));
  const parsed = parseSupplyOp(data);
  if (!parsed.ok) throw new SupplyError(SupplyErrorCode.InvalidOp, parsed.reason);
  return data;
}

/** Why a number of `op` has no JSON form, or null. */
function numberProblem(op: SupplyOp): string | null {
  const inMetadata = (metadata: JsonObject | null, field: string): string | null => {
    const problem = metadata === null ? null : jsonProblem(metadata, MAX_METADATA_DEPTH);
    return problem && `field "${field}" ${problem}`;
  };
  switch (op.op) {
    case 'register':
      return inMetadata(op.metadata, 'metadata');
    case 'checkpoint': {
      const bad = op.readings.find((r) => !Number.isFinite(r.value));
      return bad ? `field "readings.${bad.name}" must be a finite number, got ${bad.value}` : null;
    }
    case 'transform':
      for (const [i, output] of op.outputs.entries()) {
        const problem = inMetadata(output.metadata, `outputs[${i}].metadata`);
        if (problem) return problem;
      }
      return null;
    case 'transfer':
    case 'close':
      return null;
  }
}

function opDocument(op: SupplyOp): JsonObject {
  switch (op.op) {
    case 'register':
      return { op: op.op, id: op.id, kind: op.kind, ...withMetadata(op.metadata) };
    case 'transfer':
      return { op: op.op, id: op.id, to: toChecksumAddress(op.to) };
    case 'checkpoint':
      return {
        op: op.op,
        id: op.id,
        ...(op.location === null ? {} : { location: op.location }),
        ...(op.readings.length === 0 ? {} : { readings: readingsDocument(op.readings) }),
        bizStep: op.bizStep,
        disposition: op.disposition,
      };
    case 'transform':
      return {
        op: op.op,
        inputs: [...op.inputs],
        outputs: op.outputs.map((o) => ({ id: o.id, kind: o.kind, ...withMetadata(o.metadata) })),
      };
    case 'close':
      return { op: op.op, id: op.id, ...(op.reason === null ? {} : { reason: op.reason }) };
  }
}

function withMetadata(metadata: JsonObject | null): JsonObject {
  return metadata === null ? {} : { metadata };
}

function readingsDocument(readings: readonly Reading[]): JsonObject {
  const out: Record<string, JsonValue> = {};
  for (const r of readings) out[r.name] = r.uom === null ? r.value : { value: r.value, uom: r.uom };
  return out;
}

function fail(message: string): never {
  throw new SupplyError(SupplyErrorCode.InvalidOp, `invalid supply operation: ${message}`);
}

function readOp(data: Uint8Array): SupplyOp {
  if (data.length === 0) {
    fail('the transaction has no data; a supply operation is a JSON document such as {"op":"register","id":"lot-1","kind":"coffee"}');
  }
  if (data.length > MAX_DOCUMENT_BYTES) fail(`the document is ${data.length} bytes, more than the ${MAX_DOCUMENT_BYTES} allowed`);
  let text: string;
  try {
    text = bytesToUtf8(data);
  } catch {
    fail('the data is not UTF-8 text');
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    fail('the data is not valid JSON');
  }
  if (!isJsonObject(doc)) fail(`the document must be a JSON object with an "op" field, got ${describe(doc)}`);
  if (!Object.hasOwn(doc, 'op')) fail(`the document has no "op" field (one of ${OP_NAMES.join(', ')})`);
  const op = doc.op;
  if (typeof op !== 'string' || !(OP_NAMES as readonly string[]).includes(op)) {
    fail(`unknown op ${typeof op === 'string' ? quote(op) : describe(op)} (expected one of ${OP_NAMES.join(', ')})`);
  }
  switch (op as SupplyOpName) {
    case 'register':
      return readRegister(doc);
    case 'transfer':
      return readTransfer(doc);
    case 'checkpoint':
      return readCheckpoint(doc);
    case 'transform':
      return readTransform(doc);
    case 'close':
      return readClose(doc);
  }
}

function readRegister(doc: JsonObject): RegisterOp {
  checkFields(doc, 'a register operation', ['op', 'id', 'kind'], ['metadata']);
  return { op: 'register', id: readId(doc.id, 'id'), kind: readKind(doc.kind, 'kind'), metadata: readMetadata(doc, 'metadata') };
}

function readTransfer(doc: JsonObject): TransferOp {
  checkFields(doc, 'a transfer operation', ['op', 'id', 'to'], []);
  const id = readId(doc.id, 'id');
  const to = readString(doc.to, 'to');
  try {
    return { op: 'transfer', id, to: parseAddress(to) };
  } catch (err) {
    if (err instanceof CairnError) fail(`field "to": ${err.message}`);
    throw err;
  }
}

function readCheckpoint(doc: JsonObject): CheckpointOp {
  checkFields(doc, 'a checkpoint operation', ['op', 'id', 'bizStep', 'disposition'], ['location', 'readings']);
  const id = readId(doc.id, 'id');
  const location = Object.hasOwn(doc, 'location') ? readText(doc.location, 'location') : null;
  const readings = Object.hasOwn(doc, 'readings') ? readReadings(doc.readings) : [];
  const bizStep = readString(doc.bizStep, 'bizStep');
  if (!isBizStep(bizStep)) {
    fail(`field "bizStep" must be a CBV 2.0 business step such as "shipping", "receiving", "storing" or "inspecting", got ${quote(bizStep)}`);
  }
  const disposition = readString(doc.disposition, 'disposition');
  if (!isDisposition(disposition)) {
    fail(`field "disposition" must be a CBV 2.0 disposition such as "in_transit", "in_progress", "active" or "conformant", got ${quote(disposition)}`);
  }
  return { op: 'checkpoint', id, location, readings, bizStep, disposition };
}

function readTransform(doc: JsonObject): TransformOp {
  checkFields(doc, 'a transform operation', ['op', 'inputs', 'outputs'], []);
  const inputs = readList(doc.inputs, 'inputs').map((value, i) => readId(value, `inputs[${i}]`));
  const seen = new Set<string>();
  for (const id of inputs) {
    if (seen.has(id)) fail(`input ${quote(id)} is listed twice`);
    seen.add(id);
  }
  const outputs = readList(doc.outputs, 'outputs').map((value, i): TransformOutput => {
    const label = `outputs[${i}]`;
    if (!isJsonObject(value)) fail(`field "${label}" must be an object {"id", "kind", "metadata"?}, got ${describe(value)}`);
    checkFields(value, `"${label}"`, ['id', 'kind'], ['metadata']);
    return { id: readId(value.id, `${label}.id`), kind: readKind(value.kind, `${label}.kind`), metadata: readMetadata(value, `${label}.metadata`) };
  });
  for (const { id } of outputs) {
    if (seen.has(id)) fail(inputs.includes(id) ? `${quote(id)} is both an input and an output` : `output ${quote(id)} is listed twice`);
    seen.add(id);
  }
  return { op: 'transform', inputs, outputs };
}

function readClose(doc: JsonObject): CloseOp {
  checkFields(doc, 'a close operation', ['op', 'id'], ['reason']);
  const id = readId(doc.id, 'id');
  return { op: 'close', id, reason: Object.hasOwn(doc, 'reason') ? readText(doc.reason, 'reason') : null };
}

function checkFields(doc: JsonObject, what: string, required: readonly string[], optional: readonly string[]): void {
  const allowed = [...required, ...optional];
  for (const key of Object.keys(doc)) {
    if (!allowed.includes(key)) fail(`unknown field ${quote(key)} in ${what} (allowed: ${allowed.join(', ')})`);
  }
  for (const key of required) {
    if (!Object.hasOwn(doc, key)) fail(`${what} needs the field "${key}"`);
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

function readString(value: JsonValue | undefined, field: string): string {
  if (typeof value !== 'string') fail(`field "${field}" must be a string, got ${describe(value)}`);
  return value;
}

function readId(value: JsonValue | undefined, field: string): string {
  const id = readString(value, field);
  const problem = idProblem(id);
  if (problem) fail(`field "${field}" ${problem}, got ${quote(id)}`);
  return id;
}

function readKind(value: JsonValue | undefined, field: string): string {
  const kind = readString(value, field);
  const problem = kindProblem(kind);
  if (problem) fail(`field "${field}" ${problem}, got ${quote(kind)}`);
  return kind;
}

function readText(value: JsonValue | undefined, field: string): string {
  const text = readString(value, field);
  const problem = textProblem(text);
  if (problem) fail(`field "${field}" ${problem}`);
  return text;
}

function readList(value: JsonValue | undefined, field: string): readonly JsonValue[] {
  if (!Array.isArray(value)) fail(`field "${field}" must be an array, got ${describe(value)}`);
  const list = value as readonly JsonValue[];
  if (list.length === 0) fail(`field "${field}" must list at least one item`);
  if (list.length > MAX_TRANSFORM_ITEMS) fail(`field "${field}" lists ${list.length} items, more than the ${MAX_TRANSFORM_ITEMS} allowed`);
  return list;
}

/** `doc.metadata`: null when absent; an object whose canonical JSON fits in 2 KiB when present. */
function readMetadata(doc: JsonObject, field: string): JsonObject | null {
  if (!Object.hasOwn(doc, 'metadata')) return null;
  const value = doc.metadata;
  if (!isJsonObject(value)) fail(`field "${field}" must be a JSON object, got ${describe(value)}`);
  const problem = jsonProblem(value, MAX_METADATA_DEPTH);
  if (problem) fail(`field "${field}" ${problem}`);
  const size = utf8ToBytes(canonicalJson(value)).length;
  if (size > MAX_METADATA_BYTES) fail(`field "${field}" is ${size} bytes as canonical JSON, more than the ${MAX_METADATA_BYTES} allowed`);
  return value;
}

function readReadings(value: JsonValue | undefined): Reading[] {
  if (!isJsonObject(value)) {
    fail(`field "readings" must be an object such as {"temperature":{"value":4.2,"uom":"CEL"}}, got ${describe(value)}`);
  }
  const names = Object.keys(value).sort();
  if (names.length > MAX_READINGS) fail(`field "readings" has ${names.length} entries, more than the ${MAX_READINGS} allowed`);
  return names.map((name): Reading => {
    const nameProblem = readingNameProblem(name);
    if (nameProblem) fail(`reading name ${quote(name)} ${nameProblem}`);
    const field = `readings.${name}`;
    const entry = value[name];
    if (typeof entry === 'number') return { name, value: readNumber(entry, field), uom: null };
    if (!isJsonObject(entry)) fail(`field "${field}" must be a number or {"value": number, "uom"?: unit}, got ${describe(entry)}`);
    checkFields(entry, `"${field}"`, ['value'], ['uom']);
    if (typeof entry.value !== 'number') fail(`field "${field}.value" must be a number, got ${describe(entry.value)}`);
    let uom: string | null = null;
    if (Object.hasOwn(entry, 'uom')) {
      uom = readString(entry.uom, `${field}.uom`);
      const problem = uomProblem(uom);
      if (problem) fail(`field "${field}.uom" ${problem}, got ${quote(uom)}`);
    }
    return { name, value: readNumber(entry.value, `${field}.value`), uom };
  });
}

function readNumber(value: number, field: string): number {
  if (!Number.isFinite(value)) fail(`field "${field}" is too large for a double`);
  return value === 0 ? 0 : value;
}
