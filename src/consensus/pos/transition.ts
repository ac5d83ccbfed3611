import { bytesToHex, equalBytes } from '../../primitives/hex.js';
import { BlockErrorCode, InvalidBlockError } from '../../ledger/block/errors.js';
import type { RecordReader, SystemState } from '../../ledger/modules/module.js';
import {
  StakingError,
  activeSet,
  advanceToEpoch,
  burnStake,
  payOut,
  readStakingState,
  writeStakingState,
  type Release,
  type StakingRules,
  type StakingState,
  type ValidatorSet,
} from '../../ledger/modules/staking/index.js';
import { VOTE_INCLUSION_WINDOW } from './body.js';
import { EvidenceError } from './errors.js';
import { genesisFinality, nextFinality, type FinalityState } from './finality.js';
import { sampleProposer } from './proposer.js';
import {
  FINALITY_KEY,
  SEEDS_KEY,
  encodeFinality,
  encodeSeeds,
  encodeWindow,
  readFinality,
  readSeeds,
  readWindow,
  windowKey,
  type WindowEntry,
} from './records.js';
import { seedOf, seedsAfter, type SeedEntry } from './seeds.js';
import { applySlashing, type Evidence } from './slashing.js';
import { describeVote, type Vote } from './votes.js';
import { epochOf } from './slots.js';

/**
 * The PoS part of executing one block, on its parent's state, in this order:
 *   1. the epoch boundary: when the block's slot lies in a later epoch than
 *      its parent's, the staking state advances (pending changes apply,
 *      unbonded funds are released) and the seed entries note the parent
 *      (seeds.ts); the first block also fills in the genesis hash;
 *   2. the window entry of the parent's height is written (records.ts) and
 *      the one that left the window is deleted;
 *   3. the block's active set and proposer follow (proposer.ts): the set is
 *      fixed here for the whole block;
 *   4. each vote is placed (body.ts rules) and marked in the window;
 *   5. each piece of evidence slashes its offender (slashing.ts), after the
 *      votes, so a vote of an offender in the same block still counts;
 *   6. finality folds the block's votes (finality.ts).
 * The engine's beginBlock runs it on the block's state and checks the
 * coinbase against step 3; its buildBody runs steps 1-5 on the parent's
 * state to keep only the pooled votes and evidence that pass, and throws
 * the transition away. Signatures are not checked here: verifyBody checked
 * them before execution, and the pool before pooling.
 */

/** What the transition needs to know of the block's parent. */
export interface ParentRef {
  readonly hash: Uint8Array;
  readonly number: number;
}

/** The consensus state a block of `slot` on a parent starts from (steps 1 and 3). */
export interface Schedule {
  readonly epoch: number;
  /** Advanced to `epoch`. */
  readonly staking: StakingState;
  /** Unbonded funds the boundary releases. */
  readonly releases: readonly Release[];
  readonly seeds: readonly SeedEntry[];
  readonly set: ValidatorSet;
  readonly seed: Uint8Array;
}

/**
 * The schedule of a block of `slot` on a parent whose state holds `staking`
 * and `seeds`. Pure; throws StakingError when the slot's epoch lies before
 * the parent's (EpochOrder).
 */
export function scheduleAt(staking: StakingState, seeds: readonly SeedEntry[], parent: ParentRef, slot: number, epochLength: number): Schedule {
  const epoch = epochOf(slot, epochLength);
  const advanced = advanceToEpoch(staking, epoch);
  const after = seedsAfter(seeds, { ...parent, epoch: staking.epoch }, epoch);
  return { epoch, staking: advanced.state, releases: advanced.released, seeds: after, set: activeSet(advanced.state), seed: seedOf(after, epoch) };
}

export class BlockTransition {
  readonly number: number;
  readonly slot: number;
  readonly schedule: Schedule;
  /** The address drawn to propose this slot; InvalidBlockError when the set is empty. */
  readonly proposer: Uint8Array;
  readonly votes: Vote[] = [];
  readonly evidence: Evidence[] = [];
  readonly #reader: RecordReader;
  readonly #rules: StakingRules;
  readonly #finality: FinalityState;
  readonly #window = new Map<number, WindowEntry>();
  readonly #changed = new Set<number>();
  #staking: StakingState;
  #burned = 0n;

