import type { Blockchain } from '../chain/blockchain.js';
import type { Mempool } from '../chain/mempool.js';
import type { ConsensusEngine } from '../consensus/engine.js';
import { hashHeader } from '../ledger/block/header.js';
import type { Block, BlockHeader } from '../ledger/block/types.js';
import { bytesToHex, equalBytes } from '../primitives/hex.js';
import type { Logger } from './log.js';

/**
 * How often a block in the making is re-committed: a fresh timestamp (and so
 * a fresh difficulty) and the transactions that arrived meanwhile. Without it
 * the timestamp would record when work started, not when the seal was found,
 * and a retarget rule that reads timestamps would measure the wrong thing.
 * geth's miner does the same ("recommit").
 */
const RECOMMIT_MS = 500;

export interface ProducerOptions {
  readonly chain: Blockchain;
  readonly mempool: Mempool;
  readonly engine: ConsensusEngine;
  readonly coinbase: Uint8Array;
  readonly log: Logger;
}

/** The block production loop: build a template on the head, seal it, import it. */
export class Producer {
  private readonly stopController = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(private readonly opts: ProducerOptions) {}

  start(): void {
    if (this.loop) return;
    this.loop = this.run().catch((err: unknown) => {
      this.opts.log.error(`block production stopped: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
    });
  }

  async stop(): Promise<void> {
    this.stopController.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { chain, engine, log } = this.opts;
    const stop = this.stopController.signal;
    while (!stop.aborted) {
      const parent = chain.head;
      let template = await this.buildTemplate(parent.header);
      let templatePool = this.opts.mempool.size;
      let sealed: BlockHeader | null = null;
      while (!stop.aborted && !sealed && equalBytes(chain.head.hash, parent.hash)) {
        if (this.opts.mempool.size !== templatePool) {
          template = await this.buildTemplate(parent.header);
          templatePool = this.opts.mempool.size;
        }
        const timestamp = Math.max(Date.now(), parent.header.timestamp + 1);
        const header: BlockHeader = { ...template.header, timestamp, consensus: engine.prepareSection(parent.header, timestamp) };
        const round = AbortSignal.any([stop, AbortSignal.timeout(RECOMMIT_MS)]);
        sealed = await engine.seal(header, round);
      }
      if (!sealed || stop.aborted || !equalBytes(chain.head.hash, parent.hash)) continue;
      const block: Block = { ...template, header: sealed, hash: hashHeader(sealed) };
      try {
        await chain.importBlock(block);
        log.info(`mined block #${block.header.number} ${short(block.hash)} txs=${block.transactions.length} gas=${block.header.gasUsed}`);
      } catch (err) {
        log.error(`own block #${block.header.number} was rejected: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  private async buildTemplate(parent: BlockHeader): Promise<Block> {
    const { chain, mempool, coinbase } = this.opts;
    const candidates = mempool.selectForBlock(parent.gasLimit, chain.nextBaseFee());
    const timestamp = Math.max(Date.now(), parent.timestamp + 1);
    const { block, rejected } = await chain.buildBlock({ transactions: candidates, coinbase, timestamp });
    for (const { tx, error } of rejected) {
      this.opts.log.debug(`left tx ${bytesToHex(tx.hash)} out of the block: ${error.message}`);
    }
    return block;
  }
}

function short(hash: Uint8Array): string {
  return bytesToHex(hash).slice(0, 12) + '…';
}
