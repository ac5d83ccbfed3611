import { describe, expect, it } from 'vitest';
import {
  MAX_DIFFICULTY,
  mulPow2,
  nextDifficulty,
  type RetargetParams,
  type RetargetParent,
} from '../../../../src/consensus/pow/retarget.js';

const T = 2000;
const H = 32_000;
const params: RetargetParams = { targetBlockTimeMs: T, halfLifeMs: H, minDifficulty: 1000n };
const parent: RetargetParent = { number: 5, timestamp: 1_000_000, difficulty: 1_000_000n };

describe('mulPow2 (aserti3-2d fixed point)', () => {
  it('stays within 0.013% of 2^x over five halvings and one doubling', () => {
    const value = 1n << 80n;
    for (let exponent = -5 * 65536; exponent <= 65536; exponent += 997) {
      const got = Number(mulPow2(value, BigInt(exponent))) / 2 ** 80;
      const want = 2 ** (exponent / 65536);
      expect(Math.abs(got / want - 1)).toBeLessThan(0.00013);
    }
  });

  it('is exact at whole powers of two', () => {
    expect(mulPow2(1000n, 0n)).toBe(1000n);
    expect(mulPow2(1000n, 65536n)).toBe(2000n);
    expect(mulPow2(1000n, -65536n)).toBe(500n);
    expect(mulPow2(1000n, -3n * 65536n)).toBe(125n);
  });

  it('rounds down', () => {
    expect(mulPow2(3n, -65536n)).toBe(1n);
    expect(mulPow2(1n, -1n)).toBe(0n);
  });
});

describe('nextDifficulty', () => {
  it('keeps the genesis difficulty for block 1, whatever the timestamp', () => {
    const genesis = { number: 0, timestamp: 0, difficulty: 5_000_000n };
    expect(nextDifficulty(genesis, 1, params)).toBe(5_000_000n);
    expect(nextDifficulty(genesis, 1_764_028_800_000, params)).toBe(5_000_000n);
  });

  it('keeps the difficulty when the block took exactly the target time', () => {
    expect(nextDifficulty(parent, parent.timestamp + T, params)).toBe(1_000_000n);
  });

  it('matches known values (integer-only: these are consensus)', () => {
    expect(nextDifficulty(parent, parent.timestamp + 1, params)).toBe(1_044_342n);
    expect(nextDifficulty(parent, parent.timestamp + 1000, params)).toBe(1_021_957n);
    expect(nextDifficulty(parent, parent.timestamp + 3000, params)).toBe(978_622n);
    expect(nextDifficulty(parent, parent.timestamp + 6 * T, params)).toBe(805_259n);
  });

  it('halves after one half-life of extra time and doubles per half-life saved', () => {
    const slow = nextDifficulty(parent, parent.timestamp + T + H / 8, { ...params, halfLifeMs: H / 8 });
    expect(slow).toBe(500_000n);
    const fast = nextDifficulty(parent, parent.timestamp, { ...params, halfLifeMs: T });
    expect(fast).toBe(2_000_000n);
  });

  it('rises for fast blocks and falls for slow ones, monotonically in the solve time', () => {
    let previous = MAX_DIFFICULTY;
    for (let solve = 1; solve <= 6 * T; solve += 250) {
      const next = nextDifficulty(parent, parent.timestamp + solve, params);
      expect(next).toBeLessThanOrEqual(previous);
      previous = next;
    }
    expect(nextDifficulty(parent, parent.timestamp + 500, params)).toBeGreaterThan(parent.difficulty);
    expect(nextDifficulty(parent, parent.timestamp + 4000, params)).toBeLessThan(parent.difficulty);
  });

  it('lowers the difficulty after a day-long pause by no more than the 6-target clamp allows', () => {
    const afterDay = nextDifficulty(parent, parent.timestamp + 86_400_000, params);
    expect(afterDay).toBe(nextDifficulty(parent, parent.timestamp + 6 * T, params));
    // 2^(-5T/H) = 2^(-5/16) ≈ 0.8052
    expect(Number(afterDay) / Number(parent.difficulty)).toBeGreaterThan(0.805);
  });

  it('treats a timestamp not above the parent as a zero solve time', () => {
    const zero = nextDifficulty(parent, parent.timestamp, params);
    expect(nextDifficulty(parent, parent.timestamp - 5000, params)).toBe(zero);
  });

  it('never goes below minDifficulty or above 2^256-1', () => {
    const low = { ...parent, difficulty: 1000n };
    expect(nextDifficulty(low, low.timestamp + 86_400_000, params)).toBe(1000n);
    const high = { ...parent, difficulty: MAX_DIFFICULTY };
    expect(nextDifficulty(high, high.timestamp + 1, params)).toBe(MAX_DIFFICULTY);
  });
});

