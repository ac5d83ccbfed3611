import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWalletClient, http, parseEther } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { ENGINE_CASES } from './engines.js';
import {
  blockNumber,
  chainAt,
  CLI,
  DEV_ADDRESSES,
  DEV_KEYS,
  network,
  printLogsOnFailure,
  removeNetwork,
  rpc,
  startNode,
  waitFor,
  writeGenesis,
  type Network,
} from './harness.js';

const run = promisify(execFile);

interface RpcBlock {
  hash: string;
  number: string;
}

describe.each(ENGINE_CASES)('%s', (_kind, engine) => {
  let net: Network | undefined;

  beforeAll(async () => {
    net = await network(engine, { producers: ['node'] });
  });
  afterAll(() => removeNetwork(net), 60_000);

  printLogsOnFailure(() => net);

  describe('restart', () => {
    it('resumes at the same head with the same balances and keeps producing', async () => {
      const first = await startNode(net!, 'node', { produce: true });
      const wallet = createWalletClient({ account: privateKeyToAccount(DEV_KEYS[0]), chain: chainAt(first.url), transport: http(first.url) });
      const hash = await wallet.sendTransaction({ to: DEV_ADDRESSES[1], value: parseEther('3') });
      await waitFor('the transfer to be included', async () => (await rpc<unknown>(first.url, 'eth_getTransactionReceipt', [hash])) ?? undefined);
      await waitFor('a few blocks', async () => ((await blockNumber(first.url)) >= 3 ? true : undefined));
      expect(await first.stop()).toBe(0);

      // Read the stopped node's head and balances through a node that does not produce.
      const reader = await startNode(net!, 'node');
      const head = await rpc<RpcBlock>(reader.url, 'eth_getBlockByNumber', ['latest', false]);
      const balances = await Promise.all(DEV_ADDRESSES.map((a) => rpc<string>(reader.url, 'eth_getBalance', [a, 'latest'])));
      const receipt = await rpc<{ blockHash: string } | null>(reader.url, 'eth_getTransactionReceipt', [hash]);
      expect(await reader.stop()).toBe(0);
      expect(receipt).not.toBeNull();

      const second = await startNode(net!, 'node', { produce: true });
      const again = await rpc<RpcBlock>(second.url, 'eth_getBlockByNumber', [head.number, false]);
      expect(again.hash).toBe(head.hash);
      const stillIncluded = await rpc<{ blockHash: string }>(second.url, 'eth_getTransactionReceipt', [hash]);
      expect(stillIncluded.blockHash).toBe(receipt!.blockHash);
      expect(BigInt(balances[1]!)).toBe(parseEther('10003'));
      // Production resumes on top of the stored head.
      await waitFor('a block above the old head', async () => ((await blockNumber(second.url)) > Number(BigInt(head.number)) ? true : undefined));
      const afterRestart = await Promise.all(DEV_ADDRESSES.map((a) => rpc<string>(second.url, 'eth_getBalance', [a, 'latest'])));
      expect(afterRestart).toEqual(balances);
      expect(await second.stop()).toBe(0);

      const { stdout } = await run(process.execPath, [CLI, 'verify', '--genesis', net!.genesisPath, '--datadir', net!.dataDir('node')], { timeout: 60_000 });
      expect(stdout).toMatch(/chain is valid/);
    });

    it('refuses a data directory made from another genesis, with a clear message', async () => {
      const other = await writeGenesis(net!, 'other-genesis.json', { ...net!.genesis, chainId: 4242 });
      const failed = await run(process.execPath, [CLI, 'start', '--genesis', other, '--datadir', net!.dataDir('node'), '--rpc-port', '0'], { timeout: 60_000 }).catch(
        (e: { code: number; stderr: string }) => e,
      );
      expect('code' in failed && failed.code).toBe(1);
      expect((failed as { stderr: string }).stderr).toMatch(/genesis/i);
      expect((failed as { stderr: string }).stderr).toMatch(/--datadir/);
      expect((failed as { stderr: string }).stderr).not.toMatch(/\n\s+at /);
    });
  });
});
