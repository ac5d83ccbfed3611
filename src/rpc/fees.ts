import type { BlockHeader, Receipt } from '../ledger/block/types.js';
import type { SignedTransaction } from '../ledger/tx/types.js';
import { bytesToHex, equalBytes, toQuantity } from '../primitives/hex.js';
import type { RpcBackend } from './backend.js';
import { serverError } from './errors.js';

/**
 * Fee suggestions (eth_maxPriorityFeePerGas, eth_gasPrice) and
 * eth_feeHistory, both read from what recent blocks actually paid. Tips come
 * from receipts (effectiveGasPrice - baseFee), so the RPC never re-derives
 * the fee rules that the ledger owns.
 */

export interface FeeOracleOptions {
  /** Blocks looked back for tip samples (geth: 20). */
  readonly sampleBlocks?: number;
  /** Percentile of the samples suggested (geth: 60). */
  readonly percentile?: number;
  /** Suggested tip when recent blocks hold no transactions. */
  readonly defaultTip?: bigint;
  /** Upper bound of a suggestion, so one outlier block cannot make wallets overpay (geth: 500 gwei). */
  readonly maxTip?: bigint;
  /**
   * Lower bound: the mempool's minimum tip (default 1 wei, the mempool's
   * default). Mined legacy txs can show a tip of 0, and a suggestion below
   * the pool's minimum would get wallets' txs refused as underpriced.
   */
  readonly minTip?: bigint;
}

const GWEI = 1_000_000_000n;
/** Lowest tips taken per block, as geth's oracle: a block's cheapest inclusions show the going rate. */
const SAMPLES_PER_BLOCK = 3;
/** eth_feeHistory's block count cap (geth's maxBlockHistory is 1024 too). */
const MAX_FEE_HISTORY_BLOCKS = 1024;
export const MAX_REWARD_PERCENTILES = 100;

export interface FeeHistory {
  oldestBlock: string;
  baseFeePerGas: string[];
  gasUsedRatio: number[];
  reward?: string[][];
}

interface TxTip {
  readonly tip: bigint;
  readonly gasUsed: bigint;
}

export class FeeOracle {
  private readonly sampleBlocks: number;
  private readonly percentile: number;
  private readonly defaultTip: bigint;
  private readonly maxTip: bigint;
  private readonly minTip: bigint;
  /** The suggestion for one head; recomputed when the head moves. */
  private cached: { head: string; tip: bigint | Promise<bigint> } | undefined;
  /** Per-block samples by block hash: a new head costs one receipts read, not `sampleBlocks`. */
  private readonly blockSamples = new Map<string, bigint[]>();

  constructor(
    private readonly backend: RpcBackend,
    options: FeeOracleOptions = {},
  ) {
    this.sampleBlocks = options.sampleBlocks ?? 20;
    this.percentile = options.percentile ?? 60;
    this.defaultTip = options.defaultTip ?? GWEI;
    this.maxTip = options.maxTip ?? 500n * GWEI;
    this.minTip = options.minTip ?? 1n;
  }

  /** Synchronous while the head has not moved since the last call. */
  suggestTip(): bigint | Promise<bigint> {
    const head = this.backend.head();
    const key = bytesToHex(head.hash);
    if (this.cached?.head === key) return this.cached.tip;
    const pending = this.computeTip(head.header.number).then(
      (tip) => {
        if (this.cached?.head === key) this.cached = { head: key, tip };
        return tip;
      },
      (err: unknown) => {
        if (this.cached?.head === key) this.cached = undefined;
        throw err;
      },
    );
    this.cached = { head: key, tip: pending };
    return pending;
  }

