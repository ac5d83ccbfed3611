/**
 * Time to finality under proof of stake: a devnet of 4 validators on
 * loopback with 1 s slots. For every block proposed while all are
 * connected, the time from its proposer's "produced block #n" log line to
 * the first "finalized block #m" line (m >= n) of every node, i.e. until the
 * whole network holds it final. Prints p50 and p95, in ms and in slots.
 * Target: p95 under 3 slots.
 *
 * The log lines carry each process's wall-clock time in ms, and all the
 * processes share one clock.
 *
 * Run: npm run bench:finality   (CAIRN_BENCH_VALIDATORS, CAIRN_BENCH_BLOCKS, CAIRN_BENCH_SLOT_MS to resize)
 */
import { writeFile } from 'node:fs/promises';
import { benchDir, benchGenesis, fmt, percentile, sleep } from '../lib/bench.js';
import { Devnet } from '../lib/devnet.js';
import { rpcCall } from '../lib/node-process.js';
import { createValidatorKeys, DEFAULT_POS, posGenesis } from '../lib/pos-genesis.js';

const VALIDATORS = Number(process.env.CAIRN_BENCH_VALIDATORS ?? 4);
const BLOCKS = Number(process.env.CAIRN_BENCH_BLOCKS ?? 60);
const SLOT_MS = Number(process.env.CAIRN_BENCH_SLOT_MS ?? 1000);
const TARGET_SLOTS = 3;
const WAIT_MS = 10 * 60_000;

/** `<ISO time> <LEVEL> <component> … produced block #<n> …` and `… finalized block #<n>`, as src/node/log.ts writes them. */
const PRODUCED = /^(\S+Z)\s.*?\bproduced block #(\d+) /gm;
const FINALIZED = /^(\S+Z)\s.*?\bfinalized block #(\d+)\b/gm;

const lines = (output: string, pattern: RegExp): { at: number; number: number }[] =>
  [...output.matchAll(pattern)].map((m) => ({ at: Date.parse(m[1]!), number: Number(m[2]) }));

/** For each block number, when this node first held it final. */
function finalizedAt(output: string): Map<number, number> {
  const at = new Map<number, number>();
  let done = 0;
  for (const line of lines(output, FINALIZED)) {
    for (let n = done + 1; n <= line.number; n++) at.set(n, line.at);
    done = Math.max(done, line.number);
  }
  return at;
}

async function finalizedNumber(url: string): Promise<number> {
  return (await rpcCall<{ finalized: { number: number } }>(url, 'cairn_finality')).finalized.number;
}

const genesisBase = { ...benchGenesis({ targetBlockTimeMs: SLOT_MS, initialDifficulty: '1000', gasLimit: '30000000' }), timestamp: Date.now() };
// The validators' keys live in the benchmark's folder, so the PoS genesis replaces the one benchDir wrote.
const dir = await benchDir(genesisBase);
const keys = await createValidatorKeys(dir.dir, VALIDATORS);
await writeFile(dir.genesisPath, JSON.stringify(posGenesis(genesisBase, keys.map((key) => key.address), { ...DEFAULT_POS, slotDurationMs: SLOT_MS })));
const devnet = new Devnet({
  dir: dir.dir,
  genesisPath: dir.genesisPath,
  nodes: VALIDATORS,
  miners: 0,
  validatorKeys: keys.map((key) => key.path),
  logLevel: 'info',
  keepOutput: true,
});
process.on('exit', () => devnet.killAll());
try {
  console.log(`Cairn time-to-finality benchmark: ${VALIDATORS} validators on loopback, ${SLOT_MS} ms slots, ${BLOCKS} blocks`);
  await devnet.start();
  const nodes = devnet.running;
  const deadline = Date.now() + WAIT_MS;
  const start = Math.max(...(await Promise.all(nodes.map((n) => finalizedNumber(n.url)))));
  // Measure from a block proposed once everyone is up, until every node holds BLOCKS more final.
  const from = start + 4;
  const to = from + BLOCKS - 1;
  while ((await Promise.all(nodes.map((n) => finalizedNumber(n.url)))).some((f) => f < to)) {
    if (Date.now() > deadline) throw new Error(`timed out: not every node finalized block ${to}`);
    await sleep(500);
  }
  await devnet.stop();

  const proposedAt = new Map<number, number>();
  for (const node of nodes) for (const line of lines(node.output(), PRODUCED)) proposedAt.set(line.number, line.at);
  const finals = nodes.map((node) => finalizedAt(node.output()));
  const delays: number[] = [];
  for (let n = from; n <= to; n++) {
    const proposed = proposedAt.get(n);
    const everywhere = finals.map((f) => f.get(n));
    if (proposed === undefined || everywhere.some((t) => t === undefined)) continue;
    delays.push(Math.max(...(everywhere as number[])) - proposed);
  }
  if (delays.length === 0) throw new Error('no block had both a "produced" and every node\'s "finalized" log line');
  delays.sort((a, b) => a - b);
  const p50 = percentile(delays, 50);
  const p95 = percentile(delays, 95);
  console.log(`  blocks ${from}..${to}: ${delays.length} measured (proposal → final on every node)`);
  console.log(`  p50 ${fmt(p50)} ms (${fmt(p50 / SLOT_MS, 2)} slots)  p95 ${fmt(p95)} ms (${fmt(p95 / SLOT_MS, 2)} slots)  max ${fmt(delays[delays.length - 1]!)} ms`);
  console.log(`  target p95 < ${TARGET_SLOTS} slots: ${p95 < TARGET_SLOTS * SLOT_MS ? 'met' : 'NOT met'}`);
} finally {
  await devnet.stop();
  await dir.remove();
}
