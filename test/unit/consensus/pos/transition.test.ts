import { describe, expect, it } from 'vitest';
import { VOTE_INCLUSION_WINDOW } from '../../../../src/consensus/pos/body.js';
import { genesisFinality } from '../../../../src/consensus/pos/finality.js';
import {
  FINALITY_KEY,
  SEEDS_KEY,
  encodeFinality,
  encodeSeeds,
  encodeWindow,
  readFinality,
  readSeeds,
  readWindow,
  windowKey,
} from '../../../../src/consensus/pos/records.js';
import { epochSeed, sampleProposer } from '../../../../src/consensus/pos/proposer.js';
import { voteEvidence } from '../../../../src/consensus/pos/slashing.js';
import { BlockTransition, scheduleAt } from '../../../../src/consensus/pos/transition.js';
import { signVote, type Vote } from '../../../../src/consensus/pos/votes.js';
import { BlockErrorCode, InvalidBlockError } from '../../../../src/ledger/block/errors.js';
import {
  STAKING_ADDRESS,
  STAKING_STATE_KEY,
  activeSet,
  encodeStakingState,
  genesisStakingState,
  readStakingState,
} from '../../../../src/ledger/modules/staking/index.js';
import { bytesToHex } from '../../../../src/primitives/hex.js';
import { MemoryState } from '../../ledger/modules/staking/memory-state.js';
import { address, domain, hashOf, key, thrown } from './fixtures.js';

const W = VOTE_INCLUSION_WINDOW;
const N = 100;
const rules = { minStake: 100n, unbondingEpochs: 2, epochLength: 4 };
const G = hashOf('genesis');
const blockHash = (h: number): Uint8Array => (h === 0 ? G : hashOf(`block ${h}`));
const parent = { hash: blockHash(N - 1), number: N - 1 };
/** Epoch 24 (slots 96-99) was the parent's; the block at slot 101 opens epoch 25. */
const SLOT = 101;

/** The state after block N − 1: four validators of 100 (validator 4 has none), the window N − W … N − 2 recorded. */
function stateBefore(): MemoryState {
  const state = new MemoryState();
  const staking = { ...genesisStakingState([0, 1, 2, 3].map((i) => ({ address: address(i), stake: 100n }))), epoch: 24 };
  state.setRecord(STAKING_STATE_KEY, encodeStakingState(staking));
  state.setAccount(STAKING_ADDRESS, { nonce: 0n, balance: 400n });
  state.setRecord(SEEDS_KEY, encodeSeeds([{ fromEpoch: 0, hash: G }, { fromEpoch: 24, hash: blockHash(95) }]));
  state.setRecord(FINALITY_KEY, encodeFinality({ ...genesisFinality(G), justified: { height: N - 2, hash: blockHash(N - 2) } }));
  for (let h = N - W; h <= N - 2; h++) {
    state.setRecord(windowKey(h), encodeWindow({ hash: blockHash(h), voters: new Set(h === N - 2 ? [bytesToHex(address(3))] : []) }));
  }
  return state;
}

/** A vote from the justified block N − 2 (or the block below an older target). */
function vote(i: number, target: number, hash = blockHash(target)): Vote {
  const source = Math.min(N - 2, target - 1);
  return signVote({ source: { height: source, hash: blockHash(source) }, target: { height: target, hash } }, key(i), domain);
}

function open(state = stateBefore()): BlockTransition {
  return BlockTransition.open(state, rules, parent, SLOT);
}

function refused(fn: () => unknown, text: string): void {
  expect(thrown(fn, InvalidBlockError, BlockErrorCode.BadConsensus).message).toContain(text);
}

