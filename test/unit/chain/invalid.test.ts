import { describe, expect, it } from 'vitest';
import type { Blockchain } from '../../../src/chain/blockchain.js';
import { MAX_FUTURE_MS } from '../../../src/chain/validation.js';
import { txRoot } from '../../../src/ledger/block/block.js';
import { BlockErrorCode, InvalidBlockError } from '../../../src/ledger/block/errors.js';
import type { Block } from '../../../src/ledger/block/types.js';
import { signTransaction } from '../../../src/ledger/tx/encode.js';
import { ALICE, ALICE_KEY, CAROL, GWEI, MINER_A, NOW, TestEnv, testGenesis, transfer, withHeader, useTestEnv } from './helpers.js';

const newEnv = useTestEnv();
let env: TestEnv;

/** A chain at block 1 and a valid, not yet imported block 2 carrying one transfer. */
async function chainWithCandidate(): Promise<{ chain: Blockchain; next: Block }> {
  const chain = await env.open(await env.dir());
  await env.mine(chain, [transfer(ALICE_KEY, 0n)]);
  const { block } = await chain.buildBlock({
    transactions: await env.recovery.recover([transfer(ALICE_KEY, 1n)]),
    coinbase: MINER_A,
    timestamp: chain.head.header.timestamp + 1000,
  });
  return { chain, next: block };
}

async function rejection(chain: Blockchain, block: Block): Promise<InvalidBlockError> {
  const head = chain.head;
  const alice = chain.getAccount(ALICE);
  const err = await chain.importBlock(block).then(
    (result) => new Error(`imported: ${result}`),
    (e: unknown) => e,
  );
  if (!(err instanceof InvalidBlockError)) throw err;
  expect(chain.head).toBe(head);
  expect(chain.getAccount(ALICE)).toEqual(alice);
  return err;
}

describe('Blockchain: invalid blocks', () => {
  it('refuses a block for each header rule, and remembers it', async () => {
    env = newEnv();
    const { chain, next } = await chainWithCandidate();
    const parent = chain.head.header;
    const cases: [string, Block, BlockErrorCode][] = [
      ['hash', { ...next, hash: new Uint8Array(32) }, BlockErrorCode.Malformed],
      ['parent', withHeader(next, { parentHash: new Uint8Array(32).fill(1) }), BlockErrorCode.UnknownParent],
      ['number', withHeader(next, { number: 3 }), BlockErrorCode.BadNumber],
      ['timestamp = parent', withHeader(next, { timestamp: parent.timestamp }), BlockErrorCode.BadTimestamp],
      ['gasUsed > gasLimit', withHeader(next, { gasUsed: parent.gasLimit + 1n }), BlockErrorCode.BadGas],
      ['gasLimit', withHeader(next, { gasLimit: parent.gasLimit - 1n }), BlockErrorCode.BadGas],
      ['baseFee', withHeader(next, { baseFee: next.header.baseFee + 1n }), BlockErrorCode.BadBaseFee],
      ['seal', withHeader(next, { consensus: [Uint8Array.of(1)] }), BlockErrorCode.BadSeal],
    ];
    for (const [rule, block, code] of cases) {
      const err = await rejection(chain, block);
      expect({ rule, code: err.code }).toEqual({ rule, code });
    }
    // A header broken for good is remembered; its children are refused unseen.
    const badSeal = cases[7]![1];
    expect((await rejection(chain, badSeal)).code).toBe(BlockErrorCode.KnownInvalid);
    const child = withHeader(next, { parentHash: badSeal.hash, number: 3 });
    expect((await rejection(chain, child)).code).toBe(BlockErrorCode.KnownInvalid);
    expect(await chain.importBlock(next)).toBe('imported-head');
  });

  it('refuses a body that does not match its header without blaming the header', async () => {
    env = newEnv();
    const { chain, next } = await chainWithCandidate();
    const emptied: Block = { ...next, transactions: [] };
    expect((await rejection(chain, emptied)).code).toBe(BlockErrorCode.BadTxRoot);
    // Same hash, right body: accepted.
    expect(await chain.importBlock(next)).toBe('imported-head');
  });

  it('refuses a block too far in the future, and takes it once the clock gets there', async () => {
    env = newEnv();
    let clock = NOW;
    const chain = await env.open(await env.dir(), { now: () => clock });
    const { block } = await chain.buildBlock({ transactions: [], coinbase: MINER_A, timestamp: NOW + MAX_FUTURE_MS + 1 });
    expect((await rejection(chain, block)).code).toBe(BlockErrorCode.BadTimestamp);
    clock = NOW + 2;
    expect(await chain.importBlock(block)).toBe('imported-head');
  });

  it('refuses an oversized block before looking at it further', async () => {
    env = newEnv();
    const chain = await env.open(await env.dir(), { genesis: testGenesis({ gasLimit: 100_000n }) });
    const big = signTransaction(
      {
        type: 2,
        chainId: 1337n,
        nonce: 0n,
        gasPrice: null,
        maxFeePerGas: 10n * GWEI,
        maxPriorityFeePerGas: GWEI,
        gasLimit: 90_000n,
        to: CAROL,
        value: 0n,
        data: new Uint8Array(120_000).fill(1),
        accessList: [],
      },
      ALICE_KEY,
    );
    const { block } = await chain.buildBlock({ transactions: [], coinbase: MINER_A, timestamp: NOW });
    const [signed] = await env.recovery.recover([big]);
    const oversized: Block = withHeader({ ...block, transactions: [signed!] }, { txRoot: txRoot([big]) });
    expect((await rejection(chain, oversized)).code).toBe(BlockErrorCode.TooLarge);
  });

  it('refuses a block whose execution disagrees with its header', async () => {
    env = newEnv();
    const { chain, next } = await chainWithCandidate();
    const cases: [string, Block, BlockErrorCode][] = [
      ['gasUsed', withHeader(next, { gasUsed: 42_000n }), BlockErrorCode.BadGas],
      ['receiptsRoot', withHeader(next, { receiptsRoot: new Uint8Array(32) }), BlockErrorCode.BadReceiptsRoot],
      ['stateRoot', withHeader(next, { stateRoot: new Uint8Array(32) }), BlockErrorCode.BadStateRoot],
    ];
    const [wrongNonce] = await env.recovery.recover([transfer(ALICE_KEY, 7n)]);
    cases.push([
      'transaction',
      withHeader({ ...next, transactions: [wrongNonce!] }, { txRoot: txRoot([wrongNonce!]) }),
      BlockErrorCode.BadTransaction,
    ]);
    for (const [rule, block, code] of cases) {
      const err = await rejection(chain, block);
      expect({ rule, code: err.code }).toEqual({ rule, code });
      expect(await chain.getBlockByHash(block.hash)).toBeUndefined();
      expect((await rejection(chain, block)).code).toBe(BlockErrorCode.KnownInvalid);
    }
    expect(await chain.importBlock(next)).toBe('imported-head');
  });

  it('does not trust a sender handed in with the block', async () => {
    env = newEnv();
    const { chain, next } = await chainWithCandidate();
    const forged: Block = { ...next, transactions: next.transactions.map((tx) => ({ ...tx, from: CAROL })) };
    expect(await chain.importBlock(forged)).toBe('imported-head');
    const stored = await chain.getBlockByNumber(2);
    expect(stored?.transactions[0]?.from).toEqual(ALICE);
    expect(chain.getAccount(ALICE).nonce).toBe(2n);
  });
});
