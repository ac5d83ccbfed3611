import { Buffer } from 'node:buffer';
import { DecodingError } from './errors.js';

/** Byte and hex helpers. Hex out is always lowercase with a 0x prefix. */

const HEX_CHARS = '0123456789abcdef';
/** Both ASCII digits of each byte value, first digit in the low byte. */
const BYTE_TO_DIGITS = Uint16Array.from({ length: 256 }, (_, i) => HEX_CHARS.charCodeAt(i >> 4) | (HEX_CHARS.charCodeAt(i & 15) << 8));
/**
 * Digits are written here and read out as one string: concatenating two
 * characters per byte builds a rope of short strings that costs microseconds
 * for a 32-byte hash, and hashes and addresses are map keys on hot paths.
 */
const SCRATCH_BYTES = 2 + 2 * 256;
const hexScratch = Buffer.alloc(SCRATCH_BYTES);

export function bytesToHex(bytes: Uint8Array): string {
  const length = 2 + 2 * bytes.length;
  const out = length <= SCRATCH_BYTES ? hexScratch : Buffer.allocUnsafe(length);
  out[0] = 0x30; // '0'
  out[1] = 0x78; // 'x'
  for (let i = 0; i < bytes.length; i++) {
    const digits = BYTE_TO_DIGITS[bytes[i]!]!;
    out[2 + 2 * i] = digits & 0xff;
    out[3 + 2 * i] = digits >> 8;
  }
  return out.toString('latin1', 0, length);
}

function nibble(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  if (code >= 65 && code <= 70) return code - 55;
  return -1;
}

/** Parses 0x-prefixed (or bare) hex with an even number of digits. */
export function hexToBytes(hex: string): Uint8Array {
  const body = hex.startsWith('0x') || hex.startsWith('0X') ? hex.slice(2) : hex;
  if (body.length % 2 !== 0) throw new DecodingError(`hex string has an odd number of digits: ${truncate(hex)}`);
  const out = new Uint8Array(body.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = nibble(body.charCodeAt(2 * i));
    const lo = nibble(body.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) throw new DecodingError(`not a hex string: ${truncate(hex)}`);
    out[i] = (hi << 4) | lo;
  }
  return out;
}

export function isHexData(value: unknown): value is string {
  return typeof value === 'string' && /^0x([0-9a-fA-F]{2})*$/.test(value);
}

/** Ethereum "quantity": 0x-prefixed lowercase hex, no leading zeros, zero is 0x0. */
export function toQuantity(value: bigint | number): string {
  const v = typeof value === 'number' ? BigInt(value) : value;
  if (v < 0n) throw new RangeError(`quantity cannot be negative: ${v}`);
  return '0x' + v.toString(16);
}

/** Parses a quantity strictly: 0x prefix, at least one digit, no leading zeros. */
export function parseQuantity(value: string): bigint {
  if (!/^0x(0|[1-9a-fA-F][0-9a-fA-F]*)$/.test(value)) {
    throw new DecodingError(`not a hex quantity (0x-prefixed, no leading zeros): ${truncate(value)}`);
  }
  return BigInt(value);
}

/** Integers of up to 6 bytes are exact in a double, so they convert without strings. */
const SMALL_BYTES = 6;
const MAX_SMALL = (1n << 48n) - 1n;

/** Big-endian minimal bytes of a non-negative integer (0 → empty), as RLP wants. */
export function bigintToBytes(value: bigint): Uint8Array {
  if (value < 0n) throw new RangeError(`cannot encode a negative integer: ${value}`);
  if (value === 0n) return new Uint8Array(0);
  // Nonces, gas and most fees fit in a double: no detour through a hex string.
  if (value <= MAX_SMALL) {
    let rest = Number(value);
    let length = 0;
    for (let v = rest; v > 0; v = Math.floor(v / 256)) length++;
    const out = new Uint8Array(length);
    for (let i = length - 1; i >= 0; i--) {
      out[i] = rest % 256;
      rest = Math.floor(rest / 256);
    }
    return out;
  }
  let hex = value.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  return hexToBytes(hex);
}

/** Big-endian bytes padded to `length`. */
export function bigintToFixedBytes(value: bigint, length: number): Uint8Array {
  const raw = bigintToBytes(value);
  if (raw.length > length) throw new RangeError(`integer does not fit in ${length} bytes`);
  const out = new Uint8Array(length);
  out.set(raw, length - raw.length);
  return out;
}

export function bytesToBigint(bytes: Uint8Array): bigint {
  if (bytes.length <= SMALL_BYTES) {
    let value = 0;
    for (let i = 0; i < bytes.length; i++) value = value * 256 + bytes[i]!;
    return BigInt(value);
  }
  return BigInt(bytesToHex(bytes));
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

export function utf8ToBytes(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}

export function bytesToUtf8(bytes: Uint8Array): string {
  return utf8Decoder.decode(bytes);
}

function truncate(text: string): string {
  return text.length > 40 ? text.slice(0, 40) + '…' : text;
}
