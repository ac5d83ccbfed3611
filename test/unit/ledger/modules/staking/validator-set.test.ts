import { describe, expect, it } from 'vitest';
import { StakingError, StakingErrorCode } from '../../../../../src/ledger/modules/staking/errors.js';
import {
  accountRefusal,
  ValidatorSet,
  activeSet,
  advanceToEpoch,
  applyStakingEvent,
  genesisStakingState,
  slashableAmount,
  type StakingRules,
  type StakingState,
} from '../../../../../src/ledger/modules/staking/validator-set.js';
import { address, thrown } from './fixtures.js';

const rules: StakingRules = { minStake: 100n, unbondingEpochs: 2 };
const [A, B, C] = [address(0), address(1), address(2)];
const genesis = genesisStakingState([
  { address: A, stake: 100n },
  { address: B, stake: 300n },
]);

function at(state: StakingState, epoch: number): StakingState {
  return advanceToEpoch(state, epoch).state;
}

describe('ValidatorSet', () => {
  it('sorts by address, sums stake and looks validators up', () => {
    const set = new ValidatorSet([
      { address: B, stake: 3n },
      { address: A, stake: 1n },
    ]);
    expect(set.totalStake).toBe(4n);
    expect(set.size).toBe(2);
    expect(Buffer.compare(set.validators[0]!.address, set.validators[1]!.address)).toBeLessThan(0);
    expect(set.stakeOf(B)).toBe(3n);
    expect(set.stakeOf(C)).toBe(0n);
    expect(set.has(A)).toBe(true);
    expect(() => new ValidatorSet([{ address: A, stake: 1n }, { address: A, stake: 2n }])).toThrow(RangeError);
    expect(() => new ValidatorSet([{ address: A, stake: 0n }])).toThrow(RangeError);
  });
});

