import type { ConsensusConfig } from '../../ledger/genesis.js';
import { decodeHeader } from '../../ledger/block/header.js';
import type { BlockHeader } from '../../ledger/block/types.js';
import { CairnError } from '../../primitives/errors.js';
import {
  malformed,
  readArray,
  readBytes,
  readInteger,
  readJsonObject,
  readObject,
  readQuantity,
  readString,
  type JsonObject,
} from '../../consensus/light/index.js';

/**
 * The provenance proof document (JSON, version 1). Bytes are 0x hex, large
 * integers hex quantities, block numbers and positions JSON numbers.
 *
 * {
 *   "format": "cairn/provenance-proof", "version": 1,
 *   "chain": {                       // identity, all committed by the genesis hash
 *     "chainId": "0x343a", "genesisHash": "0x…",
 *     "genesisHeader": "0x<rlp>",    // block 0: its hash is genesisHash
 *     "blockReward": "0x…",
 *     "consensus": { "type": "pow", "params": { …genesis.json consensus.<type>… } }
 *   },
 *   "anchor": { "number": 40, "hash": "0x…", "status": "finalized" | "head", "headNumber": 72 },
 *   "headers": ["0x<rlp>", …],       // consecutive, oldest first, the last is the anchor
 *   "engine": { … },                 // the light client's section (PoS: validators and finality votes)
 *   "events": [{
 *     "block": 12,
 *     "index": 0, "treeSize": 3,     // the leaf position both audit paths are checked at
 *     "transaction": "0x<raw>", "transactionPath": ["0x…"],   // to the header's txRoot
 *     "receipt": "0x<encoded>", "receiptPath": ["0x…"],       // to the header's receiptsRoot
 *     "logIndex": 0                  // the event's log within the receipt's logs
 *   }]
 * }
 *
 * Everything a verifier could recompute (hashes of transactions, the item id
 * and event the log records) is left out, so nothing in the document can
 * disagree with itself unnoticed; anchor.number and anchor.hash repeat the
 * last header for a human reader, and the verifier checks them.
 */

export const PROOF_FORMAT = 'cairn/provenance-proof';
export const PROOF_VERSION = 1;

/** What a verifier accepts at most, whoever built the proof. */
export const MAX_PROOF_EVENTS = 10_000;
export const MAX_PROOF_HEADERS = 100_000;
/** A tree of up to 2^64 leaves; no block comes near. */
const MAX_PATH_LENGTH = 64;

export type AnchorStatus = 'finalized' | 'head';

export type ProofDocument = {
  readonly format: string;
  readonly version: number;
  readonly chain: ChainJson;
  readonly anchor: AnchorJson;
  readonly headers: readonly string[];
  readonly engine: JsonObject;
  readonly events: readonly EventJson[];
};

export type ChainJson = {
  readonly chainId: string;
  readonly genesisHash: string;
  readonly genesisHeader: string;
  readonly blockReward: string;
  readonly consensus: { readonly type: string; readonly params: JsonObject };
};

export type AnchorJson = {
  readonly number: number;
  readonly hash: string;
  readonly status: AnchorStatus;
  readonly headNumber: number;
};

export type EventJson = {
  readonly block: number;
  readonly index: number;
  readonly treeSize: number;
  readonly transaction: string;
  readonly transactionPath: readonly string[];
  readonly receipt: string;
  readonly receiptPath: readonly string[];
  readonly logIndex: number;
};

/** A proof document read into bytes and headers; nothing in it is checked beyond its shape. */
export interface DecodedProof {
  readonly chain: DecodedChain;
  readonly anchor: { readonly number: number; readonly hash: Uint8Array; readonly status: AnchorStatus; readonly headNumber: number };
  readonly headers: readonly BlockHeader[];
  readonly engine: unknown;
  readonly events: readonly DecodedEvent[];
}

export interface DecodedChain {
  readonly chainId: bigint;
  readonly genesisHash: Uint8Array;
  readonly genesisHeader: BlockHeader;
  readonly blockReward: bigint;
  readonly consensus: ConsensusConfig;
}

