import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../../src/p2p/rate-limiter.js';

describe('RateLimiter', () => {
  it('allows a burst up to capacity, then refills at the rate, per peer and kind', () => {
    let now = 0;
    const limiter = new RateLimiter({ a: { capacity: 10, perSecond: 5 }, b: { capacity: 1, perSecond: 1 } }, () => now);
    expect(limiter.allow('p', 'a', 8)).toBe(true);
    expect(limiter.allow('p', 'a', 3)).toBe(false); // 2 left: refused and nothing taken
    expect(limiter.allow('p', 'a', 2)).toBe(true);
    expect(limiter.allow('p', 'a')).toBe(false);
    expect(limiter.allow('q', 'a', 10)).toBe(true); // another peer has its own bucket
    expect(limiter.allow('p', 'b')).toBe(true); // and another kind
    now += 400;
    expect(limiter.allow('p', 'a', 2)).toBe(true);
    expect(limiter.allow('p', 'a', 1)).toBe(false);
    now += 60_000;
    expect(limiter.allow('p', 'a', 10)).toBe(true); // capped at capacity, not 300 tokens
    expect(limiter.allow('p', 'a', 1)).toBe(false);
  });

  it('prunes only buckets that refilled, so reconnecting does not reset a drained one', () => {
    let now = 0;
    const limiter = new RateLimiter({ a: { capacity: 4, perSecond: 1 } }, () => now);
    expect(limiter.allow('p', 'a', 4)).toBe(true);
    limiter.prune();
    expect(limiter.allow('p', 'a', 1)).toBe(false);
    now += 4_000;
    limiter.prune();
    expect(limiter.allow('p', 'a', 4)).toBe(true);
  });
});