// Simulated mining, no hashing: a miner with `rate` hashes/ms finds a block
// in an exponential time of mean difficulty/rate. As the node's producer does,
// the template is re-stamped every `recommitMs` (null: stamped once, when
// mining starts), and the block carries the stamp of the round that found it.

interface SimBlock extends RetargetParent {
  readonly foundAt: number;
}

/** mulberry32: a small seeded PRNG, so every run draws the same chain. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function simulate(opts: {
  blocks: number;
  initialDifficulty: bigint;
  rate: (blockNumber: number) => number;
  recommitMs: number | null;
  seed: number;
  params?: RetargetParams;
}): SimBlock[] {
  const random = prng(opts.seed);
  const rules = opts.params ?? params;
  let tip: SimBlock = { number: 0, timestamp: 0, difficulty: opts.initialDifficulty, foundAt: 0 };
  const chain = [tip];
  let now = 0;
  while (chain.length <= opts.blocks) {
    const stamp = Math.max(Math.floor(now), tip.timestamp + 1);
    const difficulty = nextDifficulty(tip, stamp, rules);
    const wait = (-Math.log(1 - random()) * Number(difficulty)) / opts.rate(tip.number + 1);
    if (opts.recommitMs === null || wait < opts.recommitMs) {
      now += wait;
      tip = { number: tip.number + 1, timestamp: stamp, difficulty, foundAt: now };
      chain.push(tip);
    } else {
      now += opts.recommitMs;
    }
  }
  return chain;
}

function meanInterval(chain: readonly SimBlock[], from: number, to: number): number {
  return (chain[to]!.foundAt - chain[from - 1]!.foundAt) / (to - from + 1);
}

function meanDifficulty(chain: readonly SimBlock[], from: number, to: number): number {
  let sum = 0;
  for (let n = from; n <= to; n++) sum += Number(chain[n]!.difficulty);
  return sum / (to - from + 1);
}

describe('retarget over simulated hash rates', () => {
  // 500 hashes/ms wants difficulty 1,000,000 for 2 s blocks.
  const rate = 500;

  for (const [label, initialDifficulty] of [
    ['10x too high', 10_000_000n],
    ['10x too low', 100_000n],
  ] as const) {
    it(`converges from a start ${label}: 200 blocks average within 25% of the target`, () => {
      for (const recommitMs of [500, null]) {
        const chain = simulate({ blocks: 300, initialDifficulty, rate: () => rate, recommitMs, seed: 7 });
        const mean = meanInterval(chain, 101, 300);
        expect(Math.abs(mean / T - 1)).toBeLessThan(0.25);
        expect(meanDifficulty(chain, 201, 300) / 1_000_000).toBeGreaterThan(0.75);
        expect(meanDifficulty(chain, 201, 300) / 1_000_000).toBeLessThan(1.25);
      }
    });
  }

  it('tracks a 4x hash-rate step', () => {
    const chain = simulate({
      blocks: 600,
      initialDifficulty: 1_000_000n,
      rate: (n) => (n <= 300 ? rate : 4 * rate),
      recommitMs: 500,
      seed: 11,
    });
    // Right after the step blocks come fast; 100 blocks later they are back on target.
    expect(meanInterval(chain, 301, 320)).toBeLessThan(0.6 * T);
    expect(Math.abs(meanInterval(chain, 401, 600) / T - 1)).toBeLessThan(0.25);
    const ratio = meanDifficulty(chain, 501, 600) / meanDifficulty(chain, 201, 300);
    expect(ratio).toBeGreaterThan(3);
    expect(ratio).toBeLessThan(5);
  });

  it('never goes below minDifficulty when the hash rate cannot sustain it', () => {
    // 0.1 hashes/ms would want difficulty 200, below the floor of 1000.
    const chain = simulate({ blocks: 200, initialDifficulty: 50_000n, rate: () => 0.1, recommitMs: 500, seed: 3 });
    for (const block of chain) expect(block.difficulty).toBeGreaterThanOrEqual(params.minDifficulty);
    expect(chain.at(-1)!.difficulty).toBe(params.minDifficulty);
  });

  it('loses at most the clamp factor per block when most miners leave', () => {
    const chain = simulate({
      blocks: 120,
      initialDifficulty: 1_000_000n,
      rate: (n) => (n <= 60 ? rate : rate / 1000),
      recommitMs: 500,
      seed: 5,
    });
    for (let n = 2; n < chain.length; n++) {
      const parentBlock = chain[n - 1]!;
      const clampFloor = nextDifficulty(parentBlock, parentBlock.timestamp + 6 * T, params);
      expect(chain[n]!.difficulty).toBeGreaterThanOrEqual(clampFloor);
      expect(Number(clampFloor) / Number(parentBlock.difficulty)).toBeGreaterThan(0.8);
    }
    // It still gets there: the last blocks are near the new equilibrium of 1,000.
    expect(Number(chain.at(-1)!.difficulty)).toBeLessThan(10_000);
  });
});
