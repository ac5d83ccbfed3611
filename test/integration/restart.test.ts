import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWalletClient, defineChain, http, parseEther } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { blockNumber, CHAIN_ID, CLI, DEV_ADDRESSES, DEV_KEYS, rpc, startNode, testGenesis, waitFor, workspace, type Workspace } from './harness.js';

const run = promisify(execFile);
let ws: Workspace;

beforeAll(async () => {
  ws = await workspace();
});
afterAll(async () => {
  await ws?.remove();
});

interface RpcBlock {
  hash: string;
  number: string;
}

describe('restart', () => {
  it('resumes at the same head with the same balances and keeps producing', async () => {
    const first = await startNode(ws);
    const chain = defineChain({
      id: CHAIN_ID,
      name: 'Cairn test',
      nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
      rpcUrls: { default: { http: [first.url] } },
    });
    const wallet = createWalletClient({ account: privateKeyToAccount(DEV_KEYS[0]), chain, transport: http(first.url) });
    const hash = await wallet.sendTransaction({ to: DEV_ADDRESSES[1], value: parseEther('3') });
    await waitFor('the transfer to be mined', async () => (await rpc<unknown>(first.url, 'eth_getTransactionReceipt', [hash])) ?? undefined);
    await waitFor('a few blocks', async () => ((await blockNumber(first.url)) >= 3 ? true : undefined));
    expect(await first.stop()).toBe(0);

    // Read the stopped node's head and balances through a node that does not mine.
    const reader = await startNode(ws, []);
    const head = await rpc<RpcBlock>(reader.url, 'eth_getBlockByNumber', ['latest', false]);
    const balances = await Promise.all(DEV_ADDRESSES.map((a) => rpc<string>(reader.url, 'eth_getBalance', [a, 'latest'])));
    const receipt = await rpc<{ blockHash: string } | null>(reader.url, 'eth_getTransactionReceipt', [hash]);
    expect(await reader.stop()).toBe(0);
    expect(receipt).not.toBeNull();

    const second = await startNode(ws);
    const again = await rpc<RpcBlock>(second.url, 'eth_getBlockByNumber', [head.number, false]);
    expect(again.hash).toBe(head.hash);
    const stillMined = await rpc<{ blockHash: string }>(second.url, 'eth_getTransactionReceipt', [hash]);
    expect(stillMined.blockHash).toBe(receipt!.blockHash);
    expect(BigInt(balances[1]!)).toBe(parseEther('10003'));
    // Mining resumes on top of the stored head.
    await waitFor('a block above the old head', async () => ((await blockNumber(second.url)) > Number(BigInt(head.number)) ? true : undefined));
    const afterRestart = await Promise.all(DEV_ADDRESSES.map((a) => rpc<string>(second.url, 'eth_getBalance', [a, 'latest'])));
    expect(afterRestart).toEqual(balances);
    expect(await second.stop()).toBe(0);

    const { stdout } = await run(process.execPath, [CLI, 'verify', '--genesis', ws.genesisPath, '--datadir', ws.dataDir]);
    expect(stdout).toMatch(/chain is valid/);
  });

  it('refuses a data directory made from another genesis, with a clear message', async () => {
    const other = await workspace({ ...testGenesis(), chainId: 4242 });
    try {
      const failed = await run(process.execPath, [CLI, 'start', '--genesis', other.genesisPath, '--datadir', ws.dataDir, '--rpc-port', '0']).catch(
        (e: { code: number; stderr: string }) => e,
      );
      expect('code' in failed && failed.code).toBe(1);
      expect((failed as { stderr: string }).stderr).toMatch(/genesis/i);
      expect((failed as { stderr: string }).stderr).toMatch(/--datadir/);
      expect((failed as { stderr: string }).stderr).not.toMatch(/\n\s+at /);
    } finally {
      await other.remove();
    }
  });
});
