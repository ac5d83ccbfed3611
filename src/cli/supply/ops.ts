import {
  BIZ_STEPS,
  DISPOSITIONS,
  encodeSupplyOp,
  isBizStep,
  isDisposition,
  SupplyError,
  type BizStep,
  type Disposition,
  type JsonObject,
  type Reading,
  type SupplyOp,
  type TransformOutput,
} from '../../ledger/modules/supply/index.js';
import { UsageError } from '../errors.js';

/**
 * Command-line values → supply operations. Pure: every problem is a
 * UsageError that names the flag, and encodeSupplyOp then applies the
 * module's own bounds, so a bad operation is caught before it costs gas.
 */

// A name, "=", a number, and an optional unit code, with or without a space before it.
const READING = /^([^=\s]+)=\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-z0-9]+)?$/;

/** `--reading name=value[unit]`: "temperature=4.2CEL", "humidity=61 P1", "shock=0". */
export function parseReading(text: string): Reading {
  const match = READING.exec(text.trim());
  if (!match) {
    throw new UsageError(
      `--reading "${text}" is not name=value[unit]: write e.g. --reading temperature=4.2CEL or --reading "humidity=61 P1" ` +
        `(units are UN/ECE Rec. 20 codes: CEL °C, KGM kg, P1 %)`,
    );
  }
  const value = Number(match[2]);
  if (!Number.isFinite(value)) throw new UsageError(`--reading "${text}": the value is too large`);
  return { name: match[1]!, value: value === 0 ? 0 : value, uom: match[3] ?? null };
}

/** Every --reading, sorted by name as the module keeps them; a name given twice is an error. */
export function parseReadings(texts: readonly string[]): Reading[] {
  const readings = texts.map(parseReading);
  const names = new Set<string>();
  for (const { name } of readings) {
    if (names.has(name)) throw new UsageError(`--reading "${name}" is given twice: one value per reading name`);
    names.add(name);
  }
  return readings.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * `--output id:kind`. Ids may hold colons (urn:epc:id:sgtin:…), so the kind
 * is what follows the last colon.
 */
export function parseOutput(text: string): TransformOutput {
  const at = text.lastIndexOf(':');
  const id = text.slice(0, at);
  const kind = text.slice(at + 1);
  if (at < 0 || id === '' || kind === '') {
    throw new UsageError(`--output "${text}" is not id:kind: write e.g. --output roast-7:roasted coffee (the kind follows the last ":")`);
  }
  return { id, kind, metadata: null };
}

/** `--metadata <json>`: a JSON object, or null when the flag is absent. */
export function parseMetadata(text: string | undefined): JsonObject | null {
  if (text === undefined) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError(`--metadata is not valid JSON: write a JSON object, e.g. --metadata '{"farm":"Finca Aurora","weightKg":600}'`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError(`--metadata must be a JSON object ({…}), got ${JSON.stringify(value)}`);
  }
  return value as JsonObject;
}

export function parseBizStep(text: string | undefined): BizStep {
  if (text === undefined) throw new UsageError(`--biz-step is required: a CBV 2.0 business step, one of ${BIZ_STEPS.join(', ')}`);
  if (!isBizStep(text)) throw new UsageError(`--biz-step "${text}" is not a CBV 2.0 business step; one of ${BIZ_STEPS.join(', ')}`);
  return text;
}

export function parseDisposition(text: string | undefined): Disposition {
  if (text === undefined) throw new UsageError(`--disposition is required: a CBV 2.0 disposition, one of ${DISPOSITIONS.join(', ')}`);
  if (!isDisposition(text)) throw new UsageError(`--disposition "${text}" is not a CBV 2.0 disposition; one of ${DISPOSITIONS.join(', ')}`);
  return text;
}

/** The transaction data of `op`; a bound the module would refuse becomes a usage error here. */
export function operationData(op: SupplyOp): Uint8Array {
  try {
    return encodeSupplyOp(op);
  } catch (err) {
    if (err instanceof SupplyError) throw new UsageError(err.message);
    throw err;
  }
}
