import type { JsonObject } from '../../consensus/light/index.js';
import { recoverSigner } from '../../consensus/pos/signing.js';
import { hashHeader } from '../../ledger/block/header.js';
import { decodeReceipt } from '../../ledger/block/receipt.js';
import type { BlockHeader } from '../../ledger/block/types.js';
import { decodeEventLog, eventToJson, type SupplyEvent } from '../../ledger/modules/supply/index.js';
import { decodeTransaction } from '../../ledger/tx/decode.js';
import { signingHash } from '../../ledger/tx/encode.js';
import type { Transaction } from '../../ledger/tx/types.js';
import { toChecksumAddress } from '../../primitives/address.js';
import { CairnError } from '../../primitives/errors.js';
import { bytesToHex, concatBytes, equalBytes } from '../../primitives/hex.js';
import { verifyMerkleProof } from '../../primitives/merkle.js';
import { signatureBytes } from '../../primitives/signature.js';
import { ProofCheckError } from './errors.js';
import type { DecodedEvent } from './format.js';

/**
 * One event of a proof: its transaction and its receipt against its block's
 * header, and the supply event the receipt's log records.
 *
 * Where in the block. An RFC 6962 audit path does not fix the leaf index or
 * the tree size by itself (a path for leaf 2 of 3 also verifies as leaf 1 of
 * 2), and a header carries no transaction count. Two things close the gap:
 *   - the transaction and the receipt are checked at the same (index, size).
 *     The path checker derives from (index, size) the left/right turns from
 *     the root to the leaf; a block has one receipt per transaction, so both
 *     trees have one shape, in which one sequence of turns reaches one leaf:
 *     the transaction and the receipt sit at the same position, whatever
 *     (index, size) the proof claims;
 *   - the supply event record in the receipt's log names its transaction's
 *     hash and index (ledger/modules/supply/records.ts), which must equal
 *     the transaction proven and the index claimed. The module writes them
 *     while the block executes, so the position is proven as far as the
 *     receipts are: by the chain's consensus on its blocks.
 * Only the block's transaction count stays open, which an event does not need.
 */

export interface EventReport {
  /** The event's place in the proof's `events`. */
  readonly position: number;
  readonly ok: boolean;
  readonly block: number;
  readonly blockHash: string | null;
  readonly txHash: string | null;
  /** The supply event the receipt's log records (eventToJson, with its block's timestamp), once read. */
  readonly event: JsonObject | null;
  /** Why it failed, when it did. */
  readonly error: string | null;
}

export interface VerifiedEvent {
  readonly report: EventReport;
  /** Set when the event verified. */
  readonly event?: SupplyEvent;
  readonly statement?: string;
}

export function verifyEvent(proof: DecodedEvent, position: number, headers: ReadonlyMap<number, BlockHeader>, chainId: bigint): VerifiedEvent {
  const failed = (error: string, partial: Partial<EventReport> = {}): VerifiedEvent => ({
    report: { position, ok: false, block: proof.block, blockHash: null, txHash: null, event: null, ...partial, error },
  });
  const header = headers.get(proof.block);
  if (header === undefined) return failed(`block #${proof.block} is not among the proof's headers`);
  const n = header.number;
  const blockHash = bytesToHex(hashHeader(header));
  const at = `position ${proof.index} of ${proof.treeSize}`;
  if (!verifyMerkleProof(proof.transaction, proof.index, proof.treeSize, proof.transactionPath, header.txRoot)) {
    return failed(`the transaction does not verify against block #${n}'s txRoot at ${at}: the transaction or its audit path was altered`, { blockHash });
  }
  if (!verifyMerkleProof(proof.receipt, proof.index, proof.treeSize, proof.receiptPath, header.receiptsRoot)) {
    return failed(`the receipt does not verify against block #${n}'s receiptsRoot at ${at}: the receipt or its audit path was altered`, { blockHash });
  }
  let tx: Transaction;
  try {
    tx = decodeTransaction(proof.transaction);
  } catch (error) {
    if (!(error instanceof CairnError)) throw error;
    return failed(`the transaction in block #${n} does not decode: ${error.message}`, { blockHash });
  }
  const txHash = bytesToHex(tx.hash);
  let signer: Uint8Array;
  let event: SupplyEvent;
  try {
    signer = sender(tx);
    event = recordedEvent(proof, tx, signer, n, chainId);
  } catch (error) {
    if (!(error instanceof CairnError)) throw error;
    return failed(error.message, { blockHash, txHash });
  }
  const statement =
    `event #${event.seq} of item ${JSON.stringify(event.id)} (${event.type}) is in block #${n} ${blockHash} ` +
    `(${new Date(header.timestamp).toISOString()}): transaction ${txHash}, signed by ${toChecksumAddress(signer)}, ` +
    `at position ${proof.index} in the block; its receipt has status 1 and log #${proof.logIndex} records the event`;
  const view = eventToJson(event, () => header.timestamp);
  return { report: { position, ok: true, block: n, blockHash, txHash, event: view, error: null }, event, statement };
}

