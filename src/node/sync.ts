import type { Blockchain } from '../chain/blockchain.js';
import type { ChainTip, ConsensusEngine } from '../consensus/engine.js';
import { decodeBlockUnrecovered } from '../ledger/block/block.js';
import { BlockErrorCode, InvalidBlockError } from '../ledger/block/errors.js';
import type { Block } from '../ledger/block/types.js';
import type { SenderRecovery } from '../ledger/tx/sender.js';
import { CairnError } from '../primitives/errors.js';
import { bytesToHex, equalBytes } from '../primitives/hex.js';
import type { Logger } from './log.js';

/**
 * Range sync and the fetch of unknown parents. This is the node layer: it
 * talks to peers only through SyncNetwork, which the p2p edge implements,
 * and never imports it (DESIGN.md, "Layers").
 */

export interface PeerHead {
  readonly number: number;
  readonly hash: Uint8Array;
  /** Fork-choice weight of the peer's head (PoW: total difficulty). */
  readonly totalWeight: bigint;
}

export interface SyncPeer {
  readonly id: string;
  /** The head from the peer's latest status message. */
  readonly head: PeerHead;
}

/** What sync finds wrong in a peer's blocks. Transport faults (timeouts, garbage frames) the network penalises itself. */
export type SyncOffence = 'invalid-block' | 'wrong-response';

export interface SyncNetwork {
  /** Connected peers whose status is known. */
  peers(): readonly SyncPeer[];
  /** Raw blocks `start`, `start + 1`, ... of the peer's canonical chain: at most `count`, fewer if it has fewer. Rejects on timeout or a bad answer. */
  blocksByRange(peerId: string, start: number, count: number): Promise<Uint8Array[]>;
  /** Raw blocks for the hashes the peer has, in request order. */
  blocksByHash(peerId: string, hashes: readonly Uint8Array[]): Promise<Uint8Array[]>;
  penalize(peerId: string, offence: SyncOffence, reason: string): void;
}

/** eth_syncing's numbers while a range sync runs. */
export interface SyncProgress {
  readonly startingBlock: number;
  readonly currentBlock: number;
  readonly highestBlock: number;
}

/** What became of a gossiped block whose parent was unknown. */
export type OrphanOutcome =
  /** Its missing ancestors were fetched and it was imported. */
  | 'imported'
  /** A range sync is running (or another fetch of the same parent is): it will get there. */
  | 'pending'
  /** More than ORPHAN_DEPTH blocks are missing: a range sync from the peer should take over. */
  | 'too-far'
  /** The peer did not serve valid ancestors (already penalised where it was the peer's fault). */
  | 'failed'
  /** Too many such fetches run already (MAX_ORPHAN_FETCHES): ignored; the peer's next block, or a range sync, brings it back. */
  | 'skipped';

export interface SyncOptions {
  readonly chain: Blockchain;
  readonly engine: ConsensusEngine;
  readonly recovery: SenderRecovery;
  readonly log: Logger;
  /** How long a node waits to hear from peers before it calls itself synced with none; default GRACE_MS. */
  readonly graceMs?: number;
  /** How long a peer that failed a sync is not asked again; default EXCLUDE_MS. */
  readonly excludeMs?: number;
  readonly now?: () => number;
}

/** Blocks per range request: the p2p layer's cap (MAX_RANGE_BLOCKS). */
const RANGE_BATCH = 64;
/** Range requests in flight ahead of the import, so fetching overlaps importing. */
const MAX_IN_FLIGHT = 4;
/** Blocks of the first common-ancestor probe: one request settles the usual case (the peer extends our chain). */
const PROBE_BLOCKS = 32;
/** Missing ancestors of a gossiped block fetched by hash before range sync takes over. */
const ORPHAN_DEPTH = 32;
/**
 * Orphan fetches running at once, per peer and in all. An orphan costs its
 * sender nothing (its seal is checked against the parent it lacks), and each
 * makes this node ask for up to ORPHAN_DEPTH blocks, so without a cap a
 * stream of orphans with made-up parents multiplies into thousands of
 * requests (300 made 3,207); geth's block fetcher and Lodestar's
 * unknown-block sync cap theirs too.
 */
