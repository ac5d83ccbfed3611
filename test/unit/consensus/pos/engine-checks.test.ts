import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bodyHash, encodeBody } from '../../../../src/consensus/pos/body.js';
import { PosEngine } from '../../../../src/consensus/pos/engine.js';
import { ProtectionErrorCode, SlashingProtectionError } from '../../../../src/consensus/pos/errors.js';
import { PROTECTION_FILE } from '../../../../src/consensus/pos/protection.js';
import { FINALITY_KEY, readFinality } from '../../../../src/consensus/pos/records.js';
import { decodeSection, encodeSection, signHeader } from '../../../../src/consensus/pos/seal.js';
import { proposalEvidence, voteEvidence } from '../../../../src/consensus/pos/slashing.js';
import { slotStart } from '../../../../src/consensus/pos/slots.js';
import { validatorsView, finalityView } from '../../../../src/consensus/pos/views.js';
import { signVote, type Vote } from '../../../../src/consensus/pos/votes.js';
import { BlockErrorCode, InvalidBlockError } from '../../../../src/ledger/block/errors.js';
import type { Block } from '../../../../src/ledger/block/types.js';
import { STAKING_ADDRESS, STAKING_STATE_KEY, decodeStakingState } from '../../../../src/ledger/modules/staking/index.js';
import { bytesToHex, utf8ToBytes } from '../../../../src/primitives/hex.js';
import { hashOf } from './fixtures.js';
import { Sim, params, validatorKey, type Built } from './sim.js';

let sim: Sim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function running(blocks = 6): Promise<Sim> {
  sim = await Sim.start(params([100n, 200n, 300n, 400n]));
  await sim.run(blocks);
  return sim;
}

/** Advances the clock to the next slot that has an online proposer, and builds its block. */
async function nextBlock(s: Sim): Promise<Built> {
  for (;;) {
    s.slot++;
    const proposer = s.proposerNow();
    if (proposer !== undefined) return s.build(proposer);
  }
}

async function bodyRefused(s: Sim, block: Built, consensusBody: Block['consensusBody'], text: string): Promise<void> {
  const key = validatorKey(s.nodes.find((node) => bytesToHex(node.address) === bytesToHex(block.header.coinbase))!.index);
  const { slot } = decodeSection(block.header);
  const header = signHeader({ ...block.header, consensus: encodeSection(slot, bodyHash(consensusBody)) }, bodyHash(consensusBody), key, s.config.domain);
  const promise = s.follower.verifyBody({ header, hash: block.hash, transactions: [], consensusBody });
  await expect(promise).rejects.toBeInstanceOf(InvalidBlockError);
  await expect(promise).rejects.toMatchObject({ code: BlockErrorCode.BadConsensus, message: expect.stringContaining(text) });
}

function vote(s: Sim, i: number, target: number, hash = hashOf(`t${target}`)): Vote {
  return signVote({ source: { height: target - 1, hash: hashOf(`t${target - 1}`) }, target: { height: target, hash } }, validatorKey(i), s.config.domain);
}

