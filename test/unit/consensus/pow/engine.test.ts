import { afterAll, describe, expect, it } from 'vitest';
import { PowEngine } from '../../../../src/consensus/pow/engine.js';
import { parsePowParams } from '../../../../src/consensus/pow/params.js';
import { nextDifficulty } from '../../../../src/consensus/pow/retarget.js';
import { NONCE_BYTES, checkProof, decodeSection, encodeSection, sealHash } from '../../../../src/consensus/pow/seal.js';
import { BlockErrorCode, InvalidBlockError } from '../../../../src/ledger/block/errors.js';
import { hashHeader } from '../../../../src/ledger/block/header.js';
import type { BlockHeader } from '../../../../src/ledger/block/types.js';
import { bigintToFixedBytes } from '../../../../src/primitives/hex.js';

// seal() runs the compiled worker: build first (`npx tsc -p tsconfig.json`).

const params = parsePowParams({ targetBlockTimeMs: 2000, initialDifficulty: '500', minDifficulty: 100, confirmations: 3 });
const engine = new PowEngine(params, { minerThreads: 1 });
afterAll(() => engine.close());

const GENESIS_TIME = 1_764_028_800_000;

const genesis: BlockHeader = {
  parentHash: new Uint8Array(32),
  number: 0,
  timestamp: GENESIS_TIME,
  coinbase: new Uint8Array(20),
  txRoot: new Uint8Array(32),
  receiptsRoot: new Uint8Array(32),
  stateRoot: new Uint8Array(32),
  gasLimit: 30_000_000n,
  gasUsed: 0n,
  baseFee: 1_000_000_000n,
  extraData: new Uint8Array(0),
  consensus: engine.genesisSection(),
};

function child(parent: BlockHeader, timestamp: number): BlockHeader {
  return {
    ...parent,
    parentHash: hashHeader(parent),
    number: parent.number + 1,
    timestamp,
    coinbase: new Uint8Array(20).fill(7),
    consensus: engine.prepareSection(parent, timestamp),
  };
}

async function mineChain(length: number): Promise<BlockHeader[]> {
  const chain = [genesis];
  // 1.5 s, 0.5 s, 2.5 s... apart, so the difficulty moves both ways.
  const gaps = [1500, 500, 2500, 1000];
  for (let i = 0; i < length; i++) {
    const parent = chain.at(-1)!;
    const sealed = await engine.seal(child(parent, parent.timestamp + gaps[i % gaps.length]!), new AbortController().signal);
    chain.push(sealed!);
  }
  return chain;
}

function expectBlockError(fn: () => unknown, code: BlockErrorCode, pattern: RegExp): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidBlockError);
    expect((error as InvalidBlockError).code).toBe(code);
    expect((error as InvalidBlockError).message).toMatch(pattern);
    return;
  }
  expect.fail('expected an InvalidBlockError');
}

