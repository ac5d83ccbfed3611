import { describe, expect, it } from 'vitest';
import { validatorState } from '../../../../src/consensus/pos/validator-state.js';
import { advanceToEpoch, applyStakingEvent, genesisStakingState, type StakingState } from '../../../../src/ledger/modules/staking/index.js';
import { bytesToHex } from '../../../../src/primitives/hex.js';
import { address } from './fixtures.js';

const RULES = { minStake: 100n, unbondingEpochs: 2 };
const me = address(0);
const who = bytesToHex(me);

/** Validators 1 and 2 bonded at genesis, and `me` (validator 0) as the test says. */
function genesis(withMe: boolean): StakingState {
  const others = [address(1), address(2)].map((a) => ({ address: a, stake: 100n }));
  return genesisStakingState(withMe ? [{ address: me, stake: 100n }, ...others] : others);
}

describe('validatorState', () => {
  it('says an active validator proposes and votes', () => {
    expect(validatorState(genesis(true), me, 100n)).toBe('active: proposes on its slots and votes');
  });

  it('says a key without stake is no validator, and how to become one', () => {
    expect(validatorState(genesis(false), me, 100n)).toBe(
      `not a validator: ${who} has no stake; bond at least 100 wei from it with "cairn stake" to join the set`,
    );
  });

  it('says when a pending stake makes it join', () => {
    const state = applyStakingEvent(genesis(false), { kind: 'stake', epoch: 0, address: me, amount: 150n }, RULES);
    expect(validatorState(state, me, 100n)).toBe('joining: its stake counts from epoch 1 (now 0)');
    expect(validatorState(advanceToEpoch(state, 1).state, me, 100n)).toMatch(/^active/);
  });

  it('says a validator that unstaked all has left, until its funds are released', () => {
    const unstaked = applyStakingEvent(genesis(true), { kind: 'unstake', epoch: 0, address: me, amount: 100n }, RULES);
    const left = advanceToEpoch(unstaked, 1).state;
    expect(validatorState(left, me, 100n)).toBe('left the validator set: its stake unbonds until epoch 3');
    expect(validatorState(advanceToEpoch(left, 3).state, me, 100n)).toMatch(/^not a validator/);
  });

  it('says a slashed validator must stop every node that runs its key', () => {
    const slashed = applyStakingEvent(genesis(true), { kind: 'slash', epoch: 0, address: me, offence: `proposal:${who}:7` }, RULES);
    const text = validatorState(slashed, me, 100n);
    expect(text).toMatch(/^slashed: /);
    expect(text).toContain('the same key running on two nodes?');
    expect(text).toContain('stop every node that runs this key');
    // Another validator's offence is not its own.
    const other = applyStakingEvent(genesis(true), { kind: 'slash', epoch: 0, address: address(1), offence: `proposal:${bytesToHex(address(1))}:7` }, RULES);
    expect(validatorState(other, me, 100n)).toMatch(/^active/);
  });
});
