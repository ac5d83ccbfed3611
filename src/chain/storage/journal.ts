import type { Transaction } from '../../ledger/tx/types.js';
import { describeReadError, type ChainDatabase } from './schema.js';

/**
 * The mempool's journal (DESIGN.md, "Storage"): a transaction is written here
 * before the node acknowledges it, so it survives a crash and is gossiped
 * again after a restart. Mined transactions leave it in their block's own
 * batch (ChainBatch.connect); the mempool deletes the ones it evicts.
 */
export interface MempoolJournal {
  /** Resolves once the transactions are on disk. */
  put(txs: readonly Transaction[]): Promise<void>;
  delete(hashes: readonly Uint8Array[]): Promise<void>;
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

  async put(txs: readonly Transaction[]): Promise<void> {
    if (txs.length === 0) return;
    await this.#db.journal.batch(txs.map((tx) => ({ type: 'put' as const, key: tx.hash, value: tx.raw })));
  }

  async delete(hashes: readonly Uint8Array[]): Promise<void> {
    if (hashes.length === 0) return;
    await this.#db.journal.batch(hashes.map((key) => ({ type: 'del' as const, key })));
  }

  async loadAll(): Promise<Uint8Array[]> {
    try {
      return await this.#db.journal.values().all();
    } catch (err) {
      throw describeReadError(err, this.#dataDir);
    }
  }
}
