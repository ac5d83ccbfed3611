import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { privateKeyToAccount } from 'viem/accounts';
import { parseGwei } from 'viem';
import { ENGINE_CASES } from './engines.js';
import {
  blockNumber,
  CHAIN_ID,
  CLI,
  DEV_ADDRESSES,
  DEV_KEYS,
  network,
  printLogsOnFailure,
  rawRpc,
  removeNetwork,
  startNode,
  waitFor,
  type Network,
} from './harness.js';

const run = promisify(execFile);

/** Block hash of each included transaction among `hashes` (batched JSON-RPC: one request per 500 hashes). */
async function includedIn(url: string, hashes: readonly string[]): Promise<Map<string, string>> {
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

describe.each(ENGINE_CASES)('%s', (_kind, engine) => {
  let net: Network | undefined;

  beforeAll(async () => {
    net = await network(engine, { producers: ['node'] });
  });
  afterAll(() => removeNetwork(net), 60_000);

  printLogsOnFailure(() => net);

  describe('crash', () => {
    it('survives SIGKILL while producing under load: the store opens, the chain verifies, receipts and acknowledged txs survive', async () => {
      const node = await startNode(net!, 'node', { produce: true });
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
        return (await includedIn(node.url, [first])).size > 0 ? true : undefined;
      });
      const receipts = await includedIn(node.url, acknowledged.slice());
      await node.kill();
      loading = false;
      await load;
      expect(receipts.size).toBeGreaterThan(0);
      expect(acknowledged.length).toBeGreaterThan(receipts.size);

      const restarted = await startNode(net!, 'node', { produce: true });
      const after = await includedIn(restarted.url, [...receipts.keys()]);
      for (const [hash, blockHash] of receipts) expect(after.get(hash)).toBe(blockHash);
      // Every transaction the node acknowledged before the crash is included after it (the mempool journal).
      await waitFor(
        'every acknowledged transaction to be included',
        async () => ((await includedIn(restarted.url, acknowledged)).size === acknowledged.length ? true : undefined),
        60_000,
        250,
      );
      expect(await restarted.stop()).toBe(0);

      const { stdout } = await run(process.execPath, [CLI, 'verify', '--genesis', net!.genesisPath, '--datadir', net!.dataDir('node')], { timeout: 60_000 });
      expect(stdout).toMatch(/chain is valid/);
    });
  });
});
