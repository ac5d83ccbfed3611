import { keccak256 } from '../../primitives/hash.js';
import { bigintToFixedBytes, bytesToBigint, concatBytes } from '../../primitives/hex.js';
import { rlpEncode } from '../../primitives/rlp.js';
import { StakingError, StakingErrorCode, type Validator, type ValidatorSet } from '../../ledger/modules/staking/index.js';
import { epochOf } from './slots.js';

/**
 * Who proposes in a slot: stake-weighted sampling from a seed the chain
 * itself fixes, integers only, so every node computes the same proposer.
 *
 * Seed of epoch e:
 *   seedBlock(e) = the latest block of the chain whose slot is below
 *                  max(0, (e − 1) · epochLength): the last block of epoch
 *                  e − 2, or an earlier one when that epoch ended empty;
 *                  the genesis block when there is none (epochs 0 and 1)
 *                  (seeds.ts keeps the hashes this needs in the chain state)
 *   seed(e)      = keccak256(rlp(["cairn/pos/seed/1", hash(seedBlock(e)), e]))
 * The epoch number is mixed in so that epochs sharing a seed block (0 and 1,
 * or after empty epochs) still get different schedules. Why the epoch before
 * last: the seed of e is fixed by the end of e − 2, so during all of e − 1
 * every node, whatever its head, agrees on e's schedule and can show the next
 * proposers, and a block of e is checked against a seed its own ancestors fix.
 *
 * Proposer of slot s (of epoch e), over the block's active set sorted by
 * address:
 *   r        = uint256(keccak256(seed(e) ‖ uint64be(s))) mod totalStake
 *   proposer = the first validator whose running sum of stakes exceeds r
 * so validator v proposes with probability stake(v) / totalStake, up to a
 * modulo bias below totalStake / 2^256.
 *
 * Known limits, as there is no VRF or RANDAO: the proposer of a seed block
 * can grind its block's hash (extraData, transaction order) to favour itself
 * in epoch e; and a staker who sees seed(e) during e − 1 can size a stake
 * change (which counts from e) to win chosen slots of e. Either costs hashing
 * and yields extra proposals only: it forges no signature and breaks no
 * finality.
 */

const SEED_TAG = 'cairn/pos/seed/1';

export function epochSeed(seedBlockHash: Uint8Array, epoch: number): Uint8Array {
  return keccak256(rlpEncode([SEED_TAG, seedBlockHash, epoch]));
}

export function sampleProposer(validators: ValidatorSet, seed: Uint8Array, slot: number): Validator {
  if (validators.totalStake === 0n) {
    throw new StakingError(StakingErrorCode.NoValidators, `slot ${slot}: the validator set is empty, no proposer can be drawn`);
  }
  const draw = bytesToBigint(keccak256(concatBytes(seed, bigintToFixedBytes(BigInt(slot), 8)))) % validators.totalStake;
  let sum = 0n;
  for (const validator of validators.validators) {
    sum += validator.stake;
    if (draw < sum) return validator;
  }
  // draw < totalStake = the final sum, so the loop always returns.
  throw new Error('unreachable: proposer draw exceeds the total stake');
}

/** What an epoch's schedule depends on. */
export interface EpochSchedule {
  readonly validators: ValidatorSet;
  readonly seed: Uint8Array;
}

/**
 * Proposers of `count` slots from `fromSlot`, for status displays and the
 * node's own duties. `scheduleOf` answers undefined for an epoch whose seed
 * or set is not known yet; the list stops there. A slash within an epoch
 * changes the set, so the later part of a list can change with it.
 */
export function proposerSchedule(
  fromSlot: number,
  count: number,
  epochLength: number,
  scheduleOf: (epoch: number) => EpochSchedule | undefined,
): { readonly slot: number; readonly proposer: Uint8Array }[] {
  const out: { slot: number; proposer: Uint8Array }[] = [];
  let epoch = -1;
  let schedule: EpochSchedule | undefined;
  for (let slot = fromSlot; slot < fromSlot + count; slot++) {
    if (epochOf(slot, epochLength) !== epoch) {
      epoch = epochOf(slot, epochLength);
      schedule = scheduleOf(epoch);
    }
    if (schedule === undefined) break;
    out.push({ slot, proposer: sampleProposer(schedule.validators, schedule.seed, slot).address });
  }
  return out;
}
