import { JsonRpcProvider, Wallet } from 'ethers';
import { createPublicClient, createWalletClient, defineChain, http, type Hash } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToHex } from '../../../src/primitives/hex.js';
import { startRpcServer, type RpcServer } from '../../../src/rpc/server.js';
import { BOB, FakeBackend, GWEI, KEYS, signed } from './fake-backend.js';

/** Unmodified ethers 6 and viem 2 against the server: they must parse every answer. */

const chain = defineChain({
  id: 1337,
  name: 'cairn-test',
  nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
  rpcUrls: { default: { http: ['http://127.0.0.1'] } },
});

let backend: FakeBackend;
let server: RpcServer;
let provider: JsonRpcProvider;

beforeAll(async () => {
  backend = new FakeBackend();
  backend.mine([signed({ nonce: 0n, type: 2 }), signed({ nonce: 1n, type: 0 }), signed({ nonce: 2n, type: 1 })]);
  backend.mine([]);
  server = await startRpcServer({ backend, port: 0, log: { error: () => {} } });
  provider = new JsonRpcProvider(server.url, 1337, { staticNetwork: true, pollingInterval: 50 });
});

afterAll(async () => {
  provider.destroy();
  await server.close();
});

describe('ethers JsonRpcProvider', () => {
  it('reads blocks, full transactions, receipts and fee history', async () => {
    const latest = await provider.getBlock('latest');
    expect(latest?.number).toBe(2);
    expect(latest?.baseFeePerGas).toBe(backend.blocks[2]!.header.baseFee);
    const full = await provider.getBlock(1, true);
    expect(full?.prefetchedTransactions.map((tx) => tx.type)).toEqual([2, 0, 1]);
    const hash = bytesToHex(backend.blocks[1]!.transactions[0]!.hash);
    expect(full?.prefetchedTransactions[0]?.hash).toBe(hash);
    const receipt = await provider.getTransactionReceipt(hash);
    expect(receipt?.status).toBe(1);
    expect(receipt?.gasUsed).toBe(21_000n);
    expect(receipt?.fee).toBe(21_000n * (backend.blocks[1]!.header.baseFee + GWEI));
    const history = (await provider.send('eth_feeHistory', ['0x2', 'latest', [50]])) as { baseFeePerGas: string[] };
    expect(history.baseFeePerGas).toHaveLength(3);
    const fees = await provider.getFeeData();
    expect(fees.maxFeePerGas).not.toBeNull();
  });

  it('sends a transfer with a Wallet and waits for it', async () => {
    const wallet = new Wallet(bytesToHex(KEYS[0]), provider);
    const response = await wallet.sendTransaction({ to: bytesToHex(BOB), value: 12_345n });
    expect(response.nonce).toBe(3);
    expect(await provider.getTransaction(response.hash)).not.toBeNull();
    backend.mine();
    const receipt = await response.wait();
    expect(receipt?.status).toBe(1);
    expect(receipt?.blockNumber).toBe(3);
  });
});

describe('viem public and wallet clients', () => {
  it('reads blocks, full transactions, receipts and fee history', async () => {
    const client = createPublicClient({ chain, transport: http(server.url) });
    const latest = await client.getBlock();
    expect(latest.number).toBe(BigInt(backend.head().header.number));
    const block1 = await client.getBlock({ blockNumber: 1n, includeTransactions: true });
    expect(block1.transactions.map((tx) => tx.type)).toEqual(['eip1559', 'legacy', 'eip2930']);
    expect(block1.transactions[1]!.chainId).toBe(1337);
    const hash = bytesToHex(backend.blocks[1]!.transactions[1]!.hash) as Hash;
    const receipt = await client.getTransactionReceipt({ hash });
    expect(receipt.status).toBe('success');
    expect(receipt.type).toBe('legacy');
    expect(receipt.transactionIndex).toBe(1);
    const history = await client.getFeeHistory({ blockCount: 2, rewardPercentiles: [25, 75] });
    expect(history.baseFeePerGas).toHaveLength(3);
    expect(history.reward).toHaveLength(2);
    const fees = await client.estimateFeesPerGas();
    expect(fees.maxFeePerGas).toBeGreaterThan(0n);
  });

  it('sends a transfer from a local account and waits for the receipt', async () => {
    const client = createPublicClient({ chain, transport: http(server.url), pollingInterval: 50 });
    const wallet = createWalletClient({ account: privateKeyToAccount(bytesToHex(KEYS[0]) as Hash), chain, transport: http(server.url) });
    const hash = await wallet.sendTransaction({ to: bytesToHex(BOB) as Hash, value: 777n });
    const pending = await client.getTransaction({ hash });
    expect(pending.blockNumber).toBeNull();
    backend.mine();
    const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 50 });
    expect(receipt.status).toBe('success');
    expect(receipt.gasUsed).toBe(21_000n);
  });
});
