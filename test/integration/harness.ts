import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineChain, type Chain } from 'viem';
import { afterEach } from 'vitest';
import { CLI, rpcCall, spawnNode, type NodeProcess } from '../../scripts/lib/node-process.js';
import { createValidatorKeys, type ValidatorKey } from '../../scripts/lib/pos-genesis.js';
import { CHAIN_ID, DEV_ADDRESSES, type ChainOptions, type EngineProfile, type Producer } from './engines.js';

/**
 * Fixtures around real `cairn start` processes on loopback: a chain (genesis
 * and producers, made for one engine profile) in a temporary folder, and
 * nodes on it, each on free JSON-RPC and libp2p ports.
 */

export { CHAIN_ID, CLI, DEV_ADDRESSES, type NodeProcess };

export const DEV_KEYS = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
] as const;

export interface NetworkOptions extends ChainOptions {
  /** The nodes that produce blocks, by name: declared up front, since under PoS they are the genesis validators. */
  readonly producers: readonly string[];
  /** Wallet accounts with key files (e.g. for `cairn stake --key`), funded at genesis like the dev accounts. */
  readonly accounts?: readonly string[];
}

export interface Network {
  readonly engine: EngineProfile;
  readonly dir: string;
  /** The genesis.json document at genesisPath. */
  readonly genesis: Readonly<Record<string, unknown>>;
  readonly genesisPath: string;
  /** Every node started on this network so far, by name (a restart replaces the entry). */
  readonly nodes: Map<string, NodeProcess>;
  dataDir(name: string): string;
  /** The declared producer `name`; throws for a name that was not declared. */
  producer(name: string): Producer;
  /** The key file and address of the declared account `name`. */
  account(name: string): ValidatorKey;
  /** Stops every node still running (SIGTERM, bounded) and deletes the folder; resolves the exit codes by name. */
  remove(): Promise<Map<string, number | null>>;
}

export async function network(engine: EngineProfile, options: NetworkOptions): Promise<Network> {
  const dir = await mkdtemp(join(tmpdir(), `cairn-${engine.kind}-`));
  try {
    const producers = await engine.producers(dir, options.producers);
    const accountNames = options.accounts ?? [];
    await mkdir(join(dir, 'accounts'));
    const accountKeys = await createValidatorKeys(join(dir, 'accounts'), accountNames.length);
    const accounts = new Map(accountNames.map((name, i) => [name, accountKeys[i]!]));
    const genesis = engine.genesis(producers, { ...options, fund: [...(options.fund ?? []), ...accountKeys.map((k) => k.address)] });
    const genesisPath = join(dir, 'genesis.json');
    await writeFile(genesisPath, JSON.stringify(genesis));
    const byName = new Map(producers.map((p) => [p.name, p]));
    const nodes = new Map<string, NodeProcess>();
    return {
      engine,
      dir,
      genesis,
      genesisPath,
      nodes,
      dataDir: (name) => join(dir, name),
      producer: (name) => {
        const producer = byName.get(name);
        if (producer === undefined) throw new Error(`node ${name} was not declared a producer of this network (declared: ${options.producers.join(', ')})`);
        return producer;
      },
      account: (name) => {
        const account = accounts.get(name);
        if (account === undefined) throw new Error(`account ${name} was not declared on this network (declared: ${accountNames.join(', ')})`);
        return account;
      },
      remove: async () => {
        const codes = new Map<string, number | null>();
        await Promise.all([...nodes].map(async ([name, node]) => codes.set(name, await node.stop())));
        await rm(dir, { recursive: true, force: true });
        return codes;
      },
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Writes `genesis` beside the network's own, for a node on another chain; returns its path. */
export async function writeGenesis(net: Network, fileName: string, genesis: Readonly<Record<string, unknown>>): Promise<string> {
  const path = join(net.dir, fileName);
  await writeFile(path, JSON.stringify(genesis));
  return path;
}

export interface NodeOptions {
  /** Produce blocks as the declared producer of this name (PoW: mine; PoS: propose and vote). */
  readonly produce?: boolean;
  readonly bootstrap?: readonly string[];
  /** Another genesis than the network's (a foreign chain). */
  readonly genesisPath?: string;
  readonly extra?: readonly string[];
}

/** Starts node `name` (data in <network>/<name>) and resolves once its JSON-RPC and libp2p listen. */
export async function startNode(net: Network, name: string, options: NodeOptions = {}): Promise<NodeProcess> {
  const node = await spawnNode({
    args: [
      '--genesis', options.genesisPath ?? net.genesisPath,
      '--datadir', net.dataDir(name),
      '--rpc-port', '0',
      // A free p2p port too: the default 30333 may be taken by a devnet or another node on this machine.
      '--p2p-port', '0',
      ...(options.produce ? net.engine.produceArgs(net.producer(name)) : []),
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

/**
 * Starts `names` one after another, node i bootstrapped to every node before
 * it (a full mesh, whatever peer discovery does), producing where `produce`
 * says so.
 */
export async function startMesh(net: Network, names: readonly string[], produce: (name: string) => boolean = () => true): Promise<NodeProcess[]> {
  const started: NodeProcess[] = [];
  for (const name of names) {
    started.push(await startNode(net, name, { produce: produce(name), bootstrap: started.flatMap((n) => n.p2pAddresses.slice(0, 1)) }));
  }
  return started;
}

/** Stops every node of `net` and deletes its folder; fails on a node that did not exit cleanly. */
export async function removeNetwork(net: Network | undefined): Promise<void> {
  const codes = await net?.remove();
  const unclean = [...(codes ?? [])].filter(([, code]) => code !== 0);
  if (unclean.length > 0) throw new Error(`nodes did not exit cleanly: ${unclean.map(([name, code]) => `${name} (${code})`).join(', ')}`);
}

/** A block made or made final: one a slot, they would push every other line out of a log's tail. */
const PROGRESS_LINE = /\b(produced|finalized) block #/;

/**
 * On a failed test, prints the end of every node's output, the only record of
 * what the processes did: its last `lines` lines other than block progress,
 * and the last progress line.
 */
export function printLogsOnFailure(net: () => Network | undefined, lines = 40): void {
  afterEach((context) => {
    if (context.task.result?.state !== 'fail') return;
    for (const [name, node] of net()?.nodes ?? []) {
      const all = node.output().trimEnd().split('\n');
      const progress = all.filter((line) => PROGRESS_LINE.test(line));
      const tail = all.filter((line) => !PROGRESS_LINE.test(line)).slice(-lines);
      console.error(
        `---- node ${name} (${node.url}): last ${lines} lines but block progress (${progress.length} lines, the last: ${progress.at(-1) ?? 'none'}) ----\n${tail.join('\n')}`,
      );
    }
  });
}

/** Sends one raw JSON-RPC body and returns the parsed answer and HTTP status. */
export async function rawRpc(url: string, body: string): Promise<{ status: number; json: unknown }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: response.status, json: await response.json() };
}

export const rpc = rpcCall;

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export async function blockNumber(url: string): Promise<number> {
  return Number(BigInt(await rpc<string>(url, 'eth_blockNumber')));
}

/** The test chain as viem describes one, served at `url`. */
export function chainAt(url: string): Chain {
  return defineChain({
    id: CHAIN_ID,
    name: 'Cairn test',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [url] } },
  });
}
