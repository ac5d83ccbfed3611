import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VoteError, VoteErrorCode } from '../../../../src/consensus/pos/errors.js';
import { decodeVote, encodeVote, signVote, verifyVote, verifyVotes, voteSigningHash, type VoteData } from '../../../../src/consensus/pos/votes.js';
import { loadRecoveryBackend, type RecoveryBackend } from '../../../../src/primitives/recover/index.js';
import { rlpDecode, rlpEncode } from '../../../../src/primitives/rlp.js';
import { address, domain, hashOf, key, otherChain, thrown } from './fixtures.js';

const data: VoteData = { source: { height: 4, hash: hashOf('b4') }, target: { height: 5, hash: hashOf('b5') } };

describe('votes', () => {
  it('signs, encodes, decodes and verifies', () => {
    const vote = signVote(data, key(1), domain);
    expect(vote.validator).toEqual(address(1));
    const decoded = decodeVote(rlpDecode(rlpEncode(encodeVote(vote))));
    expect(decoded).toEqual(vote);
    expect(() => verifyVote(decoded, domain)).not.toThrow();
  });

  it('domain-separates the signing hash by chain', () => {
    expect(voteSigningHash(data, domain)).not.toEqual(voteSigningHash(data, otherChain));
    const foreign = signVote(data, key(1), otherChain);
    thrown(() => verifyVote(foreign, domain), VoteError, VoteErrorCode.BadSignature);
  });

  it('refuses a vote whose signature is not the named validator', () => {
    const vote = { ...signVote(data, key(1), domain), validator: address(2) };
    expect(thrown(() => verifyVote(vote, domain), VoteError, VoteErrorCode.BadSignature).message).toContain('recovers to');
    const changed = { ...signVote(data, key(1), domain), target: { height: 5, hash: hashOf('other b5') } };
    thrown(() => verifyVote(changed, domain), VoteError, VoteErrorCode.BadSignature);
    const zeroed = { ...signVote(data, key(1), domain), signature: new Uint8Array(65) };
    expect(thrown(() => verifyVote(zeroed, domain), VoteError, VoteErrorCode.BadSignature).message).toContain('r must be');
  });

  it('refuses malformed votes', () => {
    const vote = signVote(data, key(1), domain);
    const fields = encodeVote(vote) as Uint8Array[];
    thrown(() => decodeVote(fields.slice(0, 5)), VoteError, VoteErrorCode.Malformed);
    thrown(() => decodeVote([...fields.slice(0, 4), new Uint8Array(19), fields[5]!]), VoteError, VoteErrorCode.Malformed);
    const backwards = [fields[2]!, fields[1]!, fields[0]!, fields[3]!, fields[4]!, fields[5]!];
    expect(thrown(() => decodeVote(backwards), VoteError, VoteErrorCode.Malformed).message).toContain('must be below its target');
    thrown(() => signVote({ source: data.target, target: data.source }, key(1), domain), VoteError, VoteErrorCode.Malformed);
  });
});

describe('verifyVotes through a recovery backend', () => {
  let backend: RecoveryBackend;
  beforeAll(async () => {
    backend = await loadRecoveryBackend({ workers: 1 });
  });
  afterAll(async () => {
    await backend.close();
  });

  it('accepts good votes and names the first bad one', async () => {
    const votes = [1, 2, 3].map((i) => signVote(data, key(i), domain));
    await expect(verifyVotes(votes, domain, backend)).resolves.toBeUndefined();
    const bad = [...votes, { ...signVote(data, key(4), domain), validator: address(5) }];
    await expect(verifyVotes(bad, domain, backend)).rejects.toMatchObject({ code: VoteErrorCode.BadSignature });
    await expect(verifyVotes([{ ...votes[0]!, signature: new Uint8Array(65) }], domain, backend)).rejects.toBeInstanceOf(VoteError);
  });
});
