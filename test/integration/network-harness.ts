import { rpc, waitFor, type NodeProcess } from './harness.js';

/** What multi-node tests ask nodes over JSON-RPC: identity, peers, heads, agreement. */

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

export interface RpcBlock {
  number: string;
  hash: string;
  parentHash: string;
  miner: string;
  timestamp: string;
  transactions: string[];
}

/** Block `tag` (a number or 'latest', 'safe', 'finalized'…) without transaction bodies; null when there is none. */
export async function blockAt(url: string, tag: number | string): Promise<RpcBlock | null> {
  return rpc<RpcBlock | null>(url, 'eth_getBlockByNumber', [typeof tag === 'number' ? '0x' + tag.toString(16) : tag, false]);
}

export async function head(url: string): Promise<Head> {
  const block = (await blockAt(url, 'latest'))!;
  return { number: Number(BigInt(block.number)), hash: block.hash };
}

/** Canonical hash at height `n`, undefined above the node's head. */
export async function hashAt(url: string, n: number): Promise<string | undefined> {
  return (await blockAt(url, n))?.hash;
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
 * their heads, which is at least `minHeight`. Production may go on meanwhile,
 * so the heads themselves need not be equal at any one instant. Resolves that
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