describe('BlockTransition', () => {
  it('crosses the epoch boundary: notes the parent as a seed block and draws the proposer from the new schedule', () => {
    const state = stateBefore();
    const transition = open(state);
    expect(transition.number).toBe(N);
    expect(transition.schedule.epoch).toBe(25);
    expect(transition.schedule.seeds.map((entry) => entry.fromEpoch)).toEqual([24, 25]);
    // Epoch 25's seed block is the last block before epoch 24: block 95.
    const schedule = scheduleAt(readStakingState(state), readSeeds(state), parent, SLOT, rules.epochLength);
    expect(schedule.seed).toEqual(epochSeed(blockHash(95), 25));
    expect(transition.proposer).toEqual(sampleProposer(schedule.set, schedule.seed, SLOT).address);
    transition.commit(state);
    expect(readSeeds(state)).toEqual(transition.schedule.seeds);
    expect(readStakingState(state).epoch).toBe(25);
  });

  it('places votes: within the window, on this chain, from stake, once per validator and height', () => {
    const transition = open();
    transition.addVote(vote(0, N - 1));
    transition.addVote(vote(1, N - W));
    refused(() => transition.addVote(vote(1, N - 1, hashOf('a fork'))), 'not on this chain');
    refused(() => transition.addVote(vote(2, N)), 'outside the inclusion window');
    refused(() => transition.addVote(vote(2, N - W - 1)), 'outside the inclusion window');
    refused(() => transition.addVote(vote(4, N - 1)), 'without stake');
    refused(() => transition.addVote(vote(0, N - 1)), 'repeats');
    // Validator 3's vote for N − 2 is already on the chain.
    refused(() => transition.addVote(vote(3, N - 2)), 'repeats');
    expect(transition.votes).toHaveLength(2);
  });

  it('writes the window: the parent entry with its voters, the marks, and drops the height leaving it', () => {
    const state = stateBefore();
    const transition = open(state);
    transition.addVote(vote(0, N - 1));
    transition.addVote(vote(1, N - 2));
    transition.commit(state);
    expect(readWindow(state, N - 1)).toEqual({ hash: parent.hash, voters: new Set([bytesToHex(address(0))]) });
    expect(readWindow(state, N - 2)!.voters).toEqual(new Set([bytesToHex(address(3)), bytesToHex(address(1))]));
    expect(readWindow(state, N - W)).toBeUndefined();
    expect(readWindow(state, N - W + 1)).toBeDefined();
  });

  it('folds the votes into finality with the block set', () => {
    const state = stateBefore();
    const transition = open(state);
    for (const i of [0, 1, 2]) transition.addVote(vote(i, N - 1));
    transition.commit(state);
    expect(readFinality(state).justified).toEqual({ height: N - 1, hash: parent.hash });
    expect(readFinality(state).finalized).toEqual({ height: N - 2, hash: blockHash(N - 2) });
  });

  it('slashes on evidence: burns from the staking account, removes at once, once per offence', () => {
    const state = stateBefore();
    const transition = open(state);
    const double = voteEvidence(vote(2, 50), vote(2, 50, hashOf('fork 50')));
    transition.addEvidence(double);
    refused(() => transition.addEvidence(double), 'already punished');
    refused(() => transition.addEvidence(voteEvidence(vote(4, 50), vote(4, 50, hashOf('fork 50')))), 'holds no stake');
    transition.commit(state);
    expect(activeSet(readStakingState(state)).has(address(2))).toBe(false);
    expect(state.balanceOf(STAKING_ADDRESS)).toBe(300n);
    // A later block cannot use it again.
    const next = BlockTransition.open(state, rules, { hash: blockHash(N), number: N }, SLOT + 1);
    refused(() => next.addEvidence(double), 'already punished');
  });

  it('refuses a block when slashing has emptied the set', () => {
    const state = stateBefore();
    const transition = open(state);
    for (const i of [0, 1, 2, 3]) transition.addEvidence(voteEvidence(vote(i, 50), vote(i, 50, hashOf('fork 50'))));
    transition.commit(state);
    refused(() => BlockTransition.open(state, rules, { hash: blockHash(N), number: N }, SLOT + 1), 'validator set is empty');
  });

  it('fills in the genesis hash on the first block', () => {
    const state = new MemoryState();
    state.setRecord(STAKING_STATE_KEY, encodeStakingState(genesisStakingState([{ address: address(0), stake: 100n }])));
    state.setRecord(FINALITY_KEY, encodeFinality(genesisFinality(new Uint8Array(32))));
    const first = BlockTransition.open(state, rules, { hash: G, number: 0 }, 1);
    first.commit(state);
    expect(readFinality(state).justified).toEqual({ height: 0, hash: G });
    expect(readSeeds(state)).toEqual([{ fromEpoch: 0, hash: G }]);
    expect(readWindow(state, 0)).toEqual({ hash: G, voters: new Set() });
  });
});
