import { hashHeader } from '../../ledger/block/header.js';
import type { BlockHeader } from '../../ledger/block/types.js';
import type { RecordReader } from '../../ledger/modules/module.js';
import { activeSet, readStakingState, stakingView, type Validator } from '../../ledger/modules/staking/index.js';
import { toChecksumAddress } from '../../primitives/address.js';
import { bytesToHex } from '../../primitives/hex.js';
import type { ConsensusViews, JsonRecord } from '../engine.js';
import { VOTE_INCLUSION_WINDOW } from './body.js';
import type { Tally } from './finality.js';
import type { PosConfig } from './params.js';
import { proposerSchedule } from './proposer.js';
import { readFinality, readSeeds, readWindow } from './records.js';
import { decodeSection } from './seal.js';
import { slotAt } from './slots.js';
import { isOffenceOf } from './slashing.js';
import { scheduleAt } from './transition.js';
import type { Checkpoint } from './votes.js';

/**
 * Read-only views of the PoS state for the RPC (`cairn_validators`,
 * `cairn_finality`; `cairn_staking` wraps the staking module's stakingView).
 * Pure functions of a head and its state; amounts stay bigint and addresses
 * bytes (lowercase 0x hex in voter lists), for the RPC to format.
 */

export interface ValidatorsView {
  /** The epoch of the head. */
  readonly epoch: number;
  /** The slot of the clock (`now`). */
  readonly currentSlot: number;
  /** The head's active set, by address. */
  readonly validators: readonly Validator[];
  readonly totalStake: bigint;
  /**
   * Proposers of the next slots after the head's (from the current slot on),
   * for a block built on the head: as long as the head stays, this is
   * exactly whom beginBlock will accept. It stops at the end of the epoch
   * after the head's, whose seed the chain has not fixed yet.
   */
  readonly proposers: readonly { readonly slot: number; readonly proposer: Uint8Array }[];
}

export function validatorsView(state: RecordReader, config: PosConfig, head: BlockHeader, now: number, count = 16): ValidatorsView {
  const { epochLength } = config.clock;
  const staking = readStakingState(state);
  const seeds = readSeeds(state);
  const set = activeSet(staking);
  const parent = { hash: hashHeader(head), number: head.number };
  const from = Math.max(decodeSection(head).slot + 1, slotAt(now, config.clock));
  const lastEpoch = staking.epoch + 1;
  const proposers = proposerSchedule(from, count, epochLength, (epoch) => {
    if (epoch > lastEpoch) return undefined;
    const schedule = scheduleAt(staking, seeds, parent, epoch * epochLength, epochLength);
    return schedule.set.size === 0 ? undefined : { validators: schedule.set, seed: schedule.seed };
  });
  return {
    epoch: staking.epoch,
    currentSlot: slotAt(now, config.clock),
    validators: set.validators,
    totalStake: set.totalStake,
    proposers,
  };
}

export interface FinalityView {
  /** "safe". */
  readonly justified: Checkpoint;
  readonly finalized: Checkpoint;
  /** Stake counted toward targets above the justified block, from the justified block as source. */
  readonly tallies: readonly Tally[];
  /** The last heights below the head (newest first): the block the chain holds and whose votes it includes. */
  readonly recent: readonly { readonly height: number; readonly hash: Uint8Array; readonly voters: readonly string[] }[];
}

export function finalityView(state: RecordReader, headNumber: number, count = 16): FinalityView {
  const finality = readFinality(state);
  const recent: FinalityView['recent'][number][] = [];
  const oldest = Math.max(0, headNumber - Math.min(count, VOTE_INCLUSION_WINDOW - 1));
  for (let height = headNumber - 1; height >= oldest; height--) {
    const entry = readWindow(state, height);
    if (entry === undefined) break;
    recent.push({ height, hash: entry.hash, voters: [...entry.voters].sort() });
  }
  return { justified: finality.justified, finalized: finality.finalized, tallies: finality.tallies, recent };
}

const checkpointJson = (c: Checkpoint): JsonRecord => ({ number: c.height, hash: bytesToHex(c.hash) });

/** The views above as the JSON the RPC serves (ConsensusEngine.views): wei as decimal strings, addresses EIP-55. */
export function posViews(config: PosConfig): ConsensusViews {
  return {
    validators(head, state, now) {
      const view = validatorsView(state, config, head, now);
      return {
        epoch: view.epoch,
        slot: view.currentSlot,
        totalStake: view.totalStake.toString(),
        validators: view.validators.map((v) => ({ address: toChecksumAddress(v.address), stake: v.stake.toString() })),
        nextProposers: view.proposers.map((p) => ({ slot: p.slot, proposer: toChecksumAddress(p.proposer) })),
      };
    },
    finality(head, state) {
      const view = finalityView(state, head.number);
      const total = activeSet(readStakingState(state)).totalStake;
      return {
        safe: checkpointJson(view.justified),
        finalized: checkpointJson(view.finalized),
        tallies: view.tallies.map((t) => ({ target: checkpointJson(t.target), stake: t.stake.toString(), totalStake: total.toString(), voters: t.voters.size })),
        recent: view.recent.map((r) => ({ number: r.height, hash: bytesToHex(r.hash), voters: r.voters.length })),
      };
    },
    staking(state, address) {
      const view = stakingView(state, address);
      const slashed = [...readStakingState(state).usedOffences].some((key) => isOffenceOf(key, address));
      return {
        address: toChecksumAddress(address),
        epoch: view.epoch,
        bonded: view.bonded.toString(),
        pending: view.pending.map((p) => ({
          kind: p.kind,
          amount: p.amount.toString(),
          effectiveEpoch: p.effectiveEpoch,
          ...(p.releaseEpoch === undefined ? {} : { releaseEpoch: p.releaseEpoch }),
        })),
        unbonding: view.unbonding.map((u) => ({ amount: u.amount.toString(), releaseEpoch: u.releaseEpoch })),
        slashed,
      };
    },
  };
}
