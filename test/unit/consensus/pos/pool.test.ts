import { describe, expect, it } from 'vitest';
import { EvidencePool, MAX_POOLED_EVIDENCE, ProposalWatch, VotePool } from '../../../../src/consensus/pos/pool.js';
import { epochSeed } from '../../../../src/consensus/pos/proposer.js';
import { offenceOf, voteEvidence } from '../../../../src/consensus/pos/slashing.js';
import { signVote, type Vote } from '../../../../src/consensus/pos/votes.js';
import { bytesToHex, utf8ToBytes } from '../../../../src/primitives/hex.js';
import { domain, hashOf, key, proposal, validators } from './fixtures.js';

function vote(i: number, source: number, target: number, label = 'main'): Vote {
  return signVote({ source: { height: source, hash: hashOf(`${label} ${source}`) }, target: { height: target, hash: hashOf(`${label} ${target}`) } }, key(i), domain);
}

describe('VotePool', () => {
  it('pools one vote per validator and height, lists oldest first and prunes what no block can include', () => {
    const pool = new VotePool();
    expect(pool.add(vote(0, 4, 6))).toEqual([]);
    expect(pool.add(vote(1, 4, 5))).toEqual([]);
    expect(pool.add(vote(0, 4, 6))).toEqual([]);
    expect(pool.has(vote(0, 4, 6))).toBe(true);
    expect(pool.has(vote(0, 4, 6, 'fork'))).toBe(false);
    expect(pool.list().map((v) => v.target.height)).toEqual([5, 6]);
    pool.prune(6);
    expect(pool.size).toBe(1);
    expect(pool.list()[0]!.validator).toEqual(vote(0, 4, 6).validator);
  });

  it('turns a double vote and a surround vote into evidence, keeping the first vote', () => {
    const pool = new VotePool();
    pool.add(vote(0, 4, 5));
    const [double] = pool.add(vote(0, 4, 5, 'fork'));
    expect(offenceOf(double!).key).toBe(`vote:${bytesToHex(vote(0, 4, 5).validator)}:5`);
    expect(pool.has(vote(0, 4, 5))).toBe(true);
    const [surround] = pool.add(vote(0, 2, 9));
    expect(offenceOf(surround!).key).toBe(`surround:${bytesToHex(vote(0, 4, 5).validator)}:2:9:4:5`);
    // Consecutive links are no offence.
    expect(pool.add(vote(0, 5, 6))).toEqual([]);
    expect(pool.size).toBe(2);
  });
});

describe('EvidencePool', () => {
  it('keeps one proof per offence, up to its cap, and drops what `retain` refuses', () => {
    const pool = new EvidencePool();
    expect(pool.add(voteEvidence(vote(0, 4, 5), vote(0, 4, 5, 'fork')))).toBe(true);
    expect(pool.add(voteEvidence(vote(0, 3, 5), vote(0, 4, 5, 'fork')))).toBe(false);
    for (let i = 1; i < MAX_POOLED_EVIDENCE; i++) expect(pool.add(voteEvidence(vote(0, 4, 5 + i), vote(0, 4, 5 + i, 'fork')))).toBe(true);
    expect(pool.add(voteEvidence(vote(1, 4, 5), vote(1, 4, 5, 'fork')))).toBe(false);
    pool.retain((offence) => offence.endsWith(':5'));
    expect(pool.list()).toHaveLength(1);
  });
});

describe('ProposalWatch', () => {
  it('makes evidence of a second, different signed header for a slot and proposer', () => {
    const { set, keys } = validators([100n, 100n]);
    const seed = epochSeed(hashOf('seed'), 1);
    const watch = new ProposalWatch();
    const signer = keys[0]!.key;
    const a = proposal(9, set, keys, seed, { signer, extraData: utf8ToBytes('a') });
    expect(watch.observe(a)).toBeUndefined();
    expect(watch.observe(a)).toBeUndefined();
    expect(watch.observe(proposal(10, set, keys, seed, { signer, extraData: utf8ToBytes('b') }))).toBeUndefined();
    const evidence = watch.observe(proposal(9, set, keys, seed, { signer, extraData: utf8ToBytes('b') }));
    expect(offenceOf(evidence!).key).toBe(`proposal:${bytesToHex(keys[0]!.address)}:9`);
  });
});
