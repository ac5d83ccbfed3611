import { bytesToHex, equalBytes } from '../../primitives/hex.js';
import type { ChainTip } from '../engine.js';
import { VOTE_INCLUSION_WINDOW } from './body.js';
import { compareBytes, type ValidatorSet } from './validator-set.js';
import type { Checkpoint, Vote } from './votes.js';

/**
 * Finality and fork choice.
 *
 * FINALITY: Casper FFG with every block height a checkpoint, folded block by
 * block over the votes included in bodies, so it is a function of the chain
 * alone and every node derives the same finalized block from it.
 *
 * The state after a block is { justified J, finalized F, tallies }; after
 * genesis J = F = genesis. For a block B, with J the state after B's parent:
 *   1. each vote in B whose source is J (height and hash) and whose target
 *      lies above J adds its validator's stake, in the active set of the
 *      target block, to the tally of that target, once per validator;
 *   2. a tally is a supermajority when 3 · stake > 2 · total stake of the
 *      target's set. If any is: when one is J's child (height J + 1), F := J
 *      (J is justified and linked to its child by a supermajority); then J :=
 *      the highest supermajority target, and all tallies are cleared, since
 *      they counted links from the old J;
 *   3. tallies for targets below B.number − VOTE_INCLUSION_WINDOW are
 *      dropped: no later block may include votes for them.
 * F and J only rise. F and all its ancestors are final: fork choice never
 * leaves them. J is a justified block (FFG's sense); J's only use outside is
 * as the source honest validators put in their votes.
 *
 * Why it is safe: J only moves along a supermajority link from a justified
 * block, so every J is FFG-justified and every F FFG-finalized. Two
 * conflicting finalized blocks therefore imply that validators holding more
 * than 1/3 of the stake signed a double vote or a surround vote (Casper FFG's
 * accountable safety), which slashing.ts turns into evidence. With a set that
 * changes between the two, the bound holds for the stake both sets share.
 * Counting only links from the current J (not from any justified block) is a
 * subset of FFG's rule: it can delay finality, never make it unsafe. Honest
 * validators take J as their source, so in steady state block h is justified
 * when the votes for it land in block h + 1 and final when those for h + 1
 * land in block h + 2.
 *
 * FORK CHOICE, among chains that hold the latest finalized block (the chain
 * refuses blocks that fork below it and sync never reverts it):
 *   1. the most attesting stake: the sum, over the chain's blocks, of the
 *      stake of the votes each block includes;
 *   2. then the most blocks;
 *   3. then the lowest tip hash, so that all nodes settle on one tip.
 * Each block adds blockWeight(included vote stake) = stake · 2^64 + 1 to
 * ChainTip.totalWeight, so the sum orders chains by (1) then (2) as long as a
 * chain has fewer than 2^64 blocks; isBetter adds (3). A vote is included on
 * a chain at most once (body.ts), so its stake counts once per chain.
 */

/** Blocks per chain below which blockWeight keeps (stake, blocks) in lexicographic order. */
export const BLOCK_COUNT_BITS = 64n;

export interface Tally {
  readonly target: Checkpoint;
  readonly stake: bigint;
  readonly totalStake: bigint;
  /** Lowercase 0x addresses already counted. */
  readonly voters: ReadonlySet<string>;
}

export interface FinalityState {
  readonly justified: Checkpoint;
  readonly finalized: Checkpoint;
  readonly tallies: readonly Tally[];
}

/** What a fold step reads of a block: its height and the votes its body includes (already verified). */
export interface FinalityBlock {
  readonly number: number;
  readonly votes: readonly Vote[];
}

export function genesisFinality(genesisHash: Uint8Array): FinalityState {
  const genesis = { height: 0, hash: genesisHash };
  return { justified: genesis, finalized: genesis, tallies: [] };
}

/**
 * The state after `block`, from the state after its parent. `setOf` gives
 * the active set of a vote's target block; body rules (body.ts) guarantee
 * every target is an ancestor of the block the caller knows.
 */
export function nextFinality(state: FinalityState, block: FinalityBlock, setOf: (target: Checkpoint) => ValidatorSet): FinalityState {
  const { justified } = state;
  const tallies = new Map<string, Tally>(state.tallies.map((tally) => [bytesToHex(tally.target.hash), tally]));
  for (const vote of block.votes) {
    if (vote.source.height !== justified.height || !equalBytes(vote.source.hash, justified.hash)) continue;
    if (vote.target.height <= justified.height) continue;
    const key = bytesToHex(vote.target.hash);
    const voter = bytesToHex(vote.validator);
    const set = setOf(vote.target);
    const tally = tallies.get(key) ?? { target: vote.target, stake: 0n, totalStake: set.totalStake, voters: new Set<string>() };
    if (tally.voters.has(voter)) continue;
    tallies.set(key, { ...tally, stake: tally.stake + set.stakeOf(vote.validator), voters: new Set([...tally.voters, voter]) });
  }
  const supermajority = [...tallies.values()].filter((tally) => 3n * tally.stake > 2n * tally.totalStake);
  if (supermajority.length > 0) {
    const highest = supermajority.reduce((a, b) => (b.target.height > a.target.height ? b : a));
    const childLinked = supermajority.some((tally) => tally.target.height === justified.height + 1);
    return { justified: highest.target, finalized: childLinked ? justified : state.finalized, tallies: [] };
  }
  const oldest = block.number - VOTE_INCLUSION_WINDOW;
  return { ...state, tallies: [...tallies.values()].filter((tally) => tally.target.height >= oldest) };
}

/** nextFinality over consecutive blocks, oldest first. */
export function finalityOver(
  state: FinalityState,
  blocks: readonly FinalityBlock[],
  setOf: (target: Checkpoint) => ValidatorSet,
): FinalityState {
  return blocks.reduce((current, block) => nextFinality(current, block, setOf), state);
}

/** The fork-choice weight a block adds to its chain, from the stake of the votes it includes. */
export function blockWeight(includedVoteStake: bigint): bigint {
  return (includedVoteStake << BLOCK_COUNT_BITS) + 1n;
}

/** Heavier wins; on equal weight the lower tip hash does, so every node picks the same tip. */
export function isBetter(candidate: ChainTip, current: ChainTip): boolean {
  if (candidate.totalWeight !== current.totalWeight) return candidate.totalWeight > current.totalWeight;
  return compareBytes(candidate.hash, current.hash) < 0;
}