export interface DecodedEvent {
  readonly block: number;
  readonly index: number;
  readonly treeSize: number;
  readonly transaction: Uint8Array;
  readonly transactionPath: readonly Uint8Array[];
  readonly receipt: Uint8Array;
  readonly receiptPath: readonly Uint8Array[];
  readonly logIndex: number;
}

/** Reads a proof document (JSON.parse'd); MalformedProofError naming the first bad field. */
export function decodeProof(value: unknown): DecodedProof {
  const doc = readObject(value, 'proof', ['format', 'version', 'chain', 'anchor', 'headers', 'engine', 'events']);
  if (doc['format'] !== PROOF_FORMAT) throw malformed('proof.format', `expected "${PROOF_FORMAT}", got ${JSON.stringify(doc['format'])}`);
  if (doc['version'] !== PROOF_VERSION) {
    throw malformed('proof.version', `this verifier reads version ${PROOF_VERSION}, the proof is version ${JSON.stringify(doc['version'])}`);
  }
  const headers = readArray(doc['headers'], 'headers', MAX_PROOF_HEADERS).map((h, i) => readHeader(h, `headers[${i}]`));
  if (headers.length === 0) throw malformed('headers', 'no headers: a proof needs at least the anchor block');
  const events = readArray(doc['events'], 'events', MAX_PROOF_EVENTS).map((e, i) => readEvent(e, `events[${i}]`));
  if (events.length === 0) throw malformed('events', 'no events: the proof proves nothing');
  return { chain: readChain(doc['chain']), anchor: readAnchor(doc['anchor']), headers, engine: doc['engine'], events };
}

function readChain(value: unknown): DecodedChain {
  const c = readObject(value, 'chain', ['chainId', 'genesisHash', 'genesisHeader', 'blockReward', 'consensus']);
  const consensus = readObject(c['consensus'], 'chain.consensus', ['type', 'params']);
  return {
    chainId: readQuantity(c['chainId'], 'chain.chainId'),
    genesisHash: readBytes(c['genesisHash'], 'chain.genesisHash', 32),
    genesisHeader: readHeader(c['genesisHeader'], 'chain.genesisHeader'),
    blockReward: readQuantity(c['blockReward'], 'chain.blockReward'),
    consensus: { type: readString(consensus['type'], 'chain.consensus.type', 64), params: readJsonObject(consensus['params'], 'chain.consensus.params') },
  };
}

function readAnchor(value: unknown): DecodedProof['anchor'] {
  const a = readObject(value, 'anchor', ['number', 'hash', 'status', 'headNumber']);
  const status = a['status'];
  if (status !== 'finalized' && status !== 'head') throw malformed('anchor.status', `expected "finalized" or "head", got ${JSON.stringify(status)}`);
  return {
    number: readInteger(a['number'], 'anchor.number'),
    hash: readBytes(a['hash'], 'anchor.hash', 32),
    status,
    headNumber: readInteger(a['headNumber'], 'anchor.headNumber'),
  };
}

function readEvent(value: unknown, path: string): DecodedEvent {
  const e = readObject(value, path, ['block', 'index', 'treeSize', 'transaction', 'transactionPath', 'receipt', 'receiptPath', 'logIndex']);
  return {
    block: readInteger(e['block'], `${path}.block`, 1),
    index: readInteger(e['index'], `${path}.index`),
    treeSize: readInteger(e['treeSize'], `${path}.treeSize`, 1),
    transaction: readBytes(e['transaction'], `${path}.transaction`),
    transactionPath: readPath(e['transactionPath'], `${path}.transactionPath`),
    receipt: readBytes(e['receipt'], `${path}.receipt`),
    receiptPath: readPath(e['receiptPath'], `${path}.receiptPath`),
    logIndex: readInteger(e['logIndex'], `${path}.logIndex`),
  };
}

function readPath(value: unknown, path: string): Uint8Array[] {
  return readArray(value, path, MAX_PATH_LENGTH).map((node, i) => readBytes(node, `${path}[${i}]`, 32));
}

function readHeader(value: unknown, path: string): BlockHeader {
  const bytes = readBytes(value, path);
  try {
    return decodeHeader(bytes);
  } catch (error) {
    if (!(error instanceof CairnError)) throw error;
    throw malformed(path, `not a block header: ${error.message}`, error);
  }
}
