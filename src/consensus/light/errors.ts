import { CairnError } from '../../primitives/errors.js';

export enum LightErrorCode {
  /** No light client for this consensus type. */
  UnknownConsensus = 'LIGHT_UNKNOWN_CONSENSUS',
  /** The chain's consensus parameters (genesis.json's) cannot be used. */
  BadParams = 'LIGHT_BAD_PARAMS',
  /** A header's consensus section breaks a rule: seal, difficulty, slot, signature. */
  BadHeader = 'LIGHT_BAD_HEADER',
  /** The evidence that the anchor is final does not hold. */
  BadFinality = 'LIGHT_BAD_FINALITY',
  /** The node cannot give the evidence a proof needs (builder side). */
  Unavailable = 'LIGHT_UNAVAILABLE',
}

/**
 * An offline check of consensus evidence failed, or the evidence cannot be
 * assembled. The message names the block, vote or field and the rule, since
 * it is shown to whoever checks a proof.
 */
export class LightClientError extends CairnError {
  declare readonly code: LightErrorCode;
  constructor(code: LightErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** LightClientError(BadHeader) with its cause attached. */
export function badHeader(message: string, cause?: unknown): LightClientError {
  return new LightClientError(LightErrorCode.BadHeader, message, cause === undefined ? undefined : { cause });
}

/** Runs an engine's section decoder; its CairnError becomes BadHeader with the same message. */
export function decodingHeader<T>(decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    if (!(error instanceof CairnError)) throw error;
    throw badHeader(error.message, error);
  }
}

/** A field of a proof document has the wrong shape; the message names its path (`events[2].receiptPath[0]`). */
export class MalformedProofError extends CairnError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('PROOF_MALFORMED', message, options);
  }
}
