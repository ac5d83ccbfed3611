import { describe, expect, it } from 'vitest';
import { getAddress } from 'viem';
import { CairnError } from '../../../src/primitives/errors.js';
import { InvalidAddressError, isAddressString, parseAddress, toChecksumAddress } from '../../../src/primitives/address.js';
import { generatePrivateKey, addressOfPrivateKey } from '../../../src/primitives/keys.js';
import { bytesToHex, hexToBytes } from '../../../src/primitives/hex.js';

// The examples of EIP-55 ("Test Cases"): all caps, all lower, normal.
const EIP55 = [
  '0x52908400098527886E0F7030069857D2E4169EE7',
  '0x8617E340B3D01FA5F11F306F4090FD50E238070D',
  '0xde709f2102306220921060314715629080e2fb77',
  '0x27b1fdb04752bbc536007a920d24acb045561c26',
  '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed',
  '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359',
  '0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB',
  '0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb',
];

/** Flips the case of the first letter digit, which breaks a valid checksum. */
function flipOneLetter(text: string): string {
  const i = text.slice(2).search(/[a-fA-F]/) + 2;
  const ch = text[i]!;
  return text.slice(0, i) + (ch === ch.toUpperCase() ? ch.toLowerCase() : ch.toUpperCase()) + text.slice(i + 1);
}

describe('EIP-55', () => {
  it('reproduces the spec examples', () => {
    for (const text of EIP55) {
      expect(toChecksumAddress(hexToBytes(text))).toBe(text);
    }
  });

  it('agrees with viem on random addresses', () => {
    for (let i = 0; i < 50; i++) {
      const addr = addressOfPrivateKey(generatePrivateKey());
      expect(toChecksumAddress(addr)).toBe(getAddress(bytesToHex(addr)));
    }
  });

  it('refuses bytes that are not 20 long', () => {
    expect(() => toChecksumAddress(new Uint8Array(19))).toThrow(InvalidAddressError);
  });
});

describe('parseAddress', () => {
  it('accepts valid checksums, all lowercase and all uppercase', () => {
    for (const text of EIP55) {
      const bytes = bytesToHex(parseAddress(text));
      expect(bytes).toBe(text.toLowerCase());
      expect(bytesToHex(parseAddress(text.toLowerCase()))).toBe(bytes);
      expect(bytesToHex(parseAddress('0x' + text.slice(2).toUpperCase()))).toBe(bytes);
    }
  });

  it('rejects mixed case with a wrong checksum', () => {
    for (const text of EIP55.filter((t) => /[a-f]/.test(t) && /[A-F]/.test(t))) {
      const bad = flipOneLetter(text);
      expect(() => parseAddress(bad)).toThrow(InvalidAddressError);
      expect(isAddressString(bad)).toBe(false);
    }
  });

  it('raises a CairnError with code INVALID_ADDRESS', () => {
    try {
      parseAddress('0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(CairnError);
      expect((err as CairnError).code).toBe('INVALID_ADDRESS');
      expect((err as CairnError).message).toMatch(/checksum/);
    }
  });

  it('rejects wrong shapes', () => {
    for (const bad of ['', '0x', '5aaeb6053f3e94c9b9a09f33669435e7ef1beaed', '0x5aaeb6053f3e94c9b9a09f33669435e7ef1beae', '0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed00', '0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaeg', '0X5aaeb6053f3e94c9b9a09f33669435e7ef1beaed']) {
      expect(() => parseAddress(bad), bad).toThrow(InvalidAddressError);
      expect(isAddressString(bad)).toBe(false);
    }
  });

  it('isAddressString accepts what parseAddress accepts and nothing that is not a string', () => {
    expect(isAddressString(EIP55[4])).toBe(true);
    expect(isAddressString(42)).toBe(false);
    expect(isAddressString(undefined)).toBe(false);
  });
});
