import { CairnError } from '../../primitives/errors.js';

export enum BlockErrorCode {
  Malformed = 'BLOCK_MALFORMED',
  UnknownParent = 'BLOCK_UNKNOWN_PARENT',
  BadNumber = 'BLOCK_BAD_NUMBER',
  BadTimestamp = 'BLOCK_BAD_TIMESTAMP',
  BadGas = 'BLOCK_BAD_GAS',
  BadBaseFee = 'BLOCK_BAD_BASE_FEE',
  BadTxRoot = 'BLOCK_BAD_TX_ROOT',
  BadReceiptsRoot = 'BLOCK_BAD_RECEIPTS_ROOT',
  BadStateRoot = 'BLOCK_BAD_STATE_ROOT',
  BadTransaction = 'BLOCK_BAD_TRANSACTION',
  BadConsensus = 'BLOCK_BAD_CONSENSUS',
  BadSeal = 'BLOCK_BAD_SEAL',
  /** The consensus body does not match what the header commits to: the header may still be valid with another body. */
  BadBody = 'BLOCK_BAD_BODY',
  /** The block forks off below the finalized block, which the chain never leaves. */
  FinalityConflict = 'BLOCK_FINALITY_CONFLICT',
  TooLarge = 'BLOCK_TOO_LARGE',
  KnownInvalid = 'BLOCK_KNOWN_INVALID',
}

/** A block that breaks a rule; the message names the rule and the values. */
export class InvalidBlockError extends CairnError {
  constructor(code: BlockErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
