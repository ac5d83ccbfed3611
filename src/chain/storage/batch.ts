import type { Block } from '../../ledger/block/types.js';
import type { LtHash } from '../../ledger/state/lthash.js';
import type { Account } from '../../ledger/state/types.js';
import { bigintToBytes, hexToBytes, utf8ToBytes } from '../../primitives/hex.js';
import {
  encodeAccount,
  encodeBlockMeta,
  encodeBlockRecord,
  encodeReceipts,
  encodeRules,
  encodeTxLocation,
  encodeUndo,
  type BlockMeta,
  type ChainRules,
  type UndoRecord,
} from './codecs.js';
import { MetaKey, numberKey, SCHEMA_VERSION, type ByteSublevel, type ChainDatabase } from './schema.js';

type Operation =
  | { readonly type: 'put'; readonly sublevel: ByteSublevel; readonly key: Uint8Array; readonly value: Uint8Array }
  | { readonly type: 'del'; readonly sublevel: ByteSublevel; readonly key: Uint8Array }
  | { readonly type: 'meta'; readonly key: MetaKey; readonly value: Uint8Array };

/** What executing a block produced that the store keeps while the block is canonical. */
export interface ExecutedBlock {
  readonly block: Block;
  /** encodeReceipt() of each receipt, as execution built them for the receiptsRoot. */
  readonly encodedReceipts: readonly Uint8Array[];
  readonly undo: UndoRecord;
  readonly ltHash: LtHash;
}

/**
 * Collects every write of one chain step (an imported block, a reorg, the
 * genesis) and commits them as ONE LevelDB batch, so a crash leaves either
 * all of them or none (DESIGN.md, "State and system modules"). Operations
 * are named after the invariants of schema.ts rather than raw puts, so a
 * caller cannot, say, index a block's transactions without its receipts.
 */
export class ChainBatch {
  readonly #db: ChainDatabase;
  readonly #ops: Operation[] = [];

  constructor(db: ChainDatabase) {
    this.#db = db;
  }

  /** Stores a block (canonical or side) with its fork-choice metadata. */
  storeBlock(block: Block, meta: BlockMeta): this {
    this.#put(this.#db.blocks, block.hash, encodeBlockRecord(block));
    this.#put(this.#db.blockMeta, block.hash, encodeBlockMeta(meta));
    return this;
  }

  /** Drops a stored side block (found invalid); it must not be canonical. */
  forgetBlock(hash: Uint8Array): this {
    this.#del(this.#db.blocks, hash);
    this.#del(this.#db.blockMeta, hash);
    return this;
  }

  /**
   * Makes an executed block canonical at its number: the number index, its
   * transactions' locations, receipts, undo data and LtHash; and drops its
   * transactions from the mempool journal, since they are mined.
   */
  connect({ block, encodedReceipts, undo, ltHash }: ExecutedBlock): this {
    const { hash } = block;
    this.#put(this.#db.canonical, numberKey(block.header.number), hash);
    block.transactions.forEach((tx, index) => {
      this.#put(this.#db.txIndex, tx.hash, encodeTxLocation({ blockHash: hash, blockNumber: block.header.number, index }));
      this.#del(this.#db.journal, tx.hash);
    });
    this.#put(this.#db.receipts, hash, encodeReceipts(encodedReceipts));
    this.#put(this.#db.undo, hash, encodeUndo(undo));
    this.#put(this.#db.ltHash, hash, ltHash.toBytes());
    return this;
  }

  /**
   * Undoes `connect` for a block a reorg removes. Its number index is
   * deleted too; when the new branch reaches that number, its `connect`
   * (added to the batch later) overwrites it, as batch operations apply in order.
   * Its transactions go back to the mempool journal in this same batch: the
   * mempool re-admits them only after the commit, and a crash in between
   * would lose transactions that had receipts. Those the new branch holds
   * leave the journal again in its `connect`, later in the batch.
   */
  disconnect(block: Block): this {
    this.#del(this.#db.canonical, numberKey(block.header.number));
    for (const tx of block.transactions) {
      this.#del(this.#db.txIndex, tx.hash);
      this.#put(this.#db.journal, tx.hash, tx.raw);
    }
    this.#del(this.#db.receipts, block.hash);
    this.#del(this.#db.undo, block.hash);
    this.#del(this.#db.ltHash, block.hash);
    return this;
  }

  /** Writes the head state's system-module records (0x-hex keys); null or an empty value deletes the record. */
  setRecords(records: Iterable<readonly [string, Uint8Array | null]>): this {
    for (const [hex, value] of records) {
      const key = hexToBytes(hex);
      if (value === null || value.length === 0) this.#del(this.#db.records, key);
      else this.#put(this.#db.records, key, value);
    }
    return this;
  }

  /** Writes the head state's accounts; null or an empty account deletes the record. */
  setAccounts(accounts: Iterable<readonly [string, Account | null]>): this {
    for (const [address, account] of accounts) {
      const key = hexToBytes(address);
      if (account === null || (account.nonce === 0n && account.balance === 0n)) this.#del(this.#db.accounts, key);
      else this.#put(this.#db.accounts, key, encodeAccount(account));
    }
    return this;
  }

  setHead(hash: Uint8Array): this {
    this.#ops.push({ type: 'meta', key: MetaKey.Head, value: hash });
    return this;
  }

  /** Marks a new data directory as this genesis's, at this schema version. */
  setIdentity(genesisHash: Uint8Array, rules: ChainRules): this {
    this.#ops.push({ type: 'meta', key: MetaKey.Genesis, value: genesisHash });
    this.#ops.push({ type: 'meta', key: MetaKey.Rules, value: encodeRules(rules) });
    this.#ops.push({ type: 'meta', key: MetaKey.SchemaVersion, value: bigintToBytes(BigInt(SCHEMA_VERSION)) });
    return this;
  }

  /**
   * Commits all operations atomically, as one array batch: abstract-level's
   * chained batch costs about twice as much per operation (a call into
   * LevelDB for each), which made it the largest cost of block import.
   */
  async write(): Promise<void> {
    const meta = this.#db.meta;
    await this.#db.root.batch(
      this.#ops.map((op) => {
        // The root batch is typed for byte keys: a meta key goes as its UTF-8 bytes.
        if (op.type === 'meta') return { type: 'put' as const, sublevel: meta, key: utf8ToBytes(op.key), keyEncoding: 'view', value: op.value };
        if (op.type === 'put') return { type: 'put' as const, sublevel: op.sublevel, key: op.key, value: op.value };
        return { type: 'del' as const, sublevel: op.sublevel, key: op.key };
      }),
    );
  }

  #put(sublevel: ByteSublevel, key: Uint8Array, value: Uint8Array): void {
    this.#ops.push({ type: 'put', sublevel, key, value });
  }

  #del(sublevel: ByteSublevel, key: Uint8Array): void {
    this.#ops.push({ type: 'del', sublevel, key });
  }
}
