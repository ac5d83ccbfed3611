import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { spawnNode, type NodeProcess } from '../../scripts/lib/node-process.js';
import { rpc, testGenesis, waitFor } from './harness.js';

/**
 * Fixtures for multi-node tests: several `cairn start` processes on one
 * genesis, each on free loopback ports (JSON-RPC and libp2p), wired together
 * with --bootstrap.
 */

export interface Network {
  readonly dir: string;
  readonly genesisPath: string;
  /** Every node started on this network so far, by name (a restart replaces the entry). */
  readonly nodes: Map<string, NodeProcess>;
  dataDir(name: string): string;
  /** Stops every node still running (SIGTERM, bounded) and deletes the folder; resolves the exit codes by name. */
  remove(): Promise<Map<string, number | null>>;
}

export async function network(genesis: Record<string, unknown> = testGenesis()): Promise<Network> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-net-'));
  const genesisPath = join(dir, 'genesis.json');
  await writeFile(genesisPath, JSON.stringify(genesis));
  const nodes = new Map<string, NodeProcess>();
  return {
    dir,
    genesisPath,
    nodes,
    dataDir: (name) => join(dir, name),
    remove: async () => {
      const codes = new Map<string, number | null>();
      await Promise.all([...nodes].map(async ([name, node]) => codes.set(name, await node.stop())));
      await rm(dir, { recursive: true, force: true });
      return codes;
    },
  };
}

/** A recognisable coinbase per node name, so a block's `miner` field says which node mined it. */
export function coinbaseOf(name: string): string {
  return '0x' + Buffer.from(name.padStart(20, '\0')).toString('hex');
}

export interface NetNodeOptions {
  readonly mine?: boolean;
  readonly bootstrap?: readonly string[];
  /** Another genesis than the network's (a foreign chain). */
  readonly genesisPath?: string;
  readonly extra?: readonly string[];
}

/** Starts node `name` (data in <network>/<name>) and resolves once its JSON-RPC and libp2p listen. */
export async function startNetNode(net: Network, name: string, options: NetNodeOptions = {}): Promise<NodeProcess> {
  const node = await spawnNode({
    args: [
      '--genesis', options.genesisPath ?? net.genesisPath,
      '--datadir', net.dataDir(name),
      '--rpc-port', '0',
      '--p2p-port', '0',
      '--coinbase', coinbaseOf(name),
      ...(options.mine ? ['--mine'] : []),
      ...(options.bootstrap ?? []).flatMap((address) => ['--bootstrap', address]),
      ...(options.extra ?? []),
    ],
    cwd: net.dir,
    waitForP2p: true,
    startTimeoutMs: 30_000,
  });
  net.nodes.set(name, node);
  return node;
}

/** On a failed test, prints the end of every node's output: the only record of what the processes did. */
export function printLogsOnFailure(net: () => Network | undefined, lines = 40): void {
  afterEach((context) => {
    if (context.task.result?.state !== 'fail') return;
    for (const [name, node] of net()?.nodes ?? []) {
      const tail = node.output().trimEnd().split('\n').slice(-lines).join('\n');
      console.error(`---- last ${lines} lines of node ${name} (${node.url}) ----\n${tail}`);
    }
  });
}

export interface NodeInfo {
  peerId: string;
  listenAddresses: string[];
  genesisHash: string;
  head: { number: number; hash: string; timestamp: number };
  peerCount: number;
}

export interface PeerInfo {
  id: string;
  addresses: string[];
  headNumber: number | null;
}

export type Syncing = false | { startingBlock: string; currentBlock: string; highestBlock: string };

export const nodeInfo = (url: string): Promise<NodeInfo> => rpc<NodeInfo>(url, 'cairn_nodeInfo');

export const rpcSyncing = (url: string): Promise<Syncing> => rpc<Syncing>(url, 'eth_syncing');

export async function peerIds(url: string): Promise<string[]> {
  return (await rpc<PeerInfo[]>(url, 'cairn_peers')).map((p) => p.id);
}

export async function peerCount(url: string): Promise<number> {
  return Number(BigInt(await rpc<string>(url, 'net_peerCount')));
}

/** Waits until `node` lists every one of `ids` among its connected peers. */
export async function waitForPeers(node: NodeProcess, ids: readonly (string | undefined)[], timeoutMs = 20_000): Promise<void> {
  await waitFor(
    `${node.url} to be connected to ${ids.join(', ')}`,
    async () => {
      const connected = await peerIds(node.url);
      return ids.every((id) => id !== undefined && connected.includes(id)) ? true : undefined;
    },
    timeoutMs,
  );
}

export interface Head {
  number: number;
  hash: string;
}

export async function head(url: string): Promise<Head> {
  const block = await rpc<{ number: string; hash: string }>(url, 'eth_getBlockByNumber', ['latest', false]);
  return { number: Number(BigInt(block.number)), hash: block.hash };
}

/** Canonical hash at height `n`, undefined above the node's head. */
export async function hashAt(url: string, n: number): Promise<string | undefined> {
  const block = await rpc<{ hash: string } | null>(url, 'eth_getBlockByNumber', ['0x' + n.toString(16), false]);
  return block?.hash;
}

export async function waitForHeight(node: NodeProcess, height: number, timeoutMs = 60_000): Promise<number> {
  return waitFor(
    `${node.url} to reach block ${height}`,
    async () => {
      const { number } = await head(node.url);
      return number >= height ? number : undefined;
    },
    timeoutMs,
  );
}

/**
 * Waits until all `nodes` agree: the same canonical hash at the lowest of
 * their heads, which is at least `minHeight`. Mining may go on meanwhile, so
 * the heads themselves need not be equal at any one instant. Resolves that
 * height.
 */
export async function waitForAgreement(nodes: readonly NodeProcess[], minHeight: number, timeoutMs = 60_000): Promise<number> {
  return waitFor(
    `${nodes.map((n) => n.url).join(', ')} to agree on a chain of at least ${minHeight} blocks`,
    async () => {
      const heads = await Promise.all(nodes.map((n) => head(n.url)));
      const height = Math.min(...heads.map((h) => h.number));
      if (height < minHeight) return undefined;
      const hashes = await Promise.all(nodes.map((n) => hashAt(n.url, height)));
      return hashes.every((h) => h !== undefined && h === hashes[0]) ? height : undefined;
    },
    timeoutMs,
    200,
  );
}
