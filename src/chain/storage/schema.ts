import { readdir } from 'node:fs/promises';
import { Level } from 'level';
import { CorruptDataError, DataDirUnavailableError } from '../errors.js';

/**
 * The one place where the chain's LevelDB layout is declared (as Lodestar's
 * db/buckets.ts): every sublevel, its key and value, and the schema version.
 * Values are RLP (codecs.ts); only ChainBatch and MempoolJournal write.
 *
 * Invariants the store keeps:
 * - Blocks and BlockMeta hold every stored block, canonical or side.
 * - Canonical, TxIndex, Receipts, Undo and LtHash exist exactly for the
 *   canonical blocks (a reorg deletes them for the blocks it removes), so a
 *   block is executed and known valid iff it is canonical.
 * - Accounts and Records are the state after Meta.head; Meta.head moves in the same batch
 *   as everything else, so a crash leaves the old head or the new one.
 */

/** Bump when a record layout changes; a node refuses a directory of another version. */
export const SCHEMA_VERSION = 2;

export enum Bucket {
  /** block hash → rlp([encodeBlock(block), senders (20 bytes each, concatenated)]) */
  Blocks = 'blocks',
  /** block number (8 bytes big-endian, so keys sort by number) → block hash */
  Canonical = 'canonical',
  /** tx hash → rlp([blockHash, blockNumber, index]) */
  TxIndex = 'txindex',
  /** block hash → rlp([encodeReceipt(r)...]) */
  Receipts = 'receipts',
  /** address (20 bytes) → rlp([nonce, balance]); absent = empty account */
  Accounts = 'accounts',
  /** system-module record key (`supply/…`, `staking/…`) → value; absent = no record */
  Records = 'records',
  /**
   * block hash → rlp([[[address] | [address, nonce, balance]...], [[key] | [key, value]...]]):
   * each changed account and record before the block
   */
  Undo = 'undo',
  /** block hash → the 2048-byte LtHash of the state after the block */
  LtHash = 'lthash',
  /** block hash → rlp([number, parentHash, totalWeight]) */
  BlockMeta = 'blockmeta',
  /** tx hash → raw transaction: acknowledged, not yet mined (DESIGN.md, "Storage") */
  Journal = 'journal',
  /** MetaKey → value */
  Meta = 'meta',
}

export enum MetaKey {
  /** 32-byte hash of the head block. */
  Head = 'head',
  /** 32-byte hash of block 0. */
  Genesis = 'genesis',
  /**
   * rlp([chainId, blockReward, consensusType]) of that genesis: chain rules
   * that genesis.json sets but the genesis block hash does not commit to.
   */
  Rules = 'rules',
  /** Minimal big-endian SCHEMA_VERSION. */
  SchemaVersion = 'schemaVersion',
}

type Root = Level<Uint8Array, Uint8Array>;

/**
 * classic-level hands back Node Buffers for 'view'; the chain's API promises
 * plain Uint8Arrays (a Buffer's slice() shares memory, and it compares and
 * serialises differently), so every read goes through this encoding.
 */
const plainBytes = {
  name: 'cairn-bytes',
  format: 'view' as const,
  encode: (data: Uint8Array): Uint8Array => data,
  decode: (data: Uint8Array): Uint8Array => new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
};

function byteSublevel(root: Root, bucket: Bucket) {
  return root.sublevel<Uint8Array, Uint8Array>(bucket, { keyEncoding: plainBytes, valueEncoding: plainBytes });
}

export type ByteSublevel = ReturnType<typeof byteSublevel>;

export interface ChainDatabase {
  readonly root: Root;
  readonly blocks: ByteSublevel;
  readonly canonical: ByteSublevel;
  readonly txIndex: ByteSublevel;
  readonly receipts: ByteSublevel;
  readonly accounts: ByteSublevel;
  readonly records: ByteSublevel;
  readonly undo: ByteSublevel;
  readonly ltHash: ByteSublevel;
  readonly blockMeta: ByteSublevel;
  readonly journal: ByteSublevel;
  readonly meta: ReturnType<typeof metaSublevel>;
}

function metaSublevel(root: Root) {
  return root.sublevel<string, Uint8Array>(Bucket.Meta, { keyEncoding: 'utf8', valueEncoding: plainBytes });
}

/**
 * Opens the LevelDB at `location`, creating it only where there is nothing
 * yet, with errors an operator can act on.
 */
export async function openDatabase(location: string, dataDir: string): Promise<ChainDatabase> {
  const createIfMissing = await mayCreateDatabase(location, dataDir);
  const root: Root = new Level<Uint8Array, Uint8Array>(location, { keyEncoding: 'view', valueEncoding: 'view', createIfMissing });
  try {
    await root.open();
  } catch (err) {
    throw describeOpenError(err, dataDir);
  }
  return {
    root,
    blocks: byteSublevel(root, Bucket.Blocks),
    canonical: byteSublevel(root, Bucket.Canonical),
    txIndex: byteSublevel(root, Bucket.TxIndex),
    receipts: byteSublevel(root, Bucket.Receipts),
    accounts: byteSublevel(root, Bucket.Accounts),
    records: byteSublevel(root, Bucket.Records),
    undo: byteSublevel(root, Bucket.Undo),
    ltHash: byteSublevel(root, Bucket.LtHash),
    blockMeta: byteSublevel(root, Bucket.BlockMeta),
    journal: byteSublevel(root, Bucket.Journal),
    meta: metaSublevel(root),
  };
}

