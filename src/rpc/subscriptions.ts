import { randomBytes } from 'node:crypto';
import type { SignedTransaction } from '../ledger/tx/types.js';
import { bytesToHex } from '../primitives/hex.js';
import type { ChainChange, RpcBackend } from './backend.js';
import type { RpcHandler } from './dispatch.js';
import { invalidParams, serverError } from './errors.js';
import { formatHead, formatTransaction, type RpcLog } from './format.js';
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
 *   admits, or the whole transaction when the second argument is true.
 * Notifications of one connection go out in the order the events happened.
 */

/** Subscriptions one connection may hold at once. */
export const MAX_SUBSCRIPTIONS = 256;
/** Blocks whose sent logs a "logs" subscription remembers, to send them again as removed in a reorganisation. */
export const REMEMBERED_BLOCKS = 128;

type Subscription =
  | { readonly kind: 'newHeads' }
  | { readonly kind: 'logs'; readonly filter: LogSelector; readonly sent: Map<string, RpcLog[]> }
  | { readonly kind: 'newPendingTransactions'; readonly full: boolean };

const KINDS = ['newHeads', 'logs', 'newPendingTransactions'];

export class SubscriptionSession {
  readonly methods: ReadonlyMap<string, RpcHandler>;
  readonly #backend: RpcBackend;
  readonly #send: (message: string) => void;
  readonly #logError: (message: string) => void;
  readonly #subscriptions = new Map<string, Subscription>();
  /** Head notifications wait for receipts; this chain keeps them in event order. */
  #queue: Promise<void> = Promise.resolve();
  #stopHeads: (() => void) | undefined;
  #stopPending: (() => void) | undefined;
  #closed = false;

  /** `send` takes one serialised notification; `logError` hears of unexpected failures. */
  constructor(backend: RpcBackend, send: (message: string) => void, logError: (message: string) => void) {
    this.#backend = backend;
    this.#send = send;
    this.#logError = logError;
    this.methods = new Map<string, RpcHandler>([
      ['eth_subscribe', (params) => this.#subscribe(params)],
      ['eth_unsubscribe', (params) => this.#unsubscribe(params)],
    ]);
  }

  get size(): number {
    return this.#subscriptions.size;
  }

  /** The connection is gone: stop listening and drop every subscription. */
  close(): void {
    this.#closed = true;
    this.#subscriptions.clear();
    this.#stopHeads?.();
    this.#stopPending?.();
    this.#stopHeads = this.#stopPending = undefined;
  }

  #subscribe(params: p.Params): string {
    p.arity(params, 1, 2);
    const kind = params[0];
    let subscription: Subscription;
    if (kind === 'newHeads') {
      p.arity(params, 1, 1);
      subscription = { kind };
    } else if (kind === 'logs') {
      subscription = { kind, filter: logSelector(params[1]), sent: new Map() };
    } else if (kind === 'newPendingTransactions') {
      subscription = { kind, full: params[1] === undefined ? false : p.bool(params[1], 1, 'fullTransactions') };
    } else {
      throw invalidParams(`invalid argument 0 (subscription): ${JSON.stringify(kind)} is not a subscription this node serves; use one of ${KINDS.join(', ')}`);
    }
    if (this.#closed) throw serverError('the connection is closing');
    if (this.#subscriptions.size >= MAX_SUBSCRIPTIONS) {
      throw serverError(`too many subscriptions on this connection (at most ${MAX_SUBSCRIPTIONS}): eth_unsubscribe some first`);
    }
    if (subscription.kind === 'newPendingTransactions') this.#stopPending ??= this.#backend.onPendingTransactions((txs) => this.#onPending(txs));
    else this.#stopHeads ??= this.#backend.onHeadChange((change) => this.#onHead(change));
    const id = bytesToHex(randomBytes(16));
    this.#subscriptions.set(id, subscription);
    return id;
  }

  #unsubscribe(params: p.Params): boolean {
    p.arity(params, 1, 1);
    const id = params[0];
    if (typeof id !== 'string') throw invalidParams('invalid argument 0 (subscription): expected the id eth_subscribe returned');
    return this.#subscriptions.delete(id);
  }

  #notify(id: string, result: unknown): void {
    this.#send(`{"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":${JSON.stringify(id)},"result":${JSON.stringify(result)}}}`);
  }

  #onPending(txs: readonly SignedTransaction[]): void {
    for (const [id, sub] of this.#subscriptions) {
      if (sub.kind !== 'newPendingTransactions') continue;
      for (const tx of txs) this.#notify(id, sub.full ? formatTransaction(tx, null) : bytesToHex(tx.hash));
    }
  }

  #onHead(change: ChainChange): void {
    this.#queue = this.#queue
      .then(() => this.#deliver(change))
      .catch((err: unknown) => this.#logError(`subscription notification failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`));
  }

  async #deliver(change: ChainChange): Promise<void> {
    for (let i = change.removed.length - 1; i >= 0; i--) {
      const key = bytesToHex(change.removed[i]!.hash);
      for (const [id, sub] of this.#subscriptions) {
        if (sub.kind !== 'logs') continue;
        const sent = sub.sent.get(key);
        sub.sent.delete(key);
        for (const log of sent ?? []) this.#notify(id, { ...log, removed: true });
      }
    }
    for (const block of change.added) {
      if (this.#closed) return;
      // undefined once the block has left the chain again: it is then not announced.
      const receipts = await this.#backend.getBlockReceipts(block.hash);
      if (receipts === undefined) continue;
      const key = bytesToHex(block.hash);
      for (const [id, sub] of this.#subscriptions) {
        if (sub.kind === 'newHeads') {
          this.#notify(id, formatHead(block, receipts, this.#backend.sealFields(block.header, block.hash)));
        } else if (sub.kind === 'logs') {
          const logs: RpcLog[] = [];
          collectBlockLogs(block, receipts, sub.filter, logs);
          if (logs.length === 0) continue;
          for (const log of logs) this.#notify(id, log);
          sub.sent.set(key, logs);
          if (sub.sent.size > REMEMBERED_BLOCKS) sub.sent.delete(sub.sent.keys().next().value!);
        }
      }
    }
  }
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
