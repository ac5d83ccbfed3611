import { describe, expect, it } from 'vitest';
import { EvidenceError, EvidenceErrorCode } from '../../../../src/consensus/pos/errors.js';
import { epochSeed } from '../../../../src/consensus/pos/proposer.js';
import {
  applySlashing,
  decodeEvidence,
  encodeEvidence,
  evidenceSignatures,
  isOffenceOf,
  offenceOf,
  proposalEvidence,
  verifyEvidence,
  voteEvidence,
  type Evidence,
} from '../../../../src/consensus/pos/slashing.js';
import { recoverSigner } from '../../../../src/consensus/pos/signing.js';
import { activeSet, advanceToEpoch, applyStakingEvent, genesisStakingState } from '../../../../src/ledger/modules/staking/index.js';
import { encodeVote, signVote, type Vote } from '../../../../src/consensus/pos/votes.js';
import { bytesToHex, utf8ToBytes } from '../../../../src/primitives/hex.js';
import { rlpDecode, rlpEncode, type RlpValue } from '../../../../src/primitives/rlp.js';
import { domain, hashOf, key, otherChain, proposal, thrown, validators } from './fixtures.js';

const { set, keys } = validators([100n, 100n, 100n, 100n]);
const seed = epochSeed(hashOf('seed'), 1);
const rules = { minStake: 50n, unbondingEpochs: 2 };
const v0 = keys[0]!;

function block(slot: number, extra: string, signer = v0.key) {
  return proposal(slot, set, keys, seed, { signer, extraData: utf8ToBytes(extra) });
}

function vote(i: number, source: number, target: number, label = 'main'): Vote {
  return signVote({ source: { height: source, hash: hashOf(`${label} ${source}`) }, target: { height: target, hash: hashOf(`${label} ${target}`) } }, key(i), domain);
}

function roundTrip(evidence: Evidence): Evidence {
  return decodeEvidence(rlpDecode(rlpEncode(encodeEvidence(evidence))));
}

function evidenceError(fn: () => unknown, code: EvidenceErrorCode): string {
  return thrown(fn, EvidenceError, code).message;
}

describe('proposal evidence', () => {
  it('two different signed blocks for one slot by one proposer are evidence', () => {
    const evidence = roundTrip(proposalEvidence(block(9, 'a'), block(9, 'b')));
    expect(verifyEvidence(evidence, domain)).toEqual({ offender: v0.address, key: `proposal:${bytesToHex(v0.address)}:9` });
    // Same offence in either order: one canonical encoding.
    expect(encodeEvidence(proposalEvidence(block(9, 'b'), block(9, 'a')))).toEqual(encodeEvidence(evidence));
  });

  it('identical blocks, other slots, other signers or another chain are not', () => {
    expect(evidenceError(() => roundTrip(proposalEvidence(block(9, 'a'), block(9, 'a'))), EvidenceErrorCode.NotConflicting)).toContain('same message');
    expect(evidenceError(() => verifyEvidence(proposalEvidence(block(9, 'a'), block(10, 'b')), domain), EvidenceErrorCode.NotConflicting)).toContain('different slots');
    const mixed = proposalEvidence(block(9, 'a'), block(9, 'b', keys[1]!.key));
    expect(evidenceError(() => verifyEvidence(mixed, domain), EvidenceErrorCode.NotConflicting)).toContain('different proposers');
    const foreign = proposalEvidence(
      proposal(9, set, keys, seed, { signer: v0.key, signDomain: otherChain, extraData: utf8ToBytes('a') }),
      proposal(9, set, keys, seed, { signer: v0.key, signDomain: otherChain, extraData: utf8ToBytes('b') }),
    );
    expect(verifyEvidence(foreign, otherChain).offender).toEqual(v0.address);
    expect(evidenceError(() => verifyEvidence(foreign, domain), EvidenceErrorCode.BadSignature)).toContain('not by its coinbase');
  });

  it('names the offender from the contents alone, and lists the signatures to check apart', () => {
    const evidence = proposalEvidence(block(9, 'a'), block(9, 'b'));
    expect(offenceOf(evidence)).toEqual(verifyEvidence(evidence, domain));
    const offence = offenceOf(evidence);
    expect(isOffenceOf(offence.key, offence.offender)).toBe(true);
    expect(isOffenceOf(offence.key, new Uint8Array(20))).toBe(false);
    const checks = evidenceSignatures(evidence, domain);
    expect(checks).toHaveLength(2);
    for (const check of checks) expect(recoverSigner(check.digest, check.signature)).toEqual(check.signer);
    // A signature over another chain's domain still names the coinbase, but does not recover to it.
    const foreign = proposalEvidence(
      proposal(9, set, keys, seed, { signer: v0.key, signDomain: otherChain, extraData: utf8ToBytes('a') }),
      proposal(9, set, keys, seed, { signer: v0.key, signDomain: otherChain, extraData: utf8ToBytes('b') }),
    );
    expect(offenceOf(foreign).offender).toEqual(v0.address);
    for (const check of evidenceSignatures(foreign, domain)) expect(recoverSigner(check.digest, check.signature)).not.toEqual(check.signer);
  });
});

