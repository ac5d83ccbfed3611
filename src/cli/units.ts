import { UsageError } from './errors.js';

const WEI_PER_ETHER = 10n ** 18n;
/** A transaction's value is a 256-bit word: a larger amount cannot be signed at all. */
const MAX_WEI = 2n ** 256n - 1n;

/** "1.5" ether → wei, exactly (no floating point). */
export function parseEther(text: string): bigint {
  const match = /^(\d+)(?:\.(\d{1,18}))?$/.exec(text.trim());
  if (!match) throw new UsageError(`not an amount of ether: "${text}" (use e.g. 1.5, at most 18 decimals)`);
  const whole = BigInt(match[1]!);
  const fraction = BigInt((match[2] ?? '').padEnd(18, '0'));
  const wei = whole * WEI_PER_ETHER + fraction;
  if (wei > MAX_WEI) throw new UsageError(`amount too large: "${text}" ether is more than 2^256-1 wei, the most a transaction can carry`);
  return wei;
}

/** wei → "1.5" ether, exactly. */
export function formatEther(wei: bigint): string {
  const negative = wei < 0n;
  const abs = negative ? -wei : wei;
  const whole = abs / WEI_PER_ETHER;
  const fraction = (abs % WEI_PER_ETHER).toString().padStart(18, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? '.' + fraction : ''}`;
}
