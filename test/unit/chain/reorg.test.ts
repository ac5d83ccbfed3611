import { describe, expect, it } from 'vitest';
import type { Blockchain, HeadEvent } from '../../../src/chain/blockchain.js';
import { BlockErrorCode, InvalidBlockError } from '../../../src/ledger/block/errors.js';
import type { Block } from '../../../src/ledger/block/types.js';
import { bytesToHex } from '../../../src/primitives/hex.js';
import { ALICE, ALICE_KEY, BOB, BOB_KEY, CAROL, ETHER, MINER_A, MINER_B, TestEnv, transfer, withHeader, useTestEnv } from './helpers.js';

const newEnv = useTestEnv();
let env: TestEnv;

const WATCHED = [ALICE, BOB, CAROL, MINER_A, MINER_B];

function balances(chain: Blockchain) {
  return WATCHED.map((address) => chain.getAccount(address));
}

function hashes(blocks: readonly Block[]): string[] {
  return blocks.map((b) => bytesToHex(b.hash));
}

async function importAll(chain: Blockchain, blocks: readonly Block[]): Promise<string[]> {
  const results: string[] = [];
  for (const block of blocks) results.push(await chain.importBlock(block));
  return results;
}

/**
 * Node A: c1 then a2, a3 (weight 1 each). Node B: c1 then b2 (weight 2), b3
 * (weight 1): heavier from b3 on. txA (in a2) conflicts with txB (in b2):
 * both are Alice's nonce 1. `shared` is in a3 and in b3.
 */
async function twoBranches() {
  const dirA = await env.dir();
  const a = await env.open(dirA);
  const b = await env.open(await env.dir());
  const c1 = await env.mine(a, [transfer(ALICE_KEY, 0n)]);
  expect(await b.importBlock(c1)).toBe('imported-head');

  const txA = transfer(ALICE_KEY, 1n, BOB, 5n * ETHER);
  const shared = transfer(BOB_KEY, 0n, CAROL, 3n * ETHER);
  const a2 = await env.mine(a, [txA]);
  const a3 = await env.mine(a, [shared]);

  const txB = transfer(ALICE_KEY, 1n, CAROL, 7n * ETHER);
  const b2 = await env.mine(b, [txB], { coinbase: MINER_B, weight: 2 });
  const b3 = await env.mine(b, [shared], { coinbase: MINER_B });
  return { a, b, dirA, c1, a2, a3, b2, b3, txA, txB, shared };
}

