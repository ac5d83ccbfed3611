import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, rpcCall, spawnNode, type NodeProcess } from '../../scripts/lib/node-process.js';

/** Test fixtures around real `cairn` node processes on loopback. */

export { CLI, type NodeProcess };

export const DEV_KEYS = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
] as const;
export const DEV_ADDRESSES = [
  '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
  '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
  '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
] as const;
export const COINBASE = '0x00000000000000000000000000000000000c0ffe';
export const CHAIN_ID = 13370;

/** A genesis for tests: fast blocks at a low difficulty, the first dev accounts funded. */
export function testGenesis(overrides: { targetBlockTimeMs?: number; initialDifficulty?: string } = {}): Record<string, unknown> {
  const alloc: Record<string, { balance: string }> = {};
  for (const a of DEV_ADDRESSES) alloc[a] = { balance: '10000000000000000000000' };
  return {
    chainId: CHAIN_ID,
    timestamp: 1764028800000,
    gasLimit: '30000000',
    baseFee: '1000000000',
    blockReward: '2000000000000000000',
    consensus: {
      type: 'pow',
      pow: {
        targetBlockTimeMs: overrides.targetBlockTimeMs ?? 500,
        initialDifficulty: overrides.initialDifficulty ?? '20000',
        minDifficulty: '1000',
        confirmations: 4,
      },
    },
    alloc,
  };
}

export interface Workspace {
  dir: string;
  genesisPath: string;
  dataDir: string;
  remove(): Promise<void>;
}

export async function workspace(genesis = testGenesis()): Promise<Workspace> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-it-'));
  const genesisPath = join(dir, 'genesis.json');
  await writeFile(genesisPath, JSON.stringify(genesis));
  return { dir, genesisPath, dataDir: join(dir, 'data'), remove: () => rm(dir, { recursive: true, force: true }) };
}

export async function startNode(ws: Workspace, extra: string[] = ['--mine']): Promise<NodeProcess> {
  return spawnNode({
    // A free p2p port too: the default 30333 may be taken by a devnet or another node on this machine.
    args: ['--genesis', ws.genesisPath, '--datadir', ws.dataDir, '--rpc-port', '0', '--p2p-port', '0', '--coinbase', COINBASE, ...extra],
    cwd: ws.dir,
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