  private async computeTip(headNumber: number): Promise<bigint> {
    const first = Math.max(0, headNumber - this.sampleBlocks + 1);
    const windowKeys = new Set<string>();
    const samples: bigint[] = [];
    for (let n = headNumber; n >= first; n--) {
      const block = await this.backend.getBlockByNumber(n);
      if (block === undefined) continue;
      const key = bytesToHex(block.hash);
      windowKeys.add(key);
      let tips = this.blockSamples.get(key);
      if (tips === undefined) {
        const receipts = block.transactions.length === 0 ? [] : await this.backend.getBlockReceipts(block.hash);
        // Undefined receipts: a reorg replaced the block since it was read; skip it this time.
        if (receipts === undefined) continue;
        // The producer's own txs say nothing about the market (geth skips them too).
        tips = txTips(block.transactions, receipts, block.header)
          .filter((_, i) => !equalBytes(block.transactions[i]!.from, block.header.coinbase))
          .map((t) => t.tip)
          .sort(compareBigint)
          .slice(0, SAMPLES_PER_BLOCK);
        this.blockSamples.set(key, tips);
      }
      samples.push(...tips);
    }
    for (const key of this.blockSamples.keys()) if (!windowKeys.has(key)) this.blockSamples.delete(key);
    if (samples.length === 0) return this.defaultTip;
    samples.sort(compareBigint);
    const tip = samples[Math.floor(((samples.length - 1) * this.percentile) / 100)]!;
    return tip > this.maxTip ? this.maxTip : tip < this.minTip ? this.minTip : tip;
  }

  /**
   * eth_feeHistory for `blockCount` blocks ending at `newest` (≤ head).
   * baseFeePerGas has one more entry than blocks: the base fee of the block
   * after `newest`. Rewards per geth: txs sorted by tip, each weighted by its
   * gas; the reward at percentile p is the tip of the tx in which p% of the
   * block's gas is reached; an empty block rewards 0.
   */
  async feeHistory(blockCount: number, newest: number, percentiles: readonly number[] | undefined): Promise<FeeHistory> {
    const count = Math.min(blockCount, MAX_FEE_HISTORY_BLOCKS, newest + 1);
    if (count === 0) return { oldestBlock: '0x0', baseFeePerGas: [], gasUsedRatio: [], ...(percentiles ? { reward: [] } : {}) };
    const oldest = newest - count + 1;
    const baseFees: string[] = [];
    const ratios: number[] = [];
    const rewards: string[][] = [];
    for (let n = oldest; n <= newest; n++) {
      const header = percentiles ? await this.rewardsOf(n, percentiles, rewards) : await this.backend.getHeaderByNumber(n);
      if (header === undefined) throw new Error(`canonical block ${n} is missing below the head`);
      baseFees.push(toQuantity(header.baseFee));
      ratios.push(header.gasLimit === 0n ? 0 : Number(header.gasUsed) / Number(header.gasLimit));
    }
    const head = this.backend.head();
    const next = newest === head.header.number ? this.backend.nextBaseFee() : (await this.backend.getHeaderByNumber(newest + 1))?.baseFee;
    if (next === undefined) throw new Error(`canonical block ${newest + 1} is missing below the head`);
    baseFees.push(toQuantity(next));
    const out: FeeHistory = { oldestBlock: toQuantity(oldest), baseFeePerGas: baseFees, gasUsedRatio: ratios };
    if (percentiles) out.reward = rewards;
    return out;
  }

  /** Appends block `n`'s rewards to `into` and returns its header. */
  private async rewardsOf(n: number, percentiles: readonly number[], into: string[][]): Promise<BlockHeader | undefined> {
    const block = await this.backend.getBlockByNumber(n);
    if (block === undefined) return undefined;
    if (block.transactions.length === 0) {
      into.push(percentiles.map(() => '0x0'));
      return block.header;
    }
    const receipts = await this.backend.getBlockReceipts(block.hash);
    if (receipts === undefined) throw serverError(`the chain reorganised during eth_feeHistory (block ${n} was replaced): retry`);
    const sorted = txTips(block.transactions, receipts, block.header).sort((a, b) => compareBigint(a.tip, b.tip));
    const row: string[] = [];
    let i = 0;
    let gasSum = sorted[0]!.gasUsed;
    for (const p of percentiles) {
      const threshold = (Number(block.header.gasUsed) * p) / 100;
      while (Number(gasSum) < threshold && i < sorted.length - 1) gasSum += sorted[++i]!.gasUsed;
      row.push(toQuantity(sorted[i]!.tip));
    }
    into.push(row);
    return block.header;
  }
}

function txTips(txs: readonly SignedTransaction[], receipts: readonly Receipt[], header: BlockHeader): TxTip[] {
  return txs.map((_, i) => {
    const receipt = receipts[i];
    if (receipt === undefined) throw new Error(`block ${header.number} has ${txs.length} transactions but ${receipts.length} receipts`);
    return { tip: receipt.effectiveGasPrice - header.baseFee, gasUsed: receipt.gasUsed };
  });
}

function compareBigint(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
