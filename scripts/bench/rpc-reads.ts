/**
 * RPC reads: eth_blockNumber and eth_getBalance with 32 keep-alive connections
 * (autocannon), against an idle node and against a node that is mining;
 * prints req/s and latency percentiles.
 *
 * Run: npm run bench:rpc
 */
import autocannon from 'autocannon';
import { DEV_ACCOUNTS } from '../../src/node/dev-accounts.js';
import { benchDir, benchGenesis, fmt, sleep } from '../lib/bench.js';
import { spawnNode } from '../lib/node-process.js';

const CONNECTIONS = 32;
const DURATION_S = Number(process.env.CAIRN_BENCH_SECONDS ?? 10);

async function load(url: string, method: string, params: unknown[]): Promise<autocannon.Result> {
  return autocannon({
    url,
    connections: CONNECTIONS,
    duration: DURATION_S,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
}

function report(label: string, r: autocannon.Result): void {
  const ok = r.non2xx === 0 && r.errors === 0 && r.timeouts === 0;
  console.log(
    `  ${label.padEnd(34)} ${fmt(r.requests.average).padStart(7)} req/s   p50 ${fmt(r.latency.p50, 1)} ms   p99 ${fmt(r.latency.p99, 1)} ms   max ${fmt(r.latency.max)} ms${ok ? '' : `   (non-2xx ${r.non2xx}, errors ${r.errors}, timeouts ${r.timeouts})`}`,
  );
}

const dir = await benchDir(benchGenesis({ targetBlockTimeMs: 2000, initialDifficulty: '4000000', gasLimit: '30000000' }));
const balanceParams = [DEV_ACCOUNTS[0]!.address, 'latest'];
console.log(`Cairn RPC read benchmark: ${CONNECTIONS} connections, ${DURATION_S} s per run, autocannon on the same 2-core machine`);
try {
  const idle = await spawnNode({ args: ['--genesis', dir.genesisPath, '--datadir', dir.dataDir, '--rpc-port', '0', '--p2p-port', '0', '--log-level', 'warn'] });
  try {
    report('eth_blockNumber (idle node)', await load(idle.url, 'eth_blockNumber', []));
    report('eth_getBalance (idle node)', await load(idle.url, 'eth_getBalance', balanceParams));
  } finally {
    await idle.stop();
  }
  const mining = await spawnNode({ args: ['--genesis', dir.genesisPath, '--datadir', dir.dataDir, '--rpc-port', '0', '--p2p-port', '0', '--mine', '--log-level', 'warn'] });
  try {
    await sleep(2000);
    report('eth_blockNumber (while mining)', await load(mining.url, 'eth_blockNumber', []));
    report('eth_getBalance (while mining)', await load(mining.url, 'eth_getBalance', balanceParams));
  } finally {
    await mining.stop();
  }
} finally {
  await dir.remove();
}
