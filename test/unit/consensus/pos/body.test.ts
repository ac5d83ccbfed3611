import { describe, expect, it } from 'vitest';
import { MAX_EVIDENCE_PER_BLOCK, MAX_VOTES_PER_BLOCK, bodyHash, decodeBody, encodeBody, readBody } from '../../../../src/consensus/pos/body.js';
import { encodeSection } from '../../../../src/consensus/pos/seal.js';
import { voteEvidence } from '../../../../src/consensus/pos/slashing.js';
import { signVote, type Vote } from '../../../../src/consensus/pos/votes.js';
import { BlockErrorCode, InvalidBlockError } from '../../../../src/ledger/block/errors.js';
import type { RlpValue } from '../../../../src/primitives/rlp.js';
import { domain, hashOf, header, key, thrown } from './fixtures.js';

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

  it('refuses a body the header does not commit to as BadBody: the header may be fine with its real body', () => {
    const body = encodeBody({ votes: [vote(0, 19)], evidence: [] });
    const error = thrown(() => decodeBody(blockWith(body, encodeBody({ votes: [], evidence: [] }))), InvalidBlockError, BlockErrorCode.BadBody);
    expect(error.message).toContain('does not match the header');
  });

  it('refuses malformed bodies and bodies over the caps', () => {
    bodyError(() => decodeBody(blockWith([[]])), 'must be [votes, evidence]');
    bodyError(() => decodeBody(blockWith([[new Uint8Array(3)], []])), 'vote: expected an RLP list');
    const many = Array.from({ length: MAX_VOTES_PER_BLOCK + 1 }, () => [] as RlpValue[]);
    bodyError(() => decodeBody(blockWith([many, []])), `at most ${MAX_VOTES_PER_BLOCK}`);
    const evidence = Array.from({ length: MAX_EVIDENCE_PER_BLOCK + 1 }, () => [] as RlpValue[]);
    bodyError(() => decodeBody(blockWith([[], evidence])), `at most ${MAX_EVIDENCE_PER_BLOCK}`);
  });

  it('reads a body without its hash check once the header is known to commit to it', () => {
    const body = { votes: [vote(0, 19)], evidence: [] };
    expect(readBody(20, encodeBody(body))).toEqual(body);
    bodyError(() => readBody(20, [[]]), 'must be [votes, evidence]');
  });
});
