import { describe, expect, it } from 'vitest';
import { privateKeyToAccount } from 'viem/accounts';
import { recoverPublicKey, verify } from '@noble/secp256k1';
import { keccak256 } from '../../../src/primitives/hash.js';
import { bytesToBigint, bytesToHex, equalBytes, hexToBytes, utf8ToBytes } from '../../../src/primitives/hex.js';
import {
  addressOfPrivateKey,
  addressOfPublicKey,
  generatePrivateKey,
  publicKeyOf,
  signDigest,
} from '../../../src/primitives/keys.js';
import { toChecksumAddress } from '../../../src/primitives/address.js';
import { SECP256K1_HALF_N, SECP256K1_N, signatureBytes } from '../../../src/primitives/signature.js';

// Hardhat / Anvil development accounts 0 and 1 (public test mnemonic).
const DEV_KEYS = [
  {
    key: '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
    address: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
  },
  {
    key: '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
    address: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
  },
];

describe('keys', () => {
  it('derives the published Hardhat/Anvil addresses', () => {
    for (const { key, address } of DEV_KEYS) {
      expect(toChecksumAddress(addressOfPrivateKey(hexToBytes(key)))).toBe(address);
    }
  });

  it('publicKeyOf is 65-byte uncompressed and matches the address', () => {
    const pub = publicKeyOf(hexToBytes(DEV_KEYS[0]!.key));
    expect(pub).toHaveLength(65);
    expect(pub[0]).toBe(0x04);
    expect(bytesToHex(addressOfPublicKey(pub))).toBe(bytesToHex(keccak256(pub.subarray(1)).subarray(12)));
  });

  it('addressOfPublicKey refuses compressed or malformed keys', () => {
    const pub = publicKeyOf(hexToBytes(DEV_KEYS[0]!.key));
    expect(() => addressOfPublicKey(pub.subarray(0, 33))).toThrow(RangeError);
    const wrongPrefix = pub.slice();
    wrongPrefix[0] = 0x03;
    expect(() => addressOfPublicKey(wrongPrefix)).toThrow(RangeError);
  });

  it('generatePrivateKey gives distinct valid 32-byte keys', () => {
    const a = generatePrivateKey();
    const b = generatePrivateKey();
    expect(a).toHaveLength(32);
    expect(equalBytes(a, b)).toBe(false);
    const k = bytesToBigint(a);
    expect(k > 0n && k < SECP256K1_N).toBe(true);
    expect(addressOfPrivateKey(a)).toHaveLength(20);
  });
});

describe('signDigest', () => {
  const key = hexToBytes(DEV_KEYS[0]!.key);

  it('matches viem (RFC 6979, low s, same recovery id) on a keccak digest', async () => {
    const account = privateKeyToAccount(DEV_KEYS[0]!.key as `0x${string}`);
    for (let i = 0; i < 8; i++) {
      const digest = keccak256(utf8ToBytes(`cairn message ${i}`));
      const ours = signDigest(digest, key);
      const theirs = await account.sign({ hash: bytesToHex(digest) as `0x${string}` });
      const sig = hexToBytes(theirs);
      expect(ours.r).toBe(bytesToBigint(sig.subarray(0, 32)));
      expect(ours.s).toBe(bytesToBigint(sig.subarray(32, 64)));
      expect(ours.recoveryId).toBe(sig[64]! - 27);
    }
  });

  it('is deterministic, low-s, and verifies/recovers without prehashing', () => {
    const pub = publicKeyOf(key);
    for (let i = 0; i < 32; i++) {
      const digest = keccak256(Uint8Array.of(i));
      const sig = signDigest(digest, key);
      expect(signDigest(digest, key)).toEqual(sig);
      expect(sig.s <= SECP256K1_HALF_N).toBe(true);
      expect(sig.r > 0n && sig.r < SECP256K1_N).toBe(true);
      const compact = signatureBytes(sig.r, sig.s);
      expect(verify(compact, digest, pub, { prehash: false })).toBe(true);
      const recovered = recoverPublicKey(Uint8Array.of(sig.recoveryId, ...compact), digest, { prehash: false, isCompressed: false });
      expect(bytesToHex(recovered)).toBe(bytesToHex(pub));
    }
  });

  it('refuses a digest that is not 32 bytes', () => {
    expect(() => signDigest(new Uint8Array(31), key)).toThrow(RangeError);
  });
});
