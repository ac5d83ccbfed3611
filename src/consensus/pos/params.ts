import { InvalidAddressError, parseAddress } from '../../primitives/address.js';
import { keccak256 } from '../../primitives/hash.js';
import { bytesToHex } from '../../primitives/hex.js';
import { rlpEncode } from '../../primitives/rlp.js';
import { compareBytes, type StakingRules, type Validator } from '../../ledger/modules/staking/index.js';
import { ConsensusConfigError } from '../errors.js';
import type { ChainDomain } from './signing.js';
import type { SlotClock } from './slots.js';

/**
 * genesis.json `consensus.pos`, checked:
 * {
 *   "slotDurationMs": 1000,                  // one proposer per slot
 *   "epochLength": 32,                       // slots per epoch; stake changes apply at epoch boundaries
 *   "minStake": "1000000000000000000000",    // wei; the least a validator may bond
 *   "unbondingEpochs": 2,                    // epochs unstaked funds stay slashable before release
 *   "validators": [ { "address": "0x…", "stake": "32000000000000000000000" } ]
 * }
 * Amounts are integers given as JSON numbers, decimal strings or 0x hex.
 * Genesis stake is bonded from nothing, as alloc balances are created from
 * nothing: it is not taken from any account. The genesis time and chain id
 * are genesis.json's `timestamp` and `chainId`, not repeated here.
 */
export interface PosParams extends StakingRules {
  readonly slotDurationMs: number;
  readonly epochLength: number;
  /** Sorted by address, distinct, each stake >= minStake. */
  readonly validators: readonly Validator[];
}

const KNOWN_KEYS = ['slotDurationMs', 'epochLength', 'minStake', 'unbondingEpochs', 'validators'];
const VALIDATOR_KEYS = ['address', 'stake'];
const WHERE = 'genesis.json consensus.pos';
const MAX_AMOUNT = (1n << 256n) - 1n;

export function parsePosParams(raw: Readonly<Record<string, unknown>>): PosParams {
  // A misspelt key would otherwise define a different chain than intended.
  rejectUnknown(raw, KNOWN_KEYS, WHERE);
  const slotDurationMs = positiveInteger(raw['slotDurationMs'], 'slotDurationMs', 'milliseconds');
  const epochLength = positiveInteger(raw['epochLength'], 'epochLength', 'slots');
  const minStake = amount(raw['minStake'], 'minStake');
  // Zero epochs would release unstaked funds at the boundary where they stop
  // being bonded, out of reach of evidence that arrives a moment later.
  const unbondingEpochs = positiveInteger(raw['unbondingEpochs'], 'unbondingEpochs', 'epochs');
  const validators = parseValidators(raw['validators'], minStake);
  return { slotDurationMs, epochLength, minStake, unbondingEpochs, validators };
}

/** What the engine and the views run with: genesis.json's consensus.pos, its clock and its signing domain. */
export interface PosConfig {
  readonly params: PosParams;
  readonly clock: SlotClock;
  readonly domain: ChainDomain;
}

/** genesis.json `chainId` and `timestamp` (ms) complete the PoS parameters. */
export function posConfig(params: PosParams, chainId: bigint, genesisTime: number): PosConfig {
  return {
    params,
    clock: { genesisTime, slotDurationMs: params.slotDurationMs, epochLength: params.epochLength },
    domain: chainDomain(chainId, genesisTime, params),
  };
}

const CHAIN_TAG = 'cairn/pos/chain/1';

/**
 * The signing domain of a chain (signing.ts): its id, and a tag digesting
 * what genesis.json fixes of it before its genesis block exists: the genesis
 * time and every PoS parameter, the initial validators and stakes included.
 */
export function chainDomain(chainId: bigint, genesisTime: number, params: PosParams): ChainDomain {
  const validators = params.validators.map((v) => [v.address, v.stake]);
  const chainTag = keccak256(
    rlpEncode([CHAIN_TAG, chainId, genesisTime, params.slotDurationMs, params.epochLength, params.minStake, params.unbondingEpochs, validators]),
  );
  return { chainId, chainTag };
}

function parseValidators(value: unknown, minStake: bigint): Validator[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new ConsensusConfigError(
      `${WHERE}.validators: expected a non-empty list of { "address", "stake" }, got ${show(value)}`,
    );
  }
  const seen = new Set<string>();
  const out: Validator[] = [];
  for (const [i, entry] of value.entries()) {
    const path = `validators[${i}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw new ConsensusConfigError(`${WHERE}.${path}: expected an object { "address", "stake" }, got ${show(entry)}`);
    }
    const fields = entry as Record<string, unknown>;
    rejectUnknown(fields, VALIDATOR_KEYS, `${WHERE}.${path}`);
    const text = fields['address'];
    if (typeof text !== 'string') {
      throw new ConsensusConfigError(`${WHERE}.${path}.address: expected a 0x address string, got ${show(text)}`);
    }
    let address: Uint8Array;
    try {
      address = parseAddress(text);
    } catch (error) {
      if (!(error instanceof InvalidAddressError)) throw error;
      throw new ConsensusConfigError(`${WHERE}.${path}.address: ${error.message}`);
    }
    const key = bytesToHex(address);
    if (seen.has(key)) {
      throw new ConsensusConfigError(`${WHERE}.${path}.address: ${text} is listed more than once (addresses are case-insensitive)`);
    }
    seen.add(key);
    const stake = amount(fields['stake'], `${path}.stake`);
    if (stake < minStake) {
      throw new ConsensusConfigError(`${WHERE}.${path}.stake: ${stake} is below minStake (${minStake})`);
    }
    out.push({ address, stake });
  }
  return out.sort((a, b) => compareBytes(a.address, b.address));
}

function rejectUnknown(raw: Readonly<Record<string, unknown>>, known: readonly string[], where: string): void {
  for (const key of Object.keys(raw)) {
    if (!known.includes(key)) {
      throw new ConsensusConfigError(`${where}: unknown field "${key}"; known fields: ${known.join(', ')}`);
    }
  }
}

function positiveInteger(value: unknown, key: string, unit: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new ConsensusConfigError(`${WHERE}.${key}: expected a positive integer (${unit}), got ${show(value)}`);
  }
  return value;
}

function amount(value: unknown, key: string): bigint {
  let parsed: bigint | undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value)) parsed = BigInt(value);
  else if (typeof value === 'string' && /^(0|[1-9][0-9]*|0x[0-9a-fA-F]+)$/.test(value)) parsed = BigInt(value);
  if (parsed === undefined || parsed < 1n || parsed > MAX_AMOUNT) {
    throw new ConsensusConfigError(
      `${WHERE}.${key}: expected an amount of wei from 1 to 2^256-1 (number, decimal string or 0x hex), got ${show(value)}`,
    );
  }
  return parsed;
}

function show(value: unknown): string {
  return value === undefined ? 'nothing (the field is required)' : JSON.stringify(value);
}
