import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/cli/errors.js';
import { formatEther, parseEther } from '../../../src/cli/units.js';

describe('parseEther', () => {
  it('converts decimal ether to wei exactly', () => {
    expect(parseEther('1')).toBe(10n ** 18n);
    expect(parseEther('1.5')).toBe(15n * 10n ** 17n);
    expect(parseEther('0.000000000000000001')).toBe(1n);
    expect(parseEther(' 2 ')).toBe(2n * 10n ** 18n);
    expect(parseEther('123456789.123456789123456789')).toBe(123456789123456789123456789n);
  });

  it('refuses an amount above 2^256-1 wei, which no transaction can carry', () => {
    const max = 2n ** 256n - 1n;
    const maxEther = `${max / 10n ** 18n}.${(max % 10n ** 18n).toString().padStart(18, '0')}`;
    expect(parseEther(maxEther)).toBe(max);
    expect(() => parseEther('9'.repeat(80))).toThrow(new UsageError(`amount too large: "${'9'.repeat(80)}" ether is more than 2^256-1 wei, the most a transaction can carry`));
    expect(() => parseEther(`${max / 10n ** 18n + 1n}`)).toThrow(/amount too large/);
  });

  it('refuses what is not an amount, with a usage error', () => {
    for (const bad of ['', '-1', '1e18', '0x10', '1.', '.5', '1.0000000000000000001', 'one']) {
      expect(() => parseEther(bad), bad).toThrow(UsageError);
    }
  });
});

describe('formatEther', () => {
  it('prints wei as ether without trailing zeros', () => {
    expect(formatEther(0n)).toBe('0');
    expect(formatEther(10n ** 18n)).toBe('1');
    expect(formatEther(15n * 10n ** 17n)).toBe('1.5');
    expect(formatEther(1n)).toBe('0.000000000000000001');
    expect(formatEther(-(10n ** 17n))).toBe('-0.1');
  });

  it('round-trips with parseEther', () => {
    for (const text of ['0', '1', '1.5', '10000', '0.000000000000000001', '987.654321']) expect(formatEther(parseEther(text))).toBe(text);
  });
});
