import { CairnError } from '../../primitives/errors.js';
import { bytesToHex, equalBytes } from '../../primitives/hex.js';
import { asList, asNumber, rlpDecode, type RlpValue } from '../../primitives/rlp.js';
import { BlockErrorCode, InvalidBlockError } from '../../ledger/block/errors.js';
import { encodeHeader, hashHeader, headerFromRlp } from '../../ledger/block/header.js';
import type { BlockHeader } from '../../ledger/block/types.js';
import {
  StakingError,
  StakingErrorCode,
  applyStakingEvent,
  compareBytes,
  slashableAmount,
  type StakingRules,
  type StakingState,
} from '../../ledger/modules/staking/index.js';
import { EvidenceError, EvidenceErrorCode } from './errors.js';
import { decodeSection, proposalSigningHash, recoverProposer } from './seal.js';
import type { ChainDomain } from './signing.js';
import { decodeVote, encodeVote, sameVoteData, verifyVote, voteSigningHash, type Vote } from './votes.js';

/**
 * Slashing evidence: two messages one key signed that an honest validator
 * never signs together.
 *
 * - proposals: two headers for one slot with different block hashes, both
 *   signed by their common coinbase (two blocks compete for one slot; even a
 *   second signature over the same contents makes a second block, since
 *   honest signers sign deterministically). A header whose signer is not
 *   its coinbase is no valid block (seal.ts), so it proves nothing;
 * - votes, double: two votes of one validator for one target height with
 *   different contents (source or target);
 * - votes, surround: two votes of one validator whose links nest strictly,
 *   s1 < s2 and t2 < t1 (the vote from s1 to t1 surrounds the other).
 *
 * Wire: rlp([kind, first, second]); kind 1 = proposals (headers as RLP
 * lists), kind 2 = votes (votes.ts encoding). Items come in ascending order
 * (proposals by block hash; votes by target height, source height, target
 * hash, source hash, validator), so a pair has one encoding and identical
 * items are refused; two signatures over the same vote contents are not an
 * offence. Evidence is checked against one chain's domain, like the
 * signatures it holds.
 *
 * Each offence has a key, recorded when it is punished so it never is again
 * (a 'slash' staking event, validator-set.ts):
 *   proposal:<address>:<slot> · vote:<address>:<target height> ·
 *   surround:<address>:<outer source>:<outer target>:<inner source>:<inner target>
 * Punishment burns all the offender's stake, pending stake and unbonding
 * funds and removes it from the active set at once; evidence against an
 * address with nothing to burn is refused, so it cannot fill blocks.
 *
 * The offender and the offence key follow from the evidence's contents
 * alone (offenceOf); the signatures are checked apart (verifyEvidence on
 * this thread, evidenceSignatures for a RecoveryBackend batch), so that a
 * block's evidence is recovered once, in verifyBody, and beginBlock stays
 * synchronous and cheap.
 */

export type Evidence =
  | { readonly kind: 'proposals'; readonly first: BlockHeader; readonly second: BlockHeader }
  | { readonly kind: 'votes'; readonly first: Vote; readonly second: Vote };

const KIND_PROPOSALS = 1;
const KIND_VOTES = 2;

/** Evidence from two signed headers in either order. */
export function proposalEvidence(a: BlockHeader, b: BlockHeader): Evidence {
  const [first, second] = compareBytes(hashHeader(a), hashHeader(b)) <= 0 ? [a, b] : [b, a];
  return { kind: 'proposals', first, second };
}

/** Evidence from two signed votes in either order. */
export function voteEvidence(a: Vote, b: Vote): Evidence {
  const [first, second] = compareVotes(a, b) <= 0 ? [a, b] : [b, a];
  return { kind: 'votes', first, second };
}

export function encodeEvidence(evidence: Evidence): RlpValue {
  if (evidence.kind === 'proposals') {
    // Through bytes, so the items are RLP values (byte strings), as a decoded body holds them.
    const headers = [evidence.first, evidence.second].map((header) => rlpDecode(encodeHeader(header)));
    return [Uint8Array.of(KIND_PROPOSALS), ...headers];
  }
  return [Uint8Array.of(KIND_VOTES), encodeVote(evidence.first), encodeVote(evidence.second)];
}