export const MAX_ORPHAN_FETCHES_PER_PEER = 2;
export const MAX_ORPHAN_FETCHES = 8;
/** A lone node mines after this long without peers (so a devnet's first node starts on its own). */
const GRACE_MS = 1_500;
/** A peer that failed a sync is not asked again for this long (others are tried)... */
const EXCLUDE_MS = 30_000;
/**
 * ...doubled for each failure in a row, up to 2^4 times (8 min): a peer that
 * claims a better head and never serves it pauses block production each
 * time it is tried, so each try must come later. A block it serves that
 * imports resets its count.
 */
const MAX_EXCLUDE_DOUBLINGS = 4;
/** Failure counts kept at most (the oldest go first): peer ids cost an attacker nothing. */
const MAX_FAILURE_RECORDS = 1024;
/** A target whose ranges stop linking (it switched branches) is retried this many times per run before it is set aside. */
const MAX_RESTARTS = 3;
const PROGRESS_LOG_MS = 2_000;

/**
 * A peer's failure found during sync. `offence` is undefined when it is not
 * worth a penalty (a failed request, which the network judges itself; a
 * branch switch). `switchedBranch`: its ranges stopped linking, which an
 * honest peer that reorganised also does, so sync starts over with it.
 */
class SyncPeerError extends CairnError {
  readonly switchedBranch: boolean;

  constructor(
    readonly peerId: string,
    readonly offence: SyncOffence | undefined,
    message: string,
    options?: { cause?: unknown; switchedBranch?: boolean },
  ) {
    super('SYNC_PEER', message, options);
    this.switchedBranch = options?.switchedBranch === true;
  }
}

interface Batch {
  readonly peerId: string;
  readonly start: number;
  readonly count: number;
  readonly result: Promise<Block[]>;
}

interface Run {
  readonly startingBlock: number;
  highestBlock: number;
  readonly startedAt: number;
  readonly peersUsed: Set<string>;
  lastLogAt: number;
  lastLogHead: number;
}

/**
 * Keeps the node on the best chain its peers know. When a peer's status shows
 * a better head than ours (engine.isBetter), a run finds the common ancestor
 * with that peer, downloads the range in batches from it and from other peers
 * that have it (several requests in flight, fetched while earlier batches
 * import), and imports in order; Blockchain.importBlock switches branches
 * when the new one becomes heavier. A peer that stalls, answers wrongly or
 * serves an invalid block is set aside (and penalised where it is its fault)
 * and the next peer is tried.
 *
 * It is also the producer's gate: "synced" means no run is going, the
 * startup grace is over and no peer that has not failed us knows a better head.
 */
export class Sync {
  readonly #chain: Blockchain;
  readonly #engine: ConsensusEngine;
  readonly #recovery: SenderRecovery;
  readonly #log: Logger;
  readonly #graceMs: number;
  readonly #excludeMs: number;
  readonly #now: () => number;
  #network: SyncNetwork | undefined;
  #graceOver = false;
  #graceTimer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #run: Run | undefined;
  #stopped = false;
  readonly #excluded = new Map<string, number>();
  /** Sync failures in a row, by peer. */
  readonly #failures = new Map<string, number>();
  /** Parent hashes being fetched for gossiped blocks: the peer asked and the fetch (detach waits for them). */
  readonly #orphanFetches = new Map<string, { readonly peerId: string; readonly fetch: Promise<OrphanOutcome> }>();
  #waiters = new Set<() => void>();
  readonly #onHead = (): void => this.#notify();

  constructor(options: SyncOptions) {
    this.#chain = options.chain;
    this.#engine = options.engine;
    this.#recovery = options.recovery;
    this.#log = options.log;
    this.#graceMs = options.graceMs ?? GRACE_MS;
    this.#excludeMs = options.excludeMs ?? EXCLUDE_MS;
    this.#now = options.now ?? Date.now;
    this.#chain.on('head', this.#onHead);
    this.#startGrace();
  }

