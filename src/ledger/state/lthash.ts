import { createHash } from 'node:crypto';
import { keccak256 } from '../../primitives/hash.js';
import { hexToBytes } from '../../primitives/hex.js';
import { rlpEncode } from '../../primitives/rlp.js';
import type { Account } from './types.js';

/**
 * The state commitment: a lattice-based homomorphic multiset hash, LtHash16
 * (Bellare–Micciancio; Lewi, Kim et al., "Securing Update Propagation with
 * Homomorphic Hashing", Facebook 2019), the construction Solana uses for its
 * accounts lattice hash.
 *
 * DESIGN.md asks for a commitment to the whole state whose cost per block
 * grows with what the block touches, not with the size of the state. Each
 * state entry is expanded by SHAKE256 to 1024 lanes of 16 bits; the hash of a
 * multiset is the lane-wise sum mod 2^16 of its elements. Adding and removing
 * an element are O(1) in the state size, so a block updates the parent's
 * LtHash by removing the old entry and adding the new one for each account
 * it changed, and the result is independent of the order of updates.
 * The state root published in headers is keccak256 of the 2048-byte lanes.
 *
 * Unlike a Merkle trie this gives no per-account proofs; it is the price of
 * O(touched) updates with no tree to store.
 */

const LANES = 1024;
/** Serialized size: 1024 little-endian uint16 lanes. */
export const LTHASH_BYTES = LANES * 2;

export class LtHash {
  private readonly lanes: Uint16Array;

  private constructor(lanes: Uint16Array) {
    this.lanes = lanes;
  }

  /** The hash of the empty multiset (all lanes zero). */
  static empty(): LtHash {
    return new LtHash(new Uint16Array(LANES));
  }

  /** Inverse of `toBytes`; throws RangeError unless given exactly 2048 bytes. */
  static fromBytes(bytes: Uint8Array): LtHash {
    if (bytes.length !== LTHASH_BYTES) {
      throw new RangeError(`an LtHash is ${LTHASH_BYTES} bytes, got ${bytes.length}`);
    }
    const lanes = new Uint16Array(LANES);
    for (let i = 0; i < LANES; i++) lanes[i] = bytes[2 * i]! | (bytes[2 * i + 1]! << 8);
    return new LtHash(lanes);
  }

  /** Adds one element to the multiset (mutates this). */
  add(element: Uint8Array): void {
    const e = expand(element);
    // Uint16Array stores mod 2^16, which is exactly the lane arithmetic.
    for (let i = 0; i < LANES; i++) this.lanes[i] = this.lanes[i]! + (e[2 * i]! | (e[2 * i + 1]! << 8));
  }

  /** Removes one element previously added (mutates this). */
  remove(element: Uint8Array): void {
    const e = expand(element);
    for (let i = 0; i < LANES; i++) this.lanes[i] = this.lanes[i]! - (e[2 * i]! | (e[2 * i + 1]! << 8));
  }

  clone(): LtHash {
    return new LtHash(this.lanes.slice());
  }

  /** 2048 bytes, lanes little-endian (independent of the platform's byte order). */
  toBytes(): Uint8Array {
    const out = new Uint8Array(LTHASH_BYTES);
    for (let i = 0; i < LANES; i++) {
      out[2 * i] = this.lanes[i]! & 0xff;
      out[2 * i + 1] = this.lanes[i]! >> 8;
    }
    return out;
  }

  /** keccak256 of `toBytes()`: the 32-byte state root. */
  digest(): Uint8Array {
    return keccak256(this.toBytes());
  }

  equals(other: LtHash): boolean {
    for (let i = 0; i < LANES; i++) if (this.lanes[i] !== other.lanes[i]) return false;
    return true;
  }
}

/**
 * SHAKE256 with nothing absorbed yet. Copying it costs half of createHash,
 * which looks the algorithm up and sets it up again for every element.
 * (A copy needs its outputLength again: it does not inherit it.)
 */
const FRESH_SHAKE = createHash('shake256');

function expand(element: Uint8Array): Uint8Array {
  return FRESH_SHAKE.copy({ outputLength: LTHASH_BYTES }).update(element).digest();
}

/**
 * The state entry of one account: rlp([address, nonce, balance]). Only
 * non-empty accounts are entries (nonce 0 and balance 0 means absent), so an
 * account that was never touched and one emptied again commit identically.
 */
export function accountEntry(address: Uint8Array, account: Account): Uint8Array {
  return rlpEncode([address, account.nonce, account.balance]);
}

/**
 * The state entry of one system-module record: rlp([key, value]). A
 * two-item list, so it can never equal an account's three-item entry.
 */
export function recordEntry(key: Uint8Array, value: Uint8Array): Uint8Array {
  return rlpEncode([key, value]);
}

export function isEmptyAccount(account: Account): boolean {
  return account.nonce === 0n && account.balance === 0n;
}

/**
 * LtHash of a whole state computed from scratch (genesis, tests, or an
 * integrity check of the stored state). Keys are 0x-hex (addresses, record
 * keys), as in the maps the chain keeps, so `stateLtHash(map)` works on a Map directly.
 */
export function stateLtHash(
  accounts: Iterable<readonly [string, Account]>,
  records: Iterable<readonly [string, Uint8Array]> = [],
): LtHash {
  const h = LtHash.empty();
  for (const [address, account] of accounts) {
    if (!isEmptyAccount(account)) h.add(accountEntry(hexToBytes(address), account));
  }
  for (const [key, value] of records) {
    if (value.length > 0) h.add(recordEntry(hexToBytes(key), value));
  }
  return h;
}