/** Reads evidence in canonical order; EvidenceError Malformed or NotConflicting (identical items). */
export function decodeEvidence(value: RlpValue): Evidence {
  let evidence: Evidence;
  try {
    const [kindBytes, first, second] = asList(value, 'evidence', 3);
    const kind = asNumber(kindBytes, 'evidence kind');
    if (kind === KIND_PROPOSALS) {
      evidence = { kind: 'proposals', first: headerFromRlp(first!), second: headerFromRlp(second!) };
    } else if (kind === KIND_VOTES) {
      evidence = { kind: 'votes', first: decodeVote(first!), second: decodeVote(second!) };
    } else {
      throw new EvidenceError(
        EvidenceErrorCode.Malformed,
        `evidence kind must be ${KIND_PROPOSALS} (proposals) or ${KIND_VOTES} (votes), got ${kind}`,
      );
    }
  } catch (error) {
    if (error instanceof EvidenceError || !(error instanceof CairnError)) throw error;
    throw new EvidenceError(EvidenceErrorCode.Malformed, `evidence: ${error.message}`, { cause: error });
  }
  const order =
    evidence.kind === 'proposals'
      ? compareBytes(hashHeader(evidence.first), hashHeader(evidence.second))
      : compareVotes(evidence.first, evidence.second);
  if (order === 0) throw new EvidenceError(EvidenceErrorCode.NotConflicting, 'evidence holds the same message twice');
  if (order > 0) throw new EvidenceError(EvidenceErrorCode.Malformed, 'evidence items are not in canonical (ascending) order');
  return evidence;
}

/** True when `key` (an offence key, above) names an offence of `address`: its second field is the offender. */
export function isOffenceOf(key: string, address: Uint8Array): boolean {
  return key.split(':')[1] === bytesToHex(address);
}

export interface Offence {
  readonly offender: Uint8Array;
  /** The key under which this offence is recorded once punished. */
  readonly key: string;
}

/**
 * The offence the evidence proves if its signatures are valid: the two
 * items conflict and name one signer. EvidenceError(NotConflicting or
 * Malformed) otherwise. Signatures are not checked.
 */
export function offenceOf(evidence: Evidence): Offence {
  return evidence.kind === 'proposals' ? proposalOffence(evidence.first, evidence.second) : voteOffence(evidence.first, evidence.second);
}

/** offenceOf, and every signature checked on this thread; throws EvidenceError. */
export function verifyEvidence(evidence: Evidence, domain: ChainDomain): Offence {
  const offence = offenceOf(evidence);
  if (evidence.kind === 'votes') {
    evidenceStep(() => verifyVote(evidence.first, domain));
    evidenceStep(() => verifyVote(evidence.second, domain));
    return offence;
  }
  for (const header of [evidence.first, evidence.second]) {
    const signer = evidenceStep(() => recoverProposer(header, domain));
    if (!equalBytes(signer, offence.offender)) {
      throw new EvidenceError(
        EvidenceErrorCode.BadSignature,
        `evidence: the proposal for slot ${decodeSection(header).slot} is signed by ${bytesToHex(signer)}, ` +
          `not by its coinbase ${bytesToHex(offence.offender)}`,
      );
    }
  }
  return offence;
}

/** A signature evidence holds, and the address it must recover to. */
export interface EvidenceSignature {
  readonly digest: Uint8Array;
  readonly signature: Uint8Array;
  readonly signer: Uint8Array;
}

/** The two signatures of the evidence, for a batched check (the engine's verifyBody). */
export function evidenceSignatures(evidence: Evidence, domain: ChainDomain): EvidenceSignature[] {
  if (evidence.kind === 'votes') {
    return [evidence.first, evidence.second].map((vote) => ({
      digest: voteSigningHash(vote, domain),
      signature: vote.signature,
      signer: vote.validator,
    }));
  }
  return [evidence.first, evidence.second].map((header) => ({
    digest: proposalSigningHash(header, domain),
    signature: decodeSection(header).signature,
    signer: header.coinbase,
  }));
}

/**
 * Punishes the offence the evidence proves, in the staking state of the
 * block that includes it, whose signatures were checked before. Returns the
 * new state and what was burned; throws EvidenceError (not an offence,
 * AlreadyUsed, NothingToSlash).
 */
