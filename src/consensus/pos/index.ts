/**
 * The proof-of-stake engine's front door for the rest of the node: the
 * engine (built by ../index.ts from genesis.json), its parameters, the
 * read-only views the RPC serves, and the errors callers may switch on.
 */
export { MAX_VOTE_MESSAGE_BYTES, PLAN_HORIZON_SLOTS, PosEngine, type PosEngineOptions } from './engine.js';
export {
  EvidenceError,
  EvidenceErrorCode,
  ProtectionErrorCode,
  SlashingProtectionError,
  ValidatorError,
  VoteError,
  VoteErrorCode,
} from './errors.js';
export { chainDomain, parsePosParams, posConfig, type PosConfig, type PosParams } from './params.js';
export { finalityView, validatorsView, type FinalityView, type ValidatorsView } from './views.js';
export { stakingView, type StakingView } from '../../ledger/modules/staking/index.js';
