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

/** Opens (creating if missing) the LevelDB at `location`, with errors an operator can act on. */
export async function openDatabase(location: string, dataDir: string): Promise<ChainDatabase> {
  const root: Root = new Level<Uint8Array, Uint8Array>(location, { keyEncoding: 'view', valueEncoding: 'view' });
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

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  return typeof err.code === 'string' ? err.code : undefined;
}

function describeOpenError(err: unknown, dataDir: string): Error {
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
      return new DataDirUnavailableError(`cannot open the chain database in ${dataDir}: ${reason}`, { cause: err });
    default:
      return new DataDirUnavailableError(`cannot open the chain database in ${dataDir}: ${reason}`, { cause: err });
  }
}

/** 8-byte big-endian key of a block number, so LevelDB's byte order is numeric order. */
export function numberKey(n: number): Uint8Array {
  const key = new Uint8Array(8);
  new DataView(key.buffer).setBigUint64(0, BigInt(n));
  return key;
}
