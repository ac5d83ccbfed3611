import { CairnError } from '../primitives/errors.js';

/**
 * genesis.json names an unknown consensus type or gives an engine parameters
 * it cannot run with. The message names the field and what would be accepted,
 * because the fix is an edit to genesis.json.
 */
export class ConsensusConfigError extends CairnError {
  constructor(message: string) {
    super('CONSENSUS_CONFIG', message);
  }
}

/** The PoW miner cannot run: bad thread count, missing compiled worker, a worker crashed. */
export class MinerError extends CairnError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('POW_MINER', message, options);
  }
}
