import { describe, expect, it } from 'vitest';
import {
  NONCE_BYTES,
  checkProof,
  decodeSection,
  encodeSection,
  powTarget,
  proofValue,
  sealHash,
  targetBytes,
} from '../../../../src/consensus/pow/seal.js';
import { MAX_DIFFICULTY } from '../../../../src/consensus/pow/retarget.js';
import { BlockErrorCode, InvalidBlockError } from '../../../../src/ledger/block/errors.js';
import { headerFields } from '../../../../src/ledger/block/header.js';
import type { BlockHeader } from '../../../../src/ledger/block/types.js';
import { keccak256 } from '../../../../src/primitives/hash.js';
import { bigintToFixedBytes, bytesToHex } from '../../../../src/primitives/hex.js';
import { rlpEncode, type RlpValue } from '../../../../src/primitives/rlp.js';

function header(consensus: readonly RlpValue[]): BlockHeader {
  return {
    parentHash: new Uint8Array(32).fill(1),
    number: 7,
    timestamp: 1_764_028_812_345,
    coinbase: new Uint8Array(20).fill(2),
    txRoot: new Uint8Array(32).fill(3),
    receiptsRoot: new Uint8Array(32).fill(4),
    stateRoot: new Uint8Array(32).fill(5),
    gasLimit: 30_000_000n,
    gasUsed: 21_000n,
    baseFee: 1_000_000_000n,
    extraData: new Uint8Array(0),
    consensus,
  };
}

function nonce(n: number): Uint8Array {
  return bigintToFixedBytes(BigInt(n), NONCE_BYTES);
}

function expectBlockError(fn: () => unknown, code: BlockErrorCode, text: string): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidBlockError);
    expect((error as InvalidBlockError).code).toBe(code);
    expect((error as InvalidBlockError).message).toContain(text);
    return;
  }
  expect.fail('expected an InvalidBlockError');
}

describe('PoW consensus section', () => {
  it('round-trips [difficulty, nonce]', () => {
    const h = header(encodeSection(123_456_789n, nonce(42)));
    const section = decodeSection(h);
    expect(section.difficulty).toBe(123_456_789n);
    expect(section.nonce).toEqual(nonce(42));
  });

  it('rejects malformed sections as BadConsensus, naming the block and the field', () => {
    expectBlockError(() => decodeSection(header([Uint8Array.of(1)])), BlockErrorCode.BadConsensus, 'got 1 fields');
    expectBlockError(() => decodeSection(header([Uint8Array.of(1), new Uint8Array(7)])), BlockErrorCode.BadConsensus, 'PoW nonce');
    expectBlockError(() => decodeSection(header([Uint8Array.of(0, 1), nonce(0)])), BlockErrorCode.BadConsensus, 'leading zero');
    expectBlockError(() => decodeSection(header([new Uint8Array(0), nonce(0)])), BlockErrorCode.BadConsensus, 'at least 1');
    expectBlockError(() => decodeSection(header([[], nonce(0)])), BlockErrorCode.BadConsensus, 'block 7');
  });
});

describe('sealHash', () => {
  it('is keccak256 of the header with the consensus section holding only the difficulty', () => {
    const h = header(encodeSection(1000n, nonce(9)));
    const expected = keccak256(rlpEncode(headerFields(h, [Uint8Array.of(0x03, 0xe8)])));
    expect(bytesToHex(sealHash(h, 1000n))).toBe(bytesToHex(expected));
  });

  it('commits to the difficulty and the other fields but not to the nonce', () => {
    const a = header(encodeSection(1000n, nonce(1)));
    const b = header(encodeSection(1000n, nonce(2)));
    expect(sealHash(a, 1000n)).toEqual(sealHash(b, 1000n));
    expect(sealHash(a, 1001n)).not.toEqual(sealHash(a, 1000n));
    expect(sealHash({ ...a, timestamp: a.timestamp + 1 }, 1000n)).not.toEqual(sealHash(a, 1000n));
  });
});

describe('target and proof', () => {
  it('target = floor(2^256 / difficulty)', () => {
    expect(powTarget(1n)).toBe(1n << 256n);
    expect(powTarget(2n)).toBe(1n << 255n);
    expect(powTarget(3n)).toBe((1n << 256n) / 3n);
    expect(powTarget(MAX_DIFFICULTY)).toBe(1n);
  });

  it('gives the miner 32 target bytes, capping difficulty 1 at 2^256-1', () => {
    expect(bytesToHex(targetBytes(1n))).toBe('0x' + 'ff'.repeat(32));
    expect(bytesToHex(targetBytes(256n))).toBe('0x01' + '00'.repeat(31));
    expect(bytesToHex(targetBytes(MAX_DIFFICULTY))).toBe('0x' + '00'.repeat(31) + '01');
  });

  it('accepts any nonce at difficulty 1', () => {
    const hash = sealHash(header(encodeSection(1n, nonce(0))), 1n);
    for (let n = 0; n < 20; n++) expect(checkProof(hash, nonce(n), 1n)).toBe(true);
  });

  it('accepts a proof at or below the target and rejects one above it', () => {
    const hash = sealHash(header(encodeSection(1000n, nonce(0))), 1000n);
    const proof = proofValue(hash, nonce(5));
    // The largest difficulty whose target is still >= proof, and the next one up.
    const hardest = (1n << 256n) / proof;
    expect(checkProof(hash, nonce(5), hardest)).toBe(true);
    expect(checkProof(hash, nonce(5), hardest + 1n)).toBe(false);
  });

  it('finds a nonce within a few difficulties of hashes on average', () => {
    const difficulty = 64n;
    const hash = sealHash(header(encodeSection(difficulty, nonce(0))), difficulty);
    let found = 0;
    for (let n = 0; n < 6400; n++) if (checkProof(hash, nonce(n), difficulty)) found++;
    // Expected 100 hits of 6400 tries; far outside 50..150 means the comparison is wrong.
    expect(found).toBeGreaterThan(50);
    expect(found).toBeLessThan(150);
  });
});