/** Files that hold a LevelDB's data: tables, write-ahead logs, manifests. */
const DATA_FILE = /^(\d+\.(ldb|sst|log)|MANIFEST-\d+)$/;

/**
 * Whether a new database may be made at `location`: only if it is missing or
 * holds no data file. LevelDB told to create a database where CURRENT is gone
 * but tables remain starts an empty one and deletes those tables as obsolete,
 * so a damaged store must be refused here, before LevelDB sees it.
 */
async function mayCreateDatabase(location: string, dataDir: string): Promise<boolean> {
  const names = await listDirectory(location, dataDir);
  if (names === undefined) return true;
  if (names.includes('CURRENT')) return false;
  const data = names.filter((name) => DATA_FILE.test(name));
  if (data.length === 0) return true;
  throw new CorruptDataError(
    `the chain database in ${dataDir} is damaged: its CURRENT file is missing but ${location} still holds ${data.join(', ')}; ` +
      'nothing was changed: restore a backup, or move the directory away and start over with an empty --datadir',
  );
}

/** Whether `location` holds a LevelDB, sound or damaged, rather than nothing (a read that creates none). */
export async function holdsDatabase(location: string, dataDir: string): Promise<boolean> {
  const names = await listDirectory(location, dataDir);
  return names !== undefined && names.some((name) => name === 'CURRENT' || DATA_FILE.test(name));
}

/** The names in a directory; undefined if it does not exist. */
async function listDirectory(location: string, dataDir: string): Promise<string[] | undefined> {
  try {
    return await readdir(location);
  } catch (err) {
    if (errorCode(err) === 'ENOENT') return undefined;
    throw describeOpenError(err, dataDir);
  }
}

/**
 * A LevelDB error from reading the open store (a table file damaged or gone)
 * as CorruptDataError saying what to do; any other error as it is.
 */
export function describeReadError(err: unknown, dataDir: string): unknown {
  const code = errorCode(err);
  if (code !== 'LEVEL_CORRUPTION' && code !== 'LEVEL_IO_ERROR') return err;
  const reason = err instanceof Error ? err.message : String(err);
  return new CorruptDataError(
    `the chain database in ${dataDir} cannot be read (${reason}): its files are damaged or the disk is failing; ` +
      'restore a backup or start over with an empty --datadir',
    { cause: err },
  );
}

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  return typeof err.code === 'string' ? err.code : undefined;
}

/** An error from opening the store (LevelDB's, or the file system's) as one saying what is wrong and what to do. */
export function describeOpenError(err: unknown, dataDir: string): Error {
  // classic-level wraps the real reason as `cause` of LEVEL_DATABASE_NOT_OPEN.
  const cause = err instanceof Error && err.cause !== undefined ? err.cause : err;
  const reason = cause instanceof Error ? cause.message : String(cause);
  switch (errorCode(cause)) {
    case 'LEVEL_LOCKED':
      return new DataDirUnavailableError(
        `data directory ${dataDir} is in use by another process (its LevelDB lock is held): stop that node or use another --datadir`,
        { cause: err },
      );
    case 'LEVEL_CORRUPTION':
      return new CorruptDataError(
        `the chain database in ${dataDir} is corrupt (${reason}): restore a backup or start over with an empty --datadir`,
        { cause: err },
      );
    case 'LEVEL_IO_ERROR':
      // LevelDB names the file it could not read: a file of its own that is missing or mangled (CURRENT, MANIFEST) is damage, not a permissions problem.
      if (/No such file or directory/.test(reason)) {
        return new CorruptDataError(
          `the chain database in ${dataDir} is damaged: a file it needs is missing (${reason}); restore a backup or start over with an empty --datadir`,
          { cause: err },
        );
      }
      if (/Permission denied|Read-only file system/.test(reason)) return notWritable(dataDir, reason, err);
      return new DataDirUnavailableError(`cannot open the chain database in ${dataDir}: ${reason}`, { cause: err });
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return notWritable(dataDir, reason, err);
    case 'ENOTDIR':
    case 'EEXIST':
      return new DataDirUnavailableError(
        `cannot open the chain database in ${dataDir}: ${reason}; a file stands where a directory should be: use a directory for --datadir`,
        { cause: err },
      );
    default:
      return new DataDirUnavailableError(`cannot open the chain database in ${dataDir}: ${reason}`, { cause: err });
  }
}

function notWritable(dataDir: string, reason: string, err: unknown): DataDirUnavailableError {
  return new DataDirUnavailableError(
    `cannot open the chain database in ${dataDir}: ${reason}; the node must be able to write there: fix the directory's owner or permissions, or use another --datadir`,
    { cause: err },
  );
}

/** 8-byte big-endian key of a block number, so LevelDB's byte order is numeric order. */
export function numberKey(n: number): Uint8Array {
  const key = new Uint8Array(8);
  new DataView(key.buffer).setBigUint64(0, BigInt(n));
  return key;
}
