import { join } from 'node:path';
import type { Block, BlockHeader, Receipt } from '../../ledger/block/types.js';
import type { LtHash } from '../../ledger/state/lthash.js';
import type { Account } from '../../ledger/state/types.js';
import { bytesToHex } from '../../primitives/hex.js';
import { CorruptDataError, SchemaMismatchError } from '../errors.js';
import { ChainBatch } from './batch.js';
import {
  decodeAccount,
  decodeBlockMeta,
  blockBytesOfRecord,
  decodeBlockRecord,
  decodeHeaderOfRecord,
  decodeLtHash,
  decodeMetaHash,
  decodeSchemaVersion,
  decodeReceipts,
  decodeRules,
  decodeTxLocation,
  decodeUndo,
  type BlockMeta,
  type ChainRules,
  type TxLocation,
  type UndoRecord,
} from './codecs.js';
import { StoredMempoolJournal } from './journal.js';
import { describeReadError, holdsDatabase, MetaKey, numberKey, openDatabase, SCHEMA_VERSION, type ChainDatabase } from './schema.js';

/** What a data directory says about itself (the Meta sublevel). */
export interface StoreIdentity {
  readonly genesisHash: Uint8Array;
  readonly rules: ChainRules;
  readonly head: Uint8Array;
}

/**
 * The chain's LevelDB: typed reads of every record kind, `batch()` for
 * writes, and the mempool journal. Knows the layout (schema.ts), not the
 * chain's rules (blockchain.ts).
 */
export class ChainStore {
  readonly journal: StoredMempoolJournal;
  readonly dataDir: string;
  readonly #db: ChainDatabase;

  private constructor(db: ChainDatabase, dataDir: string) {
    this.#db = db;
    this.dataDir = dataDir;
    this.journal = new StoredMempoolJournal(db, dataDir);
  }

  /**
   * Opens `<dataDir>/chaindata`, creating it if missing (never over a damaged
   * one); the data dir also holds other node files.
   */
  static async open(dataDir: string): Promise<ChainStore> {
    return new ChainStore(await openDatabase(join(dataDir, 'chaindata'), dataDir), dataDir);
  }

  /** Whether `dataDir` holds a chain database (sound or damaged), without creating one: for tools that only read. */
  static async exists(dataDir: string): Promise<boolean> {
    return holdsDatabase(join(dataDir, 'chaindata'), dataDir);
  }

