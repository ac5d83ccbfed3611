/** The staking system module's front door: the module, its records and funds, the reducer it runs, and the RPC view. */
export { StakingError, StakingErrorCode } from './errors.js';
export { STAKED_TOPIC, STAKING_CALL_GAS, StakingModule, UNSTAKED_TOPIC } from './module.js';
export {
  STAKING_ADDRESS,
  STAKING_MODULE,
  STAKING_STATE_KEY,
  burnStake,
  decodeStakingState,
  encodeStakingState,
  payOut,
  readStakingState,
  writeStakingState,
} from './state.js';
export {
  ValidatorSet,
  accountRefusal,
  activeSet,
  advanceToEpoch,
  applyStakingEvent,
  compareBytes,
  genesisStakingState,
  slashableAmount,
  type AccountRefusal,
  type AccountStake,
  type PendingChange,
  type Release,
  type StakingEvent,
  type StakingRules,
  type StakingState,
  type UnbondingEntry,
  type Validator,
} from './validator-set.js';
export { stakingView, type StakingView } from './view.js';
