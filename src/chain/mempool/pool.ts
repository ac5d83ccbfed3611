import type { Block } from '../../ledger/block/types.js';
import { effectiveTip } from '../../ledger/fees.js';
import type { Account } from '../../ledger/state/types.js';
import { decodeTransaction } from '../../ledger/tx/decode.js';
import { InvalidTransactionError, TxErrorCode } from '../../ledger/tx/errors.js';
import type { SenderRecovery } from '../../ledger/tx/sender.js';
import type { SignedTransaction, Transaction } from '../../ledger/tx/types.js';
import { intrinsicGas, validateTransaction, type TxRules } from '../../ledger/tx/validate.js';
import { keccak256 } from '../../primitives/hash.js';
import { bytesToHex } from '../../primitives/hex.js';
import { EvictionIndex, evictsBefore } from './eviction.js';
import { BinaryHeap } from './heap.js';
import { JournalWriter, type JournalSink } from './journal-writer.js';
import { SenderQueue, type PoolEntry } from './sender-queue.js';

/** Latest state, read synchronously (the chain keeps every account in memory). */
export interface AccountReader {
  getAccount(address: Uint8Array): Account;
}

export interface MempoolLimits {
  /**
   * Most transactions per sender (default 1024, so a wallet or a script can
   * send hundreds back to back, as geth allows while the pool has room).
   * Enforced as a nonce window: only nonces in
   * [account nonce, account nonce + perSender) are pooled, so
   * a sender can never crowd out its own executable transactions with far
   * future ones, and the limit needs no eviction of its own.
   */
  readonly perSender?: number;
  /** Most transactions in the pool (default 16384); beyond it the cheapest is evicted. */
  readonly global?: number;
  /**
   * Least maxPriorityFeePerGas (the gas price for legacy and EIP-2930) the
   * pool accepts, as geth's --txpool.pricelimit; default 1 wei, geth's
   * default, so a producer never carries work that pays it nothing.
   */
  readonly minTip?: bigint;
}

export interface MempoolOptions {
  readonly chainId: bigint;
  readonly state: AccountReader;
  /** Base fee of the next block: ranks transactions for eviction. */
  readonly baseFee: () => bigint;
  readonly blockGasLimit: bigint;
  readonly recovery: SenderRecovery;
  readonly journal: JournalSink;
  readonly limits?: MempoolLimits;
}

export type AddResult =
  | { readonly ok: true; readonly tx: SignedTransaction }
  | { readonly ok: false; readonly error: InvalidTransactionError };

export interface HeadChange {
  /** Blocks that joined the canonical chain. */
  readonly added: readonly Block[];
  /** Blocks that left it in a reorg. */
  readonly removed: readonly Block[];
}

export interface MempoolStats {
  readonly size: number;
  readonly pending: number;
  readonly queued: number;
  readonly senders: number;
  readonly limits: { readonly perSender: number; readonly global: number; readonly minTip: bigint };
}

/** The pool's transactions (txpool_content), each list grouped by sender in nonce order. */
export interface MempoolContent {
  readonly pending: SignedTransaction[];
  readonly queued: SignedTransaction[];
}

/** Replacement must raise both maxFeePerGas and the tip by this much (geth's --txpool.pricebump). */
const PRICE_BUMP_PERCENT = 10n;
/** No transaction needs less (intrinsic gas of a plain transfer). */
const MIN_TX_GAS = 21_000n;

interface Arrival {
  readonly tx: Transaction;
  /** Already in the journal (restore): admit without writing it again. */
  readonly journaled: boolean;
  readonly resolve: (tx: SignedTransaction) => void;
  readonly reject: (err: unknown) => void;
}

type Recovered = { readonly tx: SignedTransaction } | { readonly error: unknown };

interface Admission {
  readonly entry: PoolEntry;
  /** The transaction it replaced, or the one evicted to make room for it. */
  readonly displaced: PoolEntry | undefined;
}

interface Admitted extends Admission {
  readonly arrival: Arrival;
}

/** A sender's next transaction during block selection. */
interface SelectionHead {
  readonly queue: SenderQueue;
  readonly entry: PoolEntry;
  /**
   * Effective tip as a float: bigint comparisons made the heap 4x slower.
   * Number() keeps the order (ties only above 2^53 wei per gas, which seq breaks).
   */
  readonly tip: number;
}

