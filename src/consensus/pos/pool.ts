import { bytesToHex, equalBytes } from '../../primitives/hex.js';
import { hashHeader } from '../../ledger/block/header.js';
import type { BlockHeader } from '../../ledger/block/types.js';
import { offenceOf, proposalEvidence, voteEvidence, type Evidence } from './slashing.js';
import { decodeSection } from './seal.js';
import { sameVoteData, voteKey, type Vote } from './votes.js';

/**
 * What the engine holds in memory: votes and evidence waiting for a block,
 * and the proposals it has seen. None of it decides a block's validity;
 * losing it (a restart) only delays inclusion. Every collection is bounded,
 * since peers fill it.
 */

export const MAX_POOLED_VOTES = 16_384;
export const MAX_POOLED_EVIDENCE = 64;
/** Proposals remembered for double-proposal detection: several epochs' worth of slots. */
const MAX_WATCHED_PROPOSALS = 4096;

/** Votes with verified signatures, one per validator and target height. */
export class VotePool {
  readonly #votes = new Map<string, Vote>();
  /** validator → keys of its pooled votes, for surround checks. */
  readonly #byValidator = new Map<string, Set<string>>();

  get size(): number {
    return this.#votes.size;
  }

  /** True when this exact vote (same validator and contents) is pooled. */
  has(vote: Vote): boolean {
    const pooled = this.#votes.get(voteKey(vote.validator, vote.target.height));
    return pooled !== undefined && sameVoteData(pooled, vote);
  }

  /**
   * Pools a verified vote unless the pool holds it or is full; returns the
   * evidence it makes with the validator's pooled votes (double or surround
   * votes). A conflicting vote is not pooled: the first one stays.
   */
  add(vote: Vote): Evidence[] {
    const who = bytesToHex(vote.validator);
    const key = voteKey(vote.validator, vote.target.height);
    const evidence: Evidence[] = [];
    for (const otherKey of this.#byValidator.get(who) ?? []) {
      const other = this.#votes.get(otherKey)!;
      if (conflicts(vote, other)) evidence.push(voteEvidence(other, vote));
    }
    if (evidence.length > 0 || this.#votes.has(key) || this.#votes.size >= MAX_POOLED_VOTES) return evidence;
    this.#votes.set(key, vote);
    const keys = this.#byValidator.get(who) ?? new Set<string>();
    keys.add(key);
    this.#byValidator.set(who, keys);
    return evidence;
  }

  /** Drops votes for targets below `minHeight`: no block may include them any more. */
  prune(minHeight: number): void {
    for (const [key, vote] of this.#votes) {
      if (vote.target.height >= minHeight) continue;
      this.#votes.delete(key);
      const who = bytesToHex(vote.validator);
      const keys = this.#byValidator.get(who)!;
      keys.delete(key);
      if (keys.size === 0) this.#byValidator.delete(who);
    }
  }

  /** The pooled votes, oldest target first. */
  list(): Vote[] {
    return [...this.#votes.values()].sort((a, b) => a.target.height - b.target.height);
  }
}

/** Double vote (one target height, other contents) or surround vote (one link strictly inside the other). */
function conflicts(a: Vote, b: Vote): boolean {
  if (a.target.height === b.target.height) return !sameVoteData(a, b);
  const [outer, inner] = a.target.height > b.target.height ? [a, b] : [b, a];
  return outer.source.height < inner.source.height;
}

/** Evidence waiting for a block, one proof per offence. */
export class EvidencePool {
  readonly #items = new Map<string, Evidence>();

  /** Pools evidence whose signatures were checked; false when its offence is pooled already or the pool is full. */
  add(evidence: Evidence): boolean {
    const key = offenceOf(evidence).key;
    if (this.#items.has(key) || this.#items.size >= MAX_POOLED_EVIDENCE) return false;
    this.#items.set(key, evidence);
    return true;
  }

  /** Keeps only the evidence `keep` accepts (given its offence key and offender). */
  retain(keep: (key: string, offender: Uint8Array) => boolean): void {
    for (const [key, evidence] of this.#items) {
      if (!keep(key, offenceOf(evidence).offender)) this.#items.delete(key);
    }
  }

  list(): Evidence[] {
    return [...this.#items.values()];
  }
}

/**
 * The signed headers seen per (slot, proposer), so that a second, different
 * one becomes double-proposal evidence. Headers come from verifyHeader,
 * whose checks make the coinbase their signer.
 */
export class ProposalWatch {
  readonly #seen = new Map<string, { readonly hash: Uint8Array; readonly header: BlockHeader }>();

  /** Remembers the header; returns evidence when another header of its slot and proposer was seen. */
  observe(header: BlockHeader): Evidence | undefined {
    const key = `${decodeSection(header).slot}:${bytesToHex(header.coinbase)}`;
    const hash = hashHeader(header);
    const seen = this.#seen.get(key);
    if (seen !== undefined) return equalBytes(seen.hash, hash) ? undefined : proposalEvidence(seen.header, header);
    if (this.#seen.size >= MAX_WATCHED_PROPOSALS) this.#seen.delete(this.#seen.keys().next().value!);
    this.#seen.set(key, { hash, header });
    return undefined;
  }
}
