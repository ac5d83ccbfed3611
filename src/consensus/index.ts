import type { ConsensusConfig } from '../ledger/genesis.js';
import type { RecoveryBackend } from '../primitives/recover/backend.js';
import type { ConsensusEngine } from './engine.js';
import { ConsensusConfigError } from './errors.js';
import { PosEngine } from './pos/engine.js';
import { parsePosParams, posConfig } from './pos/params.js';
import { PowEngine } from './pow/engine.js';
import { parsePowParams } from './pow/params.js';

/**
 * The consensus front door: genesis.json `consensus.type` picks an engine from
 * this registry, and nothing else in the node asks which one runs.
 */

export type { ChainTip, ConsensusEngine } from './engine.js';
export { ConsensusConfigError, MinerError } from './errors.js';

export interface EngineOptions {
  /** PoW: worker threads that mine; default 1. */
  readonly minerThreads?: number;
  /** genesis.json `chainId`; PoS signs over it. Required by PoS. */
  readonly chainId?: bigint;
  /** genesis.json `timestamp` (ms): PoS slot 0 starts there. Required by PoS. */
  readonly genesisTimestamp?: number;
  /** PoS: recovers vote and evidence signatures. Required by PoS. */
  readonly recovery?: RecoveryBackend;
  /** The node's data directory; PoS keeps its slashing-protection record there. Required by PoS. */
  readonly dataDir?: string;
  /** PoS: the validator's 32-byte secp256k1 private key (--validator-key); without it the node never signs. */
  readonly validatorKey?: Uint8Array;
  /** The clock (ms since the Unix epoch); Date.now by default. */
  readonly now?: () => number;
}

type EngineFactory = (params: Readonly<Record<string, unknown>>, options: EngineOptions) => ConsensusEngine;

const ENGINES: ReadonlyMap<string, EngineFactory> = new Map<string, EngineFactory>([
  ['pow', (params, options) => new PowEngine(parsePowParams(params), options)],
  ['pos', (params, options) => createPosEngine(params, options)],
]);

export const CONSENSUS_TYPES: readonly string[] = [...ENGINES.keys()];

export function createEngine(config: ConsensusConfig, options: EngineOptions = {}): ConsensusEngine {
  const factory = ENGINES.get(config.type);
  if (factory === undefined) {
    throw new ConsensusConfigError(
      `genesis.json consensus.type: unknown consensus type ${JSON.stringify(config.type)}; ` +
        `known types: ${CONSENSUS_TYPES.map((type) => JSON.stringify(type)).join(', ')}`,
    );
  }
  return factory(config.params, options);
}

function createPosEngine(params: Readonly<Record<string, unknown>>, options: EngineOptions): PosEngine {
  const { chainId, genesisTimestamp, recovery, dataDir } = options;
  if (chainId === undefined || genesisTimestamp === undefined || recovery === undefined || dataDir === undefined) {
    // A wiring bug, not a genesis.json problem: the node passes these for every engine.
    throw new TypeError('the PoS engine needs the chainId, genesisTimestamp, recovery and dataDir engine options');
  }
  if (options.validatorKey !== undefined && options.validatorKey.length !== 32) {
    throw new TypeError(`a validator key is a 32-byte secp256k1 private key, got ${options.validatorKey.length} bytes`);
  }
  return new PosEngine(posConfig(parsePosParams(params), chainId, genesisTimestamp), {
    recovery,
    dataDir,
    validatorKey: options.validatorKey,
    now: options.now,
  });
}
