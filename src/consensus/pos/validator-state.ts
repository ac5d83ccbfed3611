import { activeSet, type StakingState } from '../../ledger/modules/staking/index.js';
import { bytesToHex } from '../../primitives/hex.js';
import { isOffenceOf } from './slashing.js';

/**
 * What a node's validator key is doing, in a sentence for `cairn status`
 * (`cairn_consensus` field `validatorState`). A node started with
 * `--validator-key` keeps running whatever happens to its validator, so
 * this is where an operator learns that it stopped proposing and voting,
 * and what to do about it: Ethereum clients log the same loudly (a
 * slashed or unknown validator). An unusable slashing-protection record
 * stops the node at start instead (ConsensusEngine.ready).
 */
export function validatorState(staking: StakingState, validator: Uint8Array, minStake: bigint): string {
  const who = bytesToHex(validator);
  if (activeSet(staking).has(validator)) return 'active: proposes on its slots and votes';
  const joining = staking.pending.find((change) => change.address === who && change.kind === 'stake');
  if (joining !== undefined) return `joining: its stake counts from epoch ${joining.effectiveEpoch} (now ${staking.epoch})`;
  if ([...staking.usedOffences].some((key) => isOffenceOf(key, validator))) {
    return (
      `slashed: ${who} signed two conflicting blocks or votes (the same key running on two nodes?), ` +
      'its stake was burned and it left the validator set; stop every node that runs this key'
    );
  }
  const unbonding = staking.unbonding.find((entry) => entry.address === who);
  if (unbonding !== undefined) return `left the validator set: its stake unbonds until epoch ${unbonding.releaseEpoch}`;
  return `not a validator: ${who} has no stake; bond at least ${minStake} wei from it with "cairn stake" to join the set`;
}
