import { describe, expect, it } from 'vitest';
import type { HeadEvent } from '../../../src/chain/blockchain.js';
import { ChainClosedError } from '../../../src/chain/errors.js';
import { nextBaseFee } from '../../../src/ledger/fees.js';
import { TxErrorCode } from '../../../src/ledger/tx/errors.js';
import { bytesToHex, equalBytes } from '../../../src/primitives/hex.js';
import { encodeBlock } from '../../../src/ledger/block/block.js';
import { ALICE, ALICE_KEY, BOB, BOB_KEY, CAROL, ETHER, MINER_A, TestEnv, transfer, useTestEnv } from './helpers.js';

const newEnv = useTestEnv();
let env: TestEnv;

describe('Blockchain: import and lookups', () => {
  it('starts a new directory at genesis with the alloc', async () => {
    env = newEnv();
    const chain = await env.open(await env.dir());
    expect(chain.head.header.number).toBe(0);
    expect(chain.head.hash).toEqual(chain.genesisHash);
    expect(chain.chainId).toBe(1337n);
    expect(chain.getAccount(ALICE)).toEqual({ nonce: 0n, balance: 100n * ETHER });
    expect(chain.getAccount(CAROL)).toEqual({ nonce: 0n, balance: 0n });
    expect(await chain.getBlockReceipts(chain.genesisHash)).toEqual([]);
    expect((await chain.getBlockByNumber(0))?.hash).toEqual(chain.genesisHash);
  });

  it('serves the stored encoding of a block by number and by hash, as peers receive it', async () => {
    env = newEnv();
    const chain = await env.open(await env.dir());
    const b1 = await env.mine(chain, [transfer(ALICE_KEY, 0n), transfer(BOB_KEY, 0n)]);
    expect(await chain.getEncodedBlockByNumber(1)).toEqual(encodeBlock(b1));
    expect(await chain.getEncodedBlockByHash(b1.hash)).toEqual(encodeBlock(b1));
    expect(await chain.getEncodedBlockByNumber(2)).toBeUndefined();
    expect(await chain.getEncodedBlockByHash(new Uint8Array(32))).toBeUndefined();
  });

  it('imports a chain of blocks with transfers, serves them, and reports each head', async () => {
    env = newEnv();
    const chain = await env.open(await env.dir());
    const events: HeadEvent[] = [];
    chain.on('head', (event) => events.push(event));

    const t1 = transfer(ALICE_KEY, 0n);
    const t2 = transfer(BOB_KEY, 0n, CAROL, 2n * ETHER);
    const b1 = await env.mine(chain, [t1, t2]);
    const t3 = transfer(ALICE_KEY, 1n, BOB, 5n * ETHER);
    const b2 = await env.mine(chain, [t3]);

    expect(chain.head.hash).toEqual(b2.hash);
    expect(chain.head.totalWeight).toBe(3n); // genesis + 2 blocks, 1 each
    expect(chain.getAccount(CAROL).balance).toBe(3n * ETHER);
    expect(chain.getAccount(ALICE).nonce).toBe(2n);
    // Fees: gasUsed * effective price is paid, the base fee part is burned.
    const price1 = b1.header.baseFee + 10n ** 9n;
    const price2 = b2.header.baseFee + 10n ** 9n;
    expect(chain.getAccount(ALICE).balance).toBe(100n * ETHER - ETHER - 21_000n * price1 - 5n * ETHER - 21_000n * price2);
    expect(chain.getAccount(MINER_A).balance).toBe(2n * 2n * ETHER + 3n * 21_000n * 10n ** 9n);

    expect(events.map((e) => bytesToHex(e.head.hash))).toEqual([bytesToHex(b1.hash), bytesToHex(b2.hash)]);
    expect(events[0]!.added.map((b) => b.hash)).toEqual([b1.hash]);
    expect(events[0]!.removed).toEqual([]);

    expect((await chain.getBlockByNumber(1))?.hash).toEqual(b1.hash);
    expect((await chain.getHeaderByNumber(2))?.stateRoot).toEqual(b2.header.stateRoot);
    expect(await chain.getBlockByNumber(3)).toBeUndefined();
    expect((await chain.getBlockByHash(b2.hash))?.transactions.map((tx) => tx.hash)).toEqual([t3.hash]);

    const found = await chain.getTransaction(t2.hash);
    expect(found?.blockHash).toEqual(b1.hash);
    expect(found?.blockNumber).toBe(1);
    expect(found?.index).toBe(1);
    expect(found?.tx.from).toEqual(BOB);

    const receipt = await chain.getReceipt(t2.hash);
    expect(receipt?.receipt.cumulativeGasUsed).toBe(42_000n);
    expect(receipt?.receipt.gasUsed).toBe(21_000n);
    expect(receipt?.logIndexStart).toBe(0);
    expect(receipt?.header.number).toBe(1);
    expect((await chain.getBlockReceipts(b1.hash))?.length).toBe(2);
    expect(await chain.getTransaction(transfer(ALICE_KEY, 9n).hash)).toBeUndefined();
  });

  it('serves the same receipts from the import as from the store after a restart', async () => {
    env = newEnv();
    const dir = await env.dir();
    const chain = await env.open(dir);
    const t1 = transfer(ALICE_KEY, 0n);
    const t2 = transfer(BOB_KEY, 0n);
    const b1 = await env.mine(chain, [t1, t2]);
    const fresh = await chain.getBlockReceipts(b1.hash);
    const lookup = await chain.getReceipt(t2.hash);
    await env.close(chain);

    const reopened = await env.open(dir);
    expect(await reopened.getBlockReceipts(b1.hash)).toEqual(fresh);
    expect((await reopened.getReceipt(t2.hash))?.receipt).toEqual(lookup?.receipt);
    expect(fresh?.map((r) => r.cumulativeGasUsed)).toEqual([21_000n, 42_000n]);
  });

  it('answers known for a block it already has and keeps the base fee rule', async () => {
    env = newEnv();
    const chain = await env.open(await env.dir());
    const b1 = await env.mine(chain);
    expect(await chain.importBlock(b1)).toBe('known');
    expect(chain.nextBaseFee()).toBe(nextBaseFee(b1.header));
  });

  it('builds a template that skips transactions that cannot apply', async () => {
    env = newEnv();
    const chain = await env.open(await env.dir());
    const [good, gap, broke] = await env.recovery.recover([
      transfer(ALICE_KEY, 0n),
      transfer(ALICE_KEY, 5n),
      transfer(BOB_KEY, 0n, CAROL, 1_000n * ETHER),
    ]);
    const { block, included, rejected } = await chain.buildBlock({
      transactions: [good!, gap!, broke!],
      coinbase: MINER_A,
      timestamp: chain.head.header.timestamp - 5, // before the parent: raised to parent + 1
    });
    expect(included.map((tx) => tx.hash)).toEqual([good!.hash]);
    expect(rejected.map((r) => r.error.code)).toEqual([TxErrorCode.NonceTooHigh, TxErrorCode.InsufficientFunds]);
    expect(block.header.timestamp).toBe(chain.head.header.timestamp + 1);
    expect(block.header.baseFee).toBe(chain.nextBaseFee());
    expect(await chain.importBlock(block)).toBe('imported-head');
    expect(chain.getAccount(CAROL).balance).toBe(ETHER);
  });

  it('resumes at the same head with the same state after a restart', async () => {
    env = newEnv();
    const dir = await env.dir();
    let chain = await env.open(dir);
    const t1 = transfer(ALICE_KEY, 0n);
    await env.mine(chain, [t1]);
    const b2 = await env.mine(chain, [transfer(ALICE_KEY, 1n), transfer(BOB_KEY, 0n)]);
    const before = chain.head;
    const balances = [ALICE, BOB, CAROL, MINER_A].map((a) => chain.getAccount(a));
    await env.close(chain);

    chain = await env.open(dir);
    expect(chain.head.hash).toEqual(before.hash);
    expect(chain.head.totalWeight).toBe(before.totalWeight);
    expect(chain.head.header).toEqual(before.header);
    expect([ALICE, BOB, CAROL, MINER_A].map((a) => chain.getAccount(a))).toEqual(balances);
    expect((await chain.getTransaction(t1.hash))?.blockNumber).toBe(1);
    expect((await chain.getBlockByNumber(2))?.hash).toEqual(b2.hash);
    // And it goes on from there.
    await env.mine(chain, [transfer(ALICE_KEY, 2n)]);
    expect(chain.head.header.number).toBe(3);
  });

  it('keeps the mempool journal and drops mined transactions from it in the block batch', async () => {
    env = newEnv();
    const dir = await env.dir();
    let chain = await env.open(dir);
    const t1 = transfer(ALICE_KEY, 0n);
    const t2 = transfer(ALICE_KEY, 1n);
    const t3 = transfer(BOB_KEY, 0n);
    await chain.mempoolJournal.write([t1, t2, t3], []);
    await chain.mempoolJournal.write([], [t3.hash]);
    await env.close(chain);

    chain = await env.open(dir);
    const raws = (await chain.mempoolJournal.loadAll()).map(bytesToHex);
    expect(raws.sort()).toEqual([t1.raw, t2.raw].map(bytesToHex).sort());
    await env.mine(chain, [t1]);
    expect((await chain.mempoolJournal.loadAll()).map(bytesToHex)).toEqual([bytesToHex(t2.raw)]);
  });

  it('refuses calls after close', async () => {
    env = newEnv();
    const chain = await env.open(await env.dir());
    const b1 = (await chain.buildBlock({ transactions: [], coinbase: MINER_A, timestamp: chain.head.header.timestamp + 1 })).block;
    await env.close(chain);
    await expect(chain.importBlock(b1)).rejects.toBeInstanceOf(ChainClosedError);
    await expect(chain.getBlockByNumber(0)).rejects.toBeInstanceOf(ChainClosedError);
    expect(equalBytes(chain.head.hash, chain.genesisHash)).toBe(true);
  });
});
