import type { Block } from '../ledger/block/types.js';
import { bytesToHex, equalBytes } from '../primitives/hex.js';
import type { RpcBackend } from './backend.js';
import { serverError } from './errors.js';
import { formatBlock, type RpcBlock } from './format.js';
import type { BlockRef, BlockTag } from './params.js';

/** Formatted blocks kept: wallets poll the head block, and a block's JSON never changes for its hash. */
const BLOCK_CACHE_SIZE = 64;

/**
 * Block-tag resolution and block formatting shared by the eth_ methods.
 *
 * Tags: "latest" and "pending" are the head (Cairn has no pending block: the
 * mempool is not a block), "safe" and "finalized" are the engine's finalized
 * block, "earliest" is genesis.
 *
 * State: the node keeps only the latest state (blocks carry undo data for
 * reorgs, not snapshots). A state query for the head block by any name is
 * served; any older block is refused with -32000 rather than answered with
 * today's numbers.
 */
export class ChainView {
  private readonly blockCache = new Map<string, RpcBlock>();

  constructor(private readonly backend: RpcBackend) {}

  numberOf(tag: BlockTag): number {
    switch (tag) {
      case 'latest':
      case 'pending':
        return this.backend.head().header.number;
      case 'safe':
        return this.backend.checkpoints().safe;
      case 'finalized':
        return this.backend.checkpoints().finalized;
      case 'earliest':
        return 0;
      default:
        return tag;
    }
  }

  /** The block a tag names; the head is read by hash so it is the head just read, even if a block lands meanwhile. */
  blockByTag(tag: BlockTag): Promise<Block | undefined> {
    if (tag === 'latest' || tag === 'pending') return this.backend.getBlockByHash(this.backend.head().hash);
    return this.backend.getBlockByNumber(this.numberOf(tag));
  }

  /** The formatted block a tag names, or null; the head comes from the cache without a read. */
  async formattedByTag(tag: BlockTag, full: boolean): Promise<RpcBlock | null> {
    if (tag === 'latest' || tag === 'pending') {
      const hit = this.blockCache.get(cacheKey(this.backend.head().hash, full));
      if (hit !== undefined) return hit;
    }
    const block = await this.blockByTag(tag);
    return block === undefined ? null : this.format(block, full);
  }

  async format(block: Block, full: boolean): Promise<RpcBlock> {
    const key = cacheKey(block.hash, full);
    const hit = this.blockCache.get(key);
    if (hit !== undefined) return hit;
    const receipts = block.transactions.length === 0 ? [] : await this.backend.getBlockReceipts(block.hash);
    const formatted = formatBlock(block, receipts, this.backend.sealFields(block.header, block.hash), full);
    // A side block has no receipts yet; if a reorg makes it canonical, it gains them (and a bloom).
    if (receipts !== undefined) {
      if (this.blockCache.size >= BLOCK_CACHE_SIZE) this.blockCache.delete(this.blockCache.keys().next().value!);
      this.blockCache.set(key, formatted);
    }
    return formatted;
  }

  /**
   * Returns normally when `ref` names the head block (so the latest state
   * answers the query); throws -32000 for an unknown or older block.
   * Synchronous for tags, so the hot methods stay off the promise path.
   */
  requireLatestState(ref: BlockRef): void | Promise<void> {
    const head = this.backend.head();
    if (typeof ref === 'object') {
      if (equalBytes(ref.blockHash, head.hash)) return;
      return this.backend.getBlockByHash(ref.blockHash).then((block) => {
        if (block === undefined) throw serverError(`header for hash not found: ${bytesToHex(ref.blockHash)}`);
        throw historical(block.header.number, head.header.number);
      });
    }
    const n = this.numberOf(ref);
    if (n === head.header.number) return;
    if (n > head.header.number) throw serverError(`header not found: block ${n} is above the head (${head.header.number})`);
    throw historical(n, head.header.number);
  }
}

function historical(n: number, head: number): Error {
  return serverError(`historical state is not available: this node keeps only the latest state (block ${head}); asked for block ${n}`);
}

function cacheKey(hash: Uint8Array, full: boolean): string {
  return bytesToHex(hash) + (full ? 'f' : 'h');
}