/**
 * Transactions waiting for a block: per sender in nonce order, split into
 * pending (consecutive from the account nonce, executable now) and queued
 * (behind a gap, promoted when it fills). Blocks take the best effective
 * tips first without breaking any sender's nonce order.
 *
 * Admission policy (geth's legacy pool where it has one):
 * - stateless checks (chain id, intrinsic gas, fee cap >= tip, block gas
 *   limit), then tip >= minTip, else "transaction underpriced";
 * - nonce below the account's: "nonce too low"; at or beyond the window of
 *   perSender nonces: "nonce too high";
 * - balance < gasLimit * maxFeePerGas + value, or < that plus the cost of the
 *   sender's other pooled transactions: "insufficient funds";
 * - same sender and nonce as a pooled transaction: a replacement, accepted
 *   only if maxFeePerGas and the tip both rise by >= 10% (and by >= 1 wei);
 * - maxFeePerGas below the current base fee is accepted (the base fee may
 *   fall), but such a transaction is not selected for a block and, having a
 *   negative effective tip, is the first to go when the pool is full;
 * - pool full: the cheapest sender tail is evicted (queued before pending,
 *   then lowest effective tip at the next block's base fee); if the newcomer
 *   would rank below it, the newcomer is refused instead.
 *
 * Durability: add() resolves only once the transaction is in the journal.
 * Admissions arriving in the same event-loop turn share one sender-recovery
 * call and one journal commit, and commits are grouped while one is in flight.
 */
export class Mempool {
  private readonly state: AccountReader;
  private readonly baseFee: () => bigint;
  private readonly recovery: SenderRecovery;
  private readonly rules: TxRules;
  private readonly perSender: bigint;
  private readonly globalLimit: number;
  private readonly minTip: bigint;
  private readonly writer: JournalWriter;

  private readonly byHash = new Map<string, PoolEntry>();
  private readonly senders = new Map<string, SenderQueue>();
  private readonly eviction: EvictionIndex;
  private pendingTotal = 0;
  private nextSeq = 0;
  private intake: Arrival[] = [];
  private readonly admittedListeners = new Set<(txs: readonly SignedTransaction[]) => void>();

  constructor(options: MempoolOptions) {
    const perSender = options.limits?.perSender ?? 1024;
    const globalLimit = options.limits?.global ?? 16_384;
    const minTip = options.limits?.minTip ?? 1n;
    if (!Number.isSafeInteger(perSender) || perSender < 1) throw new RangeError(`limits.perSender must be a positive integer, got ${perSender}`);
    if (!Number.isSafeInteger(globalLimit) || globalLimit < 1) throw new RangeError(`limits.global must be a positive integer, got ${globalLimit}`);
    if (minTip < 0n) throw new RangeError(`limits.minTip must not be negative, got ${minTip}`);
    this.state = options.state;
    this.baseFee = options.baseFee;
    this.recovery = options.recovery;
    this.rules = { chainId: options.chainId, blockGasLimit: options.blockGasLimit };
    this.perSender = BigInt(perSender);
    this.globalLimit = globalLimit;
    this.minTip = minTip;
    this.writer = new JournalWriter(options.journal);
    // Room for every tail twice over (tails <= transactions <= globalLimit) before a rebuild.
    this.eviction = new EvictionIndex(2 * globalLimit + 64);
  }

  get size(): number {
    return this.byHash.size;
  }

  get pendingCount(): number {
    return this.pendingTotal;
  }

  get queuedCount(): number {
    return this.byHash.size - this.pendingTotal;
  }

  /**
   * Admits one raw transaction; resolves with it (sender recovered) once it
   * is journaled. Rejects with InvalidTransactionError when refused, or with
   * the journal's error if the write failed (the transaction is then dropped).
   */
  async add(raw: Uint8Array): Promise<SignedTransaction> {
    return this.submit(this.precheck(raw), false);
  }

