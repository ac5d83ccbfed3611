import { parseAddress } from '../primitives/address.js';
import { equalBytes, hexToBytes, isHexData, parseQuantity } from '../primitives/hex.js';
import type { AccessListEntry } from '../ledger/tx/types.js';
import { invalidParams } from './errors.js';

/**
 * Small validators for positional params, each failing with -32602 and a
 * message naming the argument and the reason ("invalid argument 0 (address):
 * ..."), as geth words it. Hand-written rather than a schema library: they
 * run on every request of the hot methods.
 */

export type Params = readonly unknown[];

/** A block tag or number, as eth_getBlockByNumber and log filters take it. */
export type BlockTag = 'latest' | 'pending' | 'earliest' | 'safe' | 'finalized' | number;

/** A block for a state query: a tag, or an EIP-1898 object naming a block by hash. */
export type BlockRef = BlockTag | { readonly blockHash: Uint8Array };

const NAMED_TAGS: ReadonlySet<string> = new Set(['latest', 'pending', 'earliest', 'safe', 'finalized']);

function fail(index: number, name: string, why: string): never {
  throw invalidParams(`invalid argument ${index} (${name}): ${why}`);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return value.length > 50 ? JSON.stringify(value.slice(0, 50) + '…') : JSON.stringify(value);
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return String(value);
  return Array.isArray(value) ? 'an array' : typeof value;
}

/** Rejects surplus or missing arguments, as geth does ("too many arguments, want at most N"). */
export function arity(params: Params, min: number, max: number): void {
  if (params.length > max) throw invalidParams(`too many arguments, want at most ${max}`);
  if (params.length < min) throw invalidParams(`missing value for required argument ${params.length}`);
}

/**
 * Checksummed addresses already verified. viem sends every address in EIP-55
 * form, and checking a checksum costs a keccak256: the dominant cost of
 * eth_getBalance without this. Cleared when full; the bytes are shared, so
 * callers must not mutate them.
 */
const checkedAddresses = new Map<string, Uint8Array>();
const CHECKED_ADDRESSES_MAX = 4096;

export function address(value: unknown, index: number, name = 'address'): Uint8Array {
  if (typeof value !== 'string') fail(index, name, `expected a 0x-prefixed 20-byte hex string, got ${describe(value)}`);
  const known = checkedAddresses.get(value);
  if (known !== undefined) return known;
  let parsed: Uint8Array;
  try {
    parsed = parseAddress(value);
  } catch (err) {
    return fail(index, name, (err as Error).message);
  }
  if (checkedAddresses.size >= CHECKED_ADDRESSES_MAX) checkedAddresses.clear();
  checkedAddresses.set(value, parsed);
  return parsed;
}

/** A well-formed quantity's digits, checked without parsing it. */
const QUANTITY_DIGITS = /^0x[1-9a-fA-F][0-9a-fA-F]*$/;

/**
 * A quantity of at most `bits` bits (geth: 256 for values and fees, 64 for
 * gas, nonces and block numbers). Its length is checked before it is
 * parsed: a megabyte-long number took seconds to print in an error message,
 * with the event loop blocked.
 */
export function quantity(value: unknown, index: number, name: string, bits = 256): bigint {
  if (typeof value !== 'string') fail(index, name, `expected a hex quantity string (e.g. "0x1a"), got ${describe(value)}`);
  if (value.length > 2 + bits / 4 && QUANTITY_DIGITS.test(value)) fail(index, name, `hex number > ${bits} bits`);
  try {
    return parseQuantity(value);
  } catch (err) {
    return fail(index, name, (err as Error).message);
  }
}

/** A quantity that must fit a JS number (block numbers, indexes). */
export function smallQuantity(value: unknown, index: number, name: string): number {
  const n = quantity(value, index, name, 64);
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) fail(index, name, `${value as string} is too large`);
  return Number(n);
}

export function data(value: unknown, index: number, name: string): Uint8Array {
  if (!isHexData(value)) fail(index, name, `expected 0x-prefixed hex data with an even number of digits, got ${describe(value)}`);
  return hexToBytes(value);
}

export function hash32(value: unknown, index: number, name = 'hash'): Uint8Array {
  if (typeof value !== 'string' || value.length !== 66 || !isHexData(value)) {
    fail(index, name, `expected a 0x-prefixed 32-byte hex string, got ${describe(value)}`);
  }
  return hexToBytes(value);
}

/** A storage slot: any hex number of up to 32 bytes, padded or not (eth_getStorageAt). */
export function storageSlot(value: unknown, index: number): void {
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]{1,64}$/.test(value)) {
    fail(index, 'slot', `expected a hex storage slot of at most 32 bytes, got ${describe(value)}`);
  }
}

