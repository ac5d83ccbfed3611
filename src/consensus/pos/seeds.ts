import { epochSeed } from './proposer.js';

/**
 * The hashes the proposer seed rule needs (proposer.ts), kept in the chain
 * state so that beginBlock finds them without walking back through blocks.
 *
 * lastBefore(k) = the hash of the latest block whose slot is below the first
 * slot of epoch k (k >= 1), the genesis block for k = 0; then
 * seedBlock(e) = lastBefore(max(0, e − 1)). lastBefore(k) changes only when
 * a block B crosses epochs: for every k with epoch(parent) < k <= epoch(B),
 * lastBefore(k) = B's parent. So the record is a short list of entries
 * { fromEpoch, hash }, ascending: lastBefore(k) = the hash of the last entry
 * with fromEpoch <= k.
 *
 *   - the first block (parent = genesis) starts the list with { 0, genesis };
 *   - a block whose epoch is above its parent's appends { epoch(parent) + 1, parent };
 *   - entries that no seed of the block's epoch or the next one can reach
 *     are dropped, so the list stays two or three entries long.
 * The parent's epoch is the staking state's epoch before beginBlock
 * advances it (the epoch of the latest block executed).
 */

export interface SeedEntry {
  readonly fromEpoch: number;
  readonly hash: Uint8Array;
}

/** What seedsAfter needs to know of the parent of the block being executed. */
export interface SeedParent {
  readonly hash: Uint8Array;
  readonly number: number;
  readonly epoch: number;
}

/** The entries after a block of `epoch` on `parent`, from the entries after the parent. */
export function seedsAfter(entries: readonly SeedEntry[], parent: SeedParent, epoch: number): SeedEntry[] {
  const out = parent.number === 0 ? [{ fromEpoch: 0, hash: parent.hash }] : [...entries];
  if (epoch > parent.epoch) out.push({ fromEpoch: parent.epoch + 1, hash: parent.hash });
  // Seeds of `epoch` and `epoch + 1` read lastBefore(epoch − 1) and lastBefore(epoch).
  const first = lastIndexFrom(out, epoch - 1);
  return first <= 0 ? out : out.slice(first);
}

/** The hash of seedBlock(epoch); the entries must be those after a block of `epoch` or `epoch − 1`. */
export function seedBlockHash(entries: readonly SeedEntry[], epoch: number): Uint8Array {
  const index = lastIndexFrom(entries, Math.max(0, epoch - 1));
  if (index < 0) throw new RangeError(`no seed block is recorded for epoch ${epoch} (entries from epoch ${entries[0]?.fromEpoch ?? 'none'})`);
  return entries[index]!.hash;
}

export function seedOf(entries: readonly SeedEntry[], epoch: number): Uint8Array {
  return epochSeed(seedBlockHash(entries, epoch), epoch);
}

/** The index of the last entry with fromEpoch <= k, or −1. */
function lastIndexFrom(entries: readonly SeedEntry[], k: number): number {
  let index = -1;
  for (const [i, entry] of entries.entries()) if (entry.fromEpoch <= k) index = i;
  return index;
}