describe('PowEngine', () => {
  it('starts the chain at the initial difficulty with a zero nonce', () => {
    expect(engine.kind).toBe('pow');
    expect(decodeSection(genesis)).toEqual({ difficulty: 500n, nonce: new Uint8Array(NONCE_BYTES) });
  });

  it('prepares children with the retargeted difficulty', () => {
    const one = child(genesis, GENESIS_TIME + 60_000);
    expect(decodeSection(one).difficulty).toBe(500n);
    const two = child(one, one.timestamp + 1);
    const want = nextDifficulty({ number: 1, timestamp: one.timestamp, difficulty: 500n }, one.timestamp + 1, params);
    expect(want).toBeGreaterThan(500n);
    expect(decodeSection(two)).toEqual({ difficulty: want, nonce: new Uint8Array(NONCE_BYTES) });
  });

  it('mines real blocks that verify against their parents', async () => {
    const chain = await mineChain(4);
    for (let n = 1; n < chain.length; n++) {
      const block = chain[n]!;
      expect(() => engine.verifyHeader(block, chain[n - 1]!)).not.toThrow();
      const { difficulty, nonce } = decodeSection(block);
      expect(checkProof(sealHash(block, difficulty), nonce, difficulty)).toBe(true);
    }
    const difficulties = chain.map((block) => decodeSection(block).difficulty);
    expect(new Set(difficulties).size).toBeGreaterThan(1);
  });

  it('rejects a tampered nonce as BadSeal and a wrong difficulty as BadConsensus', async () => {
    const [parent, block] = await mineChain(1);
    const { difficulty, nonce } = decodeSection(block!);
    const hash = sealHash(block!, difficulty);
    // The first nonce after the found one that does not seal (about 499 in 500 do not).
    let bad = BigInt('0x' + Buffer.from(nonce).toString('hex'));
    let badNonce: Uint8Array;
    do {
      bad = (bad + 1n) % (1n << 64n);
      badNonce = bigintToFixedBytes(bad, NONCE_BYTES);
    } while (checkProof(hash, badNonce, difficulty));
    expectBlockError(
      () => engine.verifyHeader({ ...block!, consensus: encodeSection(difficulty, badNonce) }, parent!),
      BlockErrorCode.BadSeal,
      /^block 1: proof of work 0x[0-9a-f]{64} is above the target 0x[0-9a-f]{64} of difficulty 500 \(nonce 0x[0-9a-f]{16}\)$/,
    );
    expectBlockError(
      () => engine.verifyHeader({ ...block!, consensus: encodeSection(difficulty + 1n, nonce) }, parent!),
      BlockErrorCode.BadConsensus,
      /^block 1: difficulty 501, want 500 \(parent difficulty 500, 1500 ms after the parent\)$/,
    );
  });

  it('rejects a changed timestamp: the difficulty no longer matches', async () => {
    const [, one, two] = await mineChain(2);
    expectBlockError(
      () => engine.verifyHeader({ ...two!, timestamp: two!.timestamp + 3000 }, one!),
      BlockErrorCode.BadConsensus,
      /difficulty \d+, want \d+/,
    );
  });

  it('rejects a malformed section as BadConsensus', () => {
    const block = child(genesis, GENESIS_TIME + 1000);
    expectBlockError(() => engine.verifyHeader({ ...block, consensus: [] }, genesis), BlockErrorCode.BadConsensus, /got 0 fields/);
  });

  it('weighs a block by its difficulty and prefers strictly heavier chains', () => {
    expect(engine.weight(genesis)).toBe(500n);
    const tip = (totalWeight: bigint) => ({ hash: new Uint8Array(32), number: 9, totalWeight });
    expect(engine.isBetter(tip(1001n), tip(1000n))).toBe(true);
    expect(engine.isBetter(tip(1000n), tip(1000n))).toBe(false);
    expect(engine.isBetter(tip(999n), tip(1000n))).toBe(false);
  });

  it('treats blocks `confirmations` deep as final', () => {
    expect(engine.checkpoints(genesis)).toEqual({ safe: 0, finalized: 0 });
    expect(engine.checkpoints({ ...genesis, number: 2 })).toEqual({ safe: 0, finalized: 0 });
    expect(engine.checkpoints({ ...genesis, number: 10 })).toEqual({ safe: 7, finalized: 7 });
  });

  it('returns null from seal() when aborted', async () => {
    const hard = new PowEngine(parsePowParams({ targetBlockTimeMs: 2000, initialDifficulty: '0x' + 'f'.repeat(64), minDifficulty: 1 }));
    try {
      const hardGenesis = { ...genesis, consensus: hard.genesisSection() };
      const controller = new AbortController();
      const sealing = hard.seal({ ...hardGenesis, number: 1, consensus: hard.prepareSection(hardGenesis, GENESIS_TIME + 1) }, controller.signal);
      controller.abort();
      expect(await sealing).toBeNull();
    } finally {
      await hard.close();
    }
  });

  it('reports its status in JSON-safe values', async () => {
    await mineChain(1);
    const status = engine.status(genesis);
    expect(status).toMatchObject({
      difficulty: '500',
      targetBlockTimeMs: 2000,
      halfLifeMs: 32_000,
      confirmations: 3,
      finality: 'probabilistic',
      minerThreads: 1,
    });
    expect(status['hashRate']).toBeGreaterThan(0);
    expect(JSON.parse(JSON.stringify(status))).toEqual(status);
  });
});
