import { CairnError } from './errors.js';
import { bigintToFixedBytes } from './hex.js';

/** Order of the secp256k1 group. */
export const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
/** floor(n / 2): the largest s a low-s (EIP-2) signature may carry. */
export const SECP256K1_HALF_N = SECP256K1_N >> 1n;

export type SignatureErrorCode = 'SIG_R_RANGE' | 'SIG_S_RANGE' | 'SIG_HIGH_S' | 'SIG_RECOVERY_ID';

export class InvalidSignatureError extends CairnError {
  declare readonly code: SignatureErrorCode;
  constructor(code: SignatureErrorCode, message: string) {
    super(code, message);
  }
}

/**
 * Checks what recovery backends must not be trusted to check identically:
 * 1 <= r < n, 1 <= s <= n/2 (low s, so a signature has one form and a tx one
 * hash) and a recovery id of 0 or 1 (ids 2 and 3 need r >= n - p, which
 * honest signers never produce and Ethereum does not allow).
 */
export function checkSignatureRanges(r: bigint, s: bigint, recoveryId: number): void {
  if (r < 1n || r >= SECP256K1_N) {
    throw new InvalidSignatureError('SIG_R_RANGE', 'invalid signature: r must be between 1 and the curve order - 1');
  }
  if (s < 1n || s >= SECP256K1_N) {
    throw new InvalidSignatureError('SIG_S_RANGE', 'invalid signature: s must be between 1 and the curve order - 1');
  }
  if (s > SECP256K1_HALF_N) {
    throw new InvalidSignatureError('SIG_HIGH_S', 'invalid signature: s is in the upper half of the curve order (high-s); sign with a low-s (EIP-2) signer');
  }
  if (recoveryId !== 0 && recoveryId !== 1) {
    throw new InvalidSignatureError('SIG_RECOVERY_ID', `invalid signature: recovery id must be 0 or 1, got ${recoveryId}`);
  }
}

/** 64 bytes r ‖ s, big-endian, as the recovery backends take them. */
export function signatureBytes(r: bigint, s: bigint): Uint8Array {
  const out = new Uint8Array(64);
  out.set(bigintToFixedBytes(r, 32), 0);
  out.set(bigintToFixedBytes(s, 32), 32);
  return out;
}