  /** add() for many (gossip): one result per raw transaction, in order. */
  addMany(raws: readonly Uint8Array[]): Promise<AddResult[]> {
    return Promise.all(
      raws.map((raw) =>
        this.add(raw).then(
          (tx): AddResult => ({ ok: true, tx }),
          (error: unknown): AddResult => {
            if (error instanceof InvalidTransactionError) return { ok: false, error };
            throw error;
          },
        ),
      ),
    );
  }

  /**
   * Re-admits the journal's transactions at start, in any order, without
   * writing them again. Those now invalid (mined meanwhile, outbid,
   * unaffordable) are dropped and deleted from the journal. Returns how
   * many were restored.
   */
  async restore(raws: readonly Uint8Array[]): Promise<number> {
    const txs: Transaction[] = [];
    for (const raw of raws) {
      try {
        txs.push(this.precheck(raw));
      } catch (err) {
        this.dropJournaled(err, keccak256(raw));
      }
    }
    // The journal comes back in hash order. Admitted in nonce order (one
    // intake batch keeps it), each sender's lowest nonces go first, so when
    // the balance no longer covers them all (a block lowered it), the highest
    // are refused rather than a lower one, which would leave the rest queued
    // behind a gap that was not there before the restart.
    txs.sort((a, b) => (a.nonce < b.nonce ? -1 : a.nonce > b.nonce ? 1 : 0));
    let restored = 0;
    await Promise.all(
      txs.map(async (tx) => {
        try {
          await this.submit(tx, true);
          restored++;
        } catch (err) {
          this.dropJournaled(err, tx.hash);
        }
      }),
    );
    await this.writer.flush();
    return restored;
  }

  /**
   * Calls `listener` with each batch of admitted transactions once it is
   * journaled (a block producer refreshes its template then, and
   * subscribers hear of pending transactions); returns the unsubscribe function.
   */
  onAdmitted(listener: (txs: readonly SignedTransaction[]) => void): () => void {
    this.admittedListeners.add(listener);
    return () => {
      this.admittedListeners.delete(listener);
    };
  }

  get(hash: Uint8Array): SignedTransaction | undefined {
    return this.byHash.get(bytesToHex(hash))?.tx;
  }

  has(hash: Uint8Array): boolean {
    return this.byHash.has(bytesToHex(hash));
  }

  /** The nonce a wallet should sign next: account nonce + the sender's consecutive pooled transactions. */
  pendingNonce(address: Uint8Array): bigint {
    let nonce = this.state.getAccount(address).nonce;
    const queue = this.senders.get(bytesToHex(address));
    if (queue === undefined) return nonce;
    while (queue.get(nonce) !== undefined) nonce++;
    return nonce;
  }

  stats(): MempoolStats {
    return {
      size: this.size,
      pending: this.pendingCount,
      queued: this.queuedCount,
      senders: this.senders.size,
      limits: { perSender: Number(this.perSender), global: this.globalLimit, minTip: this.minTip },
    };
  }

  content(): MempoolContent {
    const pending: SignedTransaction[] = [];
    const queued: SignedTransaction[] = [];
    for (const queue of this.senders.values()) {
      for (const entry of queue.sorted()) (queue.isPending(entry.tx.nonce) ? pending : queued).push(entry.tx);
    }
    return { pending, queued };
  }

  /**
   * Transactions for the next block at `baseFee`: pending ones that pay it,
   * best effective tip first (earlier arrival on ties), each sender's in
   * nonce order. Gas is budgeted as execution does: a transaction needs its
   * gas limit free and uses its intrinsic gas. A sender whose next
   * transaction does not fit or cannot pay the base fee contributes nothing
   * after it, since a later nonce cannot run first.
   */
  selectForBlock(maxGas: bigint, baseFee: bigint): SignedTransaction[] {
    const heads: SelectionHead[] = [];
    for (const queue of this.senders.values()) {
      if (queue.pendingCount === 0) continue;
      const entry = queue.get(queue.accountNonce);
      if (entry !== undefined && entry.tx.maxFeePerGas >= baseFee) heads.push({ queue, entry, tip: Number(effectiveTip(entry.tx, baseFee)) });
    }
    const heap = new BinaryHeap<SelectionHead>((a, b) => (a.tip !== b.tip ? a.tip > b.tip : a.entry.seq < b.entry.seq));
    heap.reset(heads);
    const selected: SignedTransaction[] = [];
    let gasLeft = maxGas;
    for (let head = heap.pop(); head !== undefined && gasLeft >= MIN_TX_GAS; head = heap.pop()) {
      const { queue, entry } = head;
      if (entry.tx.gasLimit > gasLeft) continue;
      selected.push(entry.tx);
      gasLeft -= entry.gas;
      // Any pooled next nonce is pending: the run from the account nonce is consecutive.
      const next = queue.get(entry.tx.nonce + 1n);
      if (next !== undefined && next.tx.maxFeePerGas >= baseFee) heap.push({ queue, entry: next, tip: Number(effectiveTip(next.tx, baseFee)) });
    }
    return selected;
  }

