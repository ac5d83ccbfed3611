/**
 * Block propagation: a devnet of 5 nodes on loopback (one miner by default).
 * For every block mined while all nodes are connected, the time from the
 * producer's "produced block #n" log line to the block being on every other node.
 * Prints p50 and p95 of that time (the slowest node per block), and of single
 * miner-to-node deliveries.
 *
 * "On a node" is measured two ways, printed side by side:
 *  - over JSON-RPC: each other node's eth_blockNumber polled every POLL_MS;
 *    the first answer at or above n. Adds up to POLL_MS plus one request.
 *  - from the node's own "imported block #n 0x<hash>" log line (debug), when
 *    the nodes write one: no polling error. The log lines carry the process's
 *    wall-clock time in ms and all processes share one clock.
 *
 * Run: npm run bench:propagation   (CAIRN_BENCH_NODES, CAIRN_BENCH_MINERS, CAIRN_BENCH_BLOCKS to resize)
 */
import { benchDir, benchGenesis, fmt, percentile, sleep } from '../lib/bench.js';
import { Devnet } from '../lib/devnet.js';
import { rpcCall } from '../lib/node-process.js';

const NODES = Number(process.env.CAIRN_BENCH_NODES ?? 5);
const MINERS = Number(process.env.CAIRN_BENCH_MINERS ?? 1);
const BLOCKS = Number(process.env.CAIRN_BENCH_BLOCKS ?? 60);
const POLL_MS = Number(process.env.CAIRN_BENCH_POLL_MS ?? 5);
const TARGET_P95_MS = 150;
const WAIT_MS = 5 * 60_000;

/** `<ISO time> <LEVEL> <component> … produced|imported block #<n> <hash or hash prefix>`, as src/node/log.ts writes it. */
const BLOCK_LINE = /^(\S+Z)\s+\w+\s+\S+\s+.*?\b(produced|imported) block #(\d+) (0x[0-9a-f]+)/gm;
/** The miner logs a shortened hash: log events are matched on number and this many characters of hash. */
const KEY_HASH_CHARS = 12;

interface BlockEvent {
  readonly kind: 'produced' | 'imported';
  readonly number: number;
  readonly key: string;
  readonly at: number;
}

function blockEvents(output: string): BlockEvent[] {
  return [...output.matchAll(BLOCK_LINE)].map((m) => ({
    kind: m[2] as 'produced' | 'imported',
    number: Number(m[3]),
    key: `${m[3]}:${m[4]!.slice(0, KEY_HASH_CHARS)}`,
    at: Date.parse(m[1]!),
  }));
}

const height = async (url: string): Promise<number> => Number(BigInt(await rpcCall<string>(url, 'eth_blockNumber')));

async function waitUntil(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

/** Polls a node's height until `done()`; resolves, per height, the wall-clock time it was first seen. */
async function pollHeights(url: string, done: () => boolean): Promise<Map<number, number>> {
  const seen = new Map<number, number>();
  let last = await height(url);
  while (!done()) {
    const h = await height(url);
    const at = Date.now();
    for (let n = last + 1; n <= h; n++) seen.set(n, at);
    last = Math.max(last, h);
    await sleep(POLL_MS);
  }
  return seen;
}

function summary(label: string, toAll: number[], single: number[]): void {
  toAll.sort((x, y) => x - y);
  single.sort((x, y) => x - y);
  console.log(`  ${label}`);
  console.log(`    on every other node: p50 ${fmt(percentile(toAll, 50)).padStart(4)} ms  p95 ${fmt(percentile(toAll, 95)).padStart(4)} ms  max ${fmt(toAll[toAll.length - 1] ?? NaN).padStart(4)} ms  (${toAll.length} blocks; target p95 < ${TARGET_P95_MS} ms)`);
  console.log(`    one other node:      p50 ${fmt(percentile(single, 50)).padStart(4)} ms  p95 ${fmt(percentile(single, 95)).padStart(4)} ms  (${single.length} deliveries)`);
}

const dir = await benchDir({ ...benchGenesis({ targetBlockTimeMs: 500, initialDifficulty: '20000', gasLimit: '30000000' }), timestamp: Date.now() });
const devnet = new Devnet({ dir: dir.dir, genesisPath: dir.genesisPath, nodes: NODES, miners: MINERS, logLevel: 'debug', keepOutput: true });
process.on('exit', () => devnet.killAll());
try {
  console.log(`Cairn block propagation benchmark: ${NODES} nodes on loopback (full mesh), ${MINERS} mining, ${BLOCKS} blocks of 500 ms target`);
  await devnet.start();
  const nodes = devnet.running;
  await waitUntil('every node to be connected to every other', async () => {
    const counts = await Promise.all(nodes.map((n) => rpcCall<string>(n.url, 'net_peerCount')));
    return counts.every((c) => Number(BigInt(c)) >= NODES - 1);
  });
  let finished = false;
  const polls = nodes.map((n) => pollHeights(n.url, () => finished));
  const from = Math.max(...(await Promise.all(nodes.map((n) => height(n.url))))) + 1;
  const to = from + BLOCKS - 1;
  await waitUntil(`every node to reach block ${to + 1}`, async () => (await Promise.all(nodes.map((n) => height(n.url)))).every((h) => h >= to + 1));
  finished = true;
  const seenAt = await Promise.all(polls);
  await devnet.stop();

  const events = nodes.map((n) => blockEvents(n.output()));
  const mined = events.flatMap((list, miner) => list.filter((e) => e.kind === 'produced' && e.number >= from && e.number <= to).map((e) => ({ ...e, miner })));
  if (mined.length === 0) throw new Error('no "produced block #<n>" log lines in the measured range');
  const rpcAll: number[] = [];
  const rpcOne: number[] = [];
  const logAll: number[] = [];
  const logOne: number[] = [];
  for (const block of mined) {
    const others = nodes.map((_, i) => i).filter((i) => i !== block.miner);
    const polled = others.flatMap((i) => {
      const at = seenAt[i]!.get(block.number);
      return at === undefined ? [] : [at - block.at];
    });
    const logged = others.flatMap((i) => {
      const imported = events[i]!.find((e) => e.kind === 'imported' && e.key === block.key);
      return imported === undefined ? [] : [imported.at - block.at];
    });
    rpcOne.push(...polled);
    logOne.push(...logged);
    // With several miners a block can lose a race to a sibling and never reach some nodes: it counts only where it arrived.
    if (polled.length === others.length) rpcAll.push(Math.max(...polled));
    if (logged.length === others.length) logAll.push(Math.max(...logged));
  }
  console.log(`  blocks ${from}..${to}: ${mined.length} mined in the range`);
  summary(`mined (miner's log) → visible over JSON-RPC (polled every ${POLL_MS} ms):`, rpcAll, rpcOne);
  if (logOne.length > 0) summary('mined (miner\'s log) → "imported block" in each node\'s log:', logAll, logOne);
  else console.log('  (the nodes log no "imported block #<n> 0x<hash>" line, so only the JSON-RPC figures above)');
  console.log('  The miner logs "produced block" after its own import; all processes share 2 cores with the mining thread.');
} finally {
  await devnet.stop();
  await dir.remove();
}
