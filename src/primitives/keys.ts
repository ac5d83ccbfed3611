import * as secp from '@noble/secp256k1';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { keccak256 } from './hash.js';
import { bytesToBigint } from './hex.js';

// Synchronous signing derives RFC 6979 nonces with these; noble ships none.
secp.hashes.sha256 = sha256;
secp.hashes.hmacSha256 = (key, message) => hmac(sha256, key, message);

export function generatePrivateKey(): Uint8Array {
  return secp.utils.randomSecretKey();
}

/** 65-byte uncompressed public key (0x04 ‖ x ‖ y). */
export function publicKeyOf(privateKey: Uint8Array): Uint8Array {
  return secp.getPublicKey(privateKey, false);
}

/** Ethereum address: the last 20 bytes of keccak256(x ‖ y). */
export function addressOfPublicKey(pub65: Uint8Array): Uint8Array {
  if (pub65.length !== 65 || pub65[0] !== 0x04) {
    throw new RangeError('expected a 65-byte uncompressed public key starting with 0x04');
  }
  return keccak256(pub65.subarray(1)).slice(12);
}

export function addressOfPrivateKey(privateKey: Uint8Array): Uint8Array {
  return addressOfPublicKey(publicKeyOf(privateKey));
}

/**
 * Deterministic (RFC 6979) low-s signature of a 32-byte digest. prehash is
 * off because the digest is already keccak256 of the payload.
 */
export function signDigest(digest32: Uint8Array, privateKey: Uint8Array): { r: bigint; s: bigint; recoveryId: 0 | 1 } {
  if (digest32.length !== 32) throw new RangeError(`expected a 32-byte digest, got ${digest32.length} bytes`);
  // 'recovered' is recovery id first, then r ‖ s.
  const sig = secp.sign(digest32, privateKey, { prehash: false, lowS: true, format: 'recovered' });
  const recoveryId = sig[0];
  if (recoveryId !== 0 && recoveryId !== 1) {
    // Ids 2/3 need r >= n, which happens with probability ~2^-127.
    throw new RangeError(`signature has unsupported recovery id ${String(recoveryId)}`);
  }
  return { r: bytesToBigint(sig.subarray(1, 33)), s: bytesToBigint(sig.subarray(33, 65)), recoveryId };
}
