import type { SignedTransaction } from '../../ledger/tx/types.js';

/** A transaction as the pool holds it, with what the pool derives from it once. */
export interface PoolEntry {
  readonly tx: SignedTransaction;
  /** bytesToHex(tx.hash): the pool's key for it. */
  readonly hashKey: string;
  /** bytesToHex(tx.from). */
  readonly senderKey: string;
  /** gasLimit * maxFeePerGas + value: the most the transaction can take from its sender. */
  readonly cost: bigint;
  /** Intrinsic gas: what execution charges it, so what it takes from a block. */
  readonly gas: bigint;
  /** Arrival order: among equal prices the earlier transaction wins, as in geth. */
  readonly seq: number;
}

/**
 * One sender's pooled transactions by nonce. The pending run is kept up to
 * date where a change can move it: an insert at its end extends it (from
 * where it ended, so a burst of consecutive nonces costs linear time, not
 * quadratic), a delete inside it cuts it there, and a new account nonce
 * recounts it.
 *
 * Pending = the run of consecutive nonces starting at the account's nonce
 * (executable in order); every other pooled nonce is queued behind a gap.
 */
export class SenderQueue {
  private readonly byNonce = new Map<bigint, PoolEntry>();
  private last: PoolEntry | undefined;
  private nonce: bigint;
  private pending = 0;
  private cost = 0n;

  constructor(
    readonly address: Uint8Array,
    accountNonce: bigint,
  ) {
    this.nonce = accountNonce;
  }

  get size(): number {
    return this.byNonce.size;
  }

  /** The account nonce the pending run is counted from. */
  get accountNonce(): bigint {
    return this.nonce;
  }

  get pendingCount(): number {
    return this.pending;
  }

  /** Sum of the pooled transactions' costs, for the cumulative balance check. */
  get totalCost(): bigint {
    return this.cost;
  }

  /** Highest nonce: the entry whose eviction never opens a gap. */
  get tail(): PoolEntry | undefined {
    return this.last;
  }

  get(nonce: bigint): PoolEntry | undefined {
    return this.byNonce.get(nonce);
  }

  isPending(nonce: bigint): boolean {
    return nonce >= this.nonce && nonce < this.nonce + BigInt(this.pending);
  }

  /** The next nonce after the pending run: what a wallet should sign next. */
  get nextNonce(): bigint {
    return this.nonce + BigInt(this.pending);
  }

  /** Inserts the entry at its nonce, replacing any there. */
  set(entry: PoolEntry): void {
    const nonce = entry.tx.nonce;
    const old = this.byNonce.get(nonce);
    this.byNonce.set(nonce, entry);
    this.cost += entry.cost - (old?.cost ?? 0n);
    if (this.last === undefined || nonce >= this.last.tx.nonce) this.last = entry;
    if (nonce === this.nextNonce) this.extend();
  }

  delete(nonce: bigint): void {
    const old = this.byNonce.get(nonce);
    if (old === undefined) return;
    this.byNonce.delete(nonce);
    this.cost -= old.cost;
    if (this.last === old) this.last = this.findLast();
    if (this.isPending(nonce)) this.pending = Number(nonce - this.nonce);
  }

  setAccountNonce(accountNonce: bigint): void {
    if (accountNonce === this.nonce) return;
    this.nonce = accountNonce;
    this.pending = 0;
    this.extend();
  }

  /** Entries in nonce order. */
  sorted(): PoolEntry[] {
    return [...this.byNonce.values()].sort((a, b) => (a.tx.nonce < b.tx.nonce ? -1 : a.tx.nonce > b.tx.nonce ? 1 : 0));
  }

  private findLast(): PoolEntry | undefined {
    let last: PoolEntry | undefined;
    for (const entry of this.byNonce.values()) if (last === undefined || entry.tx.nonce > last.tx.nonce) last = entry;
    return last;
  }

  /** Grows the pending run over the consecutive nonces pooled after it. */
  private extend(): void {
    let next = this.nextNonce;
    while (this.byNonce.has(next)) {
      this.pending++;
      next++;
    }
  }
}
