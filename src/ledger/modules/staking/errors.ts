import { CairnError } from '../../../primitives/errors.js';

/**
 * Refusals of the staking reducer (validator-set.ts), one string-enum code
 * each, so the staking module can turn them into receipt reasons and the
 * consensus engine into block rejections without parsing messages.
 */
export enum StakingErrorCode {
  /** Amount zero or negative. */
  BadAmount = 'STAKING_BAD_AMOUNT',
  /** The stake after the change would be positive but below minStake. */
  BelowMinStake = 'STAKING_BELOW_MIN_STAKE',
  /** Unstaking more than is bonded (net of unstakes already pending). */
  InsufficientStake = 'STAKING_INSUFFICIENT_STAKE',
  /** The change would leave no validator for the next epoch. */
  LastValidator = 'STAKING_LAST_VALIDATOR',
  /** An event or epoch advance older than the state it is applied to. */
  EpochOrder = 'STAKING_EPOCH_ORDER',
  /** No validator holds stake, so no proposer can be drawn. */
  NoValidators = 'STAKING_NO_VALIDATORS',
  /** This offence was already punished on this chain. */
  AlreadyPunished = 'STAKING_ALREADY_PUNISHED',
  /** The offender holds no stake, pending stake or unbonding funds. */
  NothingToSlash = 'STAKING_NOTHING_TO_SLASH',
}

export class StakingError extends CairnError {
  declare readonly code: StakingErrorCode;
  constructor(code: StakingErrorCode, message: string) {
    super(code, message);
  }
}
