import type { BlockHeader } from '../ledger/block/types.js';
import type { RlpValue } from '../primitives/rlp.js';

/** What fork choice compares: a chain's tip and its accumulated weight. */
export interface ChainTip {
  readonly hash: Uint8Array;
  readonly number: number;
  /** Sum of `weight(header)` from genesis to this tip (PoW: total difficulty). */
  readonly totalWeight: bigint;
}

/**
 * A consensus engine owns exactly what differs between PoW and PoS (DESIGN.md):
 * the header's `consensus` section and its verification, sealing, fork-choice
 * weight and finality. Nothing outside src/consensus/ asks which engine runs.
 * Engines know nothing of libp2p, HTTP or LevelDB.
 */
export interface ConsensusEngine {
  readonly kind: string;
  /** The consensus section of the genesis header. */
  genesisSection(): RlpValue[];
  /**
   * The consensus section of a new, not yet sealed child of `parent` with the
   * given timestamp (PoW: the retargeted difficulty and a zero nonce). Pure.
   */
  prepareSection(parent: BlockHeader, timestamp: number): RlpValue[];
  /**
   * Checks the consensus section of `header` against its parent: the
   * difficulty follows the retarget rule and the seal is valid. Throws
   * InvalidBlockError (codes BadConsensus / BadSeal). Pure, synchronous.
   */
  verifyHeader(header: BlockHeader, parent: BlockHeader): void;
  /** The fork-choice weight this block adds to its chain (PoW: its difficulty). */
  weight(header: BlockHeader): bigint;
  /** True when `candidate` should replace `current` as the head. */
  isBetter(candidate: ChainTip, current: ChainTip): boolean;
  /**
   * The highest block number that this engine treats as final given the head
   * (PoW: a fixed confirmation depth below the head; probabilistic).
   */
  finalizedNumber(head: BlockHeader): number;
  /**
   * Seals a prepared header (PoW: searches a nonce off the main thread).
   * Resolves null if `signal` aborts first.
   */
  seal(header: BlockHeader, signal: AbortSignal): Promise<BlockHeader | null>;
  /**
   * The values Ethereum tooling shows for a block's seal: PoW difficulty and
   * 8-byte nonce; PoS reports difficulty 0 and a zero nonce. Lets the RPC fill
   * `difficulty` and `nonce` without reading the consensus section itself.
   */
  sealFields(header: BlockHeader): { readonly difficulty: bigint; readonly nonce: Uint8Array };
  /** Engine state for `cairn_consensus` (difficulty, target, hash rate...). JSON-safe values only. */
  status(head: BlockHeader): Record<string, string | number | boolean | null>;
  /** Stops worker threads, if any. */
  close(): Promise<void>;
}
