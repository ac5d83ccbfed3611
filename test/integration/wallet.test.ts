import { JsonRpcProvider, Wallet, WebSocketProvider, Transaction as EthersTransaction, isError } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublicClient, createWalletClient, http, parseEther, toHex, webSocket, type Hash, type Log, type PublicClient } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { ENGINE_CASES } from './engines.js';
import {
  CHAIN_ID,
  chainAt,
  DEV_ADDRESSES,
  DEV_KEYS,
  network,
  printLogsOnFailure,
  rawRpc,
  removeNetwork,
  rpc,
  startNode,
  type Network,
  type NodeProcess,
} from './harness.js';

/** The supply module's address (src/ledger/modules/supply): a registration there emits a log. */
const SUPPLY = '0x0000000000000000000000000000000000002000';

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// One node that produces blocks, driven by unmodified viem and ethers wallets.
describe.each(ENGINE_CASES)('%s', (_kind, engine) => {
  let net: Network | undefined;
  let node: NodeProcess;
  let client: PublicClient;

  beforeAll(async () => {
    net = await network(engine, { producers: ['node'] });
    node = await startNode(net, 'node', { produce: true });
    client = createPublicClient({ chain: chainAt(node.url), transport: http(node.url), pollingInterval: 100 });
  });

  afterAll(() => removeNetwork(net), 60_000);

  printLogsOnFailure(() => net);

  describe('viem', () => {
    it('reads chain id, block number, balances and nonces', async () => {
      expect(await client.getChainId()).toBe(CHAIN_ID);
      expect(await client.getBlockNumber()).toBeGreaterThanOrEqual(0n);
      expect(await client.getBalance({ address: DEV_ADDRESSES[2] })).toBe(parseEther('10000'));
      expect(await client.getTransactionCount({ address: DEV_ADDRESSES[2] })).toBe(0);
    });

    for (const type of ['legacy', 'eip2930', 'eip1559'] as const) {
      it(`sends a ${type} transfer and the sender pays exactly value + gasUsed * effectiveGasPrice`, async () => {
        const account = privateKeyToAccount(DEV_KEYS[0]);
        const wallet = createWalletClient({ account, chain: chainAt(node.url), transport: http(node.url) });
        const to = privateKeyToAccount(generatePrivateKey()).address;
        const before = await client.getBalance({ address: account.address });
        const value = parseEther('1.25');
        const hash =
          type === 'eip2930'
            ? await wallet.sendTransaction({ to, value, type, accessList: [{ address: to, storageKeys: [] }] })
            : await wallet.sendTransaction({ to, value, type });
        const receipt = await client.waitForTransactionReceipt({ hash, timeout: 30_000 });
        expect(receipt.status).toBe('success');
        expect(receipt.type).toBe(type);
        expect(receipt.gasUsed).toBe(type === 'eip2930' ? 21000n + 2400n : 21000n);
        expect(receipt.from.toLowerCase()).toBe(account.address.toLowerCase());
        expect(receipt.to?.toLowerCase()).toBe(to.toLowerCase());
        expect(await client.getBalance({ address: to })).toBe(value);
        const after = await client.getBalance({ address: account.address });
        expect(before - after).toBe(value + receipt.gasUsed * receipt.effectiveGasPrice);

        const tx = await client.getTransaction({ hash });
        expect(tx.hash).toBe(hash);
        expect(tx.type).toBe(type);
        expect(tx.blockNumber).toBe(receipt.blockNumber);
        const block = await client.getBlock({ blockNumber: receipt.blockNumber, includeTransactions: true });
        expect(block.hash).toBe(receipt.blockHash);
        expect(block.transactions.map((t) => t.hash)).toContain(hash);
        const byHash = await client.getBlock({ blockHash: receipt.blockHash });
        expect(byHash.number).toBe(receipt.blockNumber);
      });
    }

    it('serves blocks by tag, including safe and finalized', async () => {
      const latest = await client.getBlock({ blockTag: 'latest' });
      expect(latest.baseFeePerGas).toBeTypeOf('bigint');
      const earliest = await client.getBlock({ blockTag: 'earliest' });
      expect(earliest.number).toBe(0n);
      const safe = await client.getBlock({ blockTag: 'safe' });
      const finalized = await client.getBlock({ blockTag: 'finalized' });
      expect(safe.number).toBeLessThanOrEqual(latest.number);
      expect(finalized.number).toBeLessThanOrEqual(latest.number);
      expect(await client.getBlock({ blockNumber: latest.number + 1000n }).catch((e: Error) => e.name)).toBe('BlockNotFoundError');
    });

    it('includes a burst of 200 back-to-back transfers from one key, none lost', async () => {
      const account = privateKeyToAccount(DEV_KEYS[1]);
      const wallet = createWalletClient({ account, chain: chainAt(node.url), transport: http(node.url) });
      const to = privateKeyToAccount(generatePrivateKey()).address;
      const startNonce = await client.getTransactionCount({ address: account.address, blockTag: 'pending' });
      const hashes: Hash[] = [];
      for (let i = 0; i < 200; i++) hashes.push(await wallet.sendTransaction({ to, value: 1000n }));
      expect(new Set(hashes).size).toBe(200);
      expect(await client.getTransactionCount({ address: account.address, blockTag: 'pending' })).toBe(startNonce + 200);
      const receipts = await Promise.all(hashes.map((hash) => client.waitForTransactionReceipt({ hash, timeout: 60_000 })));
      expect(receipts.every((r) => r.status === 'success')).toBe(true);
      expect(await client.getBalance({ address: to })).toBe(200n * 1000n);
      expect(await client.getTransactionCount({ address: account.address })).toBe(startNonce + 200);
    });

    it('maps rejections to the errors viem recognises', async () => {
      const account = privateKeyToAccount(DEV_KEYS[0]);
      const wallet = createWalletClient({ account, chain: chainAt(node.url), transport: http(node.url) });
      const to = DEV_ADDRESSES[2];
      const stale = await wallet.sendTransaction({ to, value: 1n, nonce: 0 }).catch((e: Error) => e);
      expect(stale).toBeInstanceOf(Error);
      expect((stale as Error).message).toMatch(/nonce too low/i);

      const poor = privateKeyToAccount(generatePrivateKey());
      const poorWallet = createWalletClient({ account: poor, chain: chainAt(node.url), transport: http(node.url) });
      const broke = await poorWallet.sendTransaction({ to, value: 1n, gas: 21000n }).catch((e: Error) => e);
      expect((broke as Error).message).toMatch(/insufficient funds/i);
    });
  });

  describe('ethers', () => {
    let provider: JsonRpcProvider;
    beforeAll(() => {
      // cacheTimeout -1: ethers otherwise answers an identical request within 250 ms from its cache, so with
      // 250 ms PoS slots the balance read after a fast receipt could be the one read before the transfer.
      provider = new JsonRpcProvider(node.url, { chainId: CHAIN_ID, name: 'cairn' }, { staticNetwork: true, pollingInterval: 100, cacheTimeout: -1 });
    });
    afterAll(() => provider.destroy());

    for (const type of [0, 1, 2] as const) {
      it(`sends a type ${type} transfer and waits for it`, async () => {
        const wallet = new Wallet(DEV_KEYS[2], provider);
        const to = Wallet.createRandom().address;
        const before = await provider.getBalance(wallet.address);
        const sent = await wallet.sendTransaction({ to, value: 10n ** 17n, type });
        const receipt = await sent.wait(1, 30_000);
        expect(receipt?.status).toBe(1);
        expect(receipt?.type).toBe(type);
        expect(await provider.getBalance(to)).toBe(10n ** 17n);
        const after = await provider.getBalance(wallet.address);
        expect(before - after).toBe(10n ** 17n + receipt!.gasUsed * receipt!.gasPrice);
        const block = await provider.getBlock(receipt!.blockNumber, true);
        expect(block?.prefetchedTransactions.map((t) => t.hash)).toContain(sent.hash);
        const fetched = await provider.getTransaction(sent.hash);
        expect(fetched?.from).toBe(wallet.address);
      });
    }

    it('gets typed errors for a stale nonce, an empty account and another chain id', async () => {
      const wallet = new Wallet(DEV_KEYS[2], provider);
      const stale = await wallet.sendTransaction({ to: DEV_ADDRESSES[0], value: 1n, nonce: 0 }).catch((e: unknown) => e);
      expect(isError(stale, 'NONCE_EXPIRED')).toBe(true);

      const poor = Wallet.createRandom(provider);
      const broke = await poor.sendTransaction({ to: DEV_ADDRESSES[0], value: 1n, gasLimit: 21000n }).catch((e: unknown) => e);
      expect(isError(broke, 'INSUFFICIENT_FUNDS')).toBe(true);

      const foreign = await wallet.signTransaction({
        to: DEV_ADDRESSES[0],
        value: 1n,
        nonce: await provider.getTransactionCount(wallet.address, 'pending'),
        gasLimit: 21000n,
        maxFeePerGas: 10n ** 11n,
        maxPriorityFeePerGas: 10n ** 9n,
        chainId: 1n,
        type: 2,
      });
      const answer = await rawRpc(node.url, JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'eth_sendRawTransaction', params: [foreign] }));
      expect(answer.status).toBe(200);
      const error = (answer.json as { error: { code: number; message: string } }).error;
      expect(error.code).toBe(-32000);
      expect(error.message).toMatch(/chain id/i);
      expect(EthersTransaction.from(foreign).chainId).toBe(1n);
    });
  });

  describe('JSON-RPC transport', () => {
    it('rejects garbage raw transactions with a readable error', async () => {
      const { status, json } = await rawRpc(node.url, JSON.stringify({ jsonrpc: '2.0', id: 'x', method: 'eth_sendRawTransaction', params: ['0xdeadbeef'] }));
      expect(status).toBe(200);
      const answer = json as { id: string; error: { code: number; message: string } };
      expect(answer.id).toBe('x');
      expect([-32602, -32000]).toContain(answer.error.code);
      expect(answer.error.message.length).toBeGreaterThan(0);
    });

    it('answers an unknown method with -32601', async () => {
      const { status, json } = await rawRpc(node.url, JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'eth_noSuchThing', params: [] }));
      expect(status).toBe(200);
      expect(json).toMatchObject({ jsonrpc: '2.0', id: 3, error: { code: -32601 } });
      expect((json as { error: { message: string } }).error.message).toMatch(/the method eth_noSuchThing does not exist/);
    });

    it('answers malformed JSON with -32700 and id null', async () => {
      const { status, json } = await rawRpc(node.url, '{"jsonrpc":"2.0","id":1,"method":');
      expect(status).toBe(200);
      expect(json).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700 } });
    });

    it('answers a batch with one item per request, ids echoed with their JSON type', async () => {
      const batch = [
        { jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] },
        { jsonrpc: '2.0', id: '2', method: 'eth_blockNumber', params: [] },
        { jsonrpc: '2.0', id: 3, method: 'nope', params: [] },
      ];
      const { status, json } = await rawRpc(node.url, JSON.stringify(batch));
      expect(status).toBe(200);
      const answers = json as { id: number | string; result?: string; error?: { code: number } }[];
      expect(answers).toHaveLength(3);
      const byId = new Map(answers.map((a) => [a.id, a]));
      expect(byId.get(1)?.result).toBe('0x' + CHAIN_ID.toString(16));
      expect(byId.get('2')?.result).toMatch(/^0x(0|[1-9a-f][0-9a-f]*)$/);
      expect(byId.get(3)?.error?.code).toBe(-32601);
    });

    it('shows a queued transaction in txpool_content, then its receipt in eth_getBlockReceipts', async () => {
      // A fresh sender, so no other test's transactions share its nonces.
      const funder = createWalletClient({ account: privateKeyToAccount(DEV_KEYS[0]), chain: chainAt(node.url), transport: http(node.url) });
      const account = privateKeyToAccount(generatePrivateKey());
      await client.waitForTransactionReceipt({ hash: await funder.sendTransaction({ to: account.address, value: parseEther('1') }), timeout: 60_000 });
      const wallet = createWalletClient({ account, chain: chainAt(node.url), transport: http(node.url) });
      const nonce = 0;
      // One nonce ahead: it waits behind the gap until the next one arrives.
      const gapped = await wallet.sendTransaction({ to: DEV_ADDRESSES[1], value: 1n, nonce: nonce + 1 });
      const content = await rpc<{ queued: Record<string, Record<string, { hash: string }>> }>(node.url, 'txpool_content');
      expect(content.queued[account.address]?.[String(nonce + 1)]?.hash).toBe(gapped);
      expect(Number((await rpc<{ queued: string }>(node.url, 'txpool_status')).queued)).toBeGreaterThanOrEqual(1);

      const first = await wallet.sendTransaction({ to: DEV_ADDRESSES[1], value: 2n, nonce });
      const [, receipt] = await Promise.all([first, gapped].map((hash) => client.waitForTransactionReceipt({ hash, timeout: 60_000 })));
      const receipts = await rpc<{ transactionHash: string }[]>(node.url, 'eth_getBlockReceipts', [toHex(receipt!.blockNumber)]);
      expect(receipts.find((r) => r.transactionHash === gapped)).toEqual(await rpc(node.url, 'eth_getTransactionReceipt', [gapped]));
    });

    it('refuses to sign: the node holds no keys', async () => {
      const { json } = await rawRpc(node.url, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_sendTransaction', params: [{ from: DEV_ADDRESSES[0], to: DEV_ADDRESSES[1], value: '0x1' }] }));
      expect((json as { error: { message: string } }).error.message).toMatch(/no keys|sign/i);
    });
  });

  describe('filters over HTTP', () => {
    it('serve viem watchEvent and watchPendingTransactions, and ethers event listeners', async () => {
      const wallet = createWalletClient({ account: privateKeyToAccount(DEV_KEYS[1]), chain: chainAt(node.url), transport: http(node.url) });
      const provider = new JsonRpcProvider(node.url, Number(CHAIN_ID), { staticNetwork: true, pollingInterval: 100 });
      const unwatch: (() => void)[] = [];
      try {
        const viemLogs = new Promise<Log[]>((resolve, reject) => {
          unwatch.push(client.watchEvent({ address: SUPPLY, onLogs: resolve, onError: reject, pollingInterval: 100 }));
        });
        const pending = new Promise<Hash[]>((resolve, reject) => {
          unwatch.push(client.watchPendingTransactions({ onTransactions: resolve, onError: reject, pollingInterval: 100 }));
        });
        const ethersLog = new Promise<string>((resolve) => void provider.on({ address: SUPPLY }, (log: { transactionHash: string }) => resolve(log.transactionHash)));
        // Let both install their filters (viem on its first poll) before the transaction.
        await new Promise((resolve) => setTimeout(resolve, 500));
        const data = toHex(JSON.stringify({ op: 'register', id: `filter-lot-${Date.now()}`, kind: 'coffee' }));
        const hash = await wallet.sendTransaction({ to: SUPPLY, data, gas: 100_000n });
        expect(await withTimeout(pending, 30_000, 'no pending transaction from the filter')).toContain(hash);
        const [log] = await withTimeout(viemLogs, 30_000, 'no supply event from the filter');
        expect(log?.transactionHash).toBe(hash);
        expect(await withTimeout(ethersLog, 30_000, 'no ethers event from the filter')).toBe(hash);
      } finally {
        for (const stop of unwatch) stop();
        provider.destroy();
      }
    });
  });

  describe('WebSocket', () => {
    const wsUrl = (): string => node.url.replace(/^http/, 'ws');

    it('serves viem: blocks as they come, and a supply event through watchEvent', async () => {
      const transport = webSocket(wsUrl());
      const wsClient = createPublicClient({ chain: chainAt(node.url), transport });
      const wallet = createWalletClient({ account: privateKeyToAccount(DEV_KEYS[1]), chain: chainAt(node.url), transport });
      const unwatch: (() => void)[] = [];
      try {
        expect(await wsClient.getChainId()).toBe(CHAIN_ID);
        const blocks: bigint[] = [];
        const twoBlocks = new Promise<void>((resolve, reject) => {
          unwatch.push(
            wsClient.watchBlocks({
              onBlock: (block) => {
                blocks.push(block.number);
                if (blocks.length === 2) resolve();
              },
              onError: reject,
            }),
          );
        });
        const events = new Promise<Log[]>((resolve, reject) => {
          unwatch.push(wsClient.watchEvent({ address: SUPPLY, onLogs: resolve, onError: reject }));
        });
        const data = toHex(JSON.stringify({ op: 'register', id: `ws-lot-${Date.now()}`, kind: 'coffee' }));
        const hash = await wallet.sendTransaction({ to: SUPPLY, data, gas: 100_000n });
        const [log] = await withTimeout(events, 30_000, 'no supply event over the WebSocket');
        expect(log?.transactionHash).toBe(hash);
        expect(log?.removed).toBe(false);
        expect((await wsClient.waitForTransactionReceipt({ hash, timeout: 30_000 })).status).toBe('success');
        await withTimeout(twoBlocks, 30_000, 'fewer than two blocks over the WebSocket');
        expect(blocks[1]).toBe(blocks[0]! + 1n);
      } finally {
        for (const stop of unwatch) stop();
        await (await transport({ chain: undefined }).value?.getRpcClient())?.close();
      }
    });

    it('serves ethers: WebSocketProvider reads and follows new blocks', async () => {
      const provider = new WebSocketProvider(wsUrl(), Number(CHAIN_ID), { staticNetwork: true });
      try {
        const start = await provider.getBlockNumber();
        expect(await provider.getBalance(DEV_ADDRESSES[2])).toBeGreaterThan(0n);
        // on(), not once(): once() sends eth_unsubscribe in the background, which destroy() would cancel under it.
        const next = await withTimeout(
          new Promise<number>((resolve) => void provider.on('block', (n: number) => resolve(n))),
          30_000,
          'no block event over the WebSocket',
        );
        expect(next).toBeGreaterThanOrEqual(start);
      } finally {
        await provider.destroy();
      }
    });
  });
});