describe('PosEngine checks', () => {
  it('contributes the genesis validators, finality and the staking escrow to genesis', async () => {
    sim = await Sim.start(params([100n, 200n, 300n, 400n]));
    const genesis = sim.follower.genesisState();
    const records = new Map(genesis.records.map(([key, value]) => [bytesToHex(key), value]));
    expect(decodeStakingState(records.get(bytesToHex(STAKING_STATE_KEY))!).bonded.size).toBe(4);
    expect(records.has(bytesToHex(FINALITY_KEY))).toBe(true);
    expect(genesis.balances).toEqual([[STAKING_ADDRESS, 1000n]]);
    expect(decodeSection({ number: 0, consensus: sim.follower.genesisSection() })).toMatchObject({ slot: 0, signature: new Uint8Array(0) });
  });

  it('refuses bodies whose hash, vote signatures or evidence do not hold', async () => {
    const s = await running();
    const block = await nextBlock(s);
    const { header } = block;
    await expect(s.follower.verifyBody({ header, hash: block.hash, transactions: [], consensusBody: [[], [[]]] })).rejects.toMatchObject({
      message: expect.stringContaining("does not match the header's body hash"),
    });
    const forged = { ...vote(s, 1, 5), validator: s.node(2).address };
    await bodyRefused(s, block, encodeBody({ votes: [forged], evidence: [] }), 'signature recovers to');
    const notConflicting = voteEvidence(vote(s, 1, 5), vote(s, 1, 7));
    await bodyRefused(s, block, encodeBody({ votes: [], evidence: [notConflicting] }), 'neither share a target height');
    const foreign = { ...vote(s, 1, 5, hashOf('fork')), validator: s.node(1).address, signature: vote(s, 2, 5, hashOf('fork')).signature };
    await bodyRefused(s, block, encodeBody({ votes: [], evidence: [voteEvidence(vote(s, 1, 5), foreign)] }), 'evidence 0');
    const other = s.nodes.find((node) => bytesToHex(node.address) !== bytesToHex(header.coinbase))!;
    const twin = signHeader({ ...header, extraData: utf8ToBytes('twin') }, decodeSection(header).bodyHash, validatorKey(other.index), s.config.domain);
    await bodyRefused(s, block, encodeBody({ votes: [], evidence: [proposalEvidence(header, twin)] }), 'not to');
  });

  it("refuses a block whose coinbase is not the slot's proposer", async () => {
    const s = await running();
    const block = await nextBlock(s);
    const other = s.nodes.find((node) => bytesToHex(node.address) !== bytesToHex(block.header.coinbase))!;
    const header = { ...block.header, coinbase: other.address };
    expect(() => s.follower.beginBlock(header, block.body, s.head.state.copy())).toThrow(/belongs to proposer/);
  });

  it('plans the next own slot at its start, with the fixed timestamp and itself as coinbase', async () => {
    const s = await running();
    const head = s.head;
    for (const node of s.nodes) {
      const plan = node.engine.planProduction(head.header, head.state, s.now);
      expect(plan).not.toBeNull();
      expect(plan!.coinbase).toEqual(node.address);
      expect(plan!.timestamp).toBe(plan!.at);
      expect(plan!.refreshTimestamp).toBe(false);
      expect(plan!.at).toBeGreaterThan(head.header.timestamp);
    }
    // Exactly the proposers the validators view lists for those slots.
    const view = validatorsView(head.state, s.config, head.header, s.now, 64);
    let listed = 0;
    for (const node of s.nodes) {
      const plan = node.engine.planProduction(head.header, head.state, s.now)!;
      const first = view.proposers.find((entry) => bytesToHex(entry.proposer) === bytesToHex(node.address));
      if (first === undefined) continue;
      listed++;
      expect(plan.at).toBe(slotStart(first.slot, s.config.clock));
    }
    expect(listed).toBeGreaterThan(1);
    expect(s.follower.planProduction(head.header, head.state, s.now)).toBeNull();
    const outsider = new PosEngine(s.config, { recovery: s.backend, dataDir: join(s.node(0).dataDir, 'outsider'), validatorKey: validatorKey(9) });
    expect(outsider.planProduction(head.header, head.state, s.now)).toBeNull();
    // A key without stake: the node runs, and its status says why it never proposes.
    expect(outsider.status(head.header, head.state)).toMatchObject({ validating: false, validatorState: expect.stringMatching(/^not a validator: .* has no stake; bond at least/) });
    await outsider.close();
  });

  it('reports checkpoints, status and views from the state', async () => {
    const s = await running(10);
    const head = s.head;
    const n = head.header.number;
    expect(s.follower.checkpoints(head.header, head.state)).toEqual({ safe: n - 1, finalized: n - 2 });
    expect(s.follower.sealFields()).toEqual({ difficulty: 0n, nonce: new Uint8Array(8) });
    const status = s.node(0).engine.status(head.header, head.state);
    expect(status).toMatchObject({ validators: 4, totalStake: '1000', justified: n - 1, finalized: n - 2, validating: true, validator: bytesToHex(s.node(0).address) });
    expect(status).toMatchObject({ minStake: s.config.params.minStake.toString(), unbondingEpochs: s.config.params.unbondingEpochs, validatorState: 'active: proposes on its slots and votes' });
    expect(s.follower.status(head.header, head.state)).toMatchObject({ validating: false, validator: null, validatorState: null });
    const finality = finalityView(head.state, n, 4);
    expect(finality.justified).toEqual(readFinality(head.state).justified);
    expect(finality.recent.map((entry) => entry.height)).toEqual([n - 1, n - 2, n - 3, n - 4]);
    // Block h + 1 includes the four votes for h.
    expect(finality.recent.map((entry) => entry.voters.length)).toEqual([4, 4, 4, 4]);
    expect(finality.recent[0]!.hash).toEqual(s.chain.at(-2)!.hash);
    const view = validatorsView(head.state, s.config, head.header, s.now, 16);
    expect(view.totalStake).toBe(1000n);
    expect(view.validators).toHaveLength(4);
    // The listed proposers are the ones that do propose while the head stays (all online).
    const listed = new Map(view.proposers.map((entry) => [entry.slot, bytesToHex(entry.proposer)]));
    const made = await s.run(1);
    expect(listed.get(decodeSection(made[0]!.header).slot)).toBe(bytesToHex(made[0]!.header.coinbase));
  });
});

describe('PoS engine: an unusable slashing-protection record', () => {
  it('fails ready(), so that the node refuses to start (node-start.test.ts), and is ready with a good record', async () => {
    const s = await running(6);
    const node = s.node(0);
    await node.engine.close();
    await writeFile(join(node.dataDir, PROTECTION_FILE), '{"version":1,');
    const engine = s.engineFor(node);
    await expect(engine.ready()).rejects.toSatisfy(
      (error) => error instanceof SlashingProtectionError && error.code === ProtectionErrorCode.Corrupt,
    );
    await engine.close();
    // With a good record, ready() resolves; a node without a key is ready at once.
    await rm(join(node.dataDir, PROTECTION_FILE));
    node.engine = s.engineFor(node);
    await expect(node.engine.ready()).resolves.toBeUndefined();
    await expect(s.follower.ready()).resolves.toBeUndefined();
  });
});
