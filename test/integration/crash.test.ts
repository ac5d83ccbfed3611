import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { privateKeyToAccount } from 'viem/accounts';
import { parseGwei } from 'viem';
import { blockNumber, CHAIN_ID, CLI, DEV_ADDRESSES, DEV_KEYS, rawRpc, startNode, waitFor, workspace, type Workspace } from './harness.js';

const run = promisify(execFile);
let ws: Workspace;

beforeAll(async () => {
  ws = await workspace();
});
afterAll(async () => {
  await ws?.remove();
});

/** Block hash of each mined transaction among `hashes` (batched JSON-RPC: one request per 500 hashes). */
async function minedIn(url: string, hashes: readonly string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (let i = 0; i < hashes.length; i += 500) {
    const chunk = hashes.slice(i, i + 500);
    const body = chunk.map((hash, id) => ({ jsonrpc: '2.0', id, method: 'eth_getTransactionReceipt', params: [hash] }));
    const { json } = await rawRpc(url, JSON.stringify(body));
    for (const answer of json as { id: number; result: { blockHash: string } | null }[]) {
      if (answer.result) found.set(chunk[answer.id]!, answer.result.blockHash);
    }
  }
  return found;
}

describe('crash', () => {
  it('survives SIGKILL while mining under load: the store opens, the chain verifies, receipts and acknowledged txs survive', async () => {
    const node = await startNode(ws);
    const senders = [privateKeyToAccount(DEV_KEYS[0]), privateKeyToAccount(DEV_KEYS[1])];
    const nonces = [0, 0];
    const acknowledged: string[] = [];

    // Load: a stream of transfers from two senders, still running when the node is killed.
    let loading = true;
    const load = (async () => {
      while (loading) {
        for (const [i, account] of senders.entries()) {
          const raw = await account.signTransaction({
            chainId: CHAIN_ID,
            type: 'eip1559',
            to: DEV_ADDRESSES[2],
            value: 1n,
            nonce: nonces[i]!,
            gas: 21000n,
            maxFeePerGas: parseGwei('100'),
            maxPriorityFeePerGas: parseGwei('1'),
          });
          const answer = await rawRpc(node.url, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_sendRawTransaction', params: [raw] })).catch(() => undefined);
          const result = (answer?.json as { result?: string } | undefined)?.result;
          if (!result) return;
          acknowledged.push(result);
          nonces[i]! += 1;
        }
      }
    })();

    await waitFor('blocks with transactions', async () => {
      const first = acknowledged[0];
      if (first === undefined || (await blockNumber(node.url)) < 4) return undefined;
      return (await minedIn(node.url, [first])).size > 0 ? true : undefined;
    });
    const receipts = await minedIn(node.url, acknowledged.slice());
    await node.kill();
    loading = false;
    await load;
    expect(receipts.size).toBeGreaterThan(0);
    expect(acknowledged.length).toBeGreaterThan(receipts.size);

    const restarted = await startNode(ws);
    const after = await minedIn(restarted.url, [...receipts.keys()]);
    for (const [hash, blockHash] of receipts) expect(after.get(hash)).toBe(blockHash);
    // Every transaction the node acknowledged before the crash is mined after it (the mempool journal).
    await waitFor(
      'every acknowledged transaction to be mined',
      async () => ((await minedIn(restarted.url, acknowledged)).size === acknowledged.length ? true : undefined),
      60_000,
      250,
    );
    expect(await restarted.stop()).toBe(0);

    const { stdout } = await run(process.execPath, [CLI, 'verify', '--genesis', ws.genesisPath, '--datadir', ws.dataDir]);
    expect(stdout).toMatch(/chain is valid/);
  });
});
