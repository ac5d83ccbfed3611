import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keccak256 } from '../../../../src/primitives/hash.js';
import { bytesToHex, utf8ToBytes } from '../../../../src/primitives/hex.js';
import { rlpEncode } from '../../../../src/primitives/rlp.js';
import { accountEntry, isEmptyAccount, LTHASH_BYTES, LtHash, stateLtHash } from '../../../../src/ledger/state/lthash.js';

const A = utf8ToBytes('element a');
const B = utf8ToBytes('element b');
const C = utf8ToBytes('element c');

function hashOf(...elements: Uint8Array[]): LtHash {
  const h = LtHash.empty();
  for (const e of elements) h.add(e);
  return h;
}

describe('LtHash', () => {
  it('the empty multiset digests to keccak256 of 2048 zero bytes', () => {
    expect(LtHash.empty().digest()).toEqual(keccak256(new Uint8Array(LTHASH_BYTES)));
  });

  it('one element is its SHAKE256 expansion to 2048 bytes (lanes little-endian)', () => {
    const expansion = createHash('shake256', { outputLength: 2048 }).update(A).digest();
    expect(hashOf(A).toBytes()).toEqual(new Uint8Array(expansion));
  });

  it('does not depend on the order of additions', () => {
    expect(hashOf(A, B, C).digest()).toEqual(hashOf(C, A, B).digest());
    expect(hashOf(A, B, C).equals(hashOf(B, C, A))).toBe(true);
  });

  it('returns to the empty digest after adding then removing', () => {
    const h = hashOf(A, B);
    h.remove(B);
    h.remove(A);
    expect(h.digest()).toEqual(LtHash.empty().digest());
  });

  it('wraps lanes mod 2^16 in both directions', () => {
    const h = LtHash.empty();
    h.remove(A); // every lane goes below zero
    h.add(A);
    expect(h.equals(LtHash.empty())).toBe(true);
  });

  it('tells different multisets apart, multiplicity included', () => {
    const digests = [hashOf(), hashOf(A), hashOf(B), hashOf(A, B), hashOf(A, A), hashOf(A, C)].map((h) => bytesToHex(h.digest()));
    expect(new Set(digests).size).toBe(digests.length);
  });

  it('updates incrementally to the same value as recomputing', () => {
    const h = hashOf(A, B);
    h.remove(B);
    h.add(C);
    expect(h.digest()).toEqual(hashOf(A, C).digest());
  });

  it('clone is independent of the original', () => {
    const h = hashOf(A);
    const copy = h.clone();
    copy.add(B);
    expect(h.digest()).toEqual(hashOf(A).digest());
    expect(copy.digest()).toEqual(hashOf(A, B).digest());
  });

  it('serializes to 2048 bytes and back', () => {
    const h = hashOf(A, B);
    const bytes = h.toBytes();
    expect(bytes.length).toBe(2048);
    expect(LtHash.fromBytes(bytes).digest()).toEqual(h.digest());
    expect(() => LtHash.fromBytes(new Uint8Array(2047))).toThrow(RangeError);
  });
});

describe('state entries', () => {
  const addr1 = new Uint8Array(20).fill(1);
  const addr2 = new Uint8Array(20).fill(2);

  it('an account entry is rlp([address, nonce, balance])', () => {
    expect(accountEntry(addr1, { nonce: 3n, balance: 1000n })).toEqual(rlpEncode([addr1, 3n, 1000n]));
  });

  it('an account with nonce 0 and balance 0 is empty', () => {
    expect(isEmptyAccount({ nonce: 0n, balance: 0n })).toBe(true);
    expect(isEmptyAccount({ nonce: 1n, balance: 0n })).toBe(false);
    expect(isEmptyAccount({ nonce: 0n, balance: 1n })).toBe(false);
  });

  it('stateLtHash adds the entry of every non-empty account and skips empty ones', () => {
    const state = new Map([
      [bytesToHex(addr1), { nonce: 1n, balance: 5n }],
      [bytesToHex(addr2), { nonce: 0n, balance: 0n }],
    ]);
    expect(stateLtHash(state).digest()).toEqual(hashOf(accountEntry(addr1, { nonce: 1n, balance: 5n })).digest());
  });

  it('different states give different roots', () => {
    const one = stateLtHash(new Map([[bytesToHex(addr1), { nonce: 1n, balance: 5n }]]));
    const other = stateLtHash(new Map([[bytesToHex(addr1), { nonce: 1n, balance: 6n }]]));
    const moved = stateLtHash(new Map([[bytesToHex(addr2), { nonce: 1n, balance: 5n }]]));
    expect(one.digest()).not.toEqual(other.digest());
    expect(one.digest()).not.toEqual(moved.digest());
  });
});
