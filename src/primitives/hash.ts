import { hash } from 'node:crypto';
import { keccak_256 } from '@noble/hashes/sha3.js';

/** keccak256, as Ethereum uses it (not NIST SHA3-256). */
export function keccak256(data: Uint8Array): Uint8Array {
  return keccak_256(data);
}

/**
 * sha256 through node:crypto, the fastest here (STACK.md); the one-shot
 * crypto.hash costs half of a createHash object for the short inputs of
 * Merkle trees.
 */
export function sha256(data: Uint8Array): Uint8Array {
  const digest = hash('sha256', data, 'buffer');
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.length);
}
