import { CairnError } from '../../primitives/errors.js';

/**
 * Errors of the proof-of-stake core, one class per domain with a string-enum
 * code, so the chain can map them to block rejections and the p2p layer to
 * peer penalties without parsing messages. Header and body rule violations
 * are InvalidBlockError (src/ledger/block/errors.ts), as under PoW; staking
 * refusals are StakingError (src/ledger/modules/staking/errors.ts).
 */

export enum VoteErrorCode {
  /** Not a vote: wrong RLP shape, lengths, or source not below target. */
  Malformed = 'POS_VOTE_MALFORMED',
  /** The signature is out of range or does not recover to the named validator. */
  BadSignature = 'POS_VOTE_BAD_SIGNATURE',
}

export class VoteError extends CairnError {
  declare readonly code: VoteErrorCode;
  constructor(code: VoteErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

export enum EvidenceErrorCode {
  Malformed = 'POS_EVIDENCE_MALFORMED',
  /** The two items do not conflict: identical, other slots or heights, or other signers. */
  NotConflicting = 'POS_EVIDENCE_NOT_CONFLICTING',
  BadSignature = 'POS_EVIDENCE_BAD_SIGNATURE',
  /** This offence was already punished on this chain. */
  AlreadyUsed = 'POS_EVIDENCE_ALREADY_USED',
  /** The offender holds no stake, pending stake or unbonding funds. */
  NothingToSlash = 'POS_EVIDENCE_NOTHING_TO_SLASH',
}

export class EvidenceError extends CairnError {
  declare readonly code: EvidenceErrorCode;
  constructor(code: EvidenceErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

export enum ProtectionErrorCode {
  /** Signing would make a second, different proposal for a slot already signed (or an older one). */
  ConflictingProposal = 'POS_PROTECTION_CONFLICTING_PROPOSAL',
  /** Signing would make a double or surround vote with one already signed. */
  ConflictingVote = 'POS_PROTECTION_CONFLICTING_VOTE',
  /** The record belongs to another chain or another validator key. */
  WrongIdentity = 'POS_PROTECTION_WRONG_IDENTITY',
  /** The record does not parse; it is never silently reset. */
  Corrupt = 'POS_PROTECTION_CORRUPT',
}

export class SlashingProtectionError extends CairnError {
  declare readonly code: ProtectionErrorCode;
  constructor(code: ProtectionErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** The node was asked to sign as a validator it cannot be: no validator key, or a header naming another proposer. */
export class ValidatorError extends CairnError {
  constructor(message: string) {
    super('POS_VALIDATOR', message);
  }
}
