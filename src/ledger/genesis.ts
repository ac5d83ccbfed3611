/**
 * genesis.json, parsed and checked (CONTRACT: owner = ledger helper).
 *
 * Format (integers above 2^53 as decimal strings or 0x hex):
 * {
 *   "chainId": 13370,
 *   "timestamp": 1764028800000,            // ms
 *   "gasLimit": "30000000",
 *   "baseFee": "1000000000",               // wei, base fee of block 1's parent
 *   "blockReward": "2000000000000000000",  // wei to the producer per block
 *   "extraData": "0x",                     // optional
 *   "consensus": { "type": "pow", "pow": { ...engine params } },
 *   "alloc": { "0xf39F...": { "balance": "10000000000000000000000" } }   // optional "nonce"
 * }
 */
import { parseAddress } from '../primitives/address.js';
import { keccak256 } from '../primitives/hash.js';
import { bytesToHex, concatBytes, hexToBytes, isHexData } from '../primitives/hex.js';
import { merkleRoot } from '../primitives/merkle.js';
import { rlpEncode, type RlpValue } from '../primitives/rlp.js';
import type { BlockHeader } from './block/types.js';
import { GenesisError } from './errors.js';
import { isEmptyAccount, stateLtHash, type LtHash } from './state/lthash.js';
import type { Account } from './state/types.js';

export interface ConsensusConfig {
  readonly type: string;
  /** The engine's own section, e.g. genesis.consensus.pow; the engine parses it. */
  readonly params: Readonly<Record<string, unknown>>;
}

export interface Genesis {
  readonly chainId: bigint;
  readonly timestamp: number;
  readonly gasLimit: bigint;
  readonly baseFee: bigint;
  readonly blockReward: bigint;
  readonly extraData: Uint8Array;
  readonly consensus: ConsensusConfig;
  /** Lowercase 0x address → account. */
  readonly alloc: ReadonlyMap<string, Account>;
}

const MAX_UINT64 = (1n << 64n) - 1n;
const MAX_UINT256 = (1n << 256n) - 1n;
/** MetaMask's MAX_SAFE_CHAIN_ID: wallets refuse larger ids (EIP-155 v = chainId * 2 + 35/36 must stay a safe JS integer). */
const MAX_CHAIN_ID = 4_503_599_627_370_476n;
/** A block must have room for at least one plain transfer. */
const MIN_GAS_LIMIT = 21_000n;

const TOP_LEVEL_FIELDS = ['chainId', 'timestamp', 'gasLimit', 'baseFee', 'blockReward', 'extraData', 'consensus', 'alloc'];
const ACCOUNT_FIELDS = ['balance', 'nonce'];

/**
 * Parses and checks a genesis.json document (already JSON.parse'd). Every
 * problem is a GenesisError whose message names the file and the field, e.g.
 * `genesis.json: alloc["0xabc"].balance must be a decimal or 0x hex integer`.
 * Unknown fields are refused: a misspelt optional field would otherwise be
 * ignored silently and define a different chain than intended.
 * Accounts with balance 0 and nonce 0 are dropped: an empty account is absent.
 */
export function parseGenesis(json: unknown, source = 'genesis.json'): Genesis {
  try {
    return readGenesis(json);
  } catch (err) {
    if (err instanceof GenesisError) throw new GenesisError(`${source}: ${err.message}`, { cause: err.cause });
    throw err;
  }
}

function readGenesis(json: unknown): Genesis {
  if (!isObject(json)) fail('the file must contain a JSON object');
  const root = json;
  rejectUnknown(root, TOP_LEVEL_FIELDS, '');
  const extraData = root['extraData'] ?? '0x';
  if (!isHexData(extraData)) fail('extraData must be 0x-prefixed hex bytes (an even number of digits)');
  return {
    chainId: integer(required(root, 'chainId'), 'chainId', 1n, MAX_CHAIN_ID),
    timestamp: Number(integer(required(root, 'timestamp'), 'timestamp', 0n, BigInt(Number.MAX_SAFE_INTEGER))),
    gasLimit: integer(required(root, 'gasLimit'), 'gasLimit', MIN_GAS_LIMIT, MAX_UINT64),
    baseFee: integer(required(root, 'baseFee'), 'baseFee', 0n, MAX_UINT256),
    blockReward: integer(required(root, 'blockReward'), 'blockReward', 0n, MAX_UINT256),
    extraData: hexToBytes(extraData),
    consensus: parseConsensus(required(root, 'consensus')),
    alloc: parseAlloc(root['alloc'] ?? {}),
  };
}

function parseConsensus(value: unknown): ConsensusConfig {
  const section = expectObject(value, 'consensus');
  const type = section['type'];
  if (typeof type !== 'string' || type === '') fail('consensus.type must be a non-empty string such as "pow"');
  // hasOwn: a type such as "toString" must not pick up an inherited property.
  const params = Object.hasOwn(section, type) ? section[type] : {};
  return { type, params: expectObject(params, `consensus.${type}`) };
}

