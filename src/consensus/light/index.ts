import { LightClientError, LightErrorCode } from './errors.js';
import { posLight } from './pos.js';
import { powLight } from './pow.js';
import type { LightEngine } from './types.js';

/**
 * Light clients, the offline side of consensus: a registry keyed by
 * genesis.json's `consensus.type`, as src/consensus/index.ts keys the full
 * engines, so that proof builders and verifiers never ask which one runs.
 */

export { LightClientError, LightErrorCode, MalformedProofError } from './errors.js';
export {
  malformed,
  readArray,
  readBytes,
  readInteger,
  readJsonObject,
  readObject,
  readQuantity,
  readString,
  type Json,
  type JsonObject,
} from './json.js';
export type { LightAnchor, LightChain, LightClient, LightEngine, LightFindings, LightQuery, LightValidator } from './types.js';

const LIGHT_ENGINES: ReadonlyMap<string, LightEngine> = new Map([powLight, posLight].map((engine) => [engine.kind, engine]));

export const LIGHT_CONSENSUS_TYPES: readonly string[] = [...LIGHT_ENGINES.keys()];

/** The light client of a consensus type; LightClientError(UnknownConsensus) when there is none. */
export function lightEngine(kind: string): LightEngine {
  const engine = LIGHT_ENGINES.get(kind);
  if (engine === undefined) {
    throw new LightClientError(
      LightErrorCode.UnknownConsensus,
      `no light client for consensus type ${JSON.stringify(kind)}; known types: ${LIGHT_CONSENSUS_TYPES.map((t) => JSON.stringify(t)).join(', ')}`,
    );
  }
  return engine;
}
