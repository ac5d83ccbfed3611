import { describe, expect, it } from 'vitest';
import { CairnError } from '../../../src/primitives/errors.js';
import { bytesToHex } from '../../../src/primitives/hex.js';
import {
  checkSignatureRanges,
  InvalidSignatureError,
  SECP256K1_HALF_N,
  SECP256K1_N,
  signatureBytes,
  type SignatureErrorCode,
} from '../../../src/primitives/signature.js';

function codeOf(r: bigint, s: bigint, recoveryId: number): SignatureErrorCode | undefined {
  try {
    checkSignatureRanges(r, s, recoveryId);
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidSignatureError);
    expect(err).toBeInstanceOf(CairnError);
    return (err as InvalidSignatureError).code;
  }
}

describe('curve constants', () => {
  it('are the secp256k1 order and its half', () => {
    expect(SECP256K1_N).toBe(2n ** 256n - 0x14551231950b75fc4402da1732fc9bebfn);
    expect(SECP256K1_HALF_N).toBe(0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n);
    expect(SECP256K1_HALF_N * 2n + 1n).toBe(SECP256K1_N);
  });
});

describe('checkSignatureRanges', () => {
  it('accepts the boundaries of the valid ranges', () => {
    expect(codeOf(1n, 1n, 0)).toBeUndefined();
    expect(codeOf(SECP256K1_N - 1n, SECP256K1_HALF_N, 1)).toBeUndefined();
  });

  it('rejects r outside [1, n-1]', () => {
    expect(codeOf(0n, 1n, 0)).toBe('SIG_R_RANGE');
    expect(codeOf(SECP256K1_N, 1n, 0)).toBe('SIG_R_RANGE');
    expect(codeOf(2n ** 256n, 1n, 0)).toBe('SIG_R_RANGE');
    expect(codeOf(-1n, 1n, 0)).toBe('SIG_R_RANGE');
  });

  it('rejects s outside [1, n-1]', () => {
    expect(codeOf(1n, 0n, 0)).toBe('SIG_S_RANGE');
    expect(codeOf(1n, SECP256K1_N, 0)).toBe('SIG_S_RANGE');
    expect(codeOf(1n, 2n ** 256n - 1n, 0)).toBe('SIG_S_RANGE');
  });

  it('rejects high s (malleable form)', () => {
    expect(codeOf(1n, SECP256K1_HALF_N + 1n, 0)).toBe('SIG_HIGH_S');
    expect(codeOf(1n, SECP256K1_N - 1n, 1)).toBe('SIG_HIGH_S');
  });

  it('rejects recovery ids other than 0 and 1', () => {
    for (const id of [2, 3, -1, 27, 0.5, Number.NaN]) {
      expect(codeOf(1n, 1n, id)).toBe('SIG_RECOVERY_ID');
    }
  });

  it('messages say what is wrong', () => {
    expect(() => checkSignatureRanges(1n, SECP256K1_N - 1n, 0)).toThrow(/high-s/);
    expect(() => checkSignatureRanges(1n, 1n, 27)).toThrow(/recovery id must be 0 or 1, got 27/);
  });
});

describe('signatureBytes', () => {
  it('is r and s as 32-byte big-endian halves', () => {
    const sig = signatureBytes(1n, SECP256K1_N - 1n);
    expect(sig).toHaveLength(64);
    expect(bytesToHex(sig)).toBe('0x' + '00'.repeat(31) + '01' + 'fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140');
  });

  it('refuses values wider than 32 bytes', () => {
    expect(() => signatureBytes(2n ** 256n, 1n)).toThrow(RangeError);
  });
});
