/**
 * Sync: a fresh node syncs a chain of 5,000 blocks holding 50,000 transfers
 * from one peer over libp2p on loopback. The chain is built in-process at
 * difficulty 1 (no mining) straight into the serving node's data directory.
 * Prints the sync's blocks/s and tx/s and, in the same run on the same
 * blocks, the single-node import rate (senders recovered during import, as a
 * syncing node must), and the ratio of the two.
 *
 * Run: npm run bench:sync   (CAIRN_BENCH_BLOCKS, CAIRN_BENCH_TXS_PER_BLOCK to resize)
 */
import { join } from 'node:path';
import { loadRecoveryBackend } from '../../src/primitives/recover/index.js';
import { benchDir, fmt } from '../lib/bench.js';
import { rpcCall, spawnNode, type NodeProcess } from '../lib/node-process.js';
import { buildTransferChain, instantGenesis, instantGenesisJson, SENDERS, timeImport } from '../lib/transfer-chain.js';

const BLOCKS = Number(process.env.CAIRN_BENCH_BLOCKS ?? 5000);
const TXS_PER_BLOCK = Number(process.env.CAIRN_BENCH_TXS_PER_BLOCK ?? 10);
const TARGET_RATIO = 0.8;
const SYNC_TIMEOUT_MS = 10 * 60_000;

// One block per second of timestamps from here: the whole chain stays in the past.
const genesisTime = Date.now() - (BLOCKS + 3600) * 1000;
const genesis = instantGenesis(genesisTime);
const dir = await benchDir(instantGenesisJson(genesisTime));
const backend = await loadRecoveryBackend({});
const nodes: NodeProcess[] = [];
process.on('exit', () => {
  for (const node of nodes) node.child.kill('SIGKILL');
});

const height = async (url: string): Promise<number> => Number(BigInt(await rpcCall<string>(url, 'eth_blockNumber')));
const nodeArgs = (name: string, logLevel: string): string[] => ['--genesis', dir.genesisPath, '--datadir', join(dir.dir, name), '--rpc-port', '0', '--p2p-port', '0', '--log-level', logLevel];

/** Log time (ms) of the fresh node's first "sync from #…" line and of its last "sync done at #…" line. */
function syncWindow(output: string): { start: number; end: number } | undefined {
  const times = (pattern: RegExp): number[] => [...output.matchAll(pattern)].map((m) => Date.parse(m[1]!));
  const starts = times(/^(\S+Z) .*\bsync from #\d+/gm);
  const ends = times(/^(\S+Z) .*\bsync done at #\d+/gm);
  return starts.length > 0 && ends.length > 0 ? { start: starts[0]!, end: ends[ends.length - 1]! } : undefined;
}

try {
  const txs = BLOCKS * TXS_PER_BLOCK;
  console.log(`Cairn sync benchmark: ${fmt(BLOCKS)} blocks x ${TXS_PER_BLOCK} EIP-1559 transfers (${fmt(txs)} txs) from ${SENDERS} senders, one serving peer`);
  const buildStarted = performance.now();
  const blocks = await buildTransferChain({ genesis, blocks: BLOCKS, txsPerBlock: TXS_PER_BLOCK, backend, dataDir: join(dir.dir, 'server') });
  console.log(`  chain built in ${fmt((performance.now() - buildStarted) / 1000, 1)} s (${fmt(blocks.reduce((n, b) => n + b.length, 0) / 1024 / 1024, 1)} MiB)`);

  const imported = await timeImport(genesis, backend, blocks, false);
  console.log(`  ${`single-node import, in-process (${backend.name}):`.padEnd(43)} ${fmt(imported.blocksPerSecond).padStart(6)} blocks/s  ${fmt(imported.txsPerSecond).padStart(7)} tx/s  (${fmt(imported.ms / 1000, 1)} s)`);

  const server = await spawnNode({ args: nodeArgs('server', 'warn'), waitForP2p: true });
  nodes.push(server);
  if ((await height(server.url)) !== BLOCKS) throw new Error(`the serving node is at block ${await height(server.url)}, expected ${BLOCKS}`);

  const spawned = performance.now();
  // At info level the fresh node logs when its sync starts and ends.
  const fresh = await spawnNode({ args: [...nodeArgs('fresh', 'info'), '--bootstrap', server.p2pAddresses[0]!], waitForP2p: true });
  nodes.push(fresh);
  const ready = performance.now();
  for (;;) {
    if ((await height(fresh.url)) >= BLOCKS) break;
    if (performance.now() - ready > SYNC_TIMEOUT_MS) throw new Error(`sync did not finish within ${SYNC_TIMEOUT_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const seconds = (performance.now() - ready) / 1000;
  const [ours, theirs] = await Promise.all([fresh, server].map((n) => rpcCall<{ hash: string }>(n.url, 'eth_getBlockByNumber', ['latest', false])));
  if (ours!.hash !== theirs!.hash) throw new Error(`synced head ${ours!.hash} differs from the peer's ${theirs!.hash}`);

  const line = (label: string, secs: number): string =>
    `  ${label.padEnd(43)} ${fmt(BLOCKS / secs).padStart(6)} blocks/s  ${fmt(txs / secs).padStart(7)} tx/s  (${fmt(secs, 1)} s; ${fmt((BLOCKS / secs / imported.blocksPerSecond) * 100)}% of import)`;
  console.log(line('sync, JSON-RPC up → same head as the peer:', seconds));
  // The node logs "sync done" just after its last import, which JSON-RPC may show first.
  let window = syncWindow(fresh.output());
  for (let waited = 0; window === undefined && waited < 10_000; waited += 100) {
    await new Promise((r) => setTimeout(r, 100));
    window = syncWindow(fresh.output());
  }
  if (window === undefined) throw new Error('the fresh node logged no "sync from" / "sync done" lines');
  // Without connecting, the handshake and the node's wait for more peers before it picks one.
  console.log(line('sync, node\'s "sync from" → "sync done":', (window.end - window.start) / 1000));
  console.log(`  (process start to JSON-RPC up: ${fmt((ready - spawned) / 1000, 1)} s; target: sync ≥ ${fmt(TARGET_RATIO * 100)}% of the import rate)`);
} finally {
  await Promise.all(nodes.map((n) => n.stop()));
  await backend.close();
  await dir.remove();
}