/** The transaction's signer, from its own signature. */
function sender(tx: Transaction): Uint8Array {
  const signer = recoverSigner(signingHash(tx), concatBytes(signatureBytes(tx.r, tx.s), Uint8Array.of(tx.yParity)));
  if (signer === null) throw new ProofCheckError(`no signer recovers from transaction ${bytesToHex(tx.hash)}`);
  return signer;
}

/** The supply event the receipt records, checked against the transaction and the position it was proven at. */
function recordedEvent(proof: DecodedEvent, tx: Transaction, signer: Uint8Array, blockNumber: number, chainId: bigint): SupplyEvent {
  if (tx.chainId !== chainId) throw new ProofCheckError(`transaction ${bytesToHex(tx.hash)} is signed for chain id ${tx.chainId}, not ${chainId}`);
  let event: SupplyEvent;
  try {
    const receipt = decodeReceipt(proof.receipt);
    if (receipt.status !== 1) throw new ProofCheckError('its receipt has status 0: the operation was refused and recorded no event');
    const log = receipt.logs[proof.logIndex];
    if (log === undefined) throw new ProofCheckError(`its receipt has ${receipt.logs.length} logs, no log #${proof.logIndex}`);
    event = decodeEventLog(log);
  } catch (error) {
    if (!(error instanceof CairnError) || error instanceof ProofCheckError) throw error;
    throw new ProofCheckError(`receipt of transaction ${bytesToHex(tx.hash)}, log #${proof.logIndex}: ${error.message}`, { cause: error });
  }
  const mismatch = (what: string, recorded: string, proven: string): ProofCheckError =>
    new ProofCheckError(`the event recorded in the receipt names ${what} ${recorded}, but the proof gives ${proven}`);
  if (!equalBytes(event.txHash, tx.hash)) throw mismatch('transaction', bytesToHex(event.txHash), bytesToHex(tx.hash));
  if (event.blockNumber !== blockNumber) throw mismatch('block', `#${event.blockNumber}`, `#${blockNumber}`);
  if (event.txIndex !== proof.index) throw mismatch('position', String(event.txIndex), String(proof.index));
  if (!equalBytes(event.signer, signer)) throw mismatch('signer', toChecksumAddress(event.signer), toChecksumAddress(signer));
  return event;
}

/**
 * What the verified events show of each item's history: which of its events
 * the proof holds, and that it cannot show the ones it leaves out.
 */
export function historyFindings(events: readonly SupplyEvent[]): { proven: string[]; notProven: string[] } {
  const byItem = new Map<string, Set<number>>();
  for (const event of events) {
    const seqs = byItem.get(event.id) ?? new Set<number>();
    seqs.add(event.seq);
    byItem.set(event.id, seqs);
  }
  const proven: string[] = [];
  const notProven: string[] = [];
  for (const [id, seqSet] of byItem) {
    const seqs = [...seqSet].sort((a, b) => a - b);
    const last = seqs[seqs.length - 1]!;
    const item = `item ${JSON.stringify(id)}`;
    const missing: number[] = [];
    for (let seq = 0, i = 0; seq < last; seq++) {
      if (seqs[i] === seq) i++;
      else missing.push(seq);
    }
    if (last === 0) {
      proven.push(`${item}: the proof holds its first event, #0`);
    } else if (missing.length === 0) {
      proven.push(`${item}: the proof holds its events #0…#${last}, with none missing in between`);
    } else {
      const shown = missing.slice(0, 10).map((seq) => `#${seq}`).join(', ');
      notProven.push(`${item}: its events ${shown}${missing.length > 10 ? ` and ${missing.length - 10} more` : ''} are not in the proof`);
    }
    notProven.push(`whether ${item} has events after #${last}: a proof shows the events it holds, not the item's current state`);
  }
  return { proven, notProven };
}
