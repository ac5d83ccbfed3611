import { bytesToHex } from '../../primitives/hex.js';
import type { RlpValue } from '../../primitives/rlp.js';
import { BlockErrorCode, InvalidBlockError } from '../../ledger/block/errors.js';
import type { Block, BlockHeader } from '../../ledger/block/types.js';
import type { RecordReader, SystemModule } from '../../ledger/modules/module.js';
import type { ChainTip, Checkpoints, ConsensusEngine, GenesisContribution, ProductionPlan } from '../engine.js';
import { Miner } from './miner.js';
import type { PowParams } from './params.js';
import { nextDifficulty } from './retarget.js';
import { NONCE_BYTES, decodeSection, encodeSection, powTarget, proofValue, sealHash, targetBytes } from './seal.js';

export interface PowEngineOptions {
  /** Worker threads used by seal(); default 1. */
  readonly minerThreads?: number;
}

/**
 * Proof of work: difficulty retargeted per block (retarget.ts), a sha256 seal
 * over the keccak seal hash (seal.ts), heaviest total difficulty wins.
 * Finality is probabilistic: a block `confirmations` deep is treated as final
 * because replacing it would take more work than the rest of the network
 * does meanwhile, not because any rule forbids it.
 */
export class PowEngine implements ConsensusEngine {
  readonly kind = 'pow';
  readonly finality = 'probabilistic';
  readonly modules: readonly SystemModule[] = [];
  readonly gossip = undefined;
  readonly views = undefined;
  readonly params: PowParams;
  readonly #miner: Miner;

  constructor(params: PowParams, options: PowEngineOptions = {}) {
    this.params = params;
    this.#miner = new Miner(options.minerThreads ?? 1);
  }

  genesisSection(): RlpValue[] {
    return encodeSection(this.params.initialDifficulty, new Uint8Array(NONCE_BYTES));
  }

  genesisState(): GenesisContribution {
    return { records: [], balances: [] };
  }

  prepareSection(parent: BlockHeader, timestamp: number): RlpValue[] {
    return encodeSection(this.difficultyAfter(parent, timestamp), new Uint8Array(NONCE_BYTES));
  }

  /** The difficulty a child of `parent` stamped `timestamp` must carry. */
  difficultyAfter(parent: BlockHeader, timestamp: number): bigint {
    const { difficulty } = decodeSection(parent);
    return nextDifficulty({ number: parent.number, timestamp: parent.timestamp, difficulty }, timestamp, this.params);
  }

  verifyHeader(header: BlockHeader, parent: BlockHeader): void {
    const { difficulty, nonce } = decodeSection(header);
    const expected = this.difficultyAfter(parent, header.timestamp);
    if (difficulty !== expected) {
      throw new InvalidBlockError(
        BlockErrorCode.BadConsensus,
        `block ${header.number}: difficulty ${difficulty}, want ${expected} ` +
          `(parent difficulty ${decodeSection(parent).difficulty}, ${header.timestamp - parent.timestamp} ms after the parent)`,
      );
    }
    const proof = proofValue(sealHash(header, difficulty), nonce);
    const target = powTarget(difficulty);
    if (proof > target) {
      throw new InvalidBlockError(
        BlockErrorCode.BadSeal,
        `block ${header.number}: proof of work 0x${proof.toString(16).padStart(64, '0')} is above the target ` +
          `0x${target.toString(16).padStart(64, '0')} of difficulty ${difficulty} (nonce ${bytesToHex(nonce)})`,
      );
    }
  }

  /** PoW has no body section: the block hash does not commit to one, so anything there is refused. */
  async verifyBody(block: Block): Promise<void> {
    if (block.consensusBody.length > 0) {
      throw new InvalidBlockError(BlockErrorCode.BadBody, `block ${block.header.number}: a proof-of-work block carries no consensus body`);
    }
  }

  /** Proof of work keeps no state of its own. */
  beginBlock(): void {}

  buildBody(): RlpValue[] {
    return [];
  }

  /** Mine continuously on the head, refreshing the timestamp (and so the difficulty) while sealing. */
  planProduction(head: BlockHeader, _state: RecordReader, now: number): ProductionPlan {
    return { at: now, timestamp: Math.max(now, head.timestamp + 1), refreshTimestamp: true };
  }

  weight(header: BlockHeader): bigint {
    return decodeSection(header).difficulty;
  }

  sealFields(header: BlockHeader): { readonly difficulty: bigint; readonly nonce: Uint8Array } {
    return decodeSection(header);
  }

  /** Strictly heavier only: on a tie the head seen first stays, as in Bitcoin. */
  isBetter(candidate: ChainTip, current: ChainTip): boolean {
    return candidate.totalWeight > current.totalWeight;
  }

  /** Probabilistic: a block `confirmations` deep is "finalized"; "safe" is the same block. */
  checkpoints(head: BlockHeader): Checkpoints {
    const finalized = Math.max(0, head.number - this.params.confirmations);
    return { safe: finalized, finalized };
  }

  async seal(header: BlockHeader, signal: AbortSignal): Promise<BlockHeader | null> {
    const { difficulty } = decodeSection(header);
    const nonce = await this.#miner.mine(sealHash(header, difficulty), targetBytes(difficulty), signal);
    return nonce === null ? null : { ...header, consensus: encodeSection(difficulty, nonce) };
  }

  status(head: BlockHeader): Record<string, string | number | boolean | null> {
    return {
      difficulty: decodeSection(head).difficulty.toString(),
      targetBlockTimeMs: this.params.targetBlockTimeMs,
      halfLifeMs: this.params.halfLifeMs,
      confirmations: this.params.confirmations,
      finality: 'probabilistic',
      hashRate: this.#miner.hashRate,
      minerThreads: this.#miner.threads,
    };
  }

  /** Proof of work signs nothing: always ready. */
  async ready(): Promise<void> {}

  close(): Promise<void> {
    return this.#miner.close();
  }
}
