import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bytesToWords, ProofHasher, wordsAtMost } from '../../../../src/consensus/pow/proof-hasher.js';
import { proofValue } from '../../../../src/consensus/pow/seal.js';
import { bigintToFixedBytes } from '../../../../src/primitives/hex.js';

/** The seal's own definition of the proof (node:crypto sha256), as 8 words. */
function expectedWords(sealHash: Uint8Array, hi: number, lo: number): Uint32Array {
  return bytesToWords(bigintToFixedBytes(proofValue(sealHash, bigintToFixedBytes((BigInt(hi) << 32n) | BigInt(lo), 8)), 32));
}

const words = (...w: number[]): Uint32Array => Uint32Array.from(w);

describe('ProofHasher', () => {
  it('gives the seal proof, sha256(sealHash ‖ nonce), for random seal hashes and nonces', () => {
    for (let i = 0; i < 500; i++) {
      const sealHash = new Uint8Array(randomBytes(32));
      const [hi, lo] = [randomBytes(4).readUInt32BE(), randomBytes(4).readUInt32BE()];
      expect(new ProofHasher(sealHash).hash(hi, lo)).toEqual(expectedWords(sealHash, hi, lo));
    }
  });

  it('is right at the edges of the nonce and the seal hash, and across many nonces of one job', () => {
    const edges = [0, 1, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];
    for (const sealHash of [new Uint8Array(32), new Uint8Array(32).fill(0xff), new Uint8Array(randomBytes(32))]) {
      // One hasher for all: the reused buffers must not carry one nonce's work into the next.
      const hasher = new ProofHasher(sealHash);
      for (const hi of edges) {
        for (const lo of edges) expect(hasher.hash(hi, lo)).toEqual(expectedWords(sealHash, hi, lo));
      }
    }
  });

  it('refuses a seal hash that is not 32 bytes', () => {
    expect(() => new ProofHasher(new Uint8Array(31))).toThrow(/32 bytes, got 31/);
  });
});

describe('bytesToWords', () => {
  it('reads 32 bytes big-endian, most significant word first', () => {
    const bytes = new Uint8Array(32);
    bytes[0] = 0x12;
    bytes[3] = 0x34;
    bytes[31] = 0x56;
    expect(bytesToWords(bytes)).toEqual(words(0x12000034, 0, 0, 0, 0, 0, 0, 0x56));
  });

  it('refuses another length', () => {
    expect(() => bytesToWords(new Uint8Array(33))).toThrow(/32 bytes, got 33/);
  });
});

describe('wordsAtMost', () => {
  const base = words(1, 2, 3, 4, 5, 6, 7, 8);

  it('is true for equal numbers', () => {
    expect(wordsAtMost(base, words(1, 2, 3, 4, 5, 6, 7, 8))).toBe(true);
  });

  it('is decided by the most significant word that differs', () => {
    expect(wordsAtMost(words(1, 2, 3, 3, 0xffffffff, 0, 0, 0), base)).toBe(true);
    expect(wordsAtMost(words(1, 2, 3, 5, 0, 0, 0, 0), base)).toBe(false);
    expect(wordsAtMost(words(1, 2, 3, 4, 5, 6, 7, 9), base)).toBe(false);
  });

  it('compares words as unsigned', () => {
    expect(wordsAtMost(words(0x7fffffff, 0, 0, 0, 0, 0, 0, 0), words(0x80000000, 0, 0, 0, 0, 0, 0, 0))).toBe(true);
    expect(wordsAtMost(words(0xffffffff, 0, 0, 0, 0, 0, 0, 0), words(0x80000000, 0, 0, 0, 0, 0, 0, 0))).toBe(false);
  });
});