describe('staking reducer', () => {
  it('applies a stake at the next epoch boundary only', () => {
    const staked = applyStakingEvent(genesis, { kind: 'stake', epoch: 0, address: C, amount: 150n }, rules);
    expect(activeSet(staked).has(C)).toBe(false);
    expect(activeSet(at(staked, 1)).stakeOf(C)).toBe(150n);
    const topUp = applyStakingEvent(at(staked, 1), { kind: 'stake', epoch: 1, address: A, amount: 50n }, rules);
    expect(activeSet(topUp).stakeOf(A)).toBe(100n);
    expect(activeSet(at(topUp, 2)).stakeOf(A)).toBe(150n);
  });

  it('refuses stakes that leave a validator below the minimum', () => {
    thrown(() => applyStakingEvent(genesis, { kind: 'stake', epoch: 0, address: C, amount: 99n }, rules), StakingError, StakingErrorCode.BelowMinStake);
    thrown(() => applyStakingEvent(genesis, { kind: 'stake', epoch: 0, address: C, amount: 0n }, rules), StakingError, StakingErrorCode.BadAmount);
    // Two small stakes in one epoch add up.
    const half = applyStakingEvent(genesis, { kind: 'stake', epoch: 0, address: A, amount: 1n }, rules);
    expect(activeSet(at(half, 1)).stakeOf(A)).toBe(101n);
  });

  it('unbonds unstaked funds from the next epoch and releases them after unbondingEpochs', () => {
    const unstaked = applyStakingEvent(at(genesis, 3), { kind: 'unstake', epoch: 3, address: B, amount: 200n }, rules);
    expect(activeSet(unstaked).stakeOf(B)).toBe(300n);
    const four = advanceToEpoch(unstaked, 4);
    expect(activeSet(four.state).stakeOf(B)).toBe(100n);
    expect(four.released).toEqual([]);
    expect(four.state.unbonding).toEqual([{ address: expect.any(String), amount: 200n, releaseEpoch: 6 }]);
    expect(advanceToEpoch(four.state, 5).released).toEqual([]);
    expect(advanceToEpoch(four.state, 6).released).toEqual([{ address: B, amount: 200n }]);
    expect(advanceToEpoch(four.state, 6).state.unbonding).toEqual([]);
  });

  it('removes a validator that unstakes everything, and refuses bad unstakes', () => {
    const gone = at(applyStakingEvent(genesis, { kind: 'unstake', epoch: 0, address: A, amount: 100n }, rules), 1);
    expect(activeSet(gone).has(A)).toBe(false);
    thrown(() => applyStakingEvent(genesis, { kind: 'unstake', epoch: 0, address: B, amount: 301n }, rules), StakingError, StakingErrorCode.InsufficientStake);
    thrown(() => applyStakingEvent(genesis, { kind: 'unstake', epoch: 0, address: B, amount: 250n }, rules), StakingError, StakingErrorCode.BelowMinStake);
    const pendingOut = applyStakingEvent(genesis, { kind: 'unstake', epoch: 0, address: B, amount: 200n }, rules);
    thrown(() => applyStakingEvent(pendingOut, { kind: 'unstake', epoch: 0, address: B, amount: 101n }, rules), StakingError, StakingErrorCode.InsufficientStake);
    thrown(() => applyStakingEvent(gone, { kind: 'unstake', epoch: 1, address: B, amount: 300n }, rules), StakingError, StakingErrorCode.LastValidator);
  });

  it('slashes at once: burns stake, pending stake and unbonding funds, and records the offence', () => {
    let state = applyStakingEvent(genesis, { kind: 'unstake', epoch: 0, address: B, amount: 100n }, rules);
    state = at(state, 1);
    state = applyStakingEvent(state, { kind: 'stake', epoch: 1, address: B, amount: 50n }, rules);
    expect(slashableAmount(state, B)).toBe(200n + 100n + 50n);
    const slashed = applyStakingEvent(state, { kind: 'slash', epoch: 1, address: B, offence: 'o1' }, rules);
    expect(activeSet(slashed).has(B)).toBe(false);
    expect(slashableAmount(slashed, B)).toBe(0n);
    expect(advanceToEpoch(slashed, 10).released).toEqual([]);
    expect(activeSet(at(slashed, 2)).has(B)).toBe(false);
    thrown(() => applyStakingEvent(slashed, { kind: 'slash', epoch: 1, address: B, offence: 'o1' }, rules), StakingError, StakingErrorCode.AlreadyPunished);
    thrown(() => applyStakingEvent(slashed, { kind: 'slash', epoch: 1, address: B, offence: 'o2' }, rules), StakingError, StakingErrorCode.NothingToSlash);
  });

  it('keeps epochs in order', () => {
    thrown(() => advanceToEpoch(at(genesis, 2), 1), StakingError, StakingErrorCode.EpochOrder);
    thrown(() => applyStakingEvent(genesis, { kind: 'stake', epoch: 1, address: C, amount: 100n }, rules), StakingError, StakingErrorCode.EpochOrder);
  });
});

describe('accountRefusal: the account rules, on what cairn_staking shows', () => {
  const MIN = 32n;
  it('stake: the total after every pending change must reach the minimum', () => {
    expect(accountRefusal('stake', 10n, { bonded: 0n, pending: [] }, MIN)).toEqual({ rule: 'below-min', after: 10n });
    expect(accountRefusal('stake', 10n, { bonded: 0n, pending: [{ kind: 'stake', amount: 22n }] }, MIN)).toBeUndefined();
    expect(accountRefusal('stake', 1n, { bonded: 40n, pending: [{ kind: 'unstake', amount: 40n }] }, MIN)).toEqual({ rule: 'below-min', after: 1n });
  });

  it('unstake: at most what is bonded and not already unstaking, leaving nothing or at least the minimum', () => {
    expect(accountRefusal('unstake', 41n, { bonded: 40n, pending: [] }, MIN)).toEqual({ rule: 'insufficient', available: 40n });
    expect(accountRefusal('unstake', 1n, { bonded: 40n, pending: [{ kind: 'unstake', amount: 40n }] }, MIN)).toEqual({ rule: 'insufficient', available: 0n });
    expect(accountRefusal('unstake', 10n, { bonded: 40n, pending: [] }, MIN)).toEqual({ rule: 'below-min', after: 30n });
    expect(accountRefusal('unstake', 8n, { bonded: 40n, pending: [] }, MIN)).toBeUndefined();
    expect(accountRefusal('unstake', 40n, { bonded: 40n, pending: [] }, MIN)).toBeUndefined();
  });
});
