import { describe, expect, it } from 'vitest';
import { signTransaction } from '../../../src/ledger/tx/encode.js';
import { ALICE, ALICE_KEY, BOB_KEY, CAROL, ETHER, GWEI, MINER_A, TestEnv, transfer, useTestEnv } from './helpers.js';

const newEnv = useTestEnv();
let env: TestEnv;

/** A transfer from Bob that reserves nearly the whole 30M block gas limit (it uses 21,000). */
function bigTransfer() {
  return signTransaction(
    {
      type: 2,
      chainId: 1337n,
      nonce: 0n,
      gasPrice: null,
      maxFeePerGas: 10n * GWEI,
      maxPriorityFeePerGas: 5n * GWEI,
      gasLimit: 29_990_000n,
      to: CAROL,
      value: ETHER,
      data: new Uint8Array(0),
      accessList: [],
    },
    BOB_KEY,
  );
}

describe('Blockchain.buildBlock on the same head', () => {
  it('extends the last template: new candidates come after those already in it, and the block is valid', async () => {
    env = newEnv();
    const chain = await env.open(await env.dir());
    const [alice, bob] = await env.recovery.recover([transfer(ALICE_KEY, 0n), transfer(BOB_KEY, 0n)]);
    const timestamp = chain.head.header.timestamp + 1000;
    await chain.buildBlock({ transactions: [alice!], coinbase: MINER_A, timestamp });
    // A fresh build would follow the candidates' order (bob first); the extension keeps alice's place.
    const { block, rejected } = await chain.buildBlock({ transactions: [bob!, alice!], coinbase: MINER_A, timestamp });
    expect(rejected).toEqual([]);
    expect(block.transactions.map((tx) => tx.hash)).toEqual([alice!.hash, bob!.hash]);
    expect(await chain.importBlock(block)).toBe('imported-head');
    expect(chain.getAccount(CAROL).balance).toBe(2n * ETHER);
  });

  it('builds afresh when a transaction in the template is no longer a candidate (it was replaced)', async () => {
    env = newEnv();
    const chain = await env.open(await env.dir());
    const [first, replacement] = await env.recovery.recover([transfer(ALICE_KEY, 0n), transfer(ALICE_KEY, 0n, CAROL, 3n * ETHER)]);
    const timestamp = chain.head.header.timestamp + 1000;
    await chain.buildBlock({ transactions: [first!], coinbase: MINER_A, timestamp });
    const { block } = await chain.buildBlock({ transactions: [replacement!], coinbase: MINER_A, timestamp });
    expect(block.transactions.map((tx) => tx.hash)).toEqual([replacement!.hash]);
    expect(await chain.importBlock(block)).toBe('imported-head');
    expect(chain.getAccount(CAROL).balance).toBe(3n * ETHER);
  });

  it('builds afresh when the new candidates might not fit, so their order decides', async () => {
    env = newEnv();
    const chain = await env.open(await env.dir());
    const [alice, big] = await env.recovery.recover([transfer(ALICE_KEY, 0n), bigTransfer()]);
    const timestamp = chain.head.header.timestamp + 1000;
    await chain.buildBlock({ transactions: [alice!], coinbase: MINER_A, timestamp });
    const { block } = await chain.buildBlock({ transactions: [big!, alice!], coinbase: MINER_A, timestamp });
    expect(block.transactions.map((tx) => tx.hash)).toEqual([big!.hash, alice!.hash]);
    expect(await chain.importBlock(block)).toBe('imported-head');
  });

  it('builds afresh for another coinbase or timestamp, and on a new head', async () => {
    env = newEnv();
    const chain = await env.open(await env.dir());
    const [alice, bob] = await env.recovery.recover([transfer(ALICE_KEY, 0n), transfer(BOB_KEY, 0n)]);
    const timestamp = chain.head.header.timestamp + 1000;
    await chain.buildBlock({ transactions: [alice!], coinbase: MINER_A, timestamp });
    const later = await chain.buildBlock({ transactions: [bob!, alice!], coinbase: MINER_A, timestamp: timestamp + 1 });
    expect(later.block.transactions.map((tx) => tx.hash)).toEqual([bob!.hash, alice!.hash]);

    const mined = await env.mine(chain, [transfer(ALICE_KEY, 0n)]);
    const next = await chain.buildBlock({ transactions: [bob!], coinbase: MINER_A, timestamp: mined.header.timestamp + 1000 });
    expect(next.block.transactions.map((tx) => tx.hash)).toEqual([bob!.hash]);
    expect(await chain.importBlock(next.block)).toBe('imported-head');
    expect(chain.getAccount(ALICE).nonce).toBe(1n);
  });
});
