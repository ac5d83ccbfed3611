import { decodeBlockUnrecovered, encodeBlock } from '../../ledger/block/block.js';
import { decodeReceipt } from '../../ledger/block/receipt.js';
import { headerFromRlp } from '../../ledger/block/header.js';
import type { Block, BlockHeader, Receipt } from '../../ledger/block/types.js';
import { LtHash } from '../../ledger/state/lthash.js';
import type { Account } from '../../ledger/state/types.js';
import type { SignedTransaction } from '../../ledger/tx/types.js';
import { bytesToBigint, bytesToHex, bytesToUtf8, concatBytes, hexToBytes } from '../../primitives/hex.js';
import { asBigint, asBytes, asList, asNumber, rlpDecode, rlpEncode, type RlpInput } from '../../primitives/rlp.js';
import { CorruptDataError } from '../errors.js';

/**
 * Encoders and strict decoders of the records in schema.ts. A decoder that
 * fails throws CorruptDataError naming the record and key: a stored record
 * was written by this code, so one that does not decode means damage.
 */

export interface BlockMeta {
  readonly number: number;
  readonly parentHash: Uint8Array;
  /** Fork-choice weight from genesis through this block (ChainTip.totalWeight). */
  readonly totalWeight: bigint;
}

export interface TxLocation {
  readonly blockHash: Uint8Array;
  readonly blockNumber: number;
  readonly index: number;
}

/** Each account and record a block changed, as it was before the block; null = absent. Keys are 0x hex. */
export interface UndoRecord {
  readonly accounts: ReadonlyMap<string, Account | null>;
  readonly records: ReadonlyMap<string, Uint8Array | null>;
}

const ADDRESS_BYTES = 20;

function decodeRecord<T>(what: string, key: Uint8Array | string, decode: () => T): T {
  try {
    return decode();
  } catch (err) {
    const shownKey = typeof key === 'string' ? key : bytesToHex(key);
    const reason = err instanceof Error ? err.message : String(err);
    throw new CorruptDataError(`stored ${what} ${shownKey} does not decode (${reason}): the chain database is damaged`, {
      cause: err,
    });
  }
}

/**
 * Senders are stored beside the block so that reading a block back (RPC,
 * reorgs) needs no signature recovery, the most expensive step there is.
 */
export function encodeBlockRecord(block: Block): Uint8Array {
  return rlpEncode([encodeBlock(block), concatBytes(...block.transactions.map((tx) => tx.from))]);
}

/** The block's own encoding (encodeBlock) inside a record, for serving peers without decoding it. */
export function blockBytesOfRecord(hash: Uint8Array, bytes: Uint8Array): Uint8Array {
  return decodeRecord('block', hash, () => asBytes(asList(rlpDecode(bytes), 'block record', 2)[0], 'block record body'));
}

/** Only the header of a block record: no transaction is decoded or hashed. */
export function decodeHeaderOfRecord(hash: Uint8Array, bytes: Uint8Array): BlockHeader {
  return decodeRecord('block', hash, () => {
    const body = asBytes(asList(rlpDecode(bytes), 'block record', 2)[0], 'block record body');
    return headerFromRlp(asList(rlpDecode(body), 'block', 3)[0]!);
  });
}

export function decodeBlockRecord(hash: Uint8Array, bytes: Uint8Array): Block {
  return decodeRecord('block', hash, () => {
    const [body, senders] = asList(rlpDecode(bytes), 'block record', 2);
    const decoded = decodeBlockUnrecovered(asBytes(body, 'block record body'));
    const from = asBytes(senders, 'block record senders', decoded.transactions.length * ADDRESS_BYTES);
    const transactions = decoded.transactions.map(
      (tx, i): SignedTransaction => ({ ...tx, from: from.slice(i * ADDRESS_BYTES, (i + 1) * ADDRESS_BYTES) }),
    );
    return { header: decoded.header, hash: decoded.hash, transactions, consensusBody: decoded.consensusBody };
  });
}

export function encodeBlockMeta(meta: BlockMeta): Uint8Array {
  return rlpEncode([meta.number, meta.parentHash, meta.totalWeight]);
}

export function decodeBlockMeta(hash: Uint8Array, bytes: Uint8Array): BlockMeta {
  return decodeRecord('block meta', hash, () => {
    const f = asList(rlpDecode(bytes), 'block meta', 3);
    return {
      number: asNumber(f[0], 'number'),
      parentHash: asBytes(f[1], 'parentHash', 32),
      totalWeight: asBigint(f[2], 'totalWeight', 64),
    };
  });
}

export function encodeTxLocation(location: TxLocation): Uint8Array {
  return rlpEncode([location.blockHash, location.blockNumber, location.index]);
}

