import { describe, expect, it } from 'vitest';
import { BAN_MS, BAN_THRESHOLD, PENALTY, PeerScores } from '../../../src/p2p/peer-score.js';

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

describe('PeerScores', () => {
  it('bans on the fourth invalid message in a row, once', () => {
    const time = clock();
    const scores = new PeerScores(time.now);
    const results = [1, 2, 3, 4].map(() => scores.penalize('p', 'invalid-message'));
    expect(results.map((r) => r.banned)).toEqual([false, false, false, true]);
    expect(results[3]!.score).toBe(BAN_THRESHOLD);
    expect(scores.isBanned('p')).toBe(true);
    expect(scores.penalize('p', 'invalid-message').banned).toBe(false); // already banned: not announced again
    expect(scores.isBanned('other')).toBe(false);
  });

  it('decays scores by half every ten minutes and lifts bans after BAN_MS', () => {
    const time = clock();
    const scores = new PeerScores(time.now);
    scores.penalize('p', 'invalid-block');
    expect(scores.score('p')).toBe(-PENALTY['invalid-block']);
    time.advance(10 * 60_000);
    expect(scores.score('p')).toBeCloseTo(-PENALTY['invalid-block'] / 2);

    scores.penalize('q', 'other-genesis');
    expect(scores.isBanned('q')).toBe(true);
    expect(scores.score('q')).toBe(BAN_THRESHOLD);
    time.advance(BAN_MS - 1);
    expect(scores.isBanned('q')).toBe(true);
    time.advance(1);
    expect(scores.isBanned('q')).toBe(false);
    // Back with half the ban score: two more invalid messages ban again.
    expect(scores.penalize('q', 'invalid-message').banned).toBe(false);
    expect(scores.penalize('q', 'invalid-message').banned).toBe(true);
  });

  it('spreads out offences so they decay before they add up', () => {
    const time = clock();
    const scores = new PeerScores(time.now);
    for (let i = 0; i < 20; i++) {
      expect(scores.penalize('slow', 'timeout').banned).toBe(false);
      time.advance(5 * 60_000);
    }
  });

  it('prunes forgotten peers but keeps banned ones', () => {
    const time = clock();
    const scores = new PeerScores(time.now);
    scores.penalize('minor', 'rate-limit');
    scores.penalize('bad', 'other-genesis');
    time.advance(BAN_MS - 1000);
    scores.prune();
    expect(scores.isBanned('bad')).toBe(true);
    time.advance(2 * 60 * 60_000);
    scores.prune();
    expect(scores.score('minor')).toBe(0);
  });
});
