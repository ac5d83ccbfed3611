import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { privateKeyToAccount } from 'viem/accounts';
import { parseGwei } from 'viem';
import { blockNumber, CHAIN_ID, CLI, DEV_ADDRESSES, DEV_KEYS, rawRpc, rpc, startNode, waitFor, workspace, type Workspace } from './harness.js';

const run = promisify(execFile);
let ws: Workspace;

beforeAll(async () => {
  ws = await workspace();
});
afterAll(async () => {
  await ws?.remove();
});

describe('crash', () => {
  it('survives SIGKILL while mining under load: the store opens, the chain verifies, receipts and acknowledged txs survive', async () => {
    const node = await startNode(ws);
    const senders = [privateKeyToAccount(DEV_KEYS[0]), privateKeyToAccount(DEV_KEYS[1])];
    const nonces = [0, 0];
    const acknowledged: string[] = [];
    const receipts = new Map<string, string>();

    // Load: a stream of transfers from two senders until the kill.
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
      for (const hash of acknowledged.slice(-20)) {
        const receipt = await rpc<{ blockHash: string } | null>(node.url, 'eth_getTransactionReceipt', [hash]);
        if (receipt) receipts.set(hash, receipt.blockHash);
      }
      return (await blockNumber(node.url)) >= 4 && receipts.size > 0 ? true : undefined;
    });
    for (const hash of acknowledged) {
      const receipt = await rpc<{ blockHash: string } | null>(node.url, 'eth_getTransactionReceipt', [hash]);
      if (receipt) receipts.set(hash, receipt.blockHash);
    }
    await node.kill();
    loading = false;
    await load;
    expect(acknowledged.length).toBeGreaterThan(10);

    const restarted = await startNode(ws);
    for (const [hash, blockHash] of receipts) {
      const receipt = await rpc<{ blockHash: string } | null>(restarted.url, 'eth_getTransactionReceipt', [hash]);
      expect(receipt?.blockHash).toBe(blockHash);
    }
    // Every transaction the node acknowledged before the crash is mined after it (the mempool journal).
    await waitFor(
      'every acknowledged transaction to be mined',
      async () => {
        for (const hash of acknowledged) {
          if (!(await rpc<unknown>(restarted.url, 'eth_getTransactionReceipt', [hash]))) return undefined;
        }
        return true;
      },
      60_000,
      250,
    );
    expect(await restarted.stop()).toBe(0);

    const { stdout } = await run(process.execPath, [CLI, 'verify', '--genesis', ws.genesisPath, '--datadir', ws.dataDir]);
    expect(stdout).toMatch(/chain is valid/);
  });
});
