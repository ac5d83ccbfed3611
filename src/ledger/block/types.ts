import type { RlpValue } from '../../primitives/rlp.js';
import type { SignedTransaction } from '../tx/types.js';

/**
 * Block header (DESIGN.md, "Blocks"). Block hash = keccak256 of the RLP list
 * [parentHash, number, timestamp, coinbase, txRoot, receiptsRoot, stateRoot,
 *  gasLimit, gasUsed, baseFee, extraData, consensus].
 * `consensus` is the engine's own section (PoW: [difficulty, nonce]); nothing
 * outside src/consensus/ reads inside it.
 * `timestamp` is in milliseconds since the Unix epoch (RPC shows seconds).
 */
export interface BlockHeader {
  readonly parentHash: Uint8Array;
  readonly number: number;
  readonly timestamp: number;
  readonly coinbase: Uint8Array;
  readonly txRoot: Uint8Array;
  readonly receiptsRoot: Uint8Array;
  readonly stateRoot: Uint8Array;
  readonly gasLimit: bigint;
  readonly gasUsed: bigint;
  readonly baseFee: bigint;
  readonly extraData: Uint8Array;
  readonly consensus: readonly RlpValue[];
}

/** Body: transactions as raw typed bytes, and the engine's body section (PoS: votes, evidence). */
export interface Block {
  readonly header: BlockHeader;
  /** keccak256 of the header's RLP. */
  readonly hash: Uint8Array;
  readonly transactions: readonly SignedTransaction[];
  readonly consensusBody: readonly RlpValue[];
}

export interface Log {
  readonly address: Uint8Array;
  readonly topics: readonly Uint8Array[];
  readonly data: Uint8Array;
}

export interface Receipt {
  /** 1 success, 0 failure (a system-module rule refused the operation). */
  readonly status: 0 | 1;
  readonly gasUsed: bigint;
  readonly cumulativeGasUsed: bigint;
  readonly effectiveGasPrice: bigint;
  readonly logs: readonly Log[];
  /** Status 0 only: why the system module refused the operation, in words a user can act on. */
  readonly reason?: string;
}
