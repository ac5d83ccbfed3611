import { beforeEach, describe, expect, it, vi } from 'vitest';
import { executeBlock } from '../../../src/ledger/execution.js';
import { ALICE, ALICE_KEY, BOB_KEY, CAROL, ETHER, MINER_A, TestEnv, transfer, useTestEnv, withHeader } from './helpers.js';

// Counts how often the chain executes a block on import; the real function still runs.
vi.mock('../../../src/ledger/execution.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../../src/ledger/execution.js')>();
  return { ...original, executeBlock: vi.fn(original.executeBlock) };
});

const newEnv = useTestEnv();
let env: TestEnv;

describe('Blockchain: a producer’s own block', () => {
  beforeEach(() => {
    vi.mocked(executeBlock).mockClear();
  });

  it('is imported with its template’s execution, after sealing changed its timestamp', async () => {
    env = newEnv();
    const chain = await env.open(await env.dir());
    const { block } = await chain.buildBlock({
      transactions: await env.recovery.recover([transfer(ALICE_KEY, 0n), transfer(BOB_KEY, 0n)]),
      coinbase: MINER_A,
      timestamp: chain.head.header.timestamp + 1000,
    });
    // What a PoW producer does while it seals: a later timestamp, the same body and roots.
    const sealed = withHeader(block, { timestamp: block.header.timestamp + 700 });

    expect(await chain.importBlock(sealed)).toBe('imported-head');
    expect(executeBlock).not.toHaveBeenCalled();
    expect(chain.head.hash).toEqual(sealed.hash);
    expect(chain.getAccount(CAROL).balance).toBe(2n * ETHER);
    expect(chain.getAccount(ALICE).nonce).toBe(1n);
    expect((await chain.getBlockReceipts(sealed.hash))?.map((r) => r.cumulativeGasUsed)).toEqual([21_000n, 42_000n]);
  });

  it('is executed when its transactions are not the template’s', async () => {
    env = newEnv();
    const chain = await env.open(await env.dir());
    const other = await env.open(await env.dir());
    await chain.buildBlock({
      transactions: await env.recovery.recover([transfer(ALICE_KEY, 0n)]),
      coinbase: MINER_A,
      timestamp: chain.head.header.timestamp + 1000,
    });
    // Same parent, coinbase and timestamp, another body: a peer's block, not the template.
    const { block } = await other.buildBlock({
      transactions: await env.recovery.recover([transfer(BOB_KEY, 0n)]),
      coinbase: MINER_A,
      timestamp: chain.head.header.timestamp + 1000,
    });

    expect(await chain.importBlock(block)).toBe('imported-head');
    expect(executeBlock).toHaveBeenCalledTimes(1);
    expect(chain.getAccount(ALICE).nonce).toBe(0n);
    expect(chain.getAccount(CAROL).balance).toBe(ETHER);
  });

  it('is refused when its header claims another state root than its template’s execution', async () => {
    env = newEnv();
    const chain = await env.open(await env.dir());
    const { block } = await chain.buildBlock({
      transactions: await env.recovery.recover([transfer(ALICE_KEY, 0n)]),
      coinbase: MINER_A,
      timestamp: chain.head.header.timestamp + 1000,
    });
    const head = chain.head;
    const forged = withHeader(block, { stateRoot: new Uint8Array(32).fill(7) });

    await expect(chain.importBlock(forged)).rejects.toThrow(/stateRoot/);
    expect(chain.head).toBe(head);
    expect(chain.getAccount(ALICE).nonce).toBe(0n);
  });
});
