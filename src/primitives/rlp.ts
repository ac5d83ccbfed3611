import { DecodingError } from './errors.js';
import { bigintToBytes, bytesToBigint, concatBytes } from './hex.js';

/**
 * Recursive Length Prefix encoding (Ethereum yellow paper, appendix B).
 * Decoding is strict: non-canonical lengths, single bytes that should have
 * been encoded as themselves, and trailing bytes are errors, so every value
 * has exactly one encoding and hashes of encodings are unambiguous.
 */
export type RlpInput = Uint8Array | bigint | number | string | RlpInput[];
export type RlpValue = Uint8Array | RlpValue[];

export function rlpEncode(input: RlpInput): Uint8Array {
  if (Array.isArray(input)) {
    const items = input.map(rlpEncode);
    const payload = concatBytes(...items);
    return concatBytes(lengthPrefix(payload.length, 0xc0), payload);
  }
  const bytes = toBytes(input);
  if (bytes.length === 1 && bytes[0]! < 0x80) return bytes;
  return concatBytes(lengthPrefix(bytes.length, 0x80), bytes);
}

function toBytes(input: Uint8Array | bigint | number | string): Uint8Array {
  if (input instanceof Uint8Array) return input;
  if (typeof input === 'bigint') return bigintToBytes(input);
  if (typeof input === 'number') {
    if (!Number.isSafeInteger(input) || input < 0) throw new RangeError(`RLP integers must be non-negative safe integers: ${input}`);
    return bigintToBytes(BigInt(input));
  }
  return new TextEncoder().encode(input);
}

function lengthPrefix(length: number, offset: number): Uint8Array {
  if (length < 56) return Uint8Array.of(offset + length);
  const lenBytes = bigintToBytes(BigInt(length));
  return concatBytes(Uint8Array.of(offset + 55 + lenBytes.length), lenBytes);
}

/** Decodes exactly one RLP item that spans all of `data`. */
export function rlpDecode(data: Uint8Array): RlpValue {
  const [value, end] = decodeAt(data, 0, 0);
  if (end !== data.length) throw new DecodingError(`RLP: ${data.length - end} trailing bytes after the item`);
  return value;
}

const MAX_DEPTH = 32;

function decodeAt(data: Uint8Array, pos: number, depth: number): [RlpValue, number] {
  if (depth > MAX_DEPTH) throw new DecodingError('RLP: nesting too deep');
  if (pos >= data.length) throw new DecodingError('RLP: input ends early');
  const prefix = data[pos]!;
  if (prefix < 0x80) return [data.subarray(pos, pos + 1), pos + 1];
  if (prefix < 0xb8) {
    const length = prefix - 0x80;
    const start = pos + 1;
    const end = start + length;
    if (end > data.length) throw new DecodingError('RLP: string runs past the end of the input');
    if (length === 1 && data[start]! < 0x80) throw new DecodingError('RLP: single byte below 0x80 must encode as itself');
    return [data.subarray(start, end), end];
  }
  if (prefix < 0xc0) {
    const [length, start] = longLength(data, pos, prefix - 0xb7);
    const end = start + length;
    if (end > data.length) throw new DecodingError('RLP: string runs past the end of the input');
    return [data.subarray(start, end), end];
  }
  let start: number;
  let length: number;
  if (prefix < 0xf8) {
    length = prefix - 0xc0;
    start = pos + 1;
  } else {
    [length, start] = longLength(data, pos, prefix - 0xf7);
  }
  const end = start + length;
  if (end > data.length) throw new DecodingError('RLP: list runs past the end of the input');
  const items: RlpValue[] = [];
  let cursor = start;
  while (cursor < end) {
    const [item, next] = decodeAt(data, cursor, depth + 1);
    if (next > end) throw new DecodingError('RLP: list item runs past the end of its list');
    items.push(item);
    cursor = next;
  }
  return [items, end];
}

function longLength(data: Uint8Array, pos: number, lenOfLen: number): [number, number] {
  const start = pos + 1;
  if (start + lenOfLen > data.length) throw new DecodingError('RLP: length runs past the end of the input');
  if (data[start] === 0) throw new DecodingError('RLP: length has leading zeros');
  let length = 0;
  for (let i = 0; i < lenOfLen; i++) length = length * 256 + data[start + i]!;
  if (length < 56) throw new DecodingError('RLP: long form used for a short length');
  if (!Number.isSafeInteger(length)) throw new DecodingError('RLP: length too large');
  return [length, start + lenOfLen];
}

// Typed accessors for decoders: each names the field it reads so that a
// malformed input produces an error a user can act on.

export function asList(value: RlpValue, what: string, length?: number): RlpValue[] {
  if (!Array.isArray(value)) throw new DecodingError(`${what}: expected an RLP list`);
  if (length !== undefined && value.length !== length) {
    throw new DecodingError(`${what}: expected ${length} fields, got ${value.length}`);
  }
  return value;
}

export function asBytes(value: RlpValue | undefined, what: string, length?: number): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new DecodingError(`${what}: expected a byte string`);
  if (length !== undefined && value.length !== length) {
    throw new DecodingError(`${what}: expected ${length} bytes, got ${value.length}`);
  }
  return value;
}

/** A canonical RLP integer: no leading zero bytes, at most `maxBytes` long. */
export function asBigint(value: RlpValue | undefined, what: string, maxBytes = 32): bigint {
  const bytes = asBytes(value, what);
  if (bytes.length > maxBytes) throw new DecodingError(`${what}: integer longer than ${maxBytes} bytes`);
  if (bytes.length > 0 && bytes[0] === 0) throw new DecodingError(`${what}: integer has leading zero bytes`);
  return bytesToBigint(bytes);
}

export function asNumber(value: RlpValue | undefined, what: string): number {
  const v = asBigint(value, what, 7);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new DecodingError(`${what}: integer too large`);
  return Number(v);
}
