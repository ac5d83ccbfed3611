import { describe, expect, it } from 'vitest';
import type { BuildBlockOptions } from '../../../src/chain/blockchain.js';
import { signTransaction } from '../../../src/ledger/tx/encode.js';
import type { SignedTransaction } from '../../../src/ledger/tx/types.js';
import { ALICE, ALICE_KEY, BOB_KEY, CAROL, ETHER, GWEI, MINER_A, MINER_B, TestEnv, transfer, useTestEnv } from './helpers.js';

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

/**
 * On a fresh chain: a template of `first`, then buildBlock again with the
 * candidates `then` (the same coinbase and timestamp unless `change` says
 * otherwise). Returns the chain and the second template.
 */
async function buildTwice(first: SignedTransaction[], then: SignedTransaction[], change: Partial<BuildBlockOptions> = {}) {
  const chain = await env.open(await env.dir());
  const timestamp = chain.head.header.timestamp + 1000;
  await chain.buildBlock({ transactions: first, coinbase: MINER_A, timestamp });
  return { chain, ...(await chain.buildBlock({ transactions: then, coinbase: MINER_A, timestamp, ...change })) };
}

const order = (txs: readonly SignedTransaction[]): Uint8Array[] => txs.map((tx) => tx.hash);

describe('Blockchain.buildBlock on the same head', () => {
  it('extends the last template: new candidates come after those already in it, and the block is valid', async () => {
    env = newEnv();
    const [alice, bob] = await env.recovery.recover([transfer(ALICE_KEY, 0n), transfer(BOB_KEY, 0n)]);
    // A fresh build would follow the candidates' order (bob first); the extension keeps alice's place.
    const { chain, block, rejected } = await buildTwice([alice!], [bob!, alice!]);
    expect(rejected).toEqual([]);
    expect(order(block.transactions)).toEqual(order([alice!, bob!]));
    expect(await chain.importBlock(block)).toBe('imported-head');
    expect(chain.getAccount(CAROL).balance).toBe(2n * ETHER);
  });

  it('builds afresh when a transaction in the template is no longer a candidate (it was replaced)', async () => {
    env = newEnv();
    const [first, replacement] = await env.recovery.recover([transfer(ALICE_KEY, 0n), transfer(ALICE_KEY, 0n, CAROL, 3n * ETHER)]);
    const { chain, block } = await buildTwice([first!], [replacement!]);
    expect(order(block.transactions)).toEqual(order([replacement!]));
    expect(await chain.importBlock(block)).toBe('imported-head');
    expect(chain.getAccount(CAROL).balance).toBe(3n * ETHER);
  });

  it('builds afresh when the new candidates might not fit, so their order decides', async () => {
    env = newEnv();
    const [alice, big] = await env.recovery.recover([transfer(ALICE_KEY, 0n), bigTransfer()]);
    const { chain, block } = await buildTwice([alice!], [big!, alice!]);
    expect(order(block.transactions)).toEqual(order([big!, alice!]));
    expect(await chain.importBlock(block)).toBe('imported-head');
  });

  it('builds afresh for another timestamp or coinbase', async () => {
    env = newEnv();
    const [alice, bob] = await env.recovery.recover([transfer(ALICE_KEY, 0n), transfer(BOB_KEY, 0n)]);
    const later = await buildTwice([alice!], [bob!, alice!], { timestamp: Date.now() });
    expect(order(later.block.transactions)).toEqual(order([bob!, alice!]));
    const other = await buildTwice([alice!], [bob!, alice!], { coinbase: MINER_B });
    expect(order(other.block.transactions)).toEqual(order([bob!, alice!]));
    expect(await other.chain.importBlock(other.block)).toBe('imported-head');
    expect(other.chain.getAccount(MINER_B).balance).toBeGreaterThan(0n);
  });

  it('builds afresh on a new head', async () => {
    env = newEnv();
    const chain = await env.open(await env.dir());
    const [bob] = await env.recovery.recover([transfer(BOB_KEY, 0n)]);
    await chain.buildBlock({ transactions: [bob!], coinbase: MINER_A, timestamp: chain.head.header.timestamp + 1000 });
    const mined = await env.mine(chain, [transfer(ALICE_KEY, 0n)]);
    const next = await chain.buildBlock({ transactions: [bob!], coinbase: MINER_A, timestamp: mined.header.timestamp + 1000 });
    expect(order(next.block.transactions)).toEqual(order([bob!]));
    expect(await chain.importBlock(next.block)).toBe('imported-head');
    expect(chain.getAccount(ALICE).nonce).toBe(1n);
  });
});