describe('Blockchain: fork choice and reorgs', () => {
  it('switches to a heavier branch in one step and ends with the state of a node that only saw it', async () => {
    env = newEnv();
    const { a, b, a2, a3, b2, b3, txA, txB, shared } = await twoBranches();
    const events: HeadEvent[] = [];
    a.on('head', (event) => events.push(event));

    expect(await a.importBlock(b2)).toBe('imported-side'); // total 4 = A's 4: a tie keeps the head
    expect(a.head.hash).toEqual(a3.hash);
    expect(await a.importBlock(b3)).toBe('imported-head');

    expect(a.head.hash).toEqual(b.head.hash);
    expect(a.head.totalWeight).toBe(b.head.totalWeight);
    expect(balances(a)).toEqual(balances(b));
    expect(a.getAccount(MINER_A).balance).toBe(2n * ETHER + 21_000n * 10n ** 9n); // c1 only

    expect(events).toHaveLength(1);
    expect(hashes(events[0]!.removed)).toEqual(hashes([a2, a3]));
    expect(hashes(events[0]!.added)).toEqual(hashes([b2, b3]));
    expect(events[0]!.removed.flatMap((block) => block.transactions.map((tx) => bytesToHex(tx.hash)))).toEqual(
      [txA, shared].map((tx) => bytesToHex(tx.hash)),
    );

    // The losing branch is gone from every canonical lookup, and kept as a side block.
    expect(await a.getTransaction(txA.hash)).toBeUndefined();
    expect(await a.getReceipt(txA.hash)).toBeUndefined();
    expect(await a.getBlockReceipts(a2.hash)).toBeUndefined();
    expect((await a.getBlockByHash(a2.hash))?.hash).toEqual(a2.hash);
    expect((await a.getBlockByNumber(2))?.hash).toEqual(b2.hash);
    expect((await a.getTransaction(txB.hash))?.blockHash).toEqual(b2.hash);
    expect((await a.getTransaction(shared.hash))?.blockHash).toEqual(b3.hash);
    expect((await a.getReceipt(shared.hash))?.blockNumber).toBe(3);
  });

  it('journals the reorged-out transactions in the reorg batch, so a crash before the mempool re-admits them loses none', async () => {
    env = newEnv();
    const { a, dirA, b2, b3, txA, shared } = await twoBranches();
    expect(await importAll(a, [b2, b3])).toEqual(['imported-side', 'imported-head']);
    // No mempool follows this chain: closing now is a crash right after the commit.
    await env.close(a);

    const reopened = await env.open(dirA);
    const journaled = (await reopened.mempoolJournal.loadAll()).map((raw) => bytesToHex(raw));
    // txA had a receipt on a2 and is on no chain now; shared is mined again in b3.
    expect(journaled).toEqual([bytesToHex(txA.raw)]);
    expect(await reopened.getTransaction(txA.hash)).toBeUndefined();
    expect((await reopened.getTransaction(shared.hash))?.blockHash).toEqual(b3.hash);
  });

  it('reorgs back onto a branch it had reverted, and survives a restart', async () => {
    env = newEnv();
    const { a, dirA, c1, a2, a3, b2, b3 } = await twoBranches();
    // a4 (weight 10) is built on a3 while a3 is still the head, imported after the switch to b3.
    const a4 = (
      await a.buildBlock({
        transactions: await env.recovery.recover([transfer(BOB_KEY, 1n)]),
        coinbase: MINER_A,
        timestamp: a3.header.timestamp + 1000,
        extraData: Uint8Array.of(10),
      })
    ).block;
    expect(await importAll(a, [b2, b3])).toEqual(['imported-side', 'imported-head']);
    const events: HeadEvent[] = [];
    a.on('head', (event) => events.push(event));
    expect(await a.importBlock(a4)).toBe('imported-head');
    expect(hashes(events[0]!.removed)).toEqual(hashes([b2, b3]));
    expect(hashes(events[0]!.added)).toEqual(hashes([a2, a3, a4]));

    const fresh = await env.open(await env.dir());
    expect(await importAll(fresh, [c1, a2, a3, a4])).toEqual(['imported-head', 'imported-head', 'imported-head', 'imported-head']);
    expect(a.head.hash).toEqual(fresh.head.hash);
    expect(balances(a)).toEqual(balances(fresh));

    await env.close(a);
    const reopened = await env.open(dirA);
    expect(reopened.head.hash).toEqual(a4.hash);
    expect(balances(reopened)).toEqual(balances(fresh));
    expect((await reopened.getBlockByNumber(2))?.hash).toEqual(a2.hash);
  });

  it('keeps the old head when a later block of the heavier branch is invalid', async () => {
    env = newEnv();
    const { a, b, a2, b2, b3 } = await twoBranches();
    const a4 = await env.mine(a); // A weighs 5 now
    const before = balances(a);
    const b4 = (await b.buildBlock({ transactions: [], coinbase: MINER_B, timestamp: b3.header.timestamp + 1000 })).block;
    // b2 and b3 are fine; b4bad lies about its state root.
    const b4bad = withHeader(b4, { stateRoot: new Uint8Array(32).fill(7) });
    const b5 = withHeader(b4bad, { parentHash: b4bad.hash, number: 5, timestamp: b4bad.header.timestamp + 1000 });

    expect(await importAll(a, [b2, b3])).toEqual(['imported-side', 'imported-side']);
    // b2 + b3 + b4bad would weigh 6 > 5: the switch is tried and fails at b4bad.
    const failure = await a.importBlock(b4bad).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(InvalidBlockError);
    expect((failure as InvalidBlockError).code).toBe(BlockErrorCode.BadStateRoot);
    expect(a.head.hash).toEqual(a4.hash);
    expect(balances(a)).toEqual(before);
    expect((await a.getBlockByNumber(2))?.hash).toEqual(a2.hash);
    expect(await a.getBlockByHash(b4bad.hash)).toBeUndefined();
    expect((await a.getBlockByHash(b3.hash))?.hash).toEqual(b3.hash);

    await expect(a.importBlock(b4bad)).rejects.toMatchObject({ code: BlockErrorCode.KnownInvalid });
    await expect(a.importBlock(b5)).rejects.toMatchObject({ code: BlockErrorCode.KnownInvalid });

    // The valid prefix stays usable: the honest b4 completes the switch.
    expect(await a.importBlock(b4)).toBe('imported-head');
    expect(await b.importBlock(b4)).toBe('imported-head');
    expect(a.head.hash).toEqual(b4.hash);
    expect(balances(a)).toEqual(balances(b));
  });
});
