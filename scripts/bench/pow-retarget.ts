/**
 * PoW retarget, measured for real: mines 200 blocks with the miner worker on
 * this machine, chained in memory and stamped as the node's producer stamps
 * them (Date.now() when a round of sealing starts, re-stamped every RESTAMP_MS),
 * starting from the repo genesis.json difficulty and parameters. Prints the
 * mean and median block interval of the whole run and of the last 100 blocks
 * against the target, and the hash rate.
 *
 * Run: npm run bench:retarget
 */
import { readFile } from 'node:fs/promises';
import { PowEngine } from '../../src/consensus/pow/engine.js';
import { parsePowParams } from '../../src/consensus/pow/params.js';
import { decodeSection } from '../../src/consensus/pow/seal.js';
import { hashHeader } from '../../src/ledger/block/header.js';
import { RESTAMP_MS } from '../../src/node/producer.js';
import type { BlockHeader } from '../../src/ledger/block/types.js';
import { fmt, percentile } from '../lib/bench.js';

const BLOCKS = 200;
const LAST = 100;
const MINER_THREADS = 1;

const genesisJson = JSON.parse(await readFile(new URL('../../genesis.json', import.meta.url), 'utf8')) as {
  consensus: { pow: Record<string, unknown> };
};
const params = parsePowParams(genesisJson.consensus.pow);
const engine = new PowEngine(params, { minerThreads: MINER_THREADS });
const target = params.targetBlockTimeMs;

const genesis: BlockHeader = {
  parentHash: new Uint8Array(32),
  number: 0,
  timestamp: Date.now(),
  coinbase: new Uint8Array(20),
  txRoot: new Uint8Array(32),
  receiptsRoot: new Uint8Array(32),
  stateRoot: new Uint8Array(32),
  gasLimit: 30_000_000n,
  gasUsed: 0n,
  baseFee: 1_000_000_000n,
  extraData: new Uint8Array(0),
  consensus: engine.genesisSection(),
};

async function mineOn(parent: BlockHeader): Promise<BlockHeader> {
  const parentHash = hashHeader(parent);
  for (;;) {
    const timestamp = Math.max(Date.now(), parent.timestamp + 1);
    const header: BlockHeader = {
      ...parent,
      parentHash,
      number: parent.number + 1,
      timestamp,
      consensus: engine.prepareSection(parent, timestamp),
    };
    const sealed = await engine.seal(header, AbortSignal.timeout(RESTAMP_MS));
    if (sealed !== null) {
      engine.verifyHeader(sealed, parent);
      return sealed;
    }
  }
}

function summary(intervals: readonly number[]): string {
  const mean = intervals.reduce((sum, ms) => sum + ms, 0) / intervals.length;
  const median = percentile([...intervals].sort((a, b) => a - b), 50);
  return `mean ${fmt(mean)} ms (${fmt((100 * mean) / target, 1)}% of target), median ${fmt(median)} ms`;
}

console.log(
  `PoW retarget: ${BLOCKS} blocks, target ${fmt(target)} ms, half-life ${fmt(params.halfLifeMs)} ms, ` +
    `genesis difficulty ${fmt(Number(params.initialDifficulty))}, ${MINER_THREADS} miner thread(s)`,
);
const intervals: number[] = [];
const rateSamples: number[] = [];
let work = 0;
let tip = genesis;
let last = performance.now();
const started = last;
try {
  while (tip.number < BLOCKS) {
    tip = await mineOn(tip);
    const now = performance.now();
    intervals.push(now - last);
    last = now;
    work += Number(decodeSection(tip).difficulty);
    rateSamples.push(Number(engine.status(tip)['hashRate']));
    if (tip.number % 20 === 0) {
      console.log(
        `block ${String(tip.number).padStart(3)}: difficulty ${fmt(Number(decodeSection(tip).difficulty)).padStart(11)}, ` +
          `last 20 ${summary(intervals.slice(-20))}`,
      );
    }
  }
} finally {
  await engine.close();
}
const seconds = (performance.now() - started) / 1000;
console.log(`all ${BLOCKS} blocks:  ${summary(intervals)}`);
console.log(`last ${LAST} blocks: ${summary(intervals.slice(-LAST))}`);
console.log(
  `hash rate: ${fmt(rateSamples.reduce((sum, rate) => sum + rate, 0) / rateSamples.length)} H/s measured by the miner ` +
    `(mean of per-block readings); work the chain credits (sum of difficulties / time): ${fmt(work / seconds)} H/s`,
);
console.log(`final difficulty ${fmt(Number(decodeSection(tip).difficulty))}, ${fmt(seconds, 1)} s in all`);