/** eth_feeHistory's block count: a hex quantity, or a plain integer (geth accepts both). */
export function blockCount(value: unknown, index: number): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  if (typeof value === 'string' && /^(0|[1-9][0-9]{0,15})$/.test(value)) return Number(value);
  return smallQuantity(value, index, 'blockCount');
}

/** eth_feeHistory's reward percentiles: numbers in [0, 100], increasing. */
export function percentiles(value: unknown, index: number, max: number): number[] {
  if (!Array.isArray(value)) fail(index, 'rewardPercentiles', `expected an array of numbers, got ${describe(value)}`);
  if (value.length > max) fail(index, 'rewardPercentiles', `at most ${max} percentiles, got ${value.length}`);
  value.forEach((p: unknown, i) => {
    if (typeof p !== 'number' || !(p >= 0 && p <= 100)) fail(index, 'rewardPercentiles', `entry ${i} must be a number from 0 to 100, got ${describe(p)}`);
    if (i > 0 && p < (value[i - 1] as number)) fail(index, 'rewardPercentiles', `entries must not decrease: ${value[i - 1] as number} then ${p}`);
  });
  return value as number[];
}

export function bool(value: unknown, index: number, name: string): boolean {
  if (typeof value !== 'boolean') fail(index, name, `expected true or false, got ${describe(value)}`);
  return value;
}

export function blockTag(value: unknown, index: number, name = 'block'): BlockTag {
  if (typeof value === 'string' && NAMED_TAGS.has(value)) return value as BlockTag;
  if (typeof value === 'string' && value.startsWith('0x')) return smallQuantity(value, index, name);
  return fail(index, name, `expected "latest", "pending", "earliest", "safe", "finalized" or a hex block number, got ${describe(value)}`);
}

/** A block tag, or EIP-1898 {blockNumber} / {blockHash[, requireCanonical]}. Absent = "latest". */
export function blockRef(value: unknown, index: number): BlockRef {
  if (value === undefined) return 'latest';
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return blockTag(value, index);
  const obj = value as Record<string, unknown>;
  if (obj['blockHash'] !== undefined && obj['blockNumber'] !== undefined) {
    fail(index, 'block', 'give either blockHash or blockNumber, not both');
  }
  if (obj['blockHash'] !== undefined) {
    if (obj['requireCanonical'] !== undefined) bool(obj['requireCanonical'], index, 'block.requireCanonical');
    return { blockHash: hash32(obj['blockHash'], index, 'block.blockHash') };
  }
  if (obj['blockNumber'] !== undefined) return blockTag(obj['blockNumber'], index, 'block.blockNumber');
  return fail(index, 'block', 'an EIP-1898 block object needs blockHash or blockNumber');
}

/** geth's BlockNumberOrHash: a tag or hex number, a bare 32-byte block hash, or an EIP-1898 object. */
export function blockNumberOrHash(value: unknown, index: number): BlockRef {
  if (typeof value === 'string' && value.length === 66) return { blockHash: hash32(value, index, 'block') };
  if (typeof value === 'string' && !NAMED_TAGS.has(value) && !value.startsWith('0x')) {
    fail(index, 'block', `expected "latest", "pending", "earliest", "safe", "finalized", a hex block number or a 32-byte block hash, got ${describe(value)}`);
  }
  return blockRef(value, index);
}

/** eth_call / eth_estimateGas call object. Fields a plain transfer does not need are checked but not used. */
export interface CallRequest {
  readonly from: Uint8Array | undefined;
  readonly to: Uint8Array | undefined;
  readonly gas: bigint | undefined;
  /** gasPrice, or maxFeePerGas for EIP-1559 calls: what each unit of gas may cost at most. */
  readonly feeCap: bigint | undefined;
  readonly value: bigint;
  readonly data: Uint8Array;
  readonly accessList: readonly AccessListEntry[];
}

export function callRequest(value: unknown, index: number): CallRequest {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(index, 'call', `expected a transaction call object, got ${describe(value)}`);
  }
  const o = value as Record<string, unknown>;
  const opt = <T>(key: string, parse: (v: unknown, i: number, n: string) => T): T | undefined =>
    o[key] === undefined || o[key] === null ? undefined : parse(o[key], index, `call.${key}`);
  const input = opt('input', data);
  const legacyData = opt('data', data);
  if (input !== undefined && legacyData !== undefined && !equalBytes(input, legacyData)) {
    fail(index, 'call', 'both "data" and "input" are set and not equal');
  }
  const gasPrice = opt('gasPrice', quantity);
  const maxFeePerGas = opt('maxFeePerGas', quantity);
  if (gasPrice !== undefined && maxFeePerGas !== undefined) {
    fail(index, 'call', 'both gasPrice and (maxFeePerGas or maxPriorityFeePerGas) specified');
  }
  opt('maxPriorityFeePerGas', quantity);
  opt('nonce', uint64);
  return {
    from: opt('from', address),
    to: opt('to', address),
    gas: opt('gas', uint64),
    feeCap: gasPrice ?? maxFeePerGas,
    value: opt('value', quantity) ?? 0n,
    data: input ?? legacyData ?? new Uint8Array(0),
    accessList: opt('accessList', accessList) ?? [],
  };
}

