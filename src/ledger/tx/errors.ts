import { CairnError } from '../../primitives/errors.js';

/**
 * Why a transaction was refused. Messages follow geth's wording where wallets
 * parse them (WALLET-RPC.md §5): viem and ethers turn "nonce too low",
 * "insufficient funds", "already known" etc. into typed errors.
 */
export enum TxErrorCode {
  /** Bad RLP or field shapes: "rlp: ..." or "typed transaction too short". */
  Malformed = 'TX_MALFORMED',
  UnsupportedType = 'TX_UNSUPPORTED_TYPE',
  ContractCreation = 'TX_CONTRACT_CREATION',
  /** Legacy signature without EIP-155 chain id (v 27/28). */
  Unprotected = 'TX_UNPROTECTED',
  WrongChainId = 'TX_WRONG_CHAIN_ID',
  /** Out-of-range r/s/v, or no sender recovers. */
  InvalidSignature = 'TX_INVALID_SIGNATURE',
  /** s above n/2: the malleable twin of a valid signature. */
  HighS = 'TX_HIGH_S',
  IntrinsicGas = 'TX_INTRINSIC_GAS',
  FeeCapBelowTip = 'TX_FEE_CAP_BELOW_TIP',
  GasLimitExceedsBlock = 'TX_GAS_LIMIT_EXCEEDS_BLOCK',
  Oversized = 'TX_OVERSIZED',
  NonceTooLow = 'TX_NONCE_TOO_LOW',
  NonceTooHigh = 'TX_NONCE_TOO_HIGH',
  InsufficientFunds = 'TX_INSUFFICIENT_FUNDS',
  FeeCapTooLow = 'TX_FEE_CAP_TOO_LOW',
  Underpriced = 'TX_UNDERPRICED',
  ReplacementUnderpriced = 'TX_REPLACEMENT_UNDERPRICED',
  AlreadyKnown = 'TX_ALREADY_KNOWN',
  PoolFull = 'TX_POOL_FULL',
}

/** A transaction that breaks a rule; the message names the rule and the values. */
export class InvalidTransactionError extends CairnError {
  declare readonly code: TxErrorCode;
  constructor(code: TxErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
