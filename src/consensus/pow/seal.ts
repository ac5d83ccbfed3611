import { keccak256, sha256 } from '../../primitives/hash.js';
import { bigintToBytes, bigintToFixedBytes, bytesToBigint, concatBytes } from '../../primitives/hex.js';
import { asBigint, asBytes, rlpEncode, type RlpValue } from '../../primitives/rlp.js';
import { BlockErrorCode, InvalidBlockError } from '../../ledger/block/errors.js';
import { headerFields } from '../../ledger/block/header.js';
import type { BlockHeader } from '../../ledger/block/types.js';
import { MAX_DIFFICULTY } from './retarget.js';

/**
 * The PoW seal. A header's consensus section is [difficulty, nonce]:
 * difficulty a canonical RLP integer (1 … 2^256−1), nonce exactly 8 bytes.
 *
 *   sealHash = keccak256(rlp(header with consensus = [difficulty]))
 *   proof    = sha256(sealHash ‖ nonce), a 256-bit big-endian integer
 *   valid   ⇔ proof ≤ floor(2^256 / difficulty)
 *
 * so one hash succeeds with probability about 1/difficulty, and difficulty is
 * the expected number of hashes per block. The 40-byte proof input fits one
 * sha256 block, which keeps the miner's inner loop to a single compression.
 */

export const NONCE_BYTES = 8;

export interface PowSection {
  readonly difficulty: bigint;
  readonly nonce: Uint8Array;
}

export function encodeSection(difficulty: bigint, nonce: Uint8Array): RlpValue[] {
  return [bigintToBytes(difficulty), nonce];
}

/** Reads [difficulty, nonce]; anything else is InvalidBlockError(BadConsensus). */
export function decodeSection(header: BlockHeader): PowSection {
  const section = header.consensus;
  if (section.length !== 2) {
    throw new InvalidBlockError(
      BlockErrorCode.BadConsensus,
      `block ${header.number}: PoW consensus section must be [difficulty, nonce], got ${section.length} fields`,
    );
  }
  let difficulty: bigint;
  let nonce: Uint8Array;
  try {
    difficulty = asBigint(section[0], 'PoW difficulty');
    nonce = asBytes(section[1], 'PoW nonce', NONCE_BYTES);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InvalidBlockError(BlockErrorCode.BadConsensus, `block ${header.number}: ${reason}`, { cause: error });
  }
  if (difficulty === 0n) {
    throw new InvalidBlockError(BlockErrorCode.BadConsensus, `block ${header.number}: PoW difficulty must be at least 1`);
  }
  return { difficulty, nonce };
}

/** keccak256 of the header whose consensus section holds only the difficulty. */
export function sealHash(header: BlockHeader, difficulty: bigint): Uint8Array {
  return keccak256(rlpEncode(headerFields(header, [bigintToBytes(difficulty)])));
}

/** floor(2^256 / difficulty): the largest proof value that seals a block. */
export function powTarget(difficulty: bigint): bigint {
  return (1n << 256n) / difficulty;
}

/**
 * The target as 32 big-endian bytes, for the miner's byte-wise comparison.
 * Difficulty 1's target, 2^256, does not fit; 2^256−1 accepts the same proofs.
 */
export function targetBytes(difficulty: bigint): Uint8Array {
  const target = powTarget(difficulty);
  return bigintToFixedBytes(target > MAX_DIFFICULTY ? MAX_DIFFICULTY : target, 32);
}

export function proofValue(sealHashBytes: Uint8Array, nonce: Uint8Array): bigint {
  return bytesToBigint(sha256(concatBytes(sealHashBytes, nonce)));
}

export function checkProof(sealHashBytes: Uint8Array, nonce: Uint8Array, difficulty: bigint): boolean {
  return proofValue(sealHashBytes, nonce) <= powTarget(difficulty);
}
