import type { Transaction } from '../../ledger/tx/types.js';
import { describeReadError, type ChainDatabase } from './schema.js';

/**
 * The mempool's journal (DESIGN.md, "Storage"): a transaction is written here
 * before the node acknowledges it, so it survives a crash and is gossiped
 * again after a restart. Mined transactions leave it in their block's own
 * batch (ChainBatch.connect), and a reorg's batch puts the transactions of the
 * blocks it removes back (ChainBatch.disconnect); the mempool deletes the
 * ones it evicts or refuses.
 */
export interface MempoolJournal {
  /**
   * Writes `puts` and deletes `deletes` in one atomic batch; resolves once it
   * is on disk. One batch: a replacement (or an eviction) puts the newcomer
   * and deletes the transaction it displaces, and a crash between two
   * batches could leave neither.
   */
  write(puts: readonly Transaction[], deletes: readonly Uint8Array[]): Promise<void>;
  /**
   * Every journaled raw transaction, ordered by hash (not by nonce): the
   * mempool must accept them in any order (queued until the gap fills).
   */
  loadAll(): Promise<Uint8Array[]>;
}

export class StoredMempoolJournal implements MempoolJournal {
  readonly #db: ChainDatabase;
  readonly #dataDir: string;

  constructor(db: ChainDatabase, dataDir: string) {
    this.#db = db;
    this.#dataDir = dataDir;
  }

  async write(puts: readonly Transaction[], deletes: readonly Uint8Array[]): Promise<void> {
    if (puts.length === 0 && deletes.length === 0) return;
    await this.#db.journal.batch([
      ...puts.map((tx) => ({ type: 'put' as const, key: tx.hash, value: tx.raw })),
      ...deletes.map((key) => ({ type: 'del' as const, key })),
    ]);
  }

  async loadAll(): Promise<Uint8Array[]> {
    try {
      return await this.#db.journal.values().all();
    } catch (err) {
      throw describeReadError(err, this.#dataDir);
    }
  }
}
