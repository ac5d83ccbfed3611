import { describe, expect, it } from 'vitest';
import {
  MAX_EVIDENCE_PER_BLOCK,
  MAX_VOTES_PER_BLOCK,
  VOTE_INCLUSION_WINDOW,
  bodyHash,
  checkIncludedVotes,
  decodeBody,
  encodeBody,
  type WindowBlock,
} from '../../../../src/consensus/pos/body.js';
import { encodeSection } from '../../../../src/consensus/pos/seal.js';
import { voteEvidence } from '../../../../src/consensus/pos/slashing.js';
import { signVote, type Vote } from '../../../../src/consensus/pos/votes.js';
import { BlockErrorCode, InvalidBlockError } from '../../../../src/ledger/block/errors.js';
import type { RlpValue } from '../../../../src/primitives/rlp.js';
import { domain, hashOf, header, key, thrown, validators } from './fixtures.js';

const { set } = validators([100n, 200n, 300n, 400n]);
const cp = (height: number) => ({ height, hash: hashOf(`block ${height}`) });

function vote(i: number, target: number, source = target - 1): Vote {
  return signVote({ source: cp(source), target: cp(target) }, key(i), domain);
}

function blockWith(consensusBody: RlpValue[], committed: RlpValue[] = consensusBody) {
  return { header: header({ number: 20, consensus: encodeSection(20, bodyHash(committed)) }), consensusBody };
}

function bodyError(fn: () => unknown, text: string): void {
  expect(thrown(fn, InvalidBlockError, BlockErrorCode.BadConsensus).message).toContain(text);
}

describe('PoS body', () => {
  it('round-trips votes and evidence under the header body hash', () => {
    const body = { votes: [vote(0, 19), vote(1, 19)], evidence: [voteEvidence(vote(2, 5), vote(2, 3, 1))] };
    expect(decodeBody(blockWith(encodeBody(body)))).toEqual(body);
  });

  it('refuses a body the header does not commit to', () => {
    const body = encodeBody({ votes: [vote(0, 19)], evidence: [] });
    bodyError(() => decodeBody(blockWith(body, encodeBody({ votes: [], evidence: [] }))), 'does not match the header');
  });

  it('refuses malformed bodies and bodies over the caps', () => {
    bodyError(() => decodeBody(blockWith([[]])), 'must be [votes, evidence]');
    bodyError(() => decodeBody(blockWith([[new Uint8Array(3)], []])), 'vote: expected an RLP list');
    const many = Array.from({ length: MAX_VOTES_PER_BLOCK + 1 }, () => [] as RlpValue[]);
    bodyError(() => decodeBody(blockWith([many, []])), `at most ${MAX_VOTES_PER_BLOCK}`);
    const evidence = Array.from({ length: MAX_EVIDENCE_PER_BLOCK + 1 }, () => [] as RlpValue[]);
    bodyError(() => decodeBody(blockWith([[], evidence])), `at most ${MAX_EVIDENCE_PER_BLOCK}`);
  });
});

describe('checkIncludedVotes', () => {
  // Ancestors of block 100: heights 36..99, the last of them including votes of validator 3 for 98.
  const window: WindowBlock[] = Array.from({ length: VOTE_INCLUSION_WINDOW }, (_, i) => {
    const number = 99 - i;
    return { ...cp(number), number, validators: set, votes: number === 99 ? [vote(3, 98)] : [] };
  });

  it('returns the stake of the votes, each weighed in its target block set', () => {
    expect(checkIncludedVotes(100, [vote(0, 99), vote(1, 99), vote(3, 99), vote(0, 98)], window)).toBe(100n + 200n + 400n + 100n);
  });

  it('refuses votes outside the window or for blocks not on this chain', () => {
    bodyError(() => checkIncludedVotes(100, [vote(0, 100)], window), 'outside the inclusion window');
    bodyError(() => checkIncludedVotes(100, [vote(0, 35)], window), 'outside the inclusion window');
    const fork = signVote({ source: cp(97), target: { height: 99, hash: hashOf('fork 99') } }, key(0), domain);
    bodyError(() => checkIncludedVotes(100, [fork], window), 'not on this chain');
  });

  it('refuses votes from addresses without stake in the target block', () => {
    bodyError(() => checkIncludedVotes(100, [vote(7, 99)], window), 'without stake');
  });

  it('refuses a second vote of a validator for a height, in the block or already on the chain', () => {
    bodyError(() => checkIncludedVotes(100, [vote(0, 99), vote(0, 99, 90)], window), 'repeats');
    bodyError(() => checkIncludedVotes(100, [vote(3, 98)], window), 'repeats');
  });
});