  private constructor(reader: RecordReader, rules: StakingRules, parent: ParentRef, slot: number, schedule: Schedule) {
    this.#reader = reader;
    this.#rules = rules;
    this.number = parent.number + 1;
    this.slot = slot;
    this.schedule = schedule;
    this.#staking = schedule.staking;
    this.#finality = parent.number === 0 ? genesisFinality(parent.hash) : readFinality(reader);
    this.#window.set(parent.number, { hash: parent.hash, voters: new Set() });
    this.#changed.add(parent.number);
    try {
      this.proposer = sampleProposer(schedule.set, schedule.seed, slot).address;
    } catch (error) {
      throw blockError(this.number, error);
    }
  }

  /** Steps 1-3 for a block of `slot` on `parent`, whose state `reader` reads. Throws InvalidBlockError(BadConsensus). */
  static open(reader: RecordReader, rules: StakingRules & { readonly epochLength: number }, parent: ParentRef, slot: number): BlockTransition {
    let schedule: Schedule;
    try {
      schedule = scheduleAt(readStakingState(reader), readSeeds(reader), parent, slot, rules.epochLength);
    } catch (error) {
      throw blockError(parent.number + 1, error);
    }
    return new BlockTransition(reader, rules, parent, slot, schedule);
  }

  /** Step 4 for one vote; InvalidBlockError(BadConsensus) naming the vote and the rule it breaks. */
  addVote(vote: Vote): void {
    const n = this.number;
    const fail = (why: string): never => {
      throw new InvalidBlockError(BlockErrorCode.BadConsensus, `block ${n}: ${describeVote(vote)} ${why}`);
    };
    const oldest = Math.max(0, n - VOTE_INCLUSION_WINDOW);
    const height = vote.target.height;
    if (height >= n || height < oldest) fail(`is outside the inclusion window #${oldest}…#${n - 1}`);
    const entry = this.#windowAt(height);
    if (!equalBytes(entry.hash, vote.target.hash)) fail(`targets a block that is not on this chain (#${height} is ${bytesToHex(entry.hash)})`);
    if (this.schedule.set.stakeOf(vote.validator) === 0n) fail("comes from an address without stake in this block's validator set");
    const voter = bytesToHex(vote.validator);
    if (entry.voters.has(voter)) fail('repeats a vote of this validator for this height already on this chain');
    this.#window.set(height, { hash: entry.hash, voters: new Set([...entry.voters, voter]) });
    this.#changed.add(height);
    this.votes.push(vote);
  }

  /** Step 5 for one piece of evidence; InvalidBlockError(BadConsensus) when it punishes nothing. */
  addEvidence(evidence: Evidence): void {
    let result: ReturnType<typeof applySlashing>;
    try {
      result = applySlashing(this.#staking, evidence, this.#rules);
    } catch (error) {
      if (!(error instanceof EvidenceError)) throw error;
      throw new InvalidBlockError(BlockErrorCode.BadConsensus, `block ${this.number}: ${error.message}`, { cause: error });
    }
    this.#staking = result.state;
    this.#burned += result.burned;
    this.evidence.push(evidence);
  }

  /** Step 6, and every write into the block's state: records, released and burned funds. */
  commit(state: SystemState): void {
    writeStakingState(state, this.#staking);
    payOut(state, this.schedule.releases);
    if (this.#burned > 0n) burnStake(state, this.#burned);
    putIfChanged(state, SEEDS_KEY, encodeSeeds(this.schedule.seeds));
    putIfChanged(state, FINALITY_KEY, encodeFinality(nextFinality(this.#finality, this, this.schedule.set)));
    for (const height of this.#changed) state.setRecord(windowKey(height), encodeWindow(this.#window.get(height)!));
    // The next block's window starts one height above this one's.
    const leaving = this.number - VOTE_INCLUSION_WINDOW;
    if (leaving >= 0) state.setRecord(windowKey(leaving), undefined);
  }

  #windowAt(height: number): WindowEntry {
    const entry = this.#window.get(height) ?? readWindow(this.#reader, height);
    // Every height in the window was written by the block above it.
    if (entry === undefined) throw new Error(`the chain state has no consensus window entry for height ${height} (block ${this.number})`);
    return entry;
  }
}

function putIfChanged(state: SystemState, key: Uint8Array, bytes: Uint8Array): void {
  const before = state.getRecord(key);
  if (before === undefined || !equalBytes(before, bytes)) state.setRecord(key, bytes);
}

/** A staking refusal while scheduling (epoch order, empty set) as the block's fault. */
function blockError(n: number, error: unknown): unknown {
  if (!(error instanceof StakingError)) return error;
  return new InvalidBlockError(BlockErrorCode.BadConsensus, `block ${n}: ${error.message}`, { cause: error });
}
