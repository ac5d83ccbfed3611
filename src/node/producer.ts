import type { Blockchain, ChainHead } from '../chain/blockchain.js';
import type { Mempool } from '../chain/mempool.js';
import type { ConsensusEngine } from '../consensus/engine.js';
import { hashHeader } from '../ledger/block/header.js';
import type { Block, BlockHeader } from '../ledger/block/types.js';
import { bytesToHex, equalBytes } from '../primitives/hex.js';
import type { Logger } from './log.js';
import { RebuildTrigger, RECOMMIT_MS } from './rebuild-trigger.js';

/**
 * How often a block being sealed gets a fresh timestamp, when the engine's
 * plan asks for one (PoW: the difficulty follows the timestamp). The
 * timestamp then records within this bound when the seal was found, not when
 * work on the template began, and a block that is slow to find gets easier
 * in steps this short. Re-stamping costs a header hash and a new miner job,
 * not a rebuild: new transactions come in through the RebuildTrigger.
 */
export const RESTAMP_MS = 100;
/** How long to wait before asking the engine again when it has nothing to produce (PoS: no slot of ours yet). */
const IDLE_RECHECK_MS = 1_000;
/** A pause for sync at least this long is logged at info. */
const LONG_PAUSE_MS = 2_000;

/**
 * Says when building on the local head makes sense: only once the node has
 * caught up with its peers (Sync), so a restarted or fresh producer never
 * extends a stale head while the network is ahead.
 */
export interface ProductionGate {
  isSynced(): boolean;
  /** Resolves once isSynced(), or when `signal` aborts. */
  waitUntilSynced(signal: AbortSignal): Promise<void>;
}

export interface ProducerOptions {
  readonly chain: Blockchain;
  readonly mempool: Mempool;
  readonly engine: ConsensusEngine;
  readonly gate: ProductionGate;
  readonly coinbase: Uint8Array;
  readonly log: Logger;
  /** Called with each block this producer sealed and imported (the p2p edge publishes it). */
  readonly onProduced: (block: Block) => void;
}

/**
 * The block production loop: wait until synced, build a template on the
 * head, seal it, import it. Sealing stops within a recommit interval when
 * the gate closes (a sync started) or the head moves.
 */
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
    const { chain, gate, log } = this.opts;
    const stop = this.stopController.signal;
    // Short pauses (a peer one block ahead) are routine between miners: only the first wait and long ones are worth an info line.
    let waitingSince: number | undefined;
    let started = false;
    while (!stop.aborted) {
      if (!gate.isSynced()) {
        if (waitingSince === undefined) {
          waitingSince = Date.now();
          if (started) log.debug('a peer is ahead: pausing block production to sync');
          else log.info('waiting to catch up with peers before producing blocks');
        }
        await gate.waitUntilSynced(stop);
        continue;
      }
      if (waitingSince !== undefined) {
        const line = `caught up at block #${chain.head.header.number}: producing blocks`;
        if (!started || Date.now() - waitingSince >= LONG_PAUSE_MS) log.info(line);
        else log.debug(line);
      }
      waitingSince = undefined;
      started = true;
      // A block from a peer moves the head: stop building on the old parent at once.
      const headMoved = new AbortController();
      const onHead = (): void => headMoved.abort();
      chain.on('head', onHead);
      try {
        await this.produceOn(chain.head, AbortSignal.any([stop, headMoved.signal]));
      } finally {
        chain.off('head', onHead);
      }
    }
  }

  /** Plans, builds, seals and imports one block on `parent`; returns early when `signal` aborts (stop, head moved). */
  private async produceOn(parent: ChainHead, signal: AbortSignal): Promise<void> {
    const { chain, engine, gate, log } = this.opts;
    const plan = engine.planProduction(parent.header, chain, Date.now());
    if (plan === null) {
      await sleep(IDLE_RECHECK_MS, signal);
      return;
    }
    if (!(await sleep(plan.at - Date.now(), signal))) return;
    const coinbase = plan.coinbase ?? this.opts.coinbase;
    // Transactions admitted after the template's build began are taken in by a rebuild, at the trigger or the next recommit.
    let round: AbortController | undefined;
    const trigger = new RebuildTrigger(() => round?.abort());
    const unsubscribe = this.opts.mempool.onAdmitted(() => trigger.changed());
    let template: Block;
    let sealed: BlockHeader | null = null;
    try {
      template = await this.buildTemplate(coinbase, plan.timestamp);
      while (!signal.aborted && !sealed && gate.isSynced()) {
        if (trigger.rebuildDue()) {
          trigger.built();
          template = await this.buildTemplate(coinbase, plan.timestamp);
        }
        const timestamp = plan.refreshTimestamp ? Math.max(Date.now(), parent.header.timestamp + 1) : template.header.timestamp;
        const consensus = engine.prepareSection(parent.header, timestamp, template.consensusBody);
        round = new AbortController();
        try {
          const roundMs = plan.refreshTimestamp ? RESTAMP_MS : RECOMMIT_MS;
          sealed = await engine.seal({ ...template.header, timestamp, consensus }, AbortSignal.any([signal, round.signal, AbortSignal.timeout(roundMs)]));
        } catch (err) {
          // The engine refused to seal (e.g. PoS slashing protection): skip this block, not production.
          log.error(`could not seal block #${parent.header.number + 1}: ${err instanceof Error ? err.message : String(err)}`);
          await sleep(IDLE_RECHECK_MS, signal);
          return;
        }
      }
    } finally {
      unsubscribe();
      trigger.cancel();
    }
    if (!sealed || signal.aborted || !equalBytes(chain.head.hash, parent.hash)) return;
    const block: Block = { ...template, header: sealed, hash: hashHeader(sealed) };
    try {
      await chain.importBlock(block);
      log.info(`produced block #${block.header.number} ${short(block.hash)} txs=${block.transactions.length} gas=${block.header.gasUsed}`);
      this.opts.onProduced(block);
    } catch (err) {
      log.error(`own block #${block.header.number} was rejected: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private async buildTemplate(coinbase: Uint8Array, timestamp: number): Promise<Block> {
    const { chain, mempool } = this.opts;
    const candidates = mempool.selectForBlock(chain.head.header.gasLimit, chain.nextBaseFee());
    const { block, rejected } = await chain.buildBlock({ transactions: candidates, coinbase, timestamp });
    for (const { tx, error } of rejected) {
      this.opts.log.debug(`left tx ${bytesToHex(tx.hash)} out of the block: ${error.message}`);
    }
    return block;
  }
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function short(hash: Uint8Array): string {
  return bytesToHex(hash).slice(0, 12) + '…';
}
