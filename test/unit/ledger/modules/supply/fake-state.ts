import { bytesToHex, hexToBytes } from '../../../../../src/primitives/hex.js';
import type { SystemState } from '../../../../../src/ledger/modules/module.js';
import type { RecordScanner } from '../../../../../src/ledger/modules/supply/queries.js';
import { EMPTY_ACCOUNT, type Account } from '../../../../../src/ledger/state/types.js';

/**
 * An in-memory SystemState for the supply tests, with the prefix scan the
 * chain provides for listings. It counts writes so a test can check that a
 * refused call wrote nothing, and copies so a test can compare two states.
 */
export class FakeState implements SystemState, RecordScanner {
  /** Records by lowercase 0x-hex key. */
  readonly records = new Map<string, Uint8Array>();
  private readonly accounts = new Map<string, Account>();
  writes = 0;

  getAccount(address: Uint8Array): Account {
    return this.accounts.get(bytesToHex(address)) ?? EMPTY_ACCOUNT;
  }

  setAccount(address: Uint8Array, account: Account): void {
    this.accounts.set(bytesToHex(address), account);
  }

  getRecord(key: Uint8Array): Uint8Array | undefined {
    return this.records.get(bytesToHex(key));
  }

  setRecord(key: Uint8Array, value: Uint8Array | undefined): void {
    this.writes++;
    if (value === undefined || value.length === 0) this.records.delete(bytesToHex(key));
    else this.records.set(bytesToHex(key), value);
  }

  *recordsWithPrefix(prefix: Uint8Array): Iterable<readonly [Uint8Array, Uint8Array]> {
    // Hex of bytes sorts like the bytes, and a byte prefix is a hex prefix.
    const hexPrefix = bytesToHex(prefix);
    const keys = [...this.records.keys()].filter((k) => k.startsWith(hexPrefix)).sort();
    for (const key of keys) yield [hexToBytes(key), this.records.get(key)!] as const;
  }

  /** Records as sorted [key, value] hex pairs, to compare states. */
  snapshot(): [string, string][] {
    return [...this.records.entries()].map(([k, v]): [string, string] => [k, bytesToHex(v)]).sort(([a], [b]) => (a < b ? -1 : 1));
  }
}