  /** Plugs in the network; the startup grace starts over, since only now can peers be heard. */
  attach(network: SyncNetwork): void {
    this.#network = network;
    this.#startGrace();
    this.peersChanged();
  }

  /** Unplugs the network (it is stopping): waits for a running sync to notice and end. */
  async detach(): Promise<void> {
    this.#network = undefined;
    this.#notify();
    await Promise.all([this.#running, ...[...this.#orphanFetches.values()].map((orphan) => orphan.fetch)]);
  }

  /** The node is stopping: no more runs, no timers, no listener on the chain. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#graceTimer);
    this.#chain.off('head', this.#onHead);
    await this.detach();
  }

  /** The network's peers or their statuses changed: starts a run if one of them is ahead. */
  peersChanged(): void {
    this.#notify();
    this.#maybeStart();
  }

  /** False unless a range sync runs. */
  progress(): SyncProgress | false {
    const run = this.#run;
    if (run === undefined) return false;
    return { startingBlock: run.startingBlock, currentBlock: this.#chain.head.header.number, highestBlock: Math.max(run.highestBlock, this.#chain.head.header.number) };
  }

  /** True when building on the local head makes sense: see the class comment. */
  isSynced(): boolean {
    return this.#running === undefined && this.#graceOver && this.#bestPeer() === undefined;
  }

  /** Resolves once isSynced() (or `signal` aborts). */
  async waitUntilSynced(signal: AbortSignal): Promise<void> {
    while (!signal.aborted && !this.isSynced()) await this.#nextChange(signal);
  }

  /**
   * A gossiped block whose parent is not stored: fetches the missing
   * ancestors by hash from the peer that sent it, newest first, at most
   * ORPHAN_DEPTH of them, then imports them and the block in order.
   */
  importOrphan(peerId: string, block: Block): Promise<OrphanOutcome> {
    const network = this.#network;
    if (network === undefined || this.#running !== undefined) return Promise.resolve('pending');
    if (block.header.number > this.#chain.head.header.number + ORPHAN_DEPTH) return Promise.resolve('too-far');
    const key = bytesToHex(block.header.parentHash);
    if (this.#orphanFetches.has(key)) return Promise.resolve('pending');
    const fromPeer = [...this.#orphanFetches.values()].filter((orphan) => orphan.peerId === peerId).length;
    if (fromPeer >= MAX_ORPHAN_FETCHES_PER_PEER || this.#orphanFetches.size >= MAX_ORPHAN_FETCHES) {
      this.#log.debug(`not fetching the parents of block #${block.header.number} from ${short(peerId)}: ${this.#orphanFetches.size} such fetches running`);
      return Promise.resolve('skipped');
    }
    const fetch = this.#fetchAncestors(network, peerId, block).finally(() => this.#orphanFetches.delete(key));
    this.#orphanFetches.set(key, { peerId, fetch });
    return fetch;
  }

  async #fetchAncestors(network: SyncNetwork, peerId: string, block: Block): Promise<OrphanOutcome> {
    try {
      const branch = [block];
      let missing = block.header.parentHash;
      for (let depth = 0; depth < ORPHAN_DEPTH; depth++) {
        const parent = await this.#fetchByHash(network, peerId, missing);
        const child = branch[0]!.header.number;
        // The hash fixes the number, so an honest peer cannot get this wrong: stop before fetching more of a made-up branch.
        if (parent.header.number !== child - 1) {
          throw new SyncPeerError(peerId, 'wrong-response', `served block #${parent.header.number} ${bytesToHex(parent.hash)} as the parent of block #${child}`);
        }
        branch.unshift(parent);
        if ((await this.#chain.getBlockByHash(parent.header.parentHash)) !== undefined) {
          await this.#importAll(peerId, branch);
          this.#failures.delete(peerId);
          return 'imported';
        }
        missing = parent.header.parentHash;
      }
      return 'too-far';
    } catch (err) {
      if (!(err instanceof SyncPeerError)) throw err;
      this.#blame(err);
      return 'failed';
    }
  }

  #startGrace(): void {
    clearTimeout(this.#graceTimer);
    this.#graceOver = false;
    this.#graceTimer = setTimeout(() => {
      this.#graceOver = true;
      this.#notify();
    }, this.#graceMs);
    this.#graceTimer.unref();
  }

  #maybeStart(): void {
    if (this.#running !== undefined || this.#stopped || this.#network === undefined) return;
    const target = this.#bestPeer();
    if (target === undefined) return;
    const run: Run = {
      startingBlock: this.#chain.head.header.number,
      highestBlock: target.head.number,
      startedAt: this.#now(),
      peersUsed: new Set(),
      lastLogAt: this.#now(),
      lastLogHead: this.#chain.head.header.number,
    };
    this.#run = run;
    const line = `sync from #${run.startingBlock}: peer ${short(target.id)} is at #${target.head.number} (weight ${target.head.totalWeight}, ours ${this.#chain.head.totalWeight})`;
    // A one-block gap is the everyday race between two miners: not worth a line at info.
    if (target.head.number - run.startingBlock > 1) this.#log.info(line);
    else this.#log.debug(line);
    this.#running = this.#loop(run)
      .catch((err: unknown) => {
        if (!this.#stopped) this.#log.error(`sync stopped: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      })
      .finally(() => {
        this.#finish(run);
        this.#running = undefined;
        this.#run = undefined;
        this.#notify();
        // A peer may have got further ahead during the last batch.
        if (!this.#stopped) queueMicrotask(() => this.#maybeStart());
      });
    this.#notify();
  }

  async #loop(run: Run): Promise<void> {
    const restarts = new Map<string, number>();
    for (;;) {
      const network = this.#network;
      const target = this.#bestPeer();
      if (network === undefined || target === undefined || this.#stopped) return;
      run.highestBlock = Math.max(run.highestBlock, target.head.number);
      try {
        await this.#syncFrom(network, run, target);
        const latest = network.peers().find((p) => p.id === target.id)?.head;
        // Its whole range is imported, yet the head it still claims is better than ours.
        if (latest !== undefined && equalBytes(latest.hash, target.head.hash) && this.#isBetter(latest)) {
          throw new SyncPeerError(
            target.id,
            'wrong-response',
            `claimed head #${target.head.number} with weight ${target.head.totalWeight}, but its chain up to there gave us weight ${this.#chain.head.totalWeight}`,
          );
        }
      } catch (err) {
        if (!(err instanceof SyncPeerError)) throw err;
        if (err.switchedBranch && err.peerId === target.id) {
          const count = (restarts.get(err.peerId) ?? 0) + 1;
          restarts.set(err.peerId, count);
          if (count <= MAX_RESTARTS) {
            this.#log.debug(`sync restarts with ${short(err.peerId)}: ${err.message}`);
            continue;
          }
        }
        this.#blame(err);
      }
    }
  }

  async #syncFrom(network: SyncNetwork, run: Run, target: SyncPeer): Promise<void> {
    const ancestor = await this.#commonAncestor(network, target);
    const end = target.head.number;
    let next = ancestor.number + 1;
    let parentHash = ancestor.hash;
    const queue: Batch[] = [];
    let turn = 0;
    while (next <= end || queue.length > 0) {
      while (queue.length < MAX_IN_FLIGHT && next <= end) {
        const count = Math.min(RANGE_BATCH, end - next + 1);
        const peerId = this.#pickPeer(network, target, next + count - 1, turn++);
        run.peersUsed.add(peerId);
        queue.push(this.#fetchRange(network, peerId, next, count));
        next += count;
      }
      const { peerId, blocks } = await this.#settle(network, queue.shift()!, target, parentHash);
      await this.#importAll(peerId, blocks);
      this.#failures.delete(peerId);
      parentHash = blocks[blocks.length - 1]!.hash;
      this.#logProgress(run);
    }
  }

  /**
   * The highest block both chains share, by probing the peer's canonical
   * hashes: PROBE_BLOCKS up to min(our head, its head) in one request, then
   * single blocks further back at doubling distances, then a binary search
   * between the last match and the first mismatch.
   */
  async #commonAncestor(network: SyncNetwork, peer: SyncPeer): Promise<{ number: number; hash: Uint8Array }> {
    const top = Math.min(this.#chain.head.header.number, peer.head.number);
    const from = Math.max(0, top - PROBE_BLOCKS + 1);
    const probe = await this.#fetchRange(network, peer.id, from, top - from + 1).result;
    if (probe.length !== top - from + 1) {
      throw new SyncPeerError(peer.id, 'wrong-response', `served ${probe.length} of blocks #${from}-#${top} below the head #${peer.head.number} it claims`);
    }
    for (let i = probe.length - 1; i >= 0; i--) {
      if (await this.#isCanonical(probe[i]!)) return { number: probe[i]!.header.number, hash: probe[i]!.hash };
    }
    let mismatch = from;
    let step = PROBE_BLOCKS;
    let match: { number: number; hash: Uint8Array } | undefined;
    while (match === undefined) {
      if (mismatch === 0) throw new SyncPeerError(peer.id, 'wrong-response', 'served a chain whose genesis block differs from ours');
      const n = Math.max(0, mismatch - step);
      const block = await this.#blockAt(network, peer.id, n);
      if (await this.#isCanonical(block)) match = { number: n, hash: block.hash };
      else mismatch = n;
      step *= 2;
    }
    while (mismatch - match.number > 1) {
      const mid = Math.floor((match.number + mismatch) / 2);
      const block = await this.#blockAt(network, peer.id, mid);
      if (await this.#isCanonical(block)) match = { number: mid, hash: block.hash };
      else mismatch = mid;
    }
    return match;
  }

  async #blockAt(network: SyncNetwork, peerId: string, n: number): Promise<Block> {
    const [block] = await this.#fetchRange(network, peerId, n, 1).result;
    if (block === undefined) throw new SyncPeerError(peerId, 'wrong-response', `did not serve block #${n} below the head it claims`);
    return block;
  }

  async #isCanonical(block: Block): Promise<boolean> {
    const ours = await this.#chain.getBlockByNumber(block.header.number);
    return ours !== undefined && equalBytes(ours.hash, block.hash);
  }

  /** Requests, decodes and checks one range: numbered from `start`, each block the child of the one before. */
  #fetchRange(network: SyncNetwork, peerId: string, start: number, count: number): Batch {
    const result = network.blocksByRange(peerId, start, count).then(
      async (raws) => {
        if (raws.length > count) throw new SyncPeerError(peerId, 'wrong-response', `served ${raws.length} blocks for a request of ${count}`);
        const blocks = await this.#decode(peerId, raws);
        blocks.forEach((block, i) => {
          if (block.header.number !== start + i) {
            throw new SyncPeerError(peerId, 'wrong-response', `served block #${block.header.number} where #${start + i} belongs`);
          }
          if (i > 0 && !equalBytes(block.header.parentHash, blocks[i - 1]!.hash)) {
            throw new SyncPeerError(peerId, 'wrong-response', `served block #${block.header.number} that is not the child of the block before it`);
          }
        });
        return blocks;
      },
      (err: unknown) => {
        throw requestFailed(peerId, `blocks #${start}-#${start + count - 1}`, err);
      },
    );
    // Handled from the start: a batch may fail while an earlier one imports, or be abandoned
    // when an earlier one fails; whoever awaits it still gets the error.
    result.catch(() => undefined);
    return { peerId, start, count, result };
  }

  /**
   * The batch's blocks once they arrive and link to `parentHash`, and who
   * served them. A helper that fails (another branch, fewer blocks, an
   * error) is set aside and the target serves the batch instead; the
   * target's own failure ends the attempt.
   */
  async #settle(network: SyncNetwork, batch: Batch, target: SyncPeer, parentHash: Uint8Array): Promise<{ peerId: string; blocks: Block[] }> {
    try {
      const blocks = await batch.result;
      const first = blocks[0];
      if (first === undefined || blocks.length < batch.count) {
        const offence = batch.peerId === target.id ? 'wrong-response' : undefined;
        throw new SyncPeerError(batch.peerId, offence, `served ${blocks.length} of blocks #${batch.start}-#${batch.start + batch.count - 1}`);
      }
      if (!equalBytes(first.header.parentHash, parentHash)) {
        // Not proof of a lie: the peer may follow another branch, or have switched since.
        throw new SyncPeerError(batch.peerId, undefined, `follows another branch: its block #${first.header.number} does not link to the block before it`, {
          switchedBranch: true,
        });
      }
      return { peerId: batch.peerId, blocks };
    } catch (err) {
      if (!(err instanceof SyncPeerError) || batch.peerId === target.id) throw err;
      this.#blame(err);
      return this.#settle(network, this.#fetchRange(network, target.id, batch.start, batch.count), target, parentHash);
    }
  }

  /** Senders of a whole response recovered in one call (one batch for the recovery backend). */
  async #decode(peerId: string, raws: readonly Uint8Array[]): Promise<Block[]> {
    try {
      const decoded = raws.map((raw) => decodeBlockUnrecovered(raw));
      const senders = await this.#recovery.recover(decoded.flatMap((block) => block.transactions));
      let offset = 0;
      return decoded.map((block) => {
        const transactions = senders.slice(offset, offset + block.transactions.length);
        offset += block.transactions.length;
        return { header: block.header, hash: block.hash, transactions, consensusBody: block.consensusBody };
      });
    } catch (err) {
      if (!(err instanceof CairnError)) throw err;
      throw new SyncPeerError(peerId, 'invalid-block', `served an invalid block: ${err.message}`, { cause: err });
    }
  }

  async #fetchByHash(network: SyncNetwork, peerId: string, hash: Uint8Array): Promise<Block> {
    let raws: Uint8Array[];
    try {
      raws = await network.blocksByHash(peerId, [hash]);
    } catch (err) {
      throw requestFailed(peerId, `block ${bytesToHex(hash)}`, err);
    }
    const blocks = await this.#decode(peerId, raws);
    const block = blocks[0];
    if (blocks.length !== 1 || block === undefined || !equalBytes(block.hash, hash)) {
      throw new SyncPeerError(peerId, 'wrong-response', `did not serve block ${bytesToHex(hash)}, the parent of a block it gossiped`);
    }
    return block;
  }

  async #importAll(peerId: string, blocks: readonly Block[]): Promise<void> {
    for (const block of blocks) {
      try {
        await this.#chain.importBlock(block);
      } catch (err) {
        if (!(err instanceof InvalidBlockError)) throw err;
        // A branch that leaves our finalized chain is not the peer's fault (it may be an honest validator that was
        // cut off): set the peer aside without a penalty.
        if (err.code === BlockErrorCode.FinalityConflict) {
          throw new SyncPeerError(peerId, undefined, `is on a branch that leaves the finalized chain (${err.message})`, { cause: err });
        }
        throw new SyncPeerError(peerId, 'invalid-block', `served invalid block #${block.header.number} ${bytesToHex(block.hash)}: ${err.message}`, { cause: err });
      }
    }
  }

  #pickPeer(network: SyncNetwork, target: SyncPeer, last: number, turn: number): string {
    const able = network.peers().filter((p) => p.id === target.id || (p.head.number >= last && !this.#isExcluded(p.id)));
    return able[turn % able.length]?.id ?? target.id;
  }

  #bestPeer(): SyncPeer | undefined {
    const network = this.#network;
    if (network === undefined) return undefined;
    let best: SyncPeer | undefined;
    for (const peer of network.peers()) {
      if (this.#isExcluded(peer.id) || !this.#isBetter(peer.head)) continue;
      if (best === undefined || this.#engine.isBetter(tip(peer.head), tip(best.head))) best = peer;
    }
    return best;
  }

  #isBetter(head: PeerHead): boolean {
    const ours = this.#chain.head;
    return this.#engine.isBetter(tip(head), { hash: ours.hash, number: ours.header.number, totalWeight: ours.totalWeight });
  }

  #isExcluded(peerId: string): boolean {
    const until = this.#excluded.get(peerId);
    if (until === undefined) return false;
    if (until > this.#now()) return true;
    this.#excluded.delete(peerId);
    return false;
  }

  /** Sets the peer aside for a while (EXCLUDE_MS, doubled for each failure in a row), penalising it when the fault is its own. */
  #blame(err: SyncPeerError): void {
    // Detached: requests fail because the network is stopping, not because of the peer.
    if (this.#network === undefined) return;
    const failures = (this.#failures.get(err.peerId) ?? 0) + 1;
    this.#failures.delete(err.peerId);
    this.#failures.set(err.peerId, failures);
    if (this.#failures.size > MAX_FAILURE_RECORDS) this.#failures.delete(this.#failures.keys().next().value!);
    const excludeMs = this.#excludeMs * 2 ** Math.min(failures - 1, MAX_EXCLUDE_DOUBLINGS);
    this.#excluded.set(err.peerId, this.#now() + excludeMs);
    this.#log.warn(`peer ${short(err.peerId)} ${err.message}; not asking it again for ${excludeMs / 1000} s`);
    // When the time is up the peer counts again: if it is still ahead, block
    // production pauses for it (isSynced), so the run starts then, not at the
    // next status exchange up to 10 s later.
    setTimeout(() => this.peersChanged(), excludeMs + 1).unref();
    if (err.offence !== undefined) this.#network?.penalize(err.peerId, err.offence, err.message);
  }

  #logProgress(run: Run): void {
    const now = this.#now();
    if (now - run.lastLogAt < PROGRESS_LOG_MS) return;
    const head = this.#chain.head.header.number;
    const highest = Math.max(run.highestBlock, head);
    const span = highest - run.startingBlock;
    const percent = span > 0 ? Math.floor(((head - run.startingBlock) / span) * 100) : 100;
    const rate = ((head - run.lastLogHead) * 1000) / (now - run.lastLogAt);
    this.#log.info(`sync ${head}/${highest} blocks (${percent}%) from ${run.peersUsed.size} peer${run.peersUsed.size === 1 ? '' : 's'}, ${Math.round(rate)} blocks/s`);
    run.lastLogAt = now;
    run.lastLogHead = head;
  }

  #finish(run: Run): void {
    const head = this.#chain.head.header.number;
    const ms = Math.max(1, this.#now() - run.startedAt);
    const blocks = head - run.startingBlock;
    const line = `sync done at #${head}: ${blocks} blocks in ${(ms / 1000).toFixed(1)} s (${Math.round((blocks * 1000) / ms)} blocks/s)`;
    if (blocks > 1 || ms >= PROGRESS_LOG_MS) this.#log.info(line);
    else this.#log.debug(line);
  }

  #nextChange(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.#waiters.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.#waiters.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  #notify(): void {
    const waiters = this.#waiters;
    this.#waiters = new Set();
    for (const wake of waiters) wake();
  }
}

function tip(head: PeerHead): ChainTip {
  return { hash: head.hash, number: head.number, totalWeight: head.totalWeight };
}

function requestFailed(peerId: string, what: string, cause: unknown): SyncPeerError {
  if (cause instanceof SyncPeerError) return cause;
  return new SyncPeerError(peerId, undefined, `did not serve ${what}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
}

function short(peerId: string): string {
  return peerId.length > 16 ? `${peerId.slice(0, 6)}…${peerId.slice(-6)}` : peerId;
}
