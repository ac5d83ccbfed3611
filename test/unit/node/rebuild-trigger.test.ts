import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MIN_GAP_MS, QUIET_MS, RebuildTrigger } from '../../../src/node/rebuild-trigger.js';

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

  it('says the template is stale from an admission until the next build begins', () => {
    const trigger = new RebuildTrigger(() => {});
    expect(trigger.stale).toBe(false);
    trigger.changed();
    expect(trigger.stale).toBe(true);
    trigger.cancel();
    expect(trigger.stale).toBe(true);
    trigger.built();
    expect(trigger.stale).toBe(false);
  });
});