function parseAlloc(value: unknown): Map<string, Account> {
  const alloc = expectObject(value, 'alloc');
  const out = new Map<string, Account>();
  const seen = new Set<string>();
  for (const [text, entry] of Object.entries(alloc)) {
    const path = `alloc[${JSON.stringify(text)}]`;
    let address: Uint8Array;
    try {
      address = parseAddress(text);
    } catch (err) {
      throw new GenesisError(`${path}: ${(err as Error).message}`, { cause: err });
    }
    const key = bytesToHex(address);
    if (seen.has(key)) fail(`${path} appears more than once (addresses are case-insensitive)`);
    seen.add(key);
    const fields = expectObject(entry, path);
    rejectUnknown(fields, ACCOUNT_FIELDS, `${path}.`);
    const account: Account = {
      balance: integer(required(fields, 'balance', `${path}.`), `${path}.balance`, 0n, MAX_UINT256),
      nonce: integer(fields['nonce'] ?? 0, `${path}.nonce`, 0n, MAX_UINT64),
    };
    if (!isEmptyAccount(account)) out.set(key, account);
  }
  return out;
}

/**
 * Block 0's header. Its extraData starts with a digest of the chain's rules
 * that no other header field covers (chain id, block reward, consensus type
 * and parameters), so two genesis files that differ only there still have
 * different genesis hashes: the hash names the network (data directories,
 * gossip topics) and must change whenever the rules do.
 */
export function genesisHeader(genesis: Genesis, consensusSection: readonly RlpValue[], stateRoot: Uint8Array): BlockHeader {
  const emptyRoot = merkleRoot([]);
  return {
    parentHash: new Uint8Array(32),
    number: 0,
    timestamp: genesis.timestamp,
    coinbase: new Uint8Array(20),
    txRoot: emptyRoot,
    receiptsRoot: emptyRoot,
    stateRoot,
    gasLimit: genesis.gasLimit,
    gasUsed: 0n,
    baseFee: genesis.baseFee,
    extraData: concatBytes(rulesDigest(genesis), genesis.extraData),
    consensus: consensusSection,
  };
}

function rulesDigest(genesis: Genesis): Uint8Array {
  const params = canonicalJson(genesis.consensus.params);
  return keccak256(rlpEncode([genesis.chainId, genesis.blockReward, genesis.consensus.type, params]));
}

/** JSON with object keys sorted at every depth, so equal parameters give equal bytes. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** What the consensus engine adds to the genesis state (ConsensusEngine.genesisState). */
export interface GenesisExtras {
  readonly records: ReadonlyArray<readonly [key: Uint8Array, value: Uint8Array]>;
  readonly balances: ReadonlyArray<readonly [address: Uint8Array, amount: bigint]>;
}

export interface GenesisState {
  /** Lowercase 0x address → account. */
  readonly accounts: Map<string, Account>;
  /** 0x-hex record key → value. */
  readonly records: Map<string, Uint8Array>;
  /** Its digest is block 0's stateRoot. */
  readonly ltHash: LtHash;
}

/** The state of block 0: genesis.json's alloc plus what the engine adds (balances are added to alloc's). */
export function genesisState(genesis: Genesis, extras: GenesisExtras = { records: [], balances: [] }): GenesisState {
  const accounts = new Map(genesis.alloc);
  for (const [address, amount] of extras.balances) {
    const key = bytesToHex(address);
    // The engine's account holds exactly what it owes (PoS: the bonded stake); alloc must not add to it.
    if (accounts.has(key)) fail(`the genesis file's alloc funds ${key}, an address the consensus engine reserves for its own funds: remove it from alloc`);
    const account = accounts.get(key) ?? { nonce: 0n, balance: 0n };
    accounts.set(key, { nonce: account.nonce, balance: account.balance + amount });
  }
  const records = new Map<string, Uint8Array>();
  for (const [key, value] of extras.records) records.set(bytesToHex(key), value);
  return { accounts, records, ltHash: stateLtHash(accounts, records) };
}

/** A problem with the document; parseGenesis adds the file's name. */
function fail(message: string): never {
  throw new GenesisError(message);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function expectObject(value: unknown, path: string): Record<string, unknown> {
  if (!isObject(value)) fail(`${path} must be a JSON object`);
  return value;
}

function required(obj: Record<string, unknown>, field: string, prefix = ''): unknown {
  const value = Object.hasOwn(obj, field) ? obj[field] : undefined;
  if (value === undefined) fail(`${prefix}${field} is required`);
  return value;
}

function rejectUnknown(obj: Record<string, unknown>, known: readonly string[], prefix: string): void {
  for (const field of Object.keys(obj)) {
    if (!known.includes(field)) fail(`unknown field ${prefix}${field} (known fields: ${known.join(', ')})`);
  }
}

/**
 * An integer given as a JSON number (safe integers only: larger numbers have
 * already lost precision in JSON.parse), a decimal string or a 0x hex string.
 */
function integer(value: unknown, path: string, min: bigint, max: bigint): bigint {
  let n: bigint;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      fail(`${path} must be an integer; write values above 2^53 as a decimal or 0x hex string`);
    }
    n = BigInt(value);
  } else if (typeof value === 'string' && /^(?:[0-9]+|0x[0-9a-fA-F]+)$/.test(value)) {
    n = BigInt(value);
  } else {
    fail(`${path} must be a decimal or 0x hex integer`);
  }
  if (n < min || n > max) fail(`${path} must be between ${min} and ${max}, got ${n}`);
  return n;
}
