import { bytesToHex } from '../../primitives/hex.js';
import type { Transaction } from '../../ledger/tx/types.js';
import type { MempoolJournal } from '../storage/journal.js';

/**
 * The part of the chain's mempool journal (DESIGN.md, "Storage") the pool
 * writes to; each call is one LevelDB batch. Reading it back (loadAll) is
 * the node's job at start, which hands the result to Mempool.restore.
 */
export type JournalSink = Pick<MempoolJournal, 'write'>;

type JournalOp = { readonly kind: 'put'; readonly tx: Transaction } | { readonly kind: 'delete'; readonly hash: Uint8Array };

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Group commit over the journal. Operations recorded while a commit is
 * in flight wait and go out together in the next one, so under load one
 * LevelDB batch carries many transactions (the 2,000 tx/s target), and at
 * most one commit runs at a time, so a delete can never overtake the put of
 * the same hash. Per hash the last operation wins: a transaction admitted
 * and evicted before its commit is never written.
 */
export class JournalWriter {
  private ops = new Map<string, JournalOp>();
  private waiters: Waiter[] = [];
  private draining = false;

  constructor(private readonly journal: JournalSink) {}

  put(tx: Transaction): void {
    this.ops.set(bytesToHex(tx.hash), { kind: 'put', tx });
  }

  delete(hash: Uint8Array): void {
    this.ops.set(bytesToHex(hash), { kind: 'delete', hash });
  }

  /** Resolves once every operation recorded so far is committed; rejects if its commit failed. */
  flush(): Promise<void> {
    if (this.ops.size === 0 && !this.draining) return Promise.resolve();
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (!this.draining) void this.drain();
    return done;
  }

  private async drain(): Promise<void> {
    this.draining = true;
    while (this.waiters.length > 0) {
      const ops = this.ops;
      const waiters = this.waiters;
      this.ops = new Map();
      this.waiters = [];
      const puts: Transaction[] = [];
      const deletes: Uint8Array[] = [];
      for (const op of ops.values()) {
        if (op.kind === 'put') puts.push(op.tx);
        else deletes.push(op.hash);
      }
      try {
        await this.journal.write(puts, deletes);
        for (const w of waiters) w.resolve();
      } catch (err) {
        for (const w of waiters) w.reject(err);
      }
    }
    this.draining = false;
  }
}
