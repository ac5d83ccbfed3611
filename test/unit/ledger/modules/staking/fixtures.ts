import { expect } from 'vitest';
import { bigintToFixedBytes } from '../../../../../src/primitives/hex.js';
import { addressOfPrivateKey } from '../../../../../src/primitives/keys.js';

/** Private key number i (small scalars are valid secp256k1 keys). */
export function key(i: number): Uint8Array {
  return bigintToFixedBytes(0x2000n + BigInt(i), 32);
}

export function address(i: number): Uint8Array {
  return addressOfPrivateKey(key(i));
}

/** Runs `fn` and returns the error it throws, checking its class and code. */
export function thrown<E extends Error & { code: string }>(
  fn: () => unknown,
  type: abstract new (...args: never[]) => E,
  code: string,
): E {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    expect((error as E).code).toBe(code);
    return error as E;
  }
  return expect.fail(`expected a ${type.name} with code ${code}`);
}
