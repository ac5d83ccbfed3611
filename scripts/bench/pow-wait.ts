/**
 * The PoW block wait, in a model: how long after a random moment the next
 * block comes, which bounds bench:ingest's end-to-end figure however fast
 * transactions are accepted. Runs the real retarget rule (retarget.ts) on a
 * simulated miner whose hashes find a block at random (a constant hash rate,
 * so exponential in hashes), with the producer's re-stamping: a candidate
 * carries the timestamp of the latest re-stamp, and its difficulty follows
 * that timestamp. Prints, per re-stamp interval, the mean block interval (in
 * real time, not by timestamps) and the mean wait from a random moment,
 * E[X²] / 2E[X] of the intervals X.
 *
 * Run: npx tsx scripts/bench/pow-wait.ts   (bench:ingest's genesis: 1 s target, 1 s half-life)
 */
import { nextDifficulty, type RetargetParams } from '../../src/consensus/pow/retarget.js';
import { RESTAMP_MS } from '../../src/node/producer.js';
import { fmt } from '../lib/bench.js';

const BLOCKS = 100_000;
const PARAMS: RetargetParams = { targetBlockTimeMs: 1000, halfLifeMs: 1000, minDifficulty: 1000n };
/** Hashes per millisecond; difficulty is expected hashes per block, so only the ratio to it matters. */
const HASH_RATE = 1000;

/** xorshift32, so every run prints the same figures. */
function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return (x + 0.5) / 2 ** 32;
  };
}

function simulate(restampMs: number): { meanMs: number; waitMs: number } {
  const next = random(2026);
  let parent = { number: 1, timestamp: 0, difficulty: BigInt(HASH_RATE * PARAMS.targetBlockTimeMs) };
  /** Real time, ms; the parent was found at `lastFound`, its timestamp is its last re-stamp. */
  let now = 0;
  let lastFound = 0;
  let sum = 0;
  let sumSquares = 0;
  for (let i = 0; i < BLOCKS; i++) {
    let stamp = Math.max(Math.floor(now), parent.timestamp + 1);
    for (;;) {
      const difficulty = Number(nextDifficulty(parent, stamp, PARAMS));
      // Time to the next find at this difficulty; at the next re-stamp the candidate changes.
      const found = (-Math.log(next()) * difficulty) / HASH_RATE;
      const untilRestamp = stamp + restampMs - now;
      if (found < untilRestamp) {
        now += found;
        break;
      }
      now += untilRestamp;
      stamp = Math.floor(now);
    }
    const interval = now - lastFound;
    lastFound = now;
    sum += interval;
    sumSquares += interval * interval;
    parent = { number: parent.number + 1, timestamp: stamp, difficulty: nextDifficulty(parent, stamp, PARAMS) };
  }
  const meanMs = sum / BLOCKS;
  return { meanMs, waitMs: sumSquares / BLOCKS / (2 * meanMs) };
}

console.log(`PoW block wait, simulated: retarget rule with a ${PARAMS.targetBlockTimeMs} ms target and ${PARAMS.halfLifeMs} ms half-life, ${fmt(BLOCKS)} blocks`);
for (const restampMs of [500, RESTAMP_MS, 10]) {
  const { meanMs, waitMs } = simulate(restampMs);
  const note = restampMs === RESTAMP_MS ? ' (the producer today)' : '';
  console.log(`  re-stamp every ${String(restampMs).padStart(3)} ms${note}: mean interval ${fmt(meanMs)} ms, mean wait from a random moment ${fmt(waitMs)} ms`);
}