export function applySlashing(
  state: StakingState,
  evidence: Evidence,
  rules: StakingRules,
): { readonly state: StakingState; readonly offence: Offence; readonly burned: bigint } {
  const offence = offenceOf(evidence);
  const burned = slashableAmount(state, offence.offender);
  try {
    const next = applyStakingEvent(state, { kind: 'slash', epoch: state.epoch, address: offence.offender, offence: offence.key }, rules);
    return { state: next, offence, burned };
  } catch (error) {
    if (!(error instanceof StakingError)) throw error;
    const code = error.code === StakingErrorCode.AlreadyPunished ? EvidenceErrorCode.AlreadyUsed : EvidenceErrorCode.NothingToSlash;
    throw new EvidenceError(code, `evidence against ${bytesToHex(offence.offender)}: ${error.message}`, { cause: error });
  }
}

function proposalOffence(a: BlockHeader, b: BlockHeader): Offence {
  const slotA = evidenceStep(() => decodeSection(a).slot);
  const slotB = evidenceStep(() => decodeSection(b).slot);
  if (slotA !== slotB) {
    throw new EvidenceError(EvidenceErrorCode.NotConflicting, `proposals are for different slots (${slotA} and ${slotB})`);
  }
  if (equalBytes(hashHeader(a), hashHeader(b))) {
    throw new EvidenceError(EvidenceErrorCode.NotConflicting, `proposals for slot ${slotA} are the same block`);
  }
  if (!equalBytes(a.coinbase, b.coinbase)) {
    throw new EvidenceError(
      EvidenceErrorCode.NotConflicting,
      `proposals for slot ${slotA} come from different proposers (${bytesToHex(a.coinbase)}, ${bytesToHex(b.coinbase)})`,
    );
  }
  for (const header of [a, b]) {
    if (evidenceStep(() => decodeSection(header).signature).length === 0) {
      throw new EvidenceError(EvidenceErrorCode.Malformed, `evidence: a proposal for slot ${slotA} is not signed`);
    }
  }
  return { offender: a.coinbase, key: `proposal:${bytesToHex(a.coinbase)}:${slotA}` };
}

function voteOffence(a: Vote, b: Vote): Offence {
  if (!equalBytes(a.validator, b.validator)) {
    throw new EvidenceError(
      EvidenceErrorCode.NotConflicting,
      `votes are from different validators (${bytesToHex(a.validator)}, ${bytesToHex(b.validator)})`,
    );
  }
  if (sameVoteData(a, b)) throw new EvidenceError(EvidenceErrorCode.NotConflicting, 'votes have the same contents');
  const who = bytesToHex(a.validator);
  if (a.target.height === b.target.height) return { offender: a.validator, key: `vote:${who}:${a.target.height}` };
  const [outer, inner] = a.target.height > b.target.height ? [a, b] : [b, a];
  if (outer.source.height < inner.source.height) {
    return {
      offender: a.validator,
      key: `surround:${who}:${outer.source.height}:${outer.target.height}:${inner.source.height}:${inner.target.height}`,
    };
  }
  throw new EvidenceError(
    EvidenceErrorCode.NotConflicting,
    `votes ${a.source.height}→${a.target.height} and ${b.source.height}→${b.target.height} ` +
      'neither share a target height nor surround one another',
  );
}

/** Runs a decoding or signature step, reporting its failure as evidence the chain must refuse. */
function evidenceStep<T>(step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (!(error instanceof CairnError)) throw error;
    // A header that does not decode is malformed; a seal or vote signature that does not recover is a bad signature.
    const malformed = error instanceof InvalidBlockError && error.code !== BlockErrorCode.BadSeal;
    const code = malformed ? EvidenceErrorCode.Malformed : EvidenceErrorCode.BadSignature;
    throw new EvidenceError(code, `evidence: ${error.message}`, { cause: error });
  }
}

function compareVotes(a: Vote, b: Vote): number {
  return (
    a.target.height - b.target.height ||
    a.source.height - b.source.height ||
    compareBytes(a.target.hash, b.target.hash) ||
    compareBytes(a.source.hash, b.source.hash) ||
    compareBytes(a.validator, b.validator)
  );
}
