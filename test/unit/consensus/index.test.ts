import { describe, expect, it } from 'vitest';
import { CONSENSUS_TYPES, ConsensusConfigError, createEngine } from '../../../src/consensus/index.js';
import { PowEngine } from '../../../src/consensus/pow/engine.js';
import { parsePowParams } from '../../../src/consensus/pow/params.js';
import type { BlockHeader } from '../../../src/ledger/block/types.js';
import type { RlpValue } from '../../../src/primitives/rlp.js';

const pow = { targetBlockTimeMs: 2000, initialDifficulty: '1200000', minDifficulty: '1000' };

function genesisHeader(consensus: RlpValue[]): BlockHeader {
  const zero32 = new Uint8Array(32);
  return {
    parentHash: zero32,
    number: 0,
    timestamp: 0,
    coinbase: new Uint8Array(20),
    txRoot: zero32,
    receiptsRoot: zero32,
    stateRoot: zero32,
    gasLimit: 30_000_000n,
    gasUsed: 0n,
    baseFee: 1n,
    extraData: new Uint8Array(0),
    consensus,
  };
}

function configError(fn: () => unknown): ConsensusConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConsensusConfigError);
    return error as ConsensusConfigError;
  }
  return expect.fail('expected a ConsensusConfigError');
}

describe('createEngine', () => {
  it('builds the PoW engine from genesis consensus.pow', async () => {
    const engine = createEngine({ type: 'pow', params: pow }, { minerThreads: 2 });
    try {
      expect(engine).toBeInstanceOf(PowEngine);
      expect(engine.kind).toBe('pow');
      expect((engine as PowEngine).params).toEqual(parsePowParams(pow));
      expect(engine.status(genesisHeader(engine.genesisSection()), { getRecord: () => undefined })).toMatchObject({ difficulty: '1200000', minerThreads: 2 });
    } finally {
      await engine.close();
    }
  });

  it('names the unknown type and lists the known ones', () => {
    const error = configError(() => createEngine({ type: 'pos-typo', params: {} }));
    expect(error.code).toBe('CONSENSUS_CONFIG');
    expect(error.message).toBe('genesis.json consensus.type: unknown consensus type "pos-typo"; known types: "pow", "pos"');
    expect(CONSENSUS_TYPES).toContain('pow');
  });

  it('passes parameter errors through', () => {
    expect(configError(() => createEngine({ type: 'pow', params: {} })).message).toMatch(/targetBlockTimeMs/);
  });
});

describe('parsePowParams', () => {
  it('fills the defaults: half-life 16 targets, 32 confirmations', () => {
    expect(parsePowParams(pow)).toEqual({
      targetBlockTimeMs: 2000,
      initialDifficulty: 1_200_000n,
      minDifficulty: 1000n,
      halfLifeMs: 32_000,
      confirmations: 32,
    });
  });

  it('accepts difficulties as numbers, decimal strings and 0x hex', () => {
    const parsed = parsePowParams({ ...pow, initialDifficulty: '0x10000', minDifficulty: 4096, halfLifeMs: 20_000, confirmations: 0 });
    expect(parsed.initialDifficulty).toBe(65_536n);
    expect(parsed.minDifficulty).toBe(4096n);
    expect(parsed.halfLifeMs).toBe(20_000);
    expect(parsed.confirmations).toBe(0);
  });

  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['a missing target', { ...pow, targetBlockTimeMs: undefined }, /consensus\.pow\.targetBlockTimeMs: expected a positive integer \(milliseconds\), got nothing/],
    ['a fractional target', { ...pow, targetBlockTimeMs: 1.5 }, /targetBlockTimeMs: .* got 1\.5/],
    ['a zero difficulty', { ...pow, initialDifficulty: '0' }, /initialDifficulty: expected an integer from 1 to 2\^256-1/],
    ['a difficulty with junk', { ...pow, minDifficulty: '12abc' }, /minDifficulty: .* got "12abc"/],
    ['a difficulty of 2^256', { ...pow, initialDifficulty: '0x1' + '0'.repeat(64) }, /initialDifficulty/],
    ['an initial difficulty below the floor', { ...pow, initialDifficulty: '999' }, /initialDifficulty \(999\) must not be below minDifficulty \(1000\)/],
    ['a half-life shorter than a block', { ...pow, halfLifeMs: 1999 }, /halfLifeMs \(1999\) must be at least targetBlockTimeMs \(2000\)/],
    ['negative confirmations', { ...pow, confirmations: -1 }, /confirmations: expected a non-negative integer, got -1/],
    ['a misspelt field', { ...pow, halflifeMs: 30_000 }, /unknown field "halflifeMs"; known fields: targetBlockTimeMs, .*halfLifeMs/],
  ];
  for (const [what, raw, message] of cases) {
    it(`rejects ${what}`, () => {
      const params = Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== undefined));
      expect(configError(() => parsePowParams(params)).message).toMatch(message);
    });
  }
});
