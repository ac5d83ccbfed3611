import { describe, expect, it } from 'vitest';
import { keccak256, sha256 } from '../../../src/primitives/hash.js';
import { bytesToHex } from '../../../src/primitives/hex.js';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('keccak256', () => {
  it('gives the published digests', () => {
    expect(bytesToHex(keccak256(new Uint8Array(0)))).toBe('0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470');
    expect(bytesToHex(keccak256(utf8('abc')))).toBe('0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45');
    // The function selector of transfer(address,uint256), as every Ethereum tool computes it.
    expect(bytesToHex(keccak256(utf8('transfer(address,uint256)'))).slice(0, 10)).toBe('0xa9059cbb');
  });

  it('returns a fresh array each call, which later calls do not overwrite', () => {
    const first = keccak256(utf8('one'));
    const copy = first.slice();
    const second = keccak256(utf8('two'));
    expect(first).not.toBe(second);
    expect(first).toEqual(copy);
    first.fill(0);
    expect(keccak256(utf8('one'))).toEqual(copy);
  });
});

describe('sha256', () => {
  it('gives the published digest', () => {
    expect(bytesToHex(sha256(utf8('abc')))).toBe('0xba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
