import { TopicValidatorResult, type GossipSub, type Message } from '@libp2p/gossipsub';
import type { PeerId } from '@libp2p/interface';
import type { Blockchain, ChainHead, HeadEvent } from '../chain/blockchain.js';
import type { Mempool } from '../chain/mempool.js';
import { isTooEarly } from '../chain/validation.js';
import { decodeBlock, encodeBlock } from '../ledger/block/block.js';
import { BlockErrorCode, InvalidBlockError } from '../ledger/block/errors.js';
import type { Block } from '../ledger/block/types.js';
import { InvalidTransactionError, TxErrorCode } from '../ledger/tx/errors.js';
import type { SenderRecovery } from '../ledger/tx/sender.js';
import type { Transaction } from '../ledger/tx/types.js';
import type { Logger } from '../node/log.js';
import type { Sync } from '../node/sync.js';
import { CairnError } from '../primitives/errors.js';
import { bytesToHex, equalBytes } from '../primitives/hex.js';
import { MAX_TX_BYTES } from './messages.js';
import { topicName } from './names.js';

/**
 * Refusals that say nothing against the sender: they depend on this node's
 * state or policy (nonces, balances, pool room and prices), which an honest
 * peer may see differently. The rest break a rule every node checks alike.
 */
const BENIGN_TX_ERRORS: ReadonlySet<TxErrorCode> = new Set([
  TxErrorCode.AlreadyKnown,
  TxErrorCode.NonceTooLow,
  TxErrorCode.NonceTooHigh,
  TxErrorCode.InsufficientFunds,
  TxErrorCode.FeeCapTooLow,
  TxErrorCode.Underpriced,
  TxErrorCode.ReplacementUnderpriced,
  TxErrorCode.PoolFull,
]);

/** Unannounced transactions beyond the mempool's size before the ones it no longer holds are swept. */
const UNANNOUNCED_SLACK = 1024;

export interface GossipOptions {
  readonly pubsub: GossipSub;
  readonly genesisHash: Uint8Array;
  readonly chain: Blockchain;
  readonly mempool: Mempool;
  readonly recovery: SenderRecovery;
  readonly sync: Sync;
  /** maxBlockBytes(gasLimit): a bigger gossiped block is refused unread. */
  readonly maxBlockBytes: number;
  readonly log: Logger;
  /** A message failed validation: the sender is penalised. */
  readonly onInvalid: (peerId: string, reason: string) => void;
  /** A block the peer sent became our head, so the peer's head is at least as good. */
  readonly onHeadFromPeer: (peerId: string, head: ChainHead) => void;
  /** The peer sent a block too far ahead to fetch its parents by hash: a range sync should start. */
  readonly onFarAhead: (peerId: string) => void;
}

/**
 * Block and transaction gossip. Topic validators run before gossipsub
 * forwards anything: a transaction enters the mempool first, a block is
 * imported first (full validation); only then is the message accepted and
 * passed on. Rejections lower the sender's router score (gossipsub) and
 * Cairn's own score (onInvalid).
 */
