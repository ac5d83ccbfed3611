import { CairnError } from '../../../primitives/errors.js';

export enum SupplyErrorCode {
  /** A transaction's data is not a valid supply operation (executing it is a refusal, not this error). */
  InvalidOp = 'SUPPLY_INVALID_OP',
  /** A query's parameters are malformed (JSON-RPC: invalid params). */
  InvalidQuery = 'SUPPLY_INVALID_QUERY',
  /** The records contradict each other (a counted event or a linked item is missing): a bug or a damaged store. */
  InconsistentState = 'SUPPLY_INCONSISTENT_STATE',
}

/** The message says what is wrong in words a user can act on. */
export class SupplyError extends CairnError {
  declare readonly code: SupplyErrorCode;
  constructor(code: SupplyErrorCode, message: string) {
    super(code, message);
  }
}
