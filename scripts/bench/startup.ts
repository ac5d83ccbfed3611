/**
 * Start-up and idle memory: time from process start to the first JSON-RPC
 * answer on an existing data directory (median of 5 starts), and the RSS of an
 * idle node (not mining) after it has settled.
 *
 * Run: npm run bench:startup
 */
import { readFile } from 'node:fs/promises';
import { benchDir, benchGenesis, fmt, percentile, sleep } from '../lib/bench.js';
import { rpcCall, spawnNode } from '../lib/node-process.js';

const RUNS = 5;

async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

const dir = await benchDir(benchGenesis({ targetBlockTimeMs: 500, initialDifficulty: '50000', gasLimit: '30000000' }));
const args = ['--genesis', dir.genesisPath, '--datadir', dir.dataDir, '--rpc-port', '0', '--p2p-port', '0', '--log-level', 'warn'];
try {
  // Make the data directory exist and hold some blocks first.
  const seed = await spawnNode({ args: [...args, '--mine'] });
  await sleep(5000);
  const height = Number(BigInt(await rpcCall<string>(seed.url, 'eth_blockNumber')));
  await seed.stop();

  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    const node = await spawnNode({ args });
    await rpcCall<string>(node.url, 'eth_chainId');
    times.push(performance.now() - started);
    if (i < RUNS - 1) await node.stop();
    else {
      await sleep(5000);
      const rss = await rssMb(node.child.pid!);
      await node.stop();
      times.sort((a, b) => a - b);
      console.log('Cairn start-up and memory benchmark');
      console.log(`  data directory with ${height} blocks; ${RUNS} starts`);
      console.log(`  process start to first JSON-RPC answer: median ${fmt(percentile(times, 50))} ms, max ${fmt(times[times.length - 1]!)} ms`);
      console.log(`  idle RSS (not mining, 5 s after start): ${fmt(rss, 1)} MB`);
    }
  }
} finally {
  await dir.remove();
}
