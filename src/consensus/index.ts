import type { ConsensusConfig } from '../ledger/genesis.js';
import type { ConsensusEngine } from './engine.js';
import { ConsensusConfigError } from './errors.js';
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
}

type EngineFactory = (params: Readonly<Record<string, unknown>>, options: EngineOptions) => ConsensusEngine;

const ENGINES: ReadonlyMap<string, EngineFactory> = new Map<string, EngineFactory>([
  ['pow', (params, options) => new PowEngine(parsePowParams(params), options)],
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
