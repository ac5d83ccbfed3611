import { describe, expect, it } from 'vitest';
import { epochOf, firstSlotOf, nextSlot, slotAt, slotStart } from '../../../../src/consensus/pos/slots.js';
import { clock } from './fixtures.js';

const g = clock.genesisTime;

describe('slots', () => {
  it('slot = floor((now - genesisTime) / slotDuration)', () => {
    expect(slotAt(g, clock)).toBe(0);
    expect(slotAt(g + 999, clock)).toBe(0);
    expect(slotAt(g + 1000, clock)).toBe(1);
    expect(slotAt(g + 12_345, clock)).toBe(12);
    expect(slotAt(g - 1, clock)).toBe(-1);
  });

  it('slot start times invert slotAt', () => {
    for (const slot of [0, 1, 7, 8, 1_000_000]) {
      expect(slotStart(slot, clock)).toBe(g + slot * 1000);
      expect(slotAt(slotStart(slot, clock), clock)).toBe(slot);
      expect(slotAt(slotStart(slot + 1, clock) - 1, clock)).toBe(slot);
    }
  });

  it('epochs group epochLength slots', () => {
    expect([0, 7, 8, 15, 16].map((slot) => epochOf(slot, 8))).toEqual([0, 0, 1, 1, 2]);
    expect(firstSlotOf(3, 8)).toBe(24);
  });

  it('nextSlot is the first slot starting after now', () => {
    expect(nextSlot(g + 2500, clock)).toEqual({ slot: 3, startsAt: g + 3000 });
    expect(nextSlot(g + 3000, clock)).toEqual({ slot: 4, startsAt: g + 4000 });
    expect(nextSlot(g - 5000, clock)).toEqual({ slot: -4, startsAt: g - 4000 });
  });
});