  /**
   * Follows the canonical chain, synchronously for the pool's contents (a
   * block template built right after sees the new state); the returned
   * promise settles when the journal has caught up.
   *
   * Mined transactions leave memory only: the chain deletes their journal
   * entries in the block's own batch. Every sender is then re-checked
   * against the new state: transactions whose nonce was used by another
   * transaction, that left the nonce window, or that cost more than the
   * balance are dropped (and deleted from the journal). Transactions of
   * blocks that left the chain are admitted again (those the new chain also
   * holds fail the nonce check) and journaled, so a crash cannot lose them.
   */
  onHeadChange(change: HeadChange): Promise<void> {
    for (const block of change.added) {
      for (const tx of block.transactions) {
        const entry = this.byHash.get(bytesToHex(tx.hash));
        if (entry !== undefined) this.remove(entry);
      }
    }
    for (const queue of [...this.senders.values()]) this.revalidate(queue);
    for (const block of change.removed) {
      for (const tx of block.transactions) this.readmit(tx);
    }
    return this.writer.flush();
  }

  /** Checks that need no sender or state; throws InvalidTransactionError. */
  private precheck(raw: Uint8Array): Transaction {
    const tx = decodeTransaction(raw);
    validateTransaction(tx, this.rules);
    if (tx.maxPriorityFeePerGas < this.minTip) {
      throw new InvalidTransactionError(
        TxErrorCode.Underpriced,
        `transaction underpriced: max priority fee per gas ${tx.maxPriorityFeePerGas}, the pool's minimum is ${this.minTip}`,
      );
    }
    if (this.byHash.has(bytesToHex(tx.hash))) throw alreadyKnown();
    return tx;
  }

  /** Deletes a journaled transaction the pool refused at restore; rethrows anything but a refusal. */
  private dropJournaled(err: unknown, hash: Uint8Array): void {
    if (!(err instanceof InvalidTransactionError)) throw err;
    // A duplicate's journal entry is the pooled copy's own entry.
    if (err.code !== TxErrorCode.AlreadyKnown) this.writer.delete(hash);
  }

  private submit(tx: Transaction, journaled: boolean): Promise<SignedTransaction> {
    return new Promise((resolve, reject) => {
      this.intake.push({ tx, journaled, resolve, reject });
      // setImmediate rather than a microtask: requests that arrive in the
      // same I/O phase (an HTTP burst, a gossip batch) join one batch.
      if (this.intake.length === 1) setImmediate(() => void this.processIntake());
    });
  }

  private async processIntake(): Promise<void> {
    const batch = this.intake;
    this.intake = [];
    const recovered = await this.recoverAll(batch.map((arrival) => arrival.tx));
    const admitted: Admitted[] = [];
    batch.forEach((arrival, i) => {
      const result = recovered[i]!;
      if ('error' in result) {
        arrival.reject(result.error);
        return;
      }
      try {
        admitted.push({ arrival, ...this.admit(result.tx, !arrival.journaled) });
      } catch (err) {
        arrival.reject(err);
      }
    });
    try {
      await this.writer.flush();
    } catch (err) {
      // Not durable, so not acknowledged: take back what this batch wrote,
      // and bring back what it replaced or evicted, which was acknowledged
      // earlier (its journal entry may be deleted already, so it is written
      // again with the next commit). A refused write must not cost a wallet
      // the transaction it had before.
      const taken = new Set<string>();
      for (const { arrival, entry } of admitted) {
        if (arrival.journaled) continue;
        taken.add(entry.hashKey);
        if (this.byHash.get(entry.hashKey) === entry) this.remove(entry);
      }
      for (const { arrival, displaced } of admitted) {
        if (!arrival.journaled && displaced !== undefined && !taken.has(displaced.hashKey)) this.readmit(displaced.tx);
      }
      for (const { arrival } of admitted) arrival.reject(err);
      return;
    }
    for (const { arrival, entry } of admitted) arrival.resolve(entry.tx);
    if (admitted.length > 0 && this.admittedListeners.size > 0) {
      const txs = admitted.map(({ entry }) => entry.tx);
      for (const listener of this.admittedListeners) listener(txs);
    }
  }

