import { randomBytes } from 'node:crypto';
import type { SignedTransaction } from '../ledger/tx/types.js';
import { bytesToHex } from '../primitives/hex.js';
import type { ChainChange, RpcBackend } from './backend.js';
import type { RpcHandler } from './dispatch.js';
import { invalidParams, serverError } from './errors.js';
import { formatHead, formatSyncProgress, formatTransaction, type RpcHead, type RpcLog } from './format.js';
import { collectBlockLogs, type LogSelector } from './logs.js';
import * as p from './params.js';

/**
 * eth_subscribe / eth_unsubscribe for one WebSocket connection, as geth
 * serves them:
 * - "newHeads": every block that joins the canonical chain, in order (all
 *   the blocks of a reorganisation's new branch, too);
 * - "logs" with an optional {address, topics} filter: the matching logs of
 *   every such block, one notification per log; when a reorganisation takes
 *   a block out, the logs sent for it come again with `removed: true`,
 *   newest first, before the new branch's logs;
 * - "newPendingTransactions": the hash of every transaction the mempool
 *   admits, or the whole transaction when the second argument is true;
 * - "syncing": `{syncing: true, status}` (status as eth_syncing's object)
 *   when the node starts a range sync, and `false` when it stops; nothing at
 *   subscribe time. The end of a sync need not move the head, so the session
 *   polls the backend every SYNC_POLL_MS while it holds such a subscription.
 * Notifications of one connection go out in the order the events happened.
 */

/** Subscriptions one connection may hold at once. */
export const MAX_SUBSCRIPTIONS = 256;
/** Blocks whose sent logs a "logs" subscription remembers, to send them again as removed in a reorganisation. */
export const REMEMBERED_BLOCKS = 128;
/** How often a session with a "syncing" subscription looks whether a sync started or ended. */
export const SYNC_POLL_MS = 1_000;

/** What a subscription follows. A "logs" one may be bounded to a block range (eth_newFilter's fromBlock/toBlock numbers). */
export type SubscriptionSpec =
  | { readonly kind: 'newHeads' }
  | { readonly kind: 'logs'; readonly filter: LogSelector; readonly range?: BlockRange }
  | { readonly kind: 'newPendingTransactions'; readonly full: boolean }
  | { readonly kind: 'syncing' };

/** Inclusive block numbers; undefined = unbounded. */
export interface BlockRange {
  readonly from?: number;
  readonly to?: number;
}

type LogsSpec = Extract<SubscriptionSpec, { kind: 'logs' }>;
/** A logs subscription remembers the logs it sent per block, to send them again as removed. */
type Subscription = Exclude<SubscriptionSpec, LogsSpec> | (LogsSpec & { readonly sent: Map<string, RpcLog[]> });

const KINDS = ['newHeads', 'logs', 'newPendingTransactions', 'syncing'];

/**
 * The subscriptions of one client (a WebSocket connection, or the node's
 * HTTP filters): follows the backend's events while it has any and hands
 * each result to `deliver` with the subscription's id.
 */
export class SubscriptionSession {
  readonly #backend: RpcBackend;
  readonly #deliver: (id: string, result: unknown) => void;
  readonly #logError: (message: string) => void;
  readonly #limit: number;
  readonly #syncPollMs: number;
  readonly #subscriptions = new Map<string, Subscription>();
  /** Head notifications wait for receipts; this chain keeps them in event order. */
  #queue: Promise<void> = Promise.resolve();
  #stopHeads: (() => void) | undefined;
  #stopPending: (() => void) | undefined;
  /** Polls the sync state while a "syncing" subscription exists. */
  #syncTimer: ReturnType<typeof setInterval> | undefined;
  /** Whether the node was syncing at the last poll (or when polling began). */
  #wasSyncing = false;
  #closed = false;

