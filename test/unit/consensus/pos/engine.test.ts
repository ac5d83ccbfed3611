import { afterEach, describe, expect, it } from 'vitest';
import { ProtectionErrorCode, SlashingProtectionError } from '../../../../src/consensus/pos/errors.js';
import { readFinality } from '../../../../src/consensus/pos/records.js';
import { decodeSection, encodeSection, signHeader } from '../../../../src/consensus/pos/seal.js';
import { epochOf } from '../../../../src/consensus/pos/slots.js';
import { decodeBody, type PosBody } from '../../../../src/consensus/pos/body.js';
import { hashHeader } from '../../../../src/ledger/block/header.js';
import type { BlockHeader } from '../../../../src/ledger/block/types.js';
import {
  STAKING_ADDRESS,
  activeSet,
  readStakingState,
  stakingView,
  type ValidatorSet,
} from '../../../../src/ledger/modules/staking/index.js';
import { bytesToHex, utf8ToBytes } from '../../../../src/primitives/hex.js';
import { addressOfPrivateKey } from '../../../../src/primitives/keys.js';
import { Sim, params, validatorKey, type ChainBlock } from './sim.js';

let sim: Sim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function start(stakes: bigint[], overrides: Parameters<typeof params>[1] = {}, keys?: number[]): Promise<Sim> {
  sim = await Sim.start(params(stakes, overrides), keys);
  return sim;
}

function finality(s: Sim): { justified: number; finalized: number } {
  const state = readFinality(s.head.state);
  return { justified: state.justified.height, finalized: state.finalized.height };
}

function bodyOf(block: ChainBlock): PosBody {
  return decodeBody({ header: block.header, consensusBody: block.body });
}

function setOf(block: ChainBlock): ValidatorSet {
  return activeSet(readStakingState(block.state));
}

const hex = bytesToHex;

describe('PoS engine: a 4-validator network', () => {
  it('finalizes continuously, each block final two blocks later', async () => {
    const s = await start([100n, 100n, 100n, 100n]);
    await s.run(24);
    const head = s.head.header.number;
    expect(head).toBe(24);
    expect(s.follower.checkpoints(s.head.header, s.head.state)).toEqual({ safe: head - 1, finalized: head - 2 });
    // Every block after the first two carries the four votes for its parent.
    for (const block of s.chain.slice(2)) expect(bodyOf(block).votes).toHaveLength(4);
  });

  it('still finalizes with one validator stopped (3 of 4 > 2/3)', async () => {
    const s = await start([100n, 100n, 100n, 100n]);
    await s.run(8);
    s.stop(3);
    const made = await s.run(24);
    // Its slots stay empty, the others go on.
    expect(made.length).toBeLessThan(24);
    expect(made.every((block) => hex(block.header.coinbase) !== hex(s.node(3).address))).toBe(true);
    expect(finality(s).finalized).toBe(s.head.header.number - 2);
  });

  it('keeps making blocks but stalls finality with two stopped, and resumes when they return', async () => {
    const s = await start([100n, 100n, 100n, 100n]);
    await s.run(8);
    s.stop(2);
    s.stop(3);
    // Their last votes still land in the next block.
    await s.run(4);
    const stalledAt = finality(s).finalized;
    const before = s.head.header.number;
    await s.run(24);
    expect(s.head.header.number).toBeGreaterThan(before + 4);
    expect(finality(s).finalized).toBe(stalledAt);
    // Restarted with their data directories, they vote again from the next head on.
    await s.restart(2);
    await s.restart(3);
    await s.run(8);
    expect(finality(s).finalized).toBeGreaterThan(stalledAt + 3);
    expect(finality(s).finalized).toBe(s.head.header.number - 2);
  });

  it('turns two signed blocks for one slot into evidence: the proposer is slashed and leaves the set', async () => {
    const s = await start([100n, 100n, 100n, 100n]);
    await s.run(6);
    // The next slot with a proposer: it signs one block through its engine, and a harness signs a second one with its key.
    let proposer = s.proposerNow();
    while (proposer === undefined) {
      s.slot++;
      proposer = s.proposerNow();
    }
    const parent = s.head;
    const honest = await s.build(proposer);
    const twin = signHeader({ ...honest.header, extraData: utf8ToBytes('twin') }, decodeSection(honest.header).bodyHash, validatorKey(proposer.index), s.config.domain);
    await s.import(honest);
    for (const node of s.nodes) node.engine.verifyHeader(twin, parent.header);
    const escrow = s.head.state.balanceOf(STAKING_ADDRESS);
    const slashedAt = (await s.run(8))[0]!;
    expect(bodyOf(slashedAt).evidence).toHaveLength(1);
    expect(setOf(slashedAt).has(proposer.address)).toBe(false);
    expect(setOf(slashedAt).totalStake).toBe(300n);
    expect(slashedAt.state.balanceOf(STAKING_ADDRESS)).toBe(escrow - 100n);
    expect(stakingView(slashedAt.state, proposer.address)).toMatchObject({ bonded: 0n, pending: [], unbonding: [] });
    // Its own node says so, and what to do, instead of claiming to validate.
    expect(proposer.engine.status(slashedAt.header, slashedAt.state)).toMatchObject({
      validating: false,
      validatorState: expect.stringMatching(/^slashed: .*stop every node that runs this key$/),
    });
    // Used once: no later block carries it again, the offender proposes no more, and the other three keep finalizing.
    await s.run(16);
    const later = s.chain.slice(s.chain.indexOf(slashedAt) + 1);
    expect(later.every((block) => bodyOf(block).evidence.length === 0)).toBe(true);
    expect(later.every((block) => hex(block.header.coinbase) !== hex(proposer.address))).toBe(true);
    expect(finality(s).finalized).toBe(s.head.header.number - 2);
  });
});

