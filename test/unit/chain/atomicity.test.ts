import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChainBatch } from '../../../src/chain/storage/batch.js';
import { Bucket } from '../../../src/chain/storage/schema.js';
import { bytesToUtf8, hexToBytes } from '../../../src/primitives/hex.js';
import { ALICE, ALICE_KEY, BOB, BOB_KEY, CAROL, MINER_B, TestEnv, dumpStore, transfer, useTestEnv } from './helpers.js';

const newEnv = useTestEnv();
let env: TestEnv;
afterEach(() => {
  vi.restoreAllMocks();
});

/** Sublevel of a raw key ('!blocks!…' → 'blocks'). */
function bucketOf(hexKey: string): string {
  const key = hexToBytes(hexKey);
  const end = key.indexOf(0x21, 1);
  return bytesToUtf8(key.subarray(1, end));
}

/** Buckets whose keys were added, removed or rewritten between two dumps. */
function changedBuckets(before: Map<string, string>, after: Map<string, string>): string[] {
  const changed = new Set<string>();
  for (const [key, value] of after) if (before.get(key) !== value) changed.add(bucketOf(key));
  for (const key of before.keys()) if (!after.has(key)) changed.add(bucketOf(key));
  return [...changed].sort();
}

describe('Blockchain: one batch per head change', () => {
  it('writes a block and everything it implies in one batch', async () => {
    env = newEnv();
    const dir = await env.dir();
    let chain = await env.open(dir);
    const tx = transfer(ALICE_KEY, 0n);
    await chain.mempoolJournal.write([tx], []);
    await env.close(chain);
    const before = await dumpStore(dir);

    chain = await env.open(dir);
    const write = vi.spyOn(ChainBatch.prototype, 'write');
    await env.mine(chain, [tx]);
    expect(write).toHaveBeenCalledTimes(1);
    await env.close(chain);

    const expected = [
      Bucket.Accounts,
      Bucket.BlockMeta,
      Bucket.Blocks,
      Bucket.Canonical,
      Bucket.Journal,
      Bucket.LtHash,
      Bucket.Meta,
      Bucket.Receipts,
      Bucket.TxIndex,
      Bucket.Undo,
    ];
    expect(changedBuckets(before, await dumpStore(dir))).toEqual([...expected].sort());
  });

  it('leaves the store and the head untouched when the commit of a block fails', async () => {
    env = newEnv();
    const dir = await env.dir();
    let chain = await env.open(dir);
    await env.mine(chain, [transfer(ALICE_KEY, 0n)]);
    await env.close(chain);
    const before = await dumpStore(dir);

    chain = await env.open(dir);
    const tx = transfer(ALICE_KEY, 1n);
    const { block } = await chain.buildBlock({
      transactions: await env.recovery.recover([tx]),
      coinbase: MINER_B,
      timestamp: chain.head.header.timestamp + 1000,
    });
    const head = chain.head;
    const alice = chain.getAccount(ALICE);
    vi.spyOn(ChainBatch.prototype, 'write').mockRejectedValueOnce(new Error('simulated crash before the batch reached disk'));
    await expect(chain.importBlock(block)).rejects.toThrow('simulated crash');
    expect(chain.head).toBe(head);
    expect(chain.getAccount(ALICE)).toEqual(alice);
    expect(await chain.getTransaction(tx.hash)).toBeUndefined();
    await env.close(chain);
    expect(await dumpStore(dir)).toEqual(before);

    chain = await env.open(dir);
    expect(chain.head.hash).toEqual(head.hash);
    expect(await chain.importBlock(block)).toBe('imported-head');
    expect(chain.getAccount(ALICE).nonce).toBe(2n);
  });

  it('leaves the store and the head untouched when the commit of a reorg fails', async () => {
    env = newEnv();
    const dirA = await env.dir();
    let a = await env.open(dirA);
    const b = await env.open(await env.dir());
    const c1 = await env.mine(a, [transfer(ALICE_KEY, 0n)]);
    await b.importBlock(c1);
    await env.mine(a, [transfer(ALICE_KEY, 1n, BOB)]);
    await env.mine(a, [transfer(BOB_KEY, 0n)]);
    const b2 = await env.mine(b, [transfer(ALICE_KEY, 1n, CAROL)], { coinbase: MINER_B });
    const b3 = await env.mine(b, [], { coinbase: MINER_B, weight: 2 });
    expect(await a.importBlock(b2)).toBe('imported-side');
    const head = a.head;
    const watched = [ALICE, BOB, CAROL, MINER_B].map((x) => a.getAccount(x));
    await env.close(a);
    const before = await dumpStore(dirA);

    a = await env.open(dirA);
    const write = vi.spyOn(ChainBatch.prototype, 'write').mockRejectedValueOnce(new Error('simulated crash during the reorg'));
    await expect(a.importBlock(b3)).rejects.toThrow('simulated crash');
    expect(write).toHaveBeenCalledTimes(1);
    expect(a.head.hash).toEqual(head.hash);
    expect([ALICE, BOB, CAROL, MINER_B].map((x) => a.getAccount(x))).toEqual(watched);
    await env.close(a);
    expect(await dumpStore(dirA)).toEqual(before);

    a = await env.open(dirA);
    expect(await a.importBlock(b3)).toBe('imported-head');
    expect(write).toHaveBeenCalledTimes(2);
    expect(a.head.hash).toEqual(b.head.hash);
    expect([ALICE, BOB, CAROL, MINER_B].map((x) => a.getAccount(x))).toEqual([ALICE, BOB, CAROL, MINER_B].map((x) => b.getAccount(x)));
  });
});
