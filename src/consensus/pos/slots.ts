/**
 * Time in slots and epochs. All times are ms since the Unix epoch, passed in
 * explicitly (no clock is read here), so every rule is a function of its
 * inputs and tests need no wall clock.
 *
 *   slot(t)        = floor((t − genesisTime) / slotDurationMs)
 *   slotStart(s)   = genesisTime + s · slotDurationMs
 *   epoch(s)       = floor(s / epochLength)
 *
 * Genesis is slot 0; blocks occupy slots 1, 2, … with slots left empty when
 * their proposer is offline. Times before genesis map to negative slots,
 * which no block can carry. Operands are safe integers, and for those
 * floating-point division followed by floor is exact.
 */

export interface SlotClock {
  /** genesis.json `timestamp`, ms. */
  readonly genesisTime: number;
  readonly slotDurationMs: number;
  readonly epochLength: number;
}

export function slotAt(time: number, clock: SlotClock): number {
  return Math.floor((time - clock.genesisTime) / clock.slotDurationMs);
}

export function slotStart(slot: number, clock: SlotClock): number {
  return clock.genesisTime + slot * clock.slotDurationMs;
}

export function epochOf(slot: number, epochLength: number): number {
  return Math.floor(slot / epochLength);
}

export function firstSlotOf(epoch: number, epochLength: number): number {
  return epoch * epochLength;
}

/** The first slot starting strictly after `time`, and when it starts: what a slot timer sleeps until. */
export function nextSlot(time: number, clock: SlotClock): { readonly slot: number; readonly startsAt: number } {
  const slot = slotAt(time, clock) + 1;
  return { slot, startsAt: slotStart(slot, clock) };
}
