import { describe, expect, it } from 'vitest';
import { DecodingError } from '../../../src/primitives/errors.js';
import {
  bigintToBytes,
  bigintToFixedBytes,
  bytesToBigint,
  bytesToHex,
  bytesToUtf8,
  concatBytes,
  equalBytes,
  hexToBytes,
  isHexData,
  parseQuantity,
  toQuantity,
  utf8ToBytes,
} from '../../../src/primitives/hex.js';

describe('hex bytes', () => {
  it('encodes lowercase with a 0x prefix', () => {
    expect(bytesToHex(new Uint8Array(0))).toBe('0x');
    expect(bytesToHex(Uint8Array.of(0, 1, 0x7f, 0x80, 0xab, 0xff))).toBe('0x00017f80abff');
  });

  it('decodes prefixed, bare and mixed-case hex', () => {
    expect(Array.from(hexToBytes('0x00017F80abFF'))).toEqual([0, 1, 0x7f, 0x80, 0xab, 0xff]);
    expect(Array.from(hexToBytes('0Xff'))).toEqual([0xff]);
    expect(Array.from(hexToBytes('beef'))).toEqual([0xbe, 0xef]);
    expect(hexToBytes('0x')).toHaveLength(0);
  });

  it('rejects odd lengths and non-hex digits', () => {
    expect(() => hexToBytes('0xabc')).toThrow(DecodingError);
    expect(() => hexToBytes('0xzz')).toThrow(DecodingError);
    expect(() => hexToBytes('0x0g')).toThrow(DecodingError);
    expect(() => hexToBytes('0x 1')).toThrow(DecodingError);
  });

  it('round-trips every byte value', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(equalBytes(hexToBytes(bytesToHex(all)), all)).toBe(true);
  });

  it('encodes inputs of any length, one after another, without mixing them up', () => {
    const long = Uint8Array.from({ length: 3000 }, (_, i) => (i * 7) & 0xff);
    const short = Uint8Array.of(0xab);
    const longHex = bytesToHex(long);
    expect(bytesToHex(short)).toBe('0xab');
    expect(longHex).toHaveLength(2 + 6000);
    expect(equalBytes(hexToBytes(longHex), long)).toBe(true);
    expect(bytesToHex(long.subarray(1000, 1300))).toBe('0x' + longHex.slice(2 + 2000, 2 + 2600));
  });

  it('isHexData accepts only 0x and whole bytes', () => {
    expect(isHexData('0x')).toBe(true);
    expect(isHexData('0xAbCd')).toBe(true);
    expect(isHexData('0xabc')).toBe(false);
    expect(isHexData('abcd')).toBe(false);
    expect(isHexData(12)).toBe(false);
  });
});

describe('hex quantities', () => {
  it('formats without leading zeros, zero as 0x0', () => {
    expect(toQuantity(0)).toBe('0x0');
    expect(toQuantity(0n)).toBe('0x0');
    expect(toQuantity(1024)).toBe('0x400');
    expect(toQuantity(2n ** 64n)).toBe('0x10000000000000000');
    expect(() => toQuantity(-1n)).toThrow(RangeError);
  });

  it('parses strictly', () => {
    expect(parseQuantity('0x0')).toBe(0n);
    expect(parseQuantity('0x400')).toBe(1024n);
    expect(parseQuantity('0xFF')).toBe(255n);
    for (const bad of ['0x', '0x00', '0x0400', '400', '0xg', '-0x1', '0x 1']) {
      expect(() => parseQuantity(bad), bad).toThrow(DecodingError);
    }
  });
});

describe('integers as bytes', () => {
  it('bigintToBytes is minimal big-endian, zero is empty', () => {
    expect(bigintToBytes(0n)).toHaveLength(0);
    expect(bytesToHex(bigintToBytes(1n))).toBe('0x01');
    expect(bytesToHex(bigintToBytes(0x100n))).toBe('0x0100');
    expect(bytesToHex(bigintToBytes(2n ** 256n - 1n))).toBe('0x' + 'ff'.repeat(32));
    expect(() => bigintToBytes(-1n)).toThrow(RangeError);
  });

  it('bigintToFixedBytes pads and refuses what does not fit', () => {
    expect(bytesToHex(bigintToFixedBytes(0x1234n, 4))).toBe('0x00001234');
    expect(bytesToHex(bigintToFixedBytes(0n, 2))).toBe('0x0000');
    expect(() => bigintToFixedBytes(0x10000n, 2)).toThrow(RangeError);
  });

  it('converts across the 6-byte boundary of the number fast path', () => {
    for (const n of [0xffn, 2n ** 47n, 2n ** 48n - 1n, 2n ** 48n, 2n ** 48n + 1n, 2n ** 53n + 1n, 2n ** 64n - 1n]) {
      const bytes = bigintToBytes(n);
      expect(bytesToHex(bytes)).toBe('0x' + n.toString(16).padStart(bytes.length * 2, '0'));
      expect(bytes[0]).not.toBe(0);
      expect(bytesToBigint(bytes)).toBe(n);
    }
  });

  it('bytesToBigint inverts both', () => {
    expect(bytesToBigint(new Uint8Array(0))).toBe(0n);
    expect(bytesToBigint(Uint8Array.of(0, 0, 1, 0))).toBe(256n);
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    expect(bytesToBigint(bigintToBytes(n))).toBe(n);
    expect(bytesToBigint(bigintToFixedBytes(n, 40))).toBe(n);
  });
});

describe('byte helpers', () => {
  it('concatBytes joins in order', () => {
    expect(bytesToHex(concatBytes(Uint8Array.of(1), new Uint8Array(0), Uint8Array.of(2, 3)))).toBe('0x010203');
    expect(concatBytes()).toHaveLength(0);
  });

  it('equalBytes compares length and content', () => {
    expect(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 2))).toBe(true);
    expect(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 3))).toBe(false);
    expect(equalBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 2, 0))).toBe(false);
  });

  it('utf8 round-trips and rejects invalid UTF-8', () => {
    const text = 'pallet №7 — 🍎';
    expect(bytesToUtf8(utf8ToBytes(text))).toBe(text);
    expect(bytesToHex(utf8ToBytes('dog'))).toBe('0x646f67');
    expect(() => bytesToUtf8(Uint8Array.of(0xc3, 0x28))).toThrow();
  });
});
