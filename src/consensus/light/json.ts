import { hexToBytes, isHexData, parseQuantity } from '../../primitives/hex.js';
import { CairnError } from '../../primitives/errors.js';
import { MalformedProofError } from './errors.js';

/**
 * Reading proof documents, which come from whoever serves them: each reader
 * checks one value and names its path (`events[2].receiptPath[0]`) in a
 * MalformedProofError, so a bad file says where it is bad.
 */

export type Json = null | boolean | number | string | readonly Json[] | JsonObject;
export interface JsonObject {
  readonly [key: string]: Json;
}

export function malformed(path: string, message: string, cause?: unknown): MalformedProofError {
  return new MalformedProofError(`${path}: ${message}`, cause === undefined ? undefined : { cause });
}

/** An object with exactly the given keys: an unknown key is a typo or another format version. */
export function readObject(value: unknown, path: string, keys: readonly string[]): Readonly<Record<string, unknown>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformed(path, 'expected an object');
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!keys.includes(key)) {
      throw malformed(path, `unknown field "${key}"; ${keys.length === 0 ? 'it has no fields' : `known fields: ${keys.join(', ')}`}`);
    }
  }
  for (const key of keys) {
    if (record[key] === undefined) throw malformed(`${path}.${key}`, 'missing');
  }
  return record;
}

/** Any JSON object (genesis.json parameters, which their engine checks), checked to hold JSON values only. */
export function readJsonObject(value: unknown, path: string): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw malformed(path, 'expected an object');
  for (const [key, member] of Object.entries(value)) readJson(member, `${path}.${key}`);
  return value as JsonObject;
}

function readJson(value: unknown, path: string): Json {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw malformed(path, 'expected a finite number');
    return value;
  }
  if (Array.isArray(value)) return value.map((item, i) => readJson(item, `${path}[${i}]`));
  return readJsonObject(value, path);
}

export function readArray(value: unknown, path: string, maxLength: number): readonly unknown[] {
  if (!Array.isArray(value)) throw malformed(path, 'expected an array');
  if (value.length > maxLength) throw malformed(path, `${value.length} entries, at most ${maxLength} are accepted`);
  return value;
}

export function readString(value: unknown, path: string, maxLength: number): string {
  if (typeof value !== 'string') throw malformed(path, 'expected a string');
  if (value.length > maxLength) throw malformed(path, `${value.length} characters, at most ${maxLength} are accepted`);
  return value;
}

export function readInteger(value: unknown, path: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw malformed(path, `expected an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** 0x-prefixed hex bytes, of exactly `length` bytes when given. */
export function readBytes(value: unknown, path: string, length?: number): Uint8Array {
  if (!isHexData(value)) throw malformed(path, 'expected 0x-prefixed hex bytes');
  const bytes = hexToBytes(value);
  if (length !== undefined && bytes.length !== length) throw malformed(path, `expected ${length} bytes, got ${bytes.length}`);
  return bytes;
}

/** A hex quantity (0x-prefixed, no leading zeros), as Ethereum's JSON-RPC writes integers. */
export function readQuantity(value: unknown, path: string): bigint {
  if (typeof value !== 'string') throw malformed(path, 'expected a hex quantity string such as "0x1a"');
  try {
    return parseQuantity(value);
  } catch (error) {
    if (!(error instanceof CairnError)) throw error;
    throw malformed(path, error.message, error);
  }
}