  private async recoverAll(txs: readonly Transaction[]): Promise<Recovered[]> {
    try {
      return (await this.recovery.recover(txs)).map((tx) => ({ tx }));
    } catch {
      // One bad signature fails the whole call: retry one by one so only
      // the culprits are refused (the good ones now come from the cache).
      return Promise.all(
        txs.map((tx) =>
          this.recovery.recover([tx]).then(
            ([signed]): Recovered => ({ tx: signed }),
            (error: unknown): Recovered => ({ error }),
          ),
        ),
      );
    }
  }

  /**
   * The state-dependent admission rules (see the class comment), applied
   * synchronously so a batch sees its own earlier admissions. Records the
   * journal operations; the caller flushes them.
   */
  private admit(tx: SignedTransaction, writeJournal: boolean): Admission {
    const hashKey = bytesToHex(tx.hash);
    if (this.byHash.has(hashKey)) throw alreadyKnown();
    const account = this.state.getAccount(tx.from);
    if (tx.nonce < account.nonce) {
      throw new InvalidTransactionError(TxErrorCode.NonceTooLow, `nonce too low: next nonce ${account.nonce}, tx nonce ${tx.nonce}`);
    }
    if (tx.nonce >= account.nonce + this.perSender) {
      throw new InvalidTransactionError(
        TxErrorCode.NonceTooHigh,
        `nonce too high: next nonce ${account.nonce}, tx nonce ${tx.nonce}; the pool holds at most ${this.perSender} transactions per account`,
      );
    }
    const cost = tx.gasLimit * tx.maxFeePerGas + tx.value;
    if (account.balance < cost) {
      throw new InvalidTransactionError(
        TxErrorCode.InsufficientFunds,
        `insufficient funds for gas * price + value: balance ${account.balance}, tx cost ${cost}`,
      );
    }
    const senderKey = bytesToHex(tx.from);
    const existing = this.senders.get(senderKey);
    if (existing !== undefined) this.update(existing, () => existing.setAccountNonce(account.nonce));
    const queue = existing ?? new SenderQueue(tx.from, account.nonce);

    const old = queue.get(tx.nonce);
    if (old !== undefined) checkReplacement(old.tx, tx);
    const othersCost = queue.totalCost - (old?.cost ?? 0n);
    if (othersCost + cost > account.balance) {
      throw new InvalidTransactionError(
        TxErrorCode.InsufficientFunds,
        `insufficient funds for gas * price + value: balance ${account.balance}, tx cost ${cost}, other pooled transactions of this account cost ${othersCost}`,
      );
    }
    const entry: PoolEntry = { tx, hashKey, senderKey, cost, gas: intrinsicGas(tx), seq: this.nextSeq++ };
    const evicted = old === undefined ? this.makeRoom(entry, queue) : undefined;

    this.senders.set(senderKey, queue);
    this.update(queue, () => queue.set(entry));
    this.byHash.set(hashKey, entry);
    if (old !== undefined) {
      this.byHash.delete(old.hashKey);
      this.writer.delete(old.tx.hash);
    }
    if (writeJournal) this.writer.put(tx);
    return { entry, displaced: old ?? evicted };
  }

  /**
   * Admits a transaction the pool held before (a reorged-out block's, or
   * one displaced by an admission whose write failed) and journals it.
   * Refusals are silent: mined again on the new chain (nonce too low), now
   * unaffordable or outbid, it is owed nothing, and its journal entry (the
   * chain writes one for each reorged-out transaction) is deleted.
   */
  private readmit(tx: SignedTransaction): void {
    try {
      this.admit(tx, true);
    } catch (err) {
      this.dropJournaled(err, tx.hash);
    }
  }

