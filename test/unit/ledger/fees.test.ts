import { describe, expect, it } from 'vitest';
import { effectiveGasPrice, effectiveTip, nextBaseFee } from '../../../src/ledger/fees.js';

const GWEI = 10n ** 9n;

describe('nextBaseFee (EIP-1559)', () => {
  // The cases of geth's consensus/misc/eip1559 TestCalcBaseFee: gas limit 20M, target 10M.
  it.each([
    [10_000_000n, 1_000_000_000n], // at target: unchanged
    [9_000_000n, 987_500_000n], // 10% below target: -1/80
    [11_000_000n, 1_012_500_000n], // 10% above target: +1/80
  ])('gas used %s of limit 20M at 1 gwei gives %s', (gasUsed, expected) => {
    expect(nextBaseFee({ gasLimit: 20_000_000n, gasUsed, baseFee: GWEI })).toBe(expected);
  });

  it('moves by at most 12.5% per block', () => {
    expect(nextBaseFee({ gasLimit: 30_000_000n, gasUsed: 30_000_000n, baseFee: GWEI })).toBe(1_125_000_000n);
    expect(nextBaseFee({ gasLimit: 30_000_000n, gasUsed: 0n, baseFee: GWEI })).toBe(875_000_000n);
  });

  it('rises by at least 1 wei above target, so a zero or tiny fee recovers', () => {
    expect(nextBaseFee({ gasLimit: 30_000_000n, gasUsed: 15_000_001n, baseFee: 0n })).toBe(1n);
    expect(nextBaseFee({ gasLimit: 30_000_000n, gasUsed: 30_000_000n, baseFee: 7n })).toBe(8n);
  });

  it('falls by a truncated amount below target, with no minimum', () => {
    // 7 * 15M / 15M / 8 truncates to 0.
    expect(nextBaseFee({ gasLimit: 30_000_000n, gasUsed: 0n, baseFee: 7n })).toBe(7n);
    expect(nextBaseFee({ gasLimit: 30_000_000n, gasUsed: 0n, baseFee: 16n })).toBe(14n);
  });

  it('takes the elasticity and denominator as parameters', () => {
    // target 10M of 40M with elasticity 4; full block: +1e9 * 30M / 10M / 8 = +375M.
    expect(nextBaseFee({ gasLimit: 40_000_000n, gasUsed: 40_000_000n, baseFee: GWEI }, 4n)).toBe(1_375_000_000n);
    expect(nextBaseFee({ gasLimit: 20_000_000n, gasUsed: 20_000_000n, baseFee: GWEI }, 2n, 4n)).toBe(1_250_000_000n);
  });
});

describe('effectiveGasPrice / effectiveTip', () => {
  const dynamic = { type: 2 as const, gasPrice: null, maxFeePerGas: 100n * GWEI, maxPriorityFeePerGas: 2n * GWEI };
  const legacy = { type: 0 as const, gasPrice: 30n * GWEI, maxFeePerGas: 30n * GWEI, maxPriorityFeePerGas: 30n * GWEI };
  const accessList = { ...legacy, type: 1 as const };

  it('EIP-1559: base fee + priority fee while under the cap', () => {
    expect(effectiveGasPrice(dynamic, 10n * GWEI)).toBe(12n * GWEI);
    expect(effectiveTip(dynamic, 10n * GWEI)).toBe(2n * GWEI);
  });

  it('EIP-1559: capped at maxFeePerGas, the tip shrinking to what is left', () => {
    expect(effectiveGasPrice(dynamic, 99n * GWEI)).toBe(100n * GWEI);
    expect(effectiveTip(dynamic, 99n * GWEI)).toBe(GWEI);
  });

  it('legacy and EIP-2930: the gas price, the tip being what exceeds the base fee', () => {
    expect(effectiveGasPrice(legacy, 10n * GWEI)).toBe(30n * GWEI);
    expect(effectiveGasPrice(accessList, 10n * GWEI)).toBe(30n * GWEI);
    expect(effectiveTip(legacy, 10n * GWEI)).toBe(20n * GWEI);
  });

  it('reports a negative tip when the fee cap is below the base fee', () => {
    expect(effectiveTip(dynamic, 101n * GWEI)).toBe(-GWEI);
    expect(effectiveTip(legacy, 31n * GWEI)).toBe(-GWEI);
  });
});
