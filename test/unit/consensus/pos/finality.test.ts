import { describe, expect, it } from 'vitest';
import { VOTE_INCLUSION_WINDOW } from '../../../../src/consensus/pos/body.js';
import { genesisFinality, isBetter, nextFinality, type FinalityBlock, type FinalityState } from '../../../../src/consensus/pos/finality.js';
import { signVote, type Checkpoint, type Vote } from '../../../../src/consensus/pos/votes.js';
import { ValidatorSet } from '../../../../src/ledger/modules/staking/index.js';
import { domain, hashOf, validators, type TestValidator } from './fixtures.js';

const G = hashOf('genesis');

function over(state: FinalityState, blocks: readonly FinalityBlock[], set: ValidatorSet): FinalityState {
  return blocks.reduce((current, block) => nextFinality(current, block, set), state);
}

function cp(height: number): Checkpoint {
  return { height, hash: height === 0 ? G : hashOf(`block ${height}`) };
}

/**
 * A chain of `length` blocks; block n includes the votes cast on block n-1,
 * from the validators `votersAt(n)` names, each taking as source the
 * justified block of the state after n-1 (what an honest validator does).
 * Returns the finality state after every block (index = height).
 */
function run(length: number, set: ValidatorSet, keys: readonly TestValidator[], votersAt: (n: number) => readonly number[]): FinalityState[] {
  const states: FinalityState[] = [genesisFinality(G)];
  for (let n = 1; n <= length; n++) {
    const votes: Vote[] =
      n < 2 ? [] : votersAt(n).map((i) => signVote({ source: states[n - 1]!.justified, target: cp(n - 1) }, keys[i]!.key, domain));
    states.push(nextFinality(states[n - 1]!, { number: n, votes }, set));
  }
  return states;
}

describe('finality', () => {
  const four = validators([100n, 100n, 100n, 100n]);

  it('3 of 4 equal validators finalize, block h final once block h + 2 lands', () => {
    const states = run(10, four.set, four.keys, () => [0, 1, 2]);
    expect(states[2]!.justified).toEqual(cp(1));
    expect(states[2]!.finalized).toEqual(cp(0));
    expect(states[3]!.finalized).toEqual(cp(1));
    expect(states[10]!.justified).toEqual(cp(9));
    expect(states[10]!.finalized).toEqual(cp(8));
  });

  it('2 of 4 do not finalize, and finality resumes when a third returns', () => {
    const states = run(14, four.set, four.keys, (n) => (n <= 10 ? [0, 1] : [0, 1, 3]));
    expect(states[10]!.justified).toEqual(cp(0));
    expect(states[10]!.finalized).toEqual(cp(0));
    // Block 11 carries 3 votes 0 → 10: 10 is justified; 12 carries 10 → 11: 10 is final.
    expect(states[11]!.justified).toEqual(cp(10));
    expect(states[11]!.finalized).toEqual(cp(0));
    expect(states[12]!.finalized).toEqual(cp(10));
    expect(states[14]!.finalized).toEqual(cp(12));
  });

  it('weighs votes by stake, not by head count', () => {
    const whale = validators([700n, 100n, 100n, 100n]);
    expect(run(5, whale.set, whale.keys, () => [0])[5]!.finalized).toEqual(cp(3));
    expect(run(5, whale.set, whale.keys, () => [1, 2, 3])[5]!.finalized).toEqual(cp(0));
  });

  it('counts votes that land a block late', () => {
    const { set, keys } = four;
    const vote = (i: number, source: number, target: number): Vote => signVote({ source: cp(source), target: cp(target) }, keys[i]!.key, domain);
    let state = over(genesisFinality(G), [{ number: 1, votes: [] }, { number: 2, votes: [0, 1, 2].map((i) => vote(i, 0, 1)) }], set);
    expect(state.justified).toEqual(cp(1));
    // Block 3 carries one vote for 2; block 4 the rest for 2 and all for 3, all from source 1.
    state = nextFinality(state, { number: 3, votes: [vote(0, 1, 2)] }, set);
    expect(state.justified).toEqual(cp(1));
    state = nextFinality(state, { number: 4, votes: [vote(1, 1, 2), vote(2, 1, 2), ...[0, 1, 2].map((i) => vote(i, 1, 3))] }, set);
    expect(state.justified).toEqual(cp(3));
    expect(state.finalized).toEqual(cp(1));
  });

  it('ignores votes from another source and repeated votes of one validator', () => {
    const { set, keys } = four;
    const base = over(genesisFinality(G), [{ number: 1, votes: [] }], set);
    const wrongSource = [0, 1, 2].map((i) => signVote({ source: { height: 0, hash: hashOf('not genesis') }, target: cp(1) }, keys[i]!.key, domain));
    expect(nextFinality(base, { number: 2, votes: wrongSource }, set).justified).toEqual(cp(0));
    const twice = [0, 1, 0, 1].map((i) => signVote({ source: cp(0), target: cp(1) }, keys[i]!.key, domain));
    expect(nextFinality(base, { number: 2, votes: twice }, set).justified).toEqual(cp(0));
  });

  it('keeps tallies only for targets still inside the inclusion window', () => {
    const states = run(3 * VOTE_INCLUSION_WINDOW, four.set, four.keys, () => [0, 1]);
    expect(states.at(-1)!.tallies.length).toBeLessThanOrEqual(VOTE_INCLUSION_WINDOW + 1);
    expect(states.at(-1)!.finalized).toEqual(cp(0));
  });
});

describe('stake in the including block', () => {
  it('weighs a vote by its validator stake in the set of the block that includes it, against that set total', () => {
    const { set, keys } = validators([100n, 100n, 100n, 100n]);
    const base = over(genesisFinality(G), [{ number: 1, votes: [] }], set);
    const votes = [0, 1].map((i) => signVote({ source: cp(0), target: cp(1) }, keys[i]!.key, domain));
    expect(nextFinality(base, { number: 2, votes }, set).justified).toEqual(cp(0));
    // Two validators slashed away: the same two votes are 200 of 200.
    const shrunk = new ValidatorSet(keys.slice(0, 2).map((k) => ({ address: k.address, stake: 100n })));
    expect(nextFinality(base, { number: 2, votes }, shrunk).justified).toEqual(cp(1));
  });
});

describe('fork choice', () => {
  const tip = (label: string, blocks: number) => ({ hash: hashOf(label), number: blocks, totalWeight: BigInt(blocks + 1) });

  it('prefers the longer chain', () => {
    expect(isBetter(tip('a', 6), tip('b', 5))).toBe(true);
    expect(isBetter(tip('b', 5), tip('a', 6))).toBe(false);
  });

  it('breaks a tie in length by the lower tip hash, so every node settles on one tip', () => {
    const [x, y] = [tip('x', 5), tip('y', 5)];
    const lower = Buffer.compare(x.hash, y.hash) < 0 ? x : y;
    const higher = lower === x ? y : x;
    expect(isBetter(lower, higher)).toBe(true);
    expect(isBetter(higher, lower)).toBe(false);
    expect(isBetter(x, x)).toBe(false);
  });
});