  /** `logError` hears of unexpected failures; `limit`: subscriptions held at once; `syncPollMs`: see SYNC_POLL_MS. */
  constructor(
    backend: RpcBackend,
    deliver: (id: string, result: unknown) => void,
    logError: (message: string) => void,
    limit = MAX_SUBSCRIPTIONS,
    syncPollMs = SYNC_POLL_MS,
  ) {
    this.#backend = backend;
    this.#deliver = deliver;
    this.#logError = logError;
    this.#limit = limit;
    this.#syncPollMs = syncPollMs;
  }

  /** Starts a subscription; its id is 16 random bytes in hex, as geth's. Throws -32000 past the limit or once closed. */
  subscribe(spec: SubscriptionSpec): string {
    if (this.#closed) throw serverError('the connection is closing');
    if (this.#subscriptions.size >= this.#limit) {
      throw serverError(`too many subscriptions (at most ${this.#limit}): remove some first`);
    }
    if (spec.kind === 'newPendingTransactions') this.#stopPending ??= this.#backend.onPendingTransactions((txs) => this.#onPending(txs));
    else if (spec.kind === 'syncing') this.#followSync();
    else this.#stopHeads ??= this.#backend.onHeadChange((change) => this.#onHead(change));
    const id = bytesToHex(randomBytes(16));
    this.#subscriptions.set(id, spec.kind === 'logs' ? { ...spec, sent: new Map() } : spec);
    return id;
  }

  /** Whether `id` was a live subscription (it is not any more). The session stops following what no subscription needs. */
  unsubscribe(id: string): boolean {
    if (!this.#subscriptions.delete(id)) return false;
    let heads = false;
    let pending = false;
    let sync = false;
    for (const sub of this.#subscriptions.values()) {
      if (sub.kind === 'newPendingTransactions') pending = true;
      else if (sub.kind === 'syncing') sync = true;
      else heads = true;
    }
    if (!sync) this.#stopSync();
    if (!heads) {
      this.#stopHeads?.();
      this.#stopHeads = undefined;
    }
    if (!pending) {
      this.#stopPending?.();
      this.#stopPending = undefined;
    }
    return true;
  }

  /** The client is gone: stop listening and drop every subscription. */
  close(): void {
    this.#closed = true;
    this.#subscriptions.clear();
    this.#stopHeads?.();
    this.#stopPending?.();
    this.#stopHeads = this.#stopPending = undefined;
    this.#stopSync();
  }

  /** Starts polling the sync state, from the state now: only later changes are announced. */
  #followSync(): void {
    if (this.#syncTimer !== undefined) return;
    this.#wasSyncing = this.#backend.syncing() !== false;
    this.#syncTimer = setInterval(() => this.#pollSync(), this.#syncPollMs);
    // The connection, not this timer, keeps the process alive.
    this.#syncTimer.unref();
  }

  #stopSync(): void {
    clearInterval(this.#syncTimer);
    this.#syncTimer = undefined;
  }

  #pollSync(): void {
    try {
      const progress = this.#backend.syncing();
      if ((progress !== false) === this.#wasSyncing) return;
      this.#wasSyncing = progress !== false;
      const result = progress === false ? false : { syncing: true, status: formatSyncProgress(progress) };
      // Behind any head notification still waiting for its receipts: those events came first.
      this.#queue = this.#queue
        .then(() => {
          for (const [id, sub] of this.#subscriptions) if (sub.kind === 'syncing') this.#deliver(id, result);
        })
        .catch((err: unknown) => this.#logError(`syncing notification failed: ${errorText(err)}`));
    } catch (err) {
      this.#logError(`sync status poll failed: ${errorText(err)}`);
    }
  }

  /** Runs inside the mempool's admission: a failure here is logged, never thrown into it. */
  #onPending(txs: readonly SignedTransaction[]): void {
    try {
      for (const [id, sub] of this.#subscriptions) {
        if (sub.kind !== 'newPendingTransactions') continue;
        for (const tx of txs) this.#deliver(id, sub.full ? formatTransaction(tx, null) : bytesToHex(tx.hash));
      }
    } catch (err) {
      this.#logError(`pending-transaction notification failed: ${errorText(err)}`);
    }
  }

  #onHead(change: ChainChange): void {
    this.#queue = this.#queue
      .then(() => this.#deliverHead(change))
      .catch((err: unknown) => this.#logError(`subscription notification failed: ${errorText(err)}`));
  }

  async #deliverHead(change: ChainChange): Promise<void> {
    for (let i = change.removed.length - 1; i >= 0; i--) {
      const key = bytesToHex(change.removed[i]!.hash);
      for (const [id, sub] of this.#subscriptions) {
        if (sub.kind !== 'logs') continue;
        const sent = sub.sent.get(key);
        sub.sent.delete(key);
        for (const log of sent ?? []) this.#deliver(id, { ...log, removed: true });
      }
    }
    for (const block of change.added) {
      if (this.#closed) return;
      // undefined once the block has left the chain again: it is then not announced.
      const receipts = await this.#backend.getBlockReceipts(block.hash);
      if (receipts === undefined) continue;
      const key = bytesToHex(block.hash);
      const number = block.header.number;
      // Formatted once per block, however many subscriptions take it (its logs bloom hashes every log).
      let head: RpcHead | undefined;
      for (const [id, sub] of this.#subscriptions) {
        if (sub.kind === 'newHeads') {
          head ??= formatHead(block, receipts, this.#backend.sealFields(block.header, block.hash));
          this.#deliver(id, head);
        } else if (sub.kind === 'logs' && number >= (sub.range?.from ?? 0) && number <= (sub.range?.to ?? Infinity)) {
          const logs: RpcLog[] = [];
          collectBlockLogs(block, receipts, sub.filter, logs);
          if (logs.length === 0) continue;
          for (const log of logs) this.#deliver(id, log);
          sub.sent.set(key, logs);
          if (sub.sent.size > REMEMBERED_BLOCKS) sub.sent.delete(sub.sent.keys().next().value!);
        }
      }
    }
  }
}

/** eth_subscribe / eth_unsubscribe of one WebSocket connection, over `session`. */
export function subscriptionMethods(session: SubscriptionSession): ReadonlyMap<string, RpcHandler> {
  return new Map<string, RpcHandler>([
    ['eth_subscribe', (params) => session.subscribe(subscriptionSpec(params))],
    [
      'eth_unsubscribe',
      (params) => {
        p.arity(params, 1, 1);
        const id = params[0];
        if (typeof id !== 'string') throw invalidParams('invalid argument 0 (subscription): expected the id eth_subscribe returned');
        return session.unsubscribe(id);
      },
    ],
  ]);
}

/** The serialised eth_subscription notification of `result` for subscription `id`. */
export function notification(id: string, result: unknown): string {
  return `{"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":${JSON.stringify(id)},"result":${JSON.stringify(result)}}}`;
}

function subscriptionSpec(params: p.Params): SubscriptionSpec {
  p.arity(params, 1, 2);
  const kind = params[0];
  if (kind === 'newHeads') {
    p.arity(params, 1, 1);
    return { kind };
  }
  if (kind === 'logs') return { kind, filter: logSelector(params[1]) };
  if (kind === 'newPendingTransactions') return { kind, full: params[1] === undefined ? false : p.bool(params[1], 1, 'fullTransactions') };
  if (kind === 'syncing') {
    p.arity(params, 1, 1);
    return { kind };
  }
  throw invalidParams(`invalid argument 0 (subscription): ${JSON.stringify(kind)} is not a subscription this node serves; use one of ${KINDS.join(', ')}`);
}

/** The optional filter of a "logs" subscription: address and topics only, since it follows new blocks. */
function logSelector(value: unknown): LogSelector {
  if (value === undefined || value === null) return { addresses: null, topics: [] };
  const filter = p.logFilter(value, 1);
  if ('blockHash' in filter.range || filter.range.fromBlock !== 'latest' || filter.range.toBlock !== 'latest') {
    throw invalidParams('invalid argument 1 (filter): a logs subscription follows new blocks; drop fromBlock, toBlock and blockHash (use eth_getLogs for past blocks)');
  }
  return filter;
}

function errorText(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}
