import { describe, expect, it } from 'vitest';
import { bytesToHex } from '../../../../src/primitives/hex.js';
import { stateLtHash } from '../../../../src/ledger/state/lthash.js';
import { StateOverlay, type StateReader } from '../../../../src/ledger/state/overlay.js';
import { EMPTY_ACCOUNT, type Account } from '../../../../src/ledger/state/types.js';

const A = new Uint8Array(20).fill(0xa);
const B = new Uint8Array(20).fill(0xb);
const C = new Uint8Array(20).fill(0xc);
const a = bytesToHex(A);
const b = bytesToHex(B);
const c = bytesToHex(C);

function mapState(accounts: Map<string, Account>): StateReader {
  return { getAccount: (address) => accounts.get(bytesToHex(address)) ?? EMPTY_ACCOUNT };
}

function parentAccounts(): Map<string, Account> {
  return new Map([
    [a, { nonce: 1n, balance: 100n }],
    [b, { nonce: 0n, balance: 50n }],
  ]);
}

describe('StateOverlay', () => {
  it('reads through to the parent until written, and never writes the parent', () => {
    const parent = parentAccounts();
    const overlay = new StateOverlay(mapState(parent));
    expect(overlay.getAccount(A)).toEqual({ nonce: 1n, balance: 100n });
    expect(overlay.getAccount(C)).toEqual(EMPTY_ACCOUNT);
    overlay.setAccount(A, { nonce: 2n, balance: 90n });
    expect(overlay.getAccount(A)).toEqual({ nonce: 2n, balance: 90n });
    expect(parent.get(a)).toEqual({ nonce: 1n, balance: 100n });
  });

  it('reports changes with the values before the block (null = absent)', () => {
    const parent = parentAccounts();
    const overlay = new StateOverlay(mapState(parent));
    overlay.setAccount(A, { nonce: 2n, balance: 90n });
    overlay.setAccount(A, { nonce: 2n, balance: 80n });
    overlay.setAccount(C, { nonce: 0n, balance: 20n });
    const diff = overlay.finish(stateLtHash(parent));
    expect(diff.changes).toEqual(new Map([[a, { nonce: 2n, balance: 80n }], [c, { nonce: 0n, balance: 20n }]]));
    expect(diff.undo).toEqual(new Map([[a, { nonce: 1n, balance: 100n }], [c, null]]));
  });

  it('leaves out accounts written back to their original value', () => {
    const parent = parentAccounts();
    const overlay = new StateOverlay(mapState(parent));
    overlay.setAccount(B, { nonce: 0n, balance: 10n });
    overlay.setAccount(B, { nonce: 0n, balance: 50n });
    overlay.setAccount(C, EMPTY_ACCOUNT);
    const diff = overlay.finish(stateLtHash(parent));
    expect(diff.changes.size).toBe(0);
    expect(diff.undo.size).toBe(0);
    expect(diff.ltHash.digest()).toEqual(stateLtHash(parent).digest());
  });

  it('updates the LtHash to the hash of the new state, leaving the parent hash untouched', () => {
    const parent = parentAccounts();
    const parentHash = stateLtHash(parent);
    const parentDigest = parentHash.digest();
    const overlay = new StateOverlay(mapState(parent));
    overlay.setAccount(A, { nonce: 2n, balance: 0n });
    overlay.setAccount(B, EMPTY_ACCOUNT); // emptied: leaves the state
    overlay.setAccount(C, { nonce: 0n, balance: 150n });
    const diff = overlay.finish(parentHash);
    const after = new Map([
      [a, { nonce: 2n, balance: 0n }],
      [c, { nonce: 0n, balance: 150n }],
    ]);
    expect(diff.ltHash.digest()).toEqual(stateLtHash(after).digest());
    expect(diff.changes.get(b)).toBe(EMPTY_ACCOUNT);
    expect(diff.undo.get(b)).toEqual({ nonce: 0n, balance: 50n });
    expect(parentHash.digest()).toEqual(parentDigest);
  });

  it('applying undo to the new state gives back the parent state', () => {
    const parent = parentAccounts();
    const overlay = new StateOverlay(mapState(parent));
    overlay.setAccount(A, { nonce: 5n, balance: 1n });
    overlay.setAccount(B, EMPTY_ACCOUNT);
    overlay.setAccount(C, { nonce: 1n, balance: 1n });
    const diff = overlay.finish(stateLtHash(parent));
    const state = new Map(parent);
    for (const [key, account] of diff.changes) {
      if (account === EMPTY_ACCOUNT) state.delete(key);
      else state.set(key, account);
    }
    for (const [key, account] of diff.undo) {
      if (account === null) state.delete(key);
      else state.set(key, account);
    }
    expect(state).toEqual(parent);
  });
});