function uint64(value: unknown, index: number, name: string): bigint {
  return quantity(value, index, name, 64);
}

function accessList(value: unknown, index: number, name: string): AccessListEntry[] {
  if (!Array.isArray(value)) fail(index, name, `expected an array, got ${describe(value)}`);
  return value.map((entry: unknown, i) => {
    if (typeof entry !== 'object' || entry === null) fail(index, `${name}[${i}]`, `expected {address, storageKeys}, got ${describe(entry)}`);
    const e = entry as Record<string, unknown>;
    const keys = e['storageKeys'] ?? [];
    if (!Array.isArray(keys)) fail(index, `${name}[${i}].storageKeys`, `expected an array, got ${describe(keys)}`);
    return {
      address: address(e['address'], index, `${name}[${i}].address`),
      storageKeys: keys.map((k: unknown, j) => hash32(k, index, `${name}[${i}].storageKeys[${j}]`)),
    };
  });
}

/** eth_getLogs filter. Topic position: null = any, otherwise one of the listed topics. */
export interface LogFilter {
  readonly range: { readonly blockHash: Uint8Array } | { readonly fromBlock: BlockTag; readonly toBlock: BlockTag };
  /** null = any address (also what an empty list means). */
  readonly addresses: readonly Uint8Array[] | null;
  readonly topics: readonly (readonly Uint8Array[] | null)[];
}

/**
 * geth's bounds on one log filter. Each address and topic is kept for as
 * long as a filter or subscription lives: a 5 MB filter of 110,000
 * addresses took about 30 MB of memory, and the node holds up to 1024 filters.
 */
export const MAX_FILTER_ADDRESSES = 1000;
export const MAX_TOPIC_ALTERNATIVES = 1000;

export function logFilter(value: unknown, index: number): LogFilter {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(index, 'filter', `expected a filter object, got ${describe(value)}`);
  }
  const o = value as Record<string, unknown>;
  const present = (key: string): boolean => o[key] !== undefined && o[key] !== null;
  let range: LogFilter['range'];
  if (present('blockHash')) {
    if (present('fromBlock') || present('toBlock')) fail(index, 'filter', 'cannot specify both blockHash and fromBlock/toBlock');
    range = { blockHash: hash32(o['blockHash'], index, 'filter.blockHash') };
  } else {
    range = {
      fromBlock: present('fromBlock') ? blockTag(o['fromBlock'], index, 'filter.fromBlock') : 'latest',
      toBlock: present('toBlock') ? blockTag(o['toBlock'], index, 'filter.toBlock') : 'latest',
    };
  }
  let addresses: Uint8Array[] | null = null;
  if (Array.isArray(o['address'])) {
    if (o['address'].length > MAX_FILTER_ADDRESSES) {
      fail(index, 'filter.address', `at most ${MAX_FILTER_ADDRESSES} addresses, got ${o['address'].length}`);
    }
    // An empty list matches any address, as in geth (and as an empty topic OR-list does).
    if (o['address'].length > 0) addresses = o['address'].map((a: unknown, i) => address(a, index, `filter.address[${i}]`));
  } else if (present('address')) {
    addresses = [address(o['address'], index, 'filter.address')];
  }
  const topics: (Uint8Array[] | null)[] = [];
  if (present('topics')) {
    const raw = o['topics'];
    if (!Array.isArray(raw)) fail(index, 'filter.topics', `expected an array, got ${describe(raw)}`);
    if (raw.length > 4) fail(index, 'filter.topics', `at most 4 topic positions, got ${raw.length}`);
    raw.forEach((t: unknown, i) => {
      const name = `filter.topics[${i}]`;
      if (t === null) topics.push(null);
      else if (Array.isArray(t)) {
        if (t.length > MAX_TOPIC_ALTERNATIVES) fail(index, name, `at most ${MAX_TOPIC_ALTERNATIVES} topics per position, got ${t.length}`);
        // An empty OR-list or one holding null matches anything, as in geth.
        const list = t.includes(null) ? [] : t.map((x: unknown, j) => hash32(x, index, `${name}[${j}]`));
        topics.push(list.length === 0 ? null : list);
      } else topics.push([hash32(t, index, name)]);
    });
  }
  return { range, addresses, topics };
}
