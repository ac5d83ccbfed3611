import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MIN_GAP_MS, QUIET_MS, RebuildTrigger, RECOMMIT_MS } from '../../../src/node/rebuild-trigger.js';

describe('RebuildTrigger', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires once arrivals pause, not once per arrival', () => {
    const fire = vi.fn();
    const trigger = new RebuildTrigger(fire);
    vi.advanceTimersByTime(MIN_GAP_MS);
    for (let i = 0; i < 50; i++) {
      trigger.changed();
      vi.advanceTimersByTime(QUIET_MS - 1);
    }
    expect(fire).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fire).toHaveBeenCalledTimes(1);
  });

  it('keeps rebuilds MIN_GAP_MS apart', () => {
    const fire = vi.fn();
    const trigger = new RebuildTrigger(fire);
    trigger.changed();
    vi.advanceTimersByTime(MIN_GAP_MS - 1);
    expect(fire).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fire).toHaveBeenCalledTimes(1);

    trigger.built();
    vi.advanceTimersByTime(10);
    trigger.changed();
    vi.advanceTimersByTime(MIN_GAP_MS - 11);
    expect(fire).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1);
    expect(fire).toHaveBeenCalledTimes(2);
  });

  it('drops a pending rebuild when the template is built or the block is done', () => {
    const fire = vi.fn();
    const trigger = new RebuildTrigger(fire);
    vi.advanceTimersByTime(MIN_GAP_MS);
    trigger.changed();
    trigger.built();
    trigger.changed();
    trigger.cancel();
    vi.advanceTimersByTime(10 * MIN_GAP_MS);
    expect(fire).not.toHaveBeenCalled();
  });

  it('says a rebuild is due once arrivals paused, or after RECOMMIT_MS of arrivals without a pause', () => {
    const trigger = new RebuildTrigger(() => {});
    vi.advanceTimersByTime(MIN_GAP_MS);
    expect(trigger.rebuildDue()).toBe(false);
    trigger.changed();
    expect(trigger.rebuildDue()).toBe(false);
    vi.advanceTimersByTime(QUIET_MS);
    expect(trigger.rebuildDue()).toBe(true);
    trigger.built();
    expect(trigger.rebuildDue()).toBe(false);

    // A steady stream never pauses for QUIET_MS: the template is still taken in at the recommit interval.
    for (let waited = 0; waited < RECOMMIT_MS - QUIET_MS; waited += QUIET_MS - 1) {
      trigger.changed();
      vi.advanceTimersByTime(QUIET_MS - 1);
      expect(trigger.rebuildDue()).toBe(false);
    }
    trigger.changed();
    vi.advanceTimersByTime(QUIET_MS - 1);
    expect(trigger.rebuildDue()).toBe(true);
  });

  it('is not due without arrivals, however long the round', () => {
    const trigger = new RebuildTrigger(() => {});
    vi.advanceTimersByTime(10 * RECOMMIT_MS);
    expect(trigger.rebuildDue()).toBe(false);
  });
});
