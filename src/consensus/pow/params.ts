import { ConsensusConfigError } from '../errors.js';
import { MAX_DIFFICULTY } from './retarget.js';

/**
 * genesis.json `consensus.pow`, checked:
 * {
 *   "targetBlockTimeMs": 2000,        // the block interval the retarget steers to
 *   "initialDifficulty": "1200000",   // genesis difficulty; expected hashes per block
 *   "minDifficulty": "1000",          // retarget floor
 *   "halfLifeMs": 32000,              // optional, default 16 x target: see retarget.ts
 *   "confirmations": 32               // optional: depth treated as final (probabilistic)
 * }
 * Difficulties are integers given as JSON numbers, decimal strings or 0x hex.
 */
export interface PowParams {
  readonly targetBlockTimeMs: number;
  readonly initialDifficulty: bigint;
  readonly minDifficulty: bigint;
  readonly halfLifeMs: number;
  readonly confirmations: number;
}

export const DEFAULT_HALF_LIFE_BLOCKS = 16;
export const DEFAULT_CONFIRMATIONS = 32;

const KNOWN_KEYS = ['targetBlockTimeMs', 'initialDifficulty', 'minDifficulty', 'halfLifeMs', 'confirmations'];
const WHERE = 'genesis.json consensus.pow';

export function parsePowParams(raw: Readonly<Record<string, unknown>>): PowParams {
  // A misspelt optional key would otherwise silently fall back to its default.
  for (const key of Object.keys(raw)) {
    if (!KNOWN_KEYS.includes(key)) {
      throw new ConsensusConfigError(`${WHERE}: unknown field "${key}"; known fields: ${KNOWN_KEYS.join(', ')}`);
    }
  }
  const targetBlockTimeMs = positiveInteger(raw, 'targetBlockTimeMs');
  const initialDifficulty = difficulty(raw, 'initialDifficulty');
  const minDifficulty = difficulty(raw, 'minDifficulty');
  if (initialDifficulty < minDifficulty) {
    throw new ConsensusConfigError(
      `${WHERE}: initialDifficulty (${initialDifficulty}) must not be below minDifficulty (${minDifficulty})`,
    );
  }
  const halfLifeMs =
    raw['halfLifeMs'] === undefined ? DEFAULT_HALF_LIFE_BLOCKS * targetBlockTimeMs : positiveInteger(raw, 'halfLifeMs');
  // A half-life shorter than one block makes difficulty swing by more than 2x
  // per block (and the shift in retarget.ts unbounded); it never converges.
  if (halfLifeMs < targetBlockTimeMs) {
    throw new ConsensusConfigError(
      `${WHERE}: halfLifeMs (${halfLifeMs}) must be at least targetBlockTimeMs (${targetBlockTimeMs}); ` +
        `omit it for the default of ${DEFAULT_HALF_LIFE_BLOCKS} x targetBlockTimeMs`,
    );
  }
  const confirmations =
    raw['confirmations'] === undefined ? DEFAULT_CONFIRMATIONS : nonNegativeInteger(raw, 'confirmations');
  return { targetBlockTimeMs, initialDifficulty, minDifficulty, halfLifeMs, confirmations };
}

function nonNegativeInteger(raw: Readonly<Record<string, unknown>>, key: string): number {
  const value = raw[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new ConsensusConfigError(`${WHERE}.${key}: expected a non-negative integer, got ${show(value)}`);
  }
  return value;
}

function positiveInteger(raw: Readonly<Record<string, unknown>>, key: string): number {
  const value = raw[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new ConsensusConfigError(`${WHERE}.${key}: expected a positive integer (milliseconds), got ${show(value)}`);
  }
  return value;
}

function difficulty(raw: Readonly<Record<string, unknown>>, key: string): bigint {
  const value = raw[key];
  let parsed: bigint | undefined;
  if (typeof value === 'number' && Number.isSafeInteger(value)) parsed = BigInt(value);
  else if (typeof value === 'string' && /^(0|[1-9][0-9]*|0x[0-9a-fA-F]+)$/.test(value)) parsed = BigInt(value);
  if (parsed === undefined || parsed < 1n || parsed > MAX_DIFFICULTY) {
    throw new ConsensusConfigError(
      `${WHERE}.${key}: expected an integer from 1 to 2^256-1 (number, decimal string or 0x hex), got ${show(value)}`,
    );
  }
  return parsed;
}

function show(value: unknown): string {
  return value === undefined ? 'nothing (the field is required)' : JSON.stringify(value);
}