describe('PoS engine: staking through the staking module', () => {
  it('a stake transaction changes the proposer distribution from the next epoch on', async () => {
    // Validator 4 has a node and funds but no genesis stake.
    const s = await start([100n, 100n, 100n, 100n], { epochLength: 16 }, [0, 1, 2, 3, 4]);
    const newcomer = s.node(4);
    s.fund(newcomer.address, 5000n);
    s.submit({ key: validatorKey(4), value: 1600n, data: '{"op":"stake"}' });
    const [stakedIn] = await s.run(1);
    expect(s.outcomes).toEqual([expect.objectContaining({ ok: true })]);
    const epoch = epochOf(decodeSection(stakedIn!.header).slot, 16);
    expect(setOf(stakedIn!).has(newcomer.address)).toBe(false);
    expect(stakingView(stakedIn!.state, newcomer.address).pending).toEqual([{ kind: 'stake', amount: 1600n, effectiveEpoch: epoch + 1 }]);
    expect(stakedIn!.state.balanceOf(STAKING_ADDRESS)).toBe(400n + 1600n);
    const made = await s.run(16 * 3);
    const share = (e: number): number => {
      const blocks = made.filter((block) => epochOf(decodeSection(block.header).slot, 16) === e);
      return blocks.filter((block) => hex(block.header.coinbase) === hex(newcomer.address)).length / blocks.length;
    };
    expect(share(epoch)).toBe(0);
    // 1600 of 2000 stake: about 80 % of the slots of each later epoch.
    expect(share(epoch + 1)).toBeGreaterThan(0.5);
    expect(share(epoch + 2)).toBeGreaterThan(0.5);
    expect(setOf(s.head).stakeOf(newcomer.address)).toBe(1600n);
    expect(finality(s).finalized).toBe(s.head.header.number - 2);
  });

  it('unstakes at the next boundary, keeps the funds slashable while unbonding, then pays them back', async () => {
    const s = await start([100n, 100n, 100n, 100n]);
    await s.run(2);
    const leaver = s.node(3);
    s.submit({ key: validatorKey(3), value: 0n, data: '{"op":"unstake","amount":"100"}' });
    const [requested] = await s.run(1);
    expect(s.outcomes).toEqual([expect.objectContaining({ ok: true })]);
    const epoch = readStakingState(requested!.state).epoch;
    expect(setOf(requested!).has(leaver.address)).toBe(true);
    await s.run(4 * 4);
    const byEpoch = (e: number): ChainBlock => s.chain.find((block) => readStakingState(block.state).epoch === e)!;
    const next = byEpoch(epoch + 1);
    expect(setOf(next).has(leaver.address)).toBe(false);
    expect(stakingView(next.state, leaver.address).unbonding).toEqual([{ amount: 100n, releaseEpoch: epoch + 3 }]);
    expect(next.state.balanceOf(leaver.address)).toBe(0n);
    const released = byEpoch(epoch + 3);
    expect(stakingView(released.state, leaver.address)).toMatchObject({ bonded: 0n, unbonding: [] });
    expect(released.state.balanceOf(leaver.address)).toBe(100n);
    expect(released.state.balanceOf(STAKING_ADDRESS)).toBe(300n);
    // Three of three keep finalizing.
    expect(finality(s).finalized).toBe(s.head.header.number - 2);
  });
});

describe('PoS engine: slashing protection', () => {
  it('a restarted validator never signs a conflicting vote or proposal', async () => {
    const s = await start([100n, 100n, 100n, 100n]);
    await s.run(6);
    const head = s.head;
    const node = s.node(0);
    // It voted for the head already; after a restart, a rival block at the same height gets no vote.
    await s.restart(0);
    const rival: BlockHeader = { ...head.header, extraData: utf8ToBytes('rival') };
    expect(await node.engine.gossip.onHead(rival, hashHeader(rival), head.state)).toEqual([]);
    expect(await node.engine.gossip.onHead(head.header, head.hash, head.state)).toEqual([]);

    // A proposal: signed once, then after a restart a different block for the same slot is refused.
    let proposer = s.proposerNow();
    while (proposer === undefined || proposer.index !== 0) {
      s.slot++;
      proposer = s.proposerNow();
    }
    const block = await s.build(node);
    await s.restart(0);
    const resigned = await node.engine.seal(unsealed(block.header), new AbortController().signal);
    expect(resigned).toEqual(block.header);
    const other = unsealed({ ...block.header, extraData: utf8ToBytes('other') });
    await expect(node.engine.seal(other, new AbortController().signal)).rejects.toSatisfy(
      (error) => error instanceof SlashingProtectionError && error.code === ProtectionErrorCode.ConflictingProposal,
    );
    await s.import(block);
    expect(addressOfPrivateKey(validatorKey(0))).toEqual(block.header.coinbase);
  });
});

function unsealed(header: BlockHeader): BlockHeader {
  const { slot, bodyHash } = decodeSection(header);
  return { ...header, consensus: encodeSection(slot, bodyHash) };
}
