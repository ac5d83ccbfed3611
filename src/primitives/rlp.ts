import { DecodingError } from './errors.js';
import { bigintToBytes, bytesToBigint } from './hex.js';

/**
 * Recursive Length Prefix encoding (Ethereum yellow paper, appendix B).
 * Decoding is strict: non-canonical lengths, single bytes that should have
 * been encoded as themselves, and trailing bytes are errors, so every value
 * has exactly one encoding and hashes of encodings are unambiguous.
 */
export type RlpInput = Uint8Array | bigint | number | string | RlpInput[];
export type RlpValue = Uint8Array | RlpValue[];

export function rlpEncode(input: RlpInput): Uint8Array {
  // Two passes: convert the leaves and size every list, then write the whole
  // encoding into one buffer, rather than copying each level into its parent.
  const parts: Part[] = [];
  const out = new Uint8Array(flatten(input, parts));
  let pos = 0;
  for (const part of parts) {
    if (typeof part === 'number') {
      pos = writePrefix(out, pos, part, 0xc0);
    } else if (typeof part === 'bigint') {
      pos = writeSmallInteger(out, pos, Number(part));
    } else {
      if (!isSingleByte(part)) pos = writePrefix(out, pos, part.length, 0x80);
      out.set(part, pos);
      pos += part.length;
    }
  }
  return out;
}

/**
 * In encoding order: the payload length of a list that starts here (number),
 * an integer below 2^48 written straight from its value (bigint), or a leaf's bytes.
 */
type Part = number | bigint | Uint8Array;

/** Integers up to here are exact as doubles and need no byte array of their own. */
const MAX_SMALL_INTEGER = (1n << 48n) - 1n;

/** Appends the parts of `input` and returns the length of its encoding. */
function flatten(input: RlpInput, parts: Part[]): number {
  if (Array.isArray(input)) {
    const slot = parts.length;
    parts.push(0);
    let payload = 0;
    for (const item of input) payload += flatten(item, parts);
    parts[slot] = payload;
    return prefixLength(payload) + payload;
  }
  if (typeof input === 'number') input = integer(input);
  if (typeof input === 'bigint' && input >= 0n && input <= MAX_SMALL_INTEGER) {
    parts.push(input);
    const length = byteLength(Number(input));
    return length === 1 && input < 0x80n ? 1 : 1 + length;
  }
  const bytes = toBytes(input);
  parts.push(bytes);
  return isSingleByte(bytes) ? 1 : prefixLength(bytes.length) + bytes.length;
}

/** A single byte below 0x80 is its own encoding. */
function isSingleByte(bytes: Uint8Array): boolean {
  return bytes.length === 1 && bytes[0]! < 0x80;
}

function integer(input: number): bigint {
  if (!Number.isSafeInteger(input) || input < 0) throw new RangeError(`RLP integers must be non-negative safe integers: ${input}`);
  return BigInt(input);
}

const textEncoder = new TextEncoder();

function toBytes(input: Uint8Array | bigint | string): Uint8Array {
  if (input instanceof Uint8Array) return input;
  if (typeof input === 'bigint') return bigintToBytes(input);
  return textEncoder.encode(input);
}

/** Writes a small non-negative integer as an RLP string (minimal big-endian, zero as empty); returns the position after it. */
function writeSmallInteger(out: Uint8Array, pos: number, value: number): number {
  if (value > 0 && value < 0x80) {
    out[pos] = value;
    return pos + 1;
  }
  const length = byteLength(value);
  out[pos] = 0x80 + length;
  for (let i = length, rest = value; i > 0; i--, rest = Math.floor(rest / 256)) out[pos + i] = rest % 256;
  return pos + 1 + length;
}

function prefixLength(length: number): number {
  return length < 56 ? 1 : 1 + byteLength(length);
}

function byteLength(n: number): number {
  let bytes = 0;
  for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) bytes++;
  return bytes;
}

/** Writes the prefix of a string (offset 0x80) or list (0xc0) payload of `length` bytes; returns the position after it. */
function writePrefix(out: Uint8Array, pos: number, length: number, offset: number): number {
  if (length < 56) {
    out[pos] = offset + length;
    return pos + 1;
  }
  const lenBytes = byteLength(length);
  out[pos] = offset + 55 + lenBytes;
  for (let i = lenBytes, rest = length; i > 0; i--, rest = Math.floor(rest / 256)) out[pos + i] = rest % 256;
  return pos + 1 + lenBytes;
}

/** Decodes exactly one RLP item that spans all of `data`. */
export function rlpDecode(data: Uint8Array): RlpValue {
  const reader = new Reader(data);
  const value = reader.item(data.length, 0);
  if (reader.pos !== data.length) throw new DecodingError(`RLP: ${data.length - reader.pos} trailing bytes after the item`);
  return value;
}

const MAX_DEPTH = 32;

/** A cursor over `data`: each item read advances `pos` past it. */
class Reader {
  pos = 0;

  constructor(private readonly data: Uint8Array) {}

  /** Reads the item at `pos`, which must end by `limit`. */
  item(limit: number, depth: number): RlpValue {
    const { data } = this;
    if (depth > MAX_DEPTH) throw new DecodingError('RLP: nesting too deep');
    const pos = this.pos;
    if (pos >= data.length) throw new DecodingError('RLP: input ends early');
    const prefix = data[pos]!;
    if (prefix < 0x80) {
      this.pos = pos + 1;
      return data.subarray(pos, pos + 1);
    }
    if (prefix < 0xc0) {
      let start = pos + 1;
      let length = prefix - 0x80;
      if (prefix >= 0xb8) [length, start] = this.longLength(prefix - 0xb7);
      const end = start + length;
      if (end > data.length) throw new DecodingError('RLP: string runs past the end of the input');
      if (length === 1 && prefix < 0xb8 && data[start]! < 0x80) throw new DecodingError('RLP: single byte below 0x80 must encode as itself');
      if (end > limit) throw new DecodingError('RLP: list item runs past the end of its list');
      this.pos = end;
      return data.subarray(start, end);
    }
    let start = pos + 1;
    let length = prefix - 0xc0;
    if (prefix >= 0xf8) [length, start] = this.longLength(prefix - 0xf7);
    const end = start + length;
    if (end > data.length) throw new DecodingError('RLP: list runs past the end of the input');
    if (end > limit) throw new DecodingError('RLP: list item runs past the end of its list');
    const items: RlpValue[] = [];
    this.pos = start;
    while (this.pos < end) items.push(this.item(end, depth + 1));
    return items;
  }

  private longLength(lenOfLen: number): [number, number] {
    const { data } = this;
    const start = this.pos + 1;
    if (start + lenOfLen > data.length) throw new DecodingError('RLP: length runs past the end of the input');
    if (data[start] === 0) throw new DecodingError('RLP: length has leading zeros');
    let length = 0;
    for (let i = 0; i < lenOfLen; i++) length = length * 256 + data[start + i]!;
    if (length < 56) throw new DecodingError('RLP: long form used for a short length');
    if (!Number.isSafeInteger(length)) throw new DecodingError('RLP: length too large');
    return [length, start + lenOfLen];
  }
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
