import { lightEngine, readJsonObject } from '../../consensus/light/index.js';
import { txRoot } from '../../ledger/block/block.js';
import { encodeHeader, hashHeader } from '../../ledger/block/header.js';
import { encodeReceipt, receiptsRoot } from '../../ledger/block/receipt.js';
import type { BlockHeader, Receipt } from '../../ledger/block/types.js';
import { SUPPLY_ADDRESS, decodeEventLog, itemIdHash } from '../../ledger/modules/supply/index.js';
import { CairnError } from '../../primitives/errors.js';
import { keccak256 } from '../../primitives/hash.js';
import { bytesToHex, equalBytes, toQuantity } from '../../primitives/hex.js';
import { merkleProof } from '../../primitives/merkle.js';
import { ProofBuildError, ProofBuildErrorCode } from './errors.js';
import { MAX_PROOF_EVENTS, MAX_PROOF_HEADERS, PROOF_FORMAT, PROOF_VERSION, type EventJson, type ProofDocument } from './format.js';
import type { ProofEventRef, ProofSource, TxLocation } from './source.js';

/**
 * Builds the provenance proof of supply events (format.ts) from a node's
 * chain. The anchor is the finalized block when it covers every event, else
 * the head; the headers run from the earliest event's block (or genesis) up
 * to it. The work is bounded by maxEvents and maxHeaders, and the builder
 * checks what it reads against the headers (roots, links), so a node whose
 * records disagree with its chain, or whose chain moves meanwhile, fails
 * here with a clear error instead of serving a proof that will not verify.
 */

export interface BuildOptions {
  /** At most this many events; default 1000, at most MAX_PROOF_EVENTS. */
  readonly maxEvents?: number;
  /** At most this many headers; default 10 000, at most MAX_PROOF_HEADERS. */
  readonly maxHeaders?: number;
  /**
   * Start the headers at genesis instead of the earliest event's block.
   * Under PoW only this ties them to the chain, since a PoW header does not
   * name its chain; it costs one header per block.
   */
  readonly fromGenesis?: boolean;
}

export const DEFAULT_MAX_EVENTS = 1000;
export const DEFAULT_MAX_HEADERS = 10_000;

export async function buildProof(source: ProofSource, events: readonly ProofEventRef[], options: BuildOptions = {}): Promise<ProofDocument> {
  const maxEvents = limit(options.maxEvents, DEFAULT_MAX_EVENTS, MAX_PROOF_EVENTS, 'maxEvents');
  const maxHeaders = limit(options.maxHeaders, DEFAULT_MAX_HEADERS, MAX_PROOF_HEADERS, 'maxHeaders');
  if (events.length === 0) throw new ProofBuildError(ProofBuildErrorCode.BadRequest, 'no events to prove');
  if (events.length > maxEvents) {
    throw new ProofBuildError(
      ProofBuildErrorCode.BadRequest,
      `${events.length} events asked for, at most ${maxEvents} fit in one proof: prove the history a page at a time`,
    );
  }
  const identity = source.identity();
  const engine = lightEngine(identity.consensus.type);
  const genesis = await source.headerByNumber(0);
  if (genesis === undefined || !equalBytes(hashHeader(genesis), identity.genesisHash)) {
    throw new ProofBuildError(ProofBuildErrorCode.Inconsistent, `the node's block 0 is not its genesis ${bytesToHex(identity.genesisHash)}`);
  }

  const locations: TxLocation[] = [];
  for (const event of events) locations.push(await locate(source, event.txHash));
  const { head, finalized } = source.checkpoints();
  const numbers = locations.map((location) => location.blockNumber);
  const earliest = Math.min(...numbers);
  const latest = Math.max(...numbers);
  if (latest > head) throw moved(`block #${latest} is above the head #${head}`);
  const anchorNumber = finalized >= latest ? finalized : head;
  const first = options.fromGenesis === true ? 0 : earliest;
  const count = anchorNumber - first + 1;
  if (count > maxHeaders) {
    throw new ProofBuildError(
      ProofBuildErrorCode.TooManyHeaders,
      `the proof would need ${count} headers (#${first}…#${anchorNumber}), more than the ${maxHeaders} allowed: ` +
        `prove fewer or more recent events${options.fromGenesis === true ? ', or start at the earliest event instead of genesis' : ''}`,
    );
  }
  const headers = await readHeaders(source, first, anchorNumber);
  const anchorHeader = headers[headers.length - 1]!;
  const anchorHash = hashHeader(anchorHeader);

  const leaves = new BlockLeavesCache(source);
  const eventJson: EventJson[] = [];
  for (const [i, event] of events.entries()) {
    const location = locations[i]!;
    const header = headers[location.blockNumber - first]!;
    if (!equalBytes(hashHeader(header), location.blockHash)) {
      throw moved(`transaction ${bytesToHex(event.txHash)} is no longer in canonical block #${location.blockNumber}`);
    }
    eventJson.push(proveEvent(event, location, await leaves.of(header, location.blockHash)));
  }

  const engineSection = await engine.collect(
    { header: anchorHeader, hash: anchorHash, finalized: anchorNumber === finalized, headNumber: head },
    headers,
    source,
  );
  return {
    format: PROOF_FORMAT,
    version: PROOF_VERSION,
    chain: {
      chainId: toQuantity(identity.chainId),
      genesisHash: bytesToHex(identity.genesisHash),
      genesisHeader: bytesToHex(encodeHeader(genesis)),
      blockReward: toQuantity(identity.blockReward),
      consensus: { type: identity.consensus.type, params: readJsonObject(identity.consensus.params, 'genesis.json consensus parameters') },
    },
    anchor: { number: anchorNumber, hash: bytesToHex(anchorHash), status: anchorNumber === finalized ? 'finalized' : 'head', headNumber: head },
    headers: headers.map((header) => bytesToHex(encodeHeader(header))),
    engine: engineSection,
    events: eventJson,
  };
}