  /**
   * Evicts one transaction if the pool is full and returns it, or refuses
   * `entry` if it would be the one to go.
   */
  private makeRoom(entry: PoolEntry, queue: SenderQueue): PoolEntry | undefined {
    if (this.byHash.size < this.globalLimit) return undefined;
    const baseFee = this.baseFee();
    const newcomer = { entry, queued: entry.tx.nonce !== queue.nextNonce, tip: effectiveTip(entry.tx, baseFee) };
    const victim = this.eviction.cheapest(this.senders, baseFee);
    if (victim === undefined || !evictsBefore(victim, newcomer)) {
      if (victim !== undefined && newcomer.queued && !victim.queued) {
        throw new InvalidTransactionError(
          TxErrorCode.PoolFull,
          `txpool is full: ${this.globalLimit} transactions, and a transaction behind a nonce gap cannot displace executable ones`,
        );
      }
      throw new InvalidTransactionError(
        TxErrorCode.Underpriced,
        `transaction underpriced: the pool is full (${this.globalLimit} transactions) and none pays less than its effective tip ${newcomer.tip}`,
      );
    }
    if (victim.entry.senderKey === entry.senderKey && victim.entry.tx.nonce < entry.tx.nonce) {
      throw new InvalidTransactionError(
        TxErrorCode.PoolFull,
        `txpool is full: the cheapest transaction is this account's nonce ${victim.entry.tx.nonce}, and evicting it would leave nonce ${entry.tx.nonce} behind a gap`,
      );
    }
    this.remove(victim.entry);
    this.writer.delete(victim.entry.tx.hash);
    return victim.entry;
  }

  /** Re-reads the sender's account and drops what it can no longer execute. */
  private revalidate(queue: SenderQueue): void {
    const account = this.state.getAccount(queue.address);
    this.update(queue, () => queue.setAccountNonce(account.nonce));
    for (const entry of queue.sorted()) {
      const nonce = entry.tx.nonce;
      if (nonce < account.nonce || nonce >= account.nonce + this.perSender || entry.cost > account.balance) {
        this.remove(entry);
        this.writer.delete(entry.tx.hash);
      }
    }
  }

  /** Removes from memory only; the caller decides about the journal. */
  private remove(entry: PoolEntry): void {
    const queue = this.senders.get(entry.senderKey);
    this.byHash.delete(entry.hashKey);
    if (queue === undefined) return;
    this.update(queue, () => queue.delete(entry.tx.nonce));
    if (queue.size === 0) this.senders.delete(entry.senderKey);
  }

  /** Runs a change to a queue, keeping the pending total and the eviction index in step. */
  private update(queue: SenderQueue, change: () => void): void {
    const before = queue.pendingCount;
    change();
    this.pendingTotal += queue.pendingCount - before;
    this.eviction.track(queue);
  }
}

function alreadyKnown(): InvalidTransactionError {
  return new InvalidTransactionError(TxErrorCode.AlreadyKnown, 'already known');
}

/** geth's rule: both fee fields strictly higher and at least PRICE_BUMP_PERCENT higher. */
function checkReplacement(old: Transaction, tx: Transaction): void {
  const minFee = bumped(old.maxFeePerGas);
  const minTip = bumped(old.maxPriorityFeePerGas);
  if (tx.maxFeePerGas < minFee || tx.maxPriorityFeePerGas < minTip) {
    throw new InvalidTransactionError(
      TxErrorCode.ReplacementUnderpriced,
      `replacement transaction underpriced: needs max fee per gas >= ${minFee} and max priority fee per gas >= ${minTip} (the pooled transaction's + ${PRICE_BUMP_PERCENT}%), got ${tx.maxFeePerGas} and ${tx.maxPriorityFeePerGas}`,
    );
  }
}

function bumped(price: bigint): bigint {
  const threshold = (price * (100n + PRICE_BUMP_PERCENT)) / 100n;
  return threshold > price ? threshold : price + 1n;
}
