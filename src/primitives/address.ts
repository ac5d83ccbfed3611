import { CairnError } from './errors.js';
import { keccak256 } from './hash.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from './hex.js';

export class InvalidAddressError extends CairnError {
  constructor(message: string) {
    super('INVALID_ADDRESS', message);
  }
}

/** EIP-55 mixed-case checksum encoding. */
export function toChecksumAddress(addr: Uint8Array): string {
  if (addr.length !== 20) throw new InvalidAddressError(`an address is 20 bytes, got ${addr.length}`);
  const lower = bytesToHex(addr).slice(2);
  const hash = keccak256(utf8ToBytes(lower));
  let out = '0x';
  for (let i = 0; i < 40; i++) {
    const ch = lower[i]!;
    // Nibble i of the hash decides the case of hex digit i.
    const nib = (hash[i >> 1]! >> (i % 2 === 0 ? 4 : 0)) & 0x0f;
    out += nib >= 8 ? ch.toUpperCase() : ch;
  }
  return out;
}

const ADDRESS_SHAPE = /^0x[0-9a-fA-F]{40}$/;

/**
 * Accepts all-lowercase or all-uppercase hex (no checksum to check) or a
 * valid EIP-55 checksum; mixed case with a wrong checksum is almost always a
 * typo, so it is refused rather than silently accepted.
 */
export function parseAddress(text: string): Uint8Array {
  if (!ADDRESS_SHAPE.test(text)) {
    throw new InvalidAddressError(`not an address (expected 0x followed by 40 hex digits): ${text.length > 50 ? text.slice(0, 50) + '…' : text}`);
  }
  const body = text.slice(2);
  const bytes = hexToBytes(body);
  if (body !== body.toLowerCase() && body !== body.toUpperCase() && toChecksumAddress(bytes) !== text) {
    throw new InvalidAddressError(`address has an invalid EIP-55 checksum (check for a typo): ${text}`);
  }
  return bytes;
}

export function isAddressString(text: unknown): text is string {
  if (typeof text !== 'string') return false;
  try {
    parseAddress(text);
    return true;
  } catch {
    return false;
  }
}