export class Gossip {
  readonly #opts: GossipOptions;
  readonly #blocksTopic: string;
  readonly #txsTopic: string;
  /** Pooled transactions no peer has received from us yet (restored from the journal, or sent while alone). */
  readonly #unannounced = new Map<string, Transaction>();
  /**
   * Transactions of blocks a reorg removed went back to the mempool
   * (CairnNode's head listener, registered before this one): gossip them
   * again, so they are mined on the winning branch even if no producer
   * here takes them.
   */
  readonly #onHead = (event: HeadEvent): void => {
    for (const block of event.removed) {
      for (const tx of block.transactions) if (this.#opts.mempool.has(tx.hash)) void this.publishTransaction(tx);
    }
  };
  readonly #onSubscription = (event: CustomEvent<{ subscriptions: { topic: string; subscribe: boolean }[] }>): void => {
    if (event.detail.subscriptions.some((s) => s.subscribe && s.topic === this.#txsTopic)) void this.#announcePending();
  };

  constructor(options: GossipOptions) {
    this.#opts = options;
    this.#blocksTopic = topicName(options.genesisHash, 'blocks');
    this.#txsTopic = topicName(options.genesisHash, 'txs');
  }

  start(): void {
    const { pubsub, mempool } = this.#opts;
    const content = mempool.content();
    for (const tx of [...content.pending, ...content.queued]) this.#unannounced.set(bytesToHex(tx.hash), tx);
    pubsub.topicValidators.set(this.#blocksTopic, (peer, message) => this.#validateBlock(peer, message));
    pubsub.topicValidators.set(this.#txsTopic, (peer, message) => this.#validateTx(peer, message));
    pubsub.addEventListener('subscription-change', this.#onSubscription);
    this.#opts.chain.on('head', this.#onHead);
    pubsub.subscribe(this.#blocksTopic);
    pubsub.subscribe(this.#txsTopic);
  }

  stop(): void {
    const { pubsub } = this.#opts;
    pubsub.removeEventListener('subscription-change', this.#onSubscription);
    this.#opts.chain.off('head', this.#onHead);
    pubsub.topicValidators.delete(this.#blocksTopic);
    pubsub.topicValidators.delete(this.#txsTopic);
  }

  /** A block this node produced. */
  async publishBlock(block: Block): Promise<void> {
    await this.#publish(this.#blocksTopic, encodeBlock(block), `block #${block.header.number}`);
  }

  /** A transaction a local client submitted; kept for later if no peer is there to take it. */
  async publishTransaction(tx: Transaction): Promise<void> {
    // Publishing to a topic nobody has joined costs tens of microseconds per transaction for nothing.
    const subscribed = this.#opts.pubsub.getSubscribers(this.#txsTopic).length > 0;
    const recipients = subscribed ? await this.#publish(this.#txsTopic, tx.raw, `transaction ${bytesToHex(tx.hash)}`) : 0;
    if (recipients > 0) return;
    this.#unannounced.set(bytesToHex(tx.hash), tx);
    // A node alone for long keeps at most what its (bounded) mempool holds.
    if (this.#unannounced.size > this.#opts.mempool.size + UNANNOUNCED_SLACK) {
      for (const [key, pooled] of this.#unannounced) if (!this.#opts.mempool.has(pooled.hash)) this.#unannounced.delete(key);
    }
  }

  /** Publishes what no peer has yet, now that a peer joined the transaction topic. */
  async #announcePending(): Promise<void> {
    for (const [key, tx] of [...this.#unannounced]) {
      // Mined or evicted meanwhile: nothing to announce.
      if (!this.#opts.mempool.has(tx.hash)) this.#unannounced.delete(key);
      else if ((await this.#publish(this.#txsTopic, tx.raw, `transaction ${key}`)) > 0) this.#unannounced.delete(key);
    }
  }

  async #publish(topic: string, data: Uint8Array, what: string): Promise<number> {
    try {
      const { recipients } = await this.#opts.pubsub.publish(topic, data);
      return recipients.length;
    } catch (err) {
      this.#opts.log.debug(`could not publish ${what}: ${err instanceof Error ? err.message : String(err)}`);
      return 0;
    }
  }

  async #validateTx(peer: PeerId, message: Message): Promise<TopicValidatorResult> {
    const from = peer.toString();
    if (message.data.length > MAX_TX_BYTES) return this.#reject(from, `sent a ${message.data.length}-byte transaction, the cap is ${MAX_TX_BYTES}`);
    try {
      await this.#opts.mempool.add(message.data);
      return TopicValidatorResult.Accept;
    } catch (err) {
      if (err instanceof InvalidTransactionError) {
        if (BENIGN_TX_ERRORS.has(err.code)) return TopicValidatorResult.Ignore;
        return this.#reject(from, `sent an invalid transaction: ${err.message}`);
      }
      this.#opts.log.error(`could not admit a gossiped transaction: ${err instanceof Error ? err.message : String(err)}`);
      return TopicValidatorResult.Ignore;
    }
  }

  async #validateBlock(peer: PeerId, message: Message): Promise<TopicValidatorResult> {
    const from = peer.toString();
    const { chain, maxBlockBytes } = this.#opts;
    if (message.data.length > maxBlockBytes) return this.#reject(from, `sent a ${message.data.length}-byte block, the cap is ${maxBlockBytes}`);
    let block: Block;
    try {
      block = await decodeBlock(message.data, this.#opts.recovery);
    } catch (err) {
      if (!(err instanceof CairnError)) throw err;
      return this.#reject(from, `sent an undecodable block: ${err.message}`);
    }
    try {
      const result = await chain.importBlock(block);
      if (result === 'known') return TopicValidatorResult.Ignore;
      this.#opts.log.debug(`imported block #${block.header.number} ${bytesToHex(block.hash)} from ${from} (${result})`);
      if (result === 'imported-head' && equalBytes(chain.head.hash, block.hash)) this.#opts.onHeadFromPeer(from, chain.head);
      return TopicValidatorResult.Accept;
    } catch (err) {
      if (!(err instanceof InvalidBlockError)) {
        if (err instanceof CairnError) this.#opts.log.debug(`gossiped block #${block.header.number} not imported: ${err.message}`);
        else this.#opts.log.error(`gossiped block #${block.header.number} not imported: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        return TopicValidatorResult.Ignore;
      }
      if (err.code === BlockErrorCode.UnknownParent) {
        this.#fetchAncestors(from, block);
        return TopicValidatorResult.Ignore;
      }
      // A branch that leaves our finalized chain: not ours to follow, but not malice either (a partitioned validator).
      if (err.code === BlockErrorCode.FinalityConflict) return TopicValidatorResult.Ignore;
      // A clock ahead of ours is not malice; the block may be fine in a few seconds.
      if (err.code === BlockErrorCode.BadTimestamp && isTooEarly(block.header, Date.now())) return TopicValidatorResult.Ignore;
      return this.#reject(from, `sent invalid block #${block.header.number} ${bytesToHex(block.hash)}: ${err.message}`);
    }
  }

  /** Gossipsub cannot wait for this (validators must answer fast), so the block is ignored now and imported once its parents are in. */
  #fetchAncestors(peerId: string, block: Block): void {
    this.#opts.sync.importOrphan(peerId, block).then(
      (outcome) => {
        if (outcome === 'too-far') this.#opts.onFarAhead(peerId);
      },
      (err: unknown) => this.#opts.log.error(`fetching the parents of block #${block.header.number} failed: ${err instanceof Error ? err.message : String(err)}`),
    );
  }

  #reject(peerId: string, reason: string): TopicValidatorResult {
    this.#opts.onInvalid(peerId, reason);
    return TopicValidatorResult.Reject;
  }
}