export function decodeTxLocation(txHash: Uint8Array, bytes: Uint8Array): TxLocation {
  return decodeRecord('transaction location', txHash, () => {
    const f = asList(rlpDecode(bytes), 'tx location', 3);
    return {
      blockHash: asBytes(f[0], 'blockHash', 32),
      blockNumber: asNumber(f[1], 'blockNumber'),
      index: asNumber(f[2], 'index'),
    };
  });
}

/** A block's receipts record: the list of encodeReceipt() bytes execution already built. */
export function encodeReceipts(encodedReceipts: readonly Uint8Array[]): Uint8Array {
  return rlpEncode(encodedReceipts as Uint8Array[]);
}

export function decodeReceipts(blockHash: Uint8Array, bytes: Uint8Array): Receipt[] {
  return decodeRecord('receipts of block', blockHash, () =>
    asList(rlpDecode(bytes), 'receipts').map((r, i) => decodeReceipt(asBytes(r, `receipts[${i}]`))),
  );
}

export function encodeAccount(account: Account): Uint8Array {
  return rlpEncode([account.nonce, account.balance]);
}

export function decodeAccount(address: Uint8Array, bytes: Uint8Array): Account {
  return decodeRecord('account', address, () => {
    const f = asList(rlpDecode(bytes), 'account', 2);
    return { nonce: asBigint(f[0], 'nonce', 8), balance: asBigint(f[1], 'balance') };
  });
}

export function encodeUndo(undo: UndoRecord): Uint8Array {
  const accounts: RlpInput[] = [];
  for (const [address, before] of undo.accounts) {
    const key = hexToBytes(address);
    accounts.push(before === null ? [key] : [key, before.nonce, before.balance]);
  }
  const records: RlpInput[] = [];
  for (const [hex, before] of undo.records) {
    const key = hexToBytes(hex);
    records.push(before === null ? [key] : [key, before]);
  }
  return rlpEncode([accounts, records]);
}

export function decodeUndo(blockHash: Uint8Array, bytes: Uint8Array): UndoRecord {
  return decodeRecord('undo data of block', blockHash, () => {
    const [accountList, recordList] = asList(rlpDecode(bytes), 'undo', 2);
    const accounts = new Map<string, Account | null>();
    for (const [i, value] of asList(accountList!, 'undo.accounts').entries()) {
      const f = asList(value, `undo.accounts[${i}]`);
      const address = bytesToHex(asBytes(f[0], `undo.accounts[${i}].address`, ADDRESS_BYTES));
      if (f.length === 1) accounts.set(address, null);
      else if (f.length === 3) {
        accounts.set(address, { nonce: asBigint(f[1], `undo.accounts[${i}].nonce`, 8), balance: asBigint(f[2], `undo.accounts[${i}].balance`) });
      } else throw new RangeError(`undo.accounts[${i}]: expected 1 or 3 fields, got ${f.length}`);
    }
    const records = new Map<string, Uint8Array | null>();
    for (const [i, value] of asList(recordList!, 'undo.records').entries()) {
      const f = asList(value, `undo.records[${i}]`);
      const key = bytesToHex(asBytes(f[0], `undo.records[${i}].key`));
      if (f.length === 1) records.set(key, null);
      else if (f.length === 2) records.set(key, asBytes(f[1], `undo.records[${i}].value`));
      else throw new RangeError(`undo.records[${i}]: expected 1 or 2 fields, got ${f.length}`);
    }
    return { accounts, records };
  });
}

export function decodeLtHash(blockHash: Uint8Array, bytes: Uint8Array): LtHash {
  return decodeRecord('LtHash of block', blockHash, () => LtHash.fromBytes(bytes));
}

/** The genesis.json settings a data directory is checked against beside the genesis hash. */
export interface ChainRules {
  readonly chainId: bigint;
  readonly blockReward: bigint;
  readonly consensusType: string;
}

export function encodeRules(rules: ChainRules): Uint8Array {
  return rlpEncode([rules.chainId, rules.blockReward, rules.consensusType]);
}

export function decodeRules(key: string, bytes: Uint8Array): ChainRules {
  return decodeRecord('meta', key, () => {
    const f = asList(rlpDecode(bytes), 'rules', 3);
    return {
      chainId: asBigint(f[0], 'chainId'),
      blockReward: asBigint(f[1], 'blockReward'),
      consensusType: bytesToUtf8(asBytes(f[2], 'consensusType')),
    };
  });
}

/** The schema version: minimal big-endian bytes. */
export function decodeSchemaVersion(key: string, bytes: Uint8Array): bigint {
  return decodeRecord('meta', key, () => {
    if (bytes.length > 0 && bytes[0] === 0) throw new RangeError('integer has leading zero bytes');
    return bytesToBigint(bytes);
  });
}

export function decodeMetaHash(key: string, bytes: Uint8Array): Uint8Array {
  return decodeRecord('meta', key, () => {
    if (bytes.length !== 32) throw new RangeError(`expected 32 bytes, got ${bytes.length}`);
    return bytes;
  });
}
