import { describe, expect, it } from 'vitest';
import { RpcError, RpcErrorCode } from '../../../src/rpc/errors.js';
import * as p from '../../../src/rpc/params.js';

const ADDRESS = '0x' + '11'.repeat(20);
const TOPIC = '0x' + '22'.repeat(32);

/** The message of the -32602 error `run` throws. */
function invalid(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(RpcError);
    expect((err as RpcError).code).toBe(RpcErrorCode.InvalidParams);
    return (err as RpcError).message;
  }
  throw new Error('expected an invalid-params error');
}

describe('quantities are bounded by their width, as geth bounds them', () => {
  it('a 256-bit quantity at most', () => {
    const max = '0x' + 'f'.repeat(64);
    expect(p.quantity(max, 0, 'value')).toBe(2n ** 256n - 1n);
    expect(invalid(() => p.quantity('0x1' + '0'.repeat(64), 0, 'value'))).toBe('invalid argument 0 (value): hex number > 256 bits');
  });

  it('refuses a huge quantity by its length, before any arithmetic (a 5 MB number once blocked the node for seconds)', () => {
    expect(invalid(() => p.quantity('0x' + 'f'.repeat(5_000_000), 1, 'value'))).toBe('invalid argument 1 (value): hex number > 256 bits');
  });

  it('gas and nonce of a call are 64-bit', () => {
    const call = p.callRequest({ to: ADDRESS, gas: '0xffffffffffffffff', nonce: '0xffffffffffffffff', value: '0x' + 'f'.repeat(64) }, 0);
    expect(call.gas).toBe(2n ** 64n - 1n);
    expect(call.value).toBe(2n ** 256n - 1n);
    expect(invalid(() => p.callRequest({ to: ADDRESS, gas: '0x10000000000000000' }, 0))).toBe('invalid argument 0 (call.gas): hex number > 64 bits');
    expect(invalid(() => p.callRequest({ to: ADDRESS, nonce: '0x10000000000000000' }, 0))).toBe('invalid argument 0 (call.nonce): hex number > 64 bits');
    expect(invalid(() => p.callRequest({ to: ADDRESS, maxFeePerGas: '0x1' + '0'.repeat(64) }, 0))).toBe(
      'invalid argument 0 (call.maxFeePerGas): hex number > 256 bits',
    );
  });

  it('block numbers still stop at the largest safe integer', () => {
    expect(p.smallQuantity('0x1fffffffffffff', 0, 'block')).toBe(Number.MAX_SAFE_INTEGER);
    expect(invalid(() => p.smallQuantity('0x20000000000000', 0, 'block'))).toBe('invalid argument 0 (block): 0x20000000000000 is too large');
    expect(invalid(() => p.blockTag('0x' + 'f'.repeat(100_000), 0))).toBe('invalid argument 0 (block): hex number > 64 bits');
  });
});

describe('log filters are bounded, as geth bounds them', () => {
  it('at most 1000 addresses', () => {
    const addresses = (n: number): string[] => Array.from({ length: n }, (_, i) => '0x' + i.toString(16).padStart(40, '0'));
    expect(p.logFilter({ address: addresses(p.MAX_FILTER_ADDRESSES) }, 0).addresses).toHaveLength(1000);
    expect(invalid(() => p.logFilter({ address: addresses(p.MAX_FILTER_ADDRESSES + 1) }, 0))).toBe(
      'invalid argument 0 (filter.address): at most 1000 addresses, got 1001',
    );
  });

  it('at most 1000 alternatives per topic position', () => {
    const many = (n: number): string[] => Array.from({ length: n }, () => TOPIC);
    expect(p.logFilter({ topics: [null, many(p.MAX_TOPIC_ALTERNATIVES)] }, 0).topics[1]).toHaveLength(1000);
    expect(invalid(() => p.logFilter({ topics: [null, many(p.MAX_TOPIC_ALTERNATIVES + 1)] }, 0))).toBe(
      'invalid argument 0 (filter.topics[1]): at most 1000 topics per position, got 1001',
    );
  });
});

describe('messages name the value given', () => {
  it('numbers and booleans are shown, not just their type', () => {
    expect(invalid(() => p.percentiles([10, 101], 2, 100))).toBe('invalid argument 2 (rewardPercentiles): entry 1 must be a number from 0 to 100, got 101');
    expect(invalid(() => p.bool(1, 1, 'fullTransactions'))).toBe('invalid argument 1 (fullTransactions): expected true or false, got 1');
    expect(invalid(() => p.address(true, 0))).toBe('invalid argument 0 (address): expected a 0x-prefixed 20-byte hex string, got true');
  });
});
