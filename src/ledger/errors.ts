import { CairnError } from '../primitives/errors.js';

/** A genesis.json that cannot define a chain; the message names the field. */
export class GenesisError extends CairnError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('GENESIS_INVALID', message, options);
  }
}
