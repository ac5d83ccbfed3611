import { CairnError } from '../../primitives/errors.js';

export enum ProofBuildErrorCode {
  /** Nothing to prove, or more events than allowed. */
  BadRequest = 'PROOF_BAD_REQUEST',
  /** The headers from the earliest event to the anchor exceed the bound. */
  TooManyHeaders = 'PROOF_TOO_MANY_HEADERS',
  /** A transaction that is not on the canonical chain. */
  UnknownTransaction = 'PROOF_UNKNOWN_TRANSACTION',
  /** The transaction's receipt holds no supply event of the item (a refused operation, another item). */
  NoEvent = 'PROOF_NO_EVENT',
  /** The chain moved (a reorganisation) while the proof was read: retry. */
  ChainMoved = 'PROOF_CHAIN_MOVED',
  /** The node's records disagree with its own headers: a bug or a damaged data directory. */
  Inconsistent = 'PROOF_INCONSISTENT',
}

/** A proof cannot be built for this request; the message says what to change. */
export class ProofBuildError extends CairnError {
  declare readonly code: ProofBuildErrorCode;
  constructor(code: ProofBuildErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** One check of a proof failed (verify.ts turns it into a line of the report's errors). */
export class ProofCheckError extends CairnError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('PROOF_CHECK', message, options);
  }
}