  batch(): ChainBatch {
    return new ChainBatch(this.#db);
  }

  /**
   * undefined for a fresh database (no key at all). A database with data but
   * no complete identity is not one this code wrote: CorruptDataError; one
   * of another schema version: SchemaMismatchError.
   */
  async readIdentity(): Promise<StoreIdentity | undefined> {
    const meta = this.#db.meta;
    const [genesis, rules, schemaVersion, head] = await meta.getMany([MetaKey.Genesis, MetaKey.Rules, MetaKey.SchemaVersion, MetaKey.Head]).catch(this.#damaged);
    if (genesis === undefined || rules === undefined || schemaVersion === undefined || head === undefined) {
      const anyKey = await this.#db.root.keys({ limit: 1 }).all().catch(this.#damaged);
      if (anyKey.length === 0) return undefined;
      throw new CorruptDataError(
        `data directory ${this.dataDir} holds a database without a complete Cairn identity (genesis hash, chain rules, schema version, head): it is damaged or not Cairn's; use another --datadir`,
      );
    }
    // Checked before anything else is decoded: another version may lay records out differently.
    const version = decodeSchemaVersion(MetaKey.SchemaVersion, schemaVersion);
    if (version !== BigInt(SCHEMA_VERSION)) {
      throw new SchemaMismatchError(
        `data directory ${this.dataDir} uses chain storage schema version ${version}, ` +
          `this node reads version ${SCHEMA_VERSION}: use another --datadir or a Cairn release that reads it`,
      );
    }
    return {
      genesisHash: decodeMetaHash(MetaKey.Genesis, genesis),
      rules: decodeRules(MetaKey.Rules, rules),
      head: decodeMetaHash(MetaKey.Head, head),
    };
  }

  async getBlock(hash: Uint8Array): Promise<Block | undefined> {
    const bytes = await this.#db.blocks.get(hash).catch(this.#damaged);
    return bytes === undefined ? undefined : decodeBlockRecord(hash, bytes);
  }

  /** Only the block's header: reads that need no transactions skip decoding them. */
  async getHeader(hash: Uint8Array): Promise<BlockHeader | undefined> {
    const bytes = await this.#db.blocks.get(hash).catch(this.#damaged);
    return bytes === undefined ? undefined : decodeHeaderOfRecord(hash, bytes);
  }

  /** The block's encoding as stored (encodeBlock), without decoding it. */
  async getBlockBytes(hash: Uint8Array): Promise<Uint8Array | undefined> {
    const bytes = await this.#db.blocks.get(hash).catch(this.#damaged);
    return bytes === undefined ? undefined : blockBytesOfRecord(hash, bytes);
  }

  async getBlockMeta(hash: Uint8Array): Promise<BlockMeta | undefined> {
    const bytes = await this.#db.blockMeta.get(hash).catch(this.#damaged);
    return bytes === undefined ? undefined : decodeBlockMeta(hash, bytes);
  }

  async getCanonicalHash(number: number): Promise<Uint8Array | undefined> {
    return this.#db.canonical.get(numberKey(number)).catch(this.#damaged);
  }

  async getTxLocation(txHash: Uint8Array): Promise<TxLocation | undefined> {
    const bytes = await this.#db.txIndex.get(txHash).catch(this.#damaged);
    return bytes === undefined ? undefined : decodeTxLocation(txHash, bytes);
  }

  async getReceipts(blockHash: Uint8Array): Promise<Receipt[] | undefined> {
    const bytes = await this.#db.receipts.get(blockHash).catch(this.#damaged);
    return bytes === undefined ? undefined : decodeReceipts(blockHash, bytes);
  }

  async getUndo(blockHash: Uint8Array): Promise<UndoRecord | undefined> {
    const bytes = await this.#db.undo.get(blockHash).catch(this.#damaged);
    return bytes === undefined ? undefined : decodeUndo(blockHash, bytes);
  }

  async getLtHash(blockHash: Uint8Array): Promise<LtHash | undefined> {
    const bytes = await this.#db.ltHash.get(blockHash).catch(this.#damaged);
    return bytes === undefined ? undefined : decodeLtHash(blockHash, bytes);
  }

  /** The whole head state, keyed by lowercase 0x address (the chain keeps it in memory). */
  async loadAccounts(): Promise<Map<string, Account>> {
    const accounts = new Map<string, Account>();
    try {
      for await (const [address, bytes] of this.#db.accounts.iterator()) {
        accounts.set(bytesToHex(address), decodeAccount(address, bytes));
      }
    } catch (err) {
      this.#damaged(err);
    }
    return accounts;
  }

  /** Every system-module record of the head state, keyed by 0x-hex key (the chain keeps them in memory). */
  async loadRecords(): Promise<Map<string, Uint8Array>> {
    const records = new Map<string, Uint8Array>();
    try {
      // A copy: the value may be a view into a buffer LevelDB reuses.
      for await (const [key, value] of this.#db.records.iterator()) records.set(bytesToHex(key), value.slice());
    } catch (err) {
      this.#damaged(err);
    }
    return records;
  }

  async close(): Promise<void> {
    await this.#db.root.close();
  }

  /** A failed read's error, rethrown: LevelDB's for damaged files as CorruptDataError (schema.ts, describeReadError). One function for every read, so a read makes no closure of its own. */
  readonly #damaged = (err: unknown): never => {
    throw describeReadError(err, this.dataDir);
  };
}
