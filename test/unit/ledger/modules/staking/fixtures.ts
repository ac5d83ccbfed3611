import { bigintToFixedBytes } from '../../../../../src/primitives/hex.js';
import { addressOfPrivateKey } from '../../../../../src/primitives/keys.js';

export { thrown } from '../../../thrown.js';

/** Private key number i (small scalars are valid secp256k1 keys). */
export function key(i: number): Uint8Array {
  return bigintToFixedBytes(0x2000n + BigInt(i), 32);
}

export function address(i: number): Uint8Array {
  return addressOfPrivateKey(key(i));
}

