import { CairnError } from '../../primitives/errors.js';
import { merkleRoot } from '../../primitives/merkle.js';
import { asBytes, asList, rlpDecode, rlpEncode, type RlpValue } from '../../primitives/rlp.js';
import { bytesToHex } from '../../primitives/hex.js';
import { decodeTransaction } from '../tx/decode.js';
import type { SenderRecovery } from '../tx/sender.js';
import type { Transaction } from '../tx/types.js';
import { BlockErrorCode, InvalidBlockError } from './errors.js';
import { encodeHeader, hashHeader, headerFields, headerFromRlp } from './header.js';
import type { Block, BlockHeader } from './types.js';

/**
 * Block encoding: rlp([headerFields, [raw tx bytes...], consensusBody]).
 * Each transaction is embedded as one RLP byte string holding its exact raw
 * bytes (legacy included), so the body carries what was signed and hashed.
 */

export function encodeBlock(block: Pick<Block, 'header' | 'transactions' | 'consensusBody'>): Uint8Array {
  return rlpEncode([headerFields(block.header), block.transactions.map((tx) => tx.raw), block.consensusBody as RlpValue[]]);
}

/**
 * The length of encodeBlock(block), computed without building it: block
 * import checks the size of every block, and copying a whole block's bytes
 * again for that would cost more than the rest of the check.
 */
export function encodedBlockSize(block: Pick<Block, 'header' | 'transactions' | 'consensusBody'>): number {
  let txs = 0;
  for (const tx of block.transactions) txs += stringLength(tx.raw);
  const content = encodeHeader(block.header).length + listLength(txs) + rlpEncode(block.consensusBody as RlpValue[]).length;
  return listLength(content);
}

/** RLP's length prefix for a payload of `n` bytes: one byte, or one plus the length's own bytes. */
function prefixLength(n: number): number {
  if (n < 56) return 1;
  let bytes = 0;
  for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) bytes++;
  return 1 + bytes;
}

function stringLength(bytes: Uint8Array): number {
  return bytes.length === 1 && bytes[0]! < 0x80 ? 1 : prefixLength(bytes.length) + bytes.length;
}

function listLength(contentLength: number): number {
  return prefixLength(contentLength) + contentLength;
}

/** A decoded block whose senders are not yet recovered. */
export interface UnrecoveredBlock {
  readonly header: BlockHeader;
  readonly hash: Uint8Array;
  readonly transactions: Transaction[];
  readonly consensusBody: RlpValue[];
}

/**
 * Structural decode: strict RLP, header field shapes, every transaction
 * decoded (signature ranges checked, no sender yet). Any failure is
 * InvalidBlockError(Malformed) naming the part, with the cause attached.
 * Roots, gas and state are not checked here: that is block import's job.
 */
export function decodeBlockUnrecovered(bytes: Uint8Array): UnrecoveredBlock {
  let parts: RlpValue[];
  let header: BlockHeader;
  try {
    parts = asList(rlpDecode(bytes), '[header, transactions, consensusBody]', 3);
    header = headerFromRlp(parts[0]!);
  } catch (err) {
    throw malformed('block', err);
  }
  let rawTxs: RlpValue[];
  let consensusBody: RlpValue[];
  try {
    rawTxs = asList(parts[1]!, 'block.transactions');
    consensusBody = asList(parts[2]!, 'block.consensusBody');
  } catch (err) {
    throw malformed(`block ${header.number}`, err);
  }
  const transactions = rawTxs.map((item, i) => {
    try {
      return decodeTransaction(asBytes(item, `block.transactions[${i}]`));
    } catch (err) {
      throw malformed(`block ${header.number}: transaction ${i}`, err);
    }
  });
  return { header, hash: hashHeader(header), transactions, consensusBody };
}

/**
 * Decodes and recovers every sender (one batch through SenderRecovery, which
 * caches: transactions already seen in the mempool are not verified again).
 * A signature that recovers no sender → InvalidBlockError(BadTransaction).
 */
export async function decodeBlock(bytes: Uint8Array, recovery: SenderRecovery): Promise<Block> {
  const { header, hash, transactions, consensusBody } = decodeBlockUnrecovered(bytes);
  try {
    return { header, hash, transactions: await recovery.recover(transactions), consensusBody };
  } catch (err) {
    if (!(err instanceof CairnError)) throw err;
    throw new InvalidBlockError(BlockErrorCode.BadTransaction, `block ${header.number} (${bytesToHex(hash)}): ${err.message}`, { cause: err });
  }
}

/** RFC 6962 root whose leaves are the raw transactions, so an inclusion proof carries the transaction itself. */
export function txRoot(txs: readonly Pick<Transaction, 'raw'>[]): Uint8Array {
  return merkleRoot(txs.map((tx) => tx.raw));
}

/** Bytes from the network: any decoding failure is the block's fault, reported as Malformed. */
function malformed(context: string, cause: unknown): InvalidBlockError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new InvalidBlockError(BlockErrorCode.Malformed, `${context}: ${reason}`, { cause });
}