function limit(value: number | undefined, fallback: number, max: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new ProofBuildError(ProofBuildErrorCode.BadRequest, `${name} must be an integer from 1 to ${max}, got ${value}`);
  }
  return value;
}

async function locate(source: ProofSource, txHash: Uint8Array): Promise<TxLocation> {
  const location = await source.txLocation(txHash);
  if (location === undefined) {
    throw new ProofBuildError(ProofBuildErrorCode.UnknownTransaction, `transaction ${bytesToHex(txHash)} is not in a block of the canonical chain`);
  }
  return location;
}

/** Canonical headers first…last, checked to link, so a reorganisation meanwhile is caught here. */
async function readHeaders(source: ProofSource, first: number, last: number): Promise<BlockHeader[]> {
  const headers: BlockHeader[] = [];
  let parentHash: Uint8Array | undefined;
  for (let n = first; n <= last; n++) {
    const header = await source.headerByNumber(n);
    if (header === undefined) throw moved(`block #${n} is gone`);
    if (parentHash !== undefined && !equalBytes(header.parentHash, parentHash)) throw moved(`block #${n} no longer links to block #${n - 1}`);
    headers.push(header);
    parentHash = hashHeader(header);
  }
  return headers;
}

interface BlockLeaves {
  readonly header: BlockHeader;
  readonly transactions: readonly Uint8Array[];
  readonly receipts: readonly Receipt[];
  readonly encodedReceipts: readonly Uint8Array[];
}

/** Each block's transactions and receipts read once, however many events it holds. */
class BlockLeavesCache {
  readonly #source: ProofSource;
  readonly #blocks = new Map<string, BlockLeaves>();

  constructor(source: ProofSource) {
    this.#source = source;
  }

  async of(header: BlockHeader, hash: Uint8Array): Promise<BlockLeaves> {
    const key = bytesToHex(hash);
    const known = this.#blocks.get(key);
    if (known !== undefined) return known;
    const n = header.number;
    const block = await this.#source.blockByHash(hash);
    const receipts = await this.#source.receipts(hash);
    if (block === undefined || receipts === undefined) throw moved(`block #${n} ${key} or its receipts are no longer canonical`);
    // The roots are what a verifier checks the paths against: a mismatch here
    // means the node's records (or their encoding) disagree with its headers.
    if (!equalBytes(txRoot(block.transactions), header.txRoot)) {
      throw new ProofBuildError(ProofBuildErrorCode.Inconsistent, `the transactions stored for block #${n} do not match its txRoot`);
    }
    if (receipts.length !== block.transactions.length || !equalBytes(receiptsRoot(receipts), header.receiptsRoot)) {
      throw new ProofBuildError(ProofBuildErrorCode.Inconsistent, `the receipts stored for block #${n} do not match its receiptsRoot`);
    }
    const leaves = { header, transactions: block.transactions.map((tx) => tx.raw), receipts, encodedReceipts: receipts.map(encodeReceipt) };
    this.#blocks.set(key, leaves);
    return leaves;
  }
}

function proveEvent(event: ProofEventRef, location: TxLocation, block: BlockLeaves): EventJson {
  const { index } = location;
  const n = block.header.number;
  const raw = block.transactions[index];
  if (raw === undefined || !equalBytes(keccak256(raw), event.txHash)) {
    throw new ProofBuildError(ProofBuildErrorCode.Inconsistent, `block #${n} holds no transaction ${bytesToHex(event.txHash)} at index ${index}`);
  }
  const receipt = block.receipts[index]!;
  if (receipt.status !== 1) {
    throw new ProofBuildError(ProofBuildErrorCode.NoEvent, `transaction ${bytesToHex(event.txHash)} failed (receipt status 0): it recorded no event`);
  }
  const idHash = itemIdHash(event.id);
  const logIndex = receipt.logs.findIndex((log) => equalBytes(log.address, SUPPLY_ADDRESS) && log.topics[1] !== undefined && equalBytes(log.topics[1], idHash));
  if (logIndex < 0) {
    throw new ProofBuildError(
      ProofBuildErrorCode.NoEvent,
      `transaction ${bytesToHex(event.txHash)} recorded no supply event of item ${JSON.stringify(event.id)}`,
    );
  }
  try {
    decodeEventLog(receipt.logs[logIndex]!);
  } catch (error) {
    if (!(error instanceof CairnError)) throw error;
    throw new ProofBuildError(ProofBuildErrorCode.Inconsistent, `block #${n}, transaction ${index}: ${error.message}`, { cause: error });
  }
  return {
    block: n,
    index,
    treeSize: block.transactions.length,
    transaction: bytesToHex(raw),
    transactionPath: merkleProof(block.transactions, index).map(bytesToHex),
    receipt: bytesToHex(block.encodedReceipts[index]!),
    receiptPath: merkleProof(block.encodedReceipts, index).map(bytesToHex),
    logIndex,
  };
}

function moved(what: string): ProofBuildError {
  return new ProofBuildError(ProofBuildErrorCode.ChainMoved, `the chain changed while the proof was being built (${what}); try again`);
}
