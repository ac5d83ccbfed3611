import { describe, expect, it } from 'vitest';
import { bytesToHex, utf8ToBytes } from '../../../../src/primitives/hex.js';
import { stateLtHash } from '../../../../src/ledger/state/lthash.js';
import { StateOverlay, type StateReader } from '../../../../src/ledger/state/overlay.js';
import { EMPTY_ACCOUNT, type Account } from '../../../../src/ledger/state/types.js';

const A = new Uint8Array(20).fill(0xa);
const B = new Uint8Array(20).fill(0xb);
const C = new Uint8Array(20).fill(0xc);
const a = bytesToHex(A);
const b = bytesToHex(B);
const c = bytesToHex(C);

function mapState(accounts: Map<string, Account>, records = new Map<string, Uint8Array>()): StateReader {
  return {
    getAccount: (address) => accounts.get(bytesToHex(address)) ?? EMPTY_ACCOUNT,
    getRecord: (key) => records.get(bytesToHex(key)),
  };
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

  it('keeps records beside accounts: reads through, deletes with an empty value, and commits them to the LtHash', () => {
    const keep = utf8ToBytes('supply/keep');
    const gone = utf8ToBytes('supply/gone');
    const fresh = utf8ToBytes('supply/fresh');
    const records = new Map([
      [bytesToHex(keep), Uint8Array.of(1)],
      [bytesToHex(gone), Uint8Array.of(2)],
    ]);
    const parent = parentAccounts();
    const overlay = new StateOverlay(mapState(parent, records));
    expect(overlay.getRecord(keep)).toEqual(Uint8Array.of(1));
    overlay.setRecord(gone, new Uint8Array(0));
    overlay.setRecord(fresh, Uint8Array.of(3));
    overlay.setRecord(keep, Uint8Array.of(1));
    expect(overlay.getRecord(gone)).toBeUndefined();
    expect(overlay.getRecord(fresh)).toEqual(Uint8Array.of(3));
    const diff = overlay.finish(stateLtHash(parent, records));
    expect([...diff.records]).toEqual([
      [bytesToHex(gone), null],
      [bytesToHex(fresh), Uint8Array.of(3)],
    ]);
    expect([...diff.recordUndo]).toEqual([
      [bytesToHex(gone), Uint8Array.of(2)],
      [bytesToHex(fresh), null],
    ]);
    const after = new Map([
      [bytesToHex(keep), Uint8Array.of(1)],
      [bytesToHex(fresh), Uint8Array.of(3)],
    ]);
    expect(diff.ltHash.digest()).toEqual(stateLtHash(parent, after).digest());
    expect(records.get(bytesToHex(gone))).toEqual(Uint8Array.of(2));
  });

  it('revert takes back every write since begin, and commit keeps them', () => {
    const key = utf8ToBytes('supply/x');
    const parent = parentAccounts();
    const overlay = new StateOverlay(mapState(parent));
    overlay.setAccount(A, { nonce: 2n, balance: 90n });
    overlay.begin();
    overlay.setAccount(A, { nonce: 2n, balance: 80n });
    overlay.setAccount(C, { nonce: 0n, balance: 10n });
    overlay.setRecord(key, Uint8Array.of(9));
    overlay.revert();
    expect(overlay.getAccount(A)).toEqual({ nonce: 2n, balance: 90n });
    expect(overlay.getAccount(C)).toEqual(EMPTY_ACCOUNT);
    expect(overlay.getRecord(key)).toBeUndefined();
    const diff = overlay.finish(stateLtHash(parent));
    expect([...diff.changes.keys()]).toEqual([a]);
    expect(diff.records.size).toBe(0);

    overlay.begin();
    overlay.setRecord(key, Uint8Array.of(9));
    overlay.commit();
    expect(overlay.getRecord(key)).toEqual(Uint8Array.of(9));
    expect(() => overlay.revert()).toThrow(/no call is open/);
  });
});