describe('vote evidence', () => {
  it('two different votes for one height by one validator are evidence', () => {
    const evidence = roundTrip(voteEvidence(vote(0, 4, 5, 'main'), vote(0, 4, 5, 'fork')));
    expect(verifyEvidence(evidence, domain)).toEqual({ offender: v0.address, key: `vote:${bytesToHex(v0.address)}:5` });
    // Another source for the same target is a double vote too.
    expect(verifyEvidence(voteEvidence(vote(0, 3, 5), vote(0, 4, 5)), domain).key).toBe(`vote:${bytesToHex(v0.address)}:5`);
  });

  it('a vote surrounding another is evidence', () => {
    const evidence = roundTrip(voteEvidence(vote(0, 4, 5), vote(0, 2, 9)));
    expect(verifyEvidence(evidence, domain).key).toBe(`surround:${bytesToHex(v0.address)}:2:9:4:5`);
  });

  it('identical votes, votes of two validators, or votes that neither clash nor nest are not', () => {
    expect(evidenceError(() => roundTrip(voteEvidence(vote(0, 4, 5), vote(0, 4, 5))), EvidenceErrorCode.NotConflicting)).toContain('same message');
    expect(evidenceError(() => verifyEvidence(voteEvidence(vote(0, 4, 5), vote(1, 4, 5, 'fork')), domain), EvidenceErrorCode.NotConflicting)).toContain(
      'different validators',
    );
    // Consecutive links (4→5, 5→6) and overlapping ones (3→5, 4→6) neither share a target nor nest.
    evidenceError(() => verifyEvidence(voteEvidence(vote(0, 4, 5), vote(0, 5, 6)), domain), EvidenceErrorCode.NotConflicting);
    evidenceError(() => verifyEvidence(voteEvidence(vote(0, 3, 5), vote(0, 4, 6)), domain), EvidenceErrorCode.NotConflicting);
    const forged = { ...vote(1, 4, 5, 'fork'), validator: v0.address };
    evidenceError(() => verifyEvidence(voteEvidence(vote(0, 4, 5), forged), domain), EvidenceErrorCode.BadSignature);
  });

  it('refuses malformed and non-canonical encodings', () => {
    const [a, b] = [vote(0, 4, 5), vote(0, 4, 5, 'fork')];
    const ordered = voteEvidence(a, b) as Extract<Evidence, { kind: 'votes' }>;
    const swapped: RlpValue = [Uint8Array.of(2), encodeVote(ordered.second), encodeVote(ordered.first)];
    expect(evidenceError(() => decodeEvidence(swapped), EvidenceErrorCode.Malformed)).toContain('canonical');
    evidenceError(() => decodeEvidence([Uint8Array.of(3), encodeVote(a), encodeVote(b)]), EvidenceErrorCode.Malformed);
    evidenceError(() => decodeEvidence([Uint8Array.of(2), encodeVote(a)]), EvidenceErrorCode.Malformed);
    evidenceError(() => decodeEvidence([Uint8Array.of(1), encodeVote(a), encodeVote(b)]), EvidenceErrorCode.Malformed);
  });
});

describe('applySlashing', () => {
  const genesis = genesisStakingState(set.validators);

  it('burns the offender stake and removes it from the set at once', () => {
    const result = applySlashing(genesis, voteEvidence(vote(0, 4, 5), vote(0, 4, 5, 'fork')), rules);
    expect(result.burned).toBe(100n);
    expect(result.offence.offender).toEqual(v0.address);
    expect(activeSet(result.state).has(v0.address)).toBe(false);
    expect(activeSet(result.state).totalStake).toBe(300n);
  });

  it('refuses the same evidence, or another proof of the same offence, twice', () => {
    const evidence = proposalEvidence(block(9, 'a'), block(9, 'b'));
    const once = applySlashing(genesis, evidence, rules).state;
    expect(evidenceError(() => applySlashing(once, evidence, rules), EvidenceErrorCode.AlreadyUsed)).toContain('already punished');
    evidenceError(() => applySlashing(once, proposalEvidence(block(9, 'a'), block(9, 'c')), rules), EvidenceErrorCode.AlreadyUsed);
    // Even once the validator has staked again, the old offence stays spent.
    const restaked = advanceToEpoch(applyStakingEvent(once, { kind: 'stake', epoch: 0, address: v0.address, amount: 100n }, rules), 1).state;
    evidenceError(() => applySlashing(restaked, evidence, rules), EvidenceErrorCode.AlreadyUsed);
    // A new offence by a validator with nothing left is refused as pointless.
    evidenceError(() => applySlashing(once, proposalEvidence(block(11, 'a'), block(11, 'b')), rules), EvidenceErrorCode.NothingToSlash);
  });
});
