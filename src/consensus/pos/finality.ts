import { bytesToHex, equalBytes } from '../../primitives/hex.js';
import { compareBytes, type ValidatorSet } from '../../ledger/modules/staking/index.js';
import type { ChainTip } from '../engine.js';
import { VOTE_INCLUSION_WINDOW } from './body.js';
import type { Checkpoint, Vote } from './votes.js';

/**
 * Finality and fork choice.
 *
 * FINALITY: Casper FFG with every block height a checkpoint, folded block by
 * block over the votes included in bodies, so it is a function of the chain
 * alone and every node derives the same finalized block from it. The state
 * it folds is a record of the chain state (records.ts `consensus/finality`).
 *
 * The state after a block is { justified J, finalized F, tallies }; after
 * genesis J = F = genesis. For a block B, with J the state after B's parent
 * and S the active set of B (its validators and stakes as B's beginBlock
 * sees them, before B's own slashing evidence):
 *   1. each vote in B whose source is J (height and hash) and whose target
 *      lies above J adds its validator's stake in S to the tally of that
 *      target, once per validator;
 *   2. a tally is a supermajority when 3 · stake > 2 · total stake of S. If
 *      any is: when one is J's child (height J + 1), F := J (J is justified
 *      and linked to its child by a supermajority); then J := the highest
 *      supermajority target, and all tallies are cleared, since they counted
 *      links from the old J;
 *   3. tallies for targets below B.number − VOTE_INCLUSION_WINDOW are
 *      dropped: no later block may include votes for them.
 * F and J only rise. F and all its ancestors are final: fork choice never
 * leaves them. J is a justified block (FFG's sense); J's only use outside is
 * as the source honest validators put in their votes.
 *
 * Stake is weighed in the set of the block that includes the vote, not in
 * the set of the target block as FFG states it: the two differ only when an
 * epoch boundary or a slashing falls between target and inclusion (a few
 * blocks in steady state), and the including block's set is the one its
 * beginBlock holds without looking back in history.
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
 * refuses blocks that fork below it and sync never reverts it; the engine's
 * `checkpoints` tells it which block that is):
 *   1. the most blocks (each block has weight 1);
 *   2. then the lowest tip hash, so that all nodes settle on one tip.
 * Weighing chains by the stake of the votes they include would be the
 * better signal, but the chain only executes canonical blocks: a side
 * block is stored after header checks alone, so its included stake (which
 * needs its state) is unknown until a reorg executes it. Finality bounds
 * what the longest-chain rule can undo: nothing below F.
 */

export interface Tally {
  readonly target: Checkpoint;
  readonly stake: bigint;
  /** Lowercase 0x addresses already counted. */
  readonly voters: ReadonlySet<string>;
}

export interface FinalityState {
  readonly justified: Checkpoint;
  readonly finalized: Checkpoint;
  readonly tallies: readonly Tally[];
}

/** What a fold step reads of a block: its height and the votes its body includes (already verified and placed). */
export interface FinalityBlock {
  readonly number: number;
  readonly votes: readonly Vote[];
}

export function genesisFinality(genesisHash: Uint8Array): FinalityState {
  const genesis = { height: 0, hash: genesisHash };
  return { justified: genesis, finalized: genesis, tallies: [] };
}

/** The state after `block`, from the state after its parent; `set` is the block's active set. */
export function nextFinality(state: FinalityState, block: FinalityBlock, set: ValidatorSet): FinalityState {
  const { justified } = state;
  const tallies = new Map<string, Tally>(state.tallies.map((tally) => [bytesToHex(tally.target.hash), tally]));
  for (const vote of block.votes) {
    if (vote.source.height !== justified.height || !equalBytes(vote.source.hash, justified.hash)) continue;
    if (vote.target.height <= justified.height) continue;
    const key = bytesToHex(vote.target.hash);
    const voter = bytesToHex(vote.validator);
    const tally = tallies.get(key) ?? { target: vote.target, stake: 0n, voters: new Set<string>() };
    if (tally.voters.has(voter)) continue;
    tallies.set(key, { ...tally, stake: tally.stake + set.stakeOf(vote.validator), voters: new Set([...tally.voters, voter]) });
  }
  const supermajority = [...tallies.values()].filter((tally) => 3n * tally.stake > 2n * set.totalStake);
  if (supermajority.length > 0) {
    const highest = supermajority.reduce((a, b) => (b.target.height > a.target.height ? b : a));
    const childLinked = supermajority.some((tally) => tally.target.height === justified.height + 1);
    return { justified: highest.target, finalized: childLinked ? justified : state.finalized, tallies: [] };
  }
  const oldest = block.number - VOTE_INCLUSION_WINDOW;
  return { ...state, tallies: [...tallies.values()].filter((tally) => tally.target.height >= oldest) };
}

/** Each block adds one to its chain's weight: ChainTip.totalWeight is the chain's block count. */
export const BLOCK_WEIGHT = 1n;

/** More blocks wins; on equal length the lower tip hash does, so every node picks the same tip. */
export function isBetter(candidate: ChainTip, current: ChainTip): boolean {
  if (candidate.totalWeight !== current.totalWeight) return candidate.totalWeight > current.totalWeight;
  return compareBytes(candidate.hash, current.hash) < 0;
}
