import type { SystemState } from '../../../../../src/ledger/modules/module.js';
import { EMPTY_ACCOUNT, type Account } from '../../../../../src/ledger/state/types.js';
import { bytesToHex } from '../../../../../src/primitives/hex.js';

/** An in-memory SystemState: accounts and records by lowercase 0x-hex key, copied for a block and compared whole. */
export class MemoryState implements SystemState {
  readonly accounts = new Map<string, Account>();
  readonly records = new Map<string, Uint8Array>();

  getAccount(address: Uint8Array): Account {
    return this.accounts.get(bytesToHex(address)) ?? EMPTY_ACCOUNT;
  }

  setAccount(address: Uint8Array, account: Account): void {
    if (account.balance === 0n && account.nonce === 0n) this.accounts.delete(bytesToHex(address));
    else this.accounts.set(bytesToHex(address), account);
  }

  getRecord(key: Uint8Array): Uint8Array | undefined {
    return this.records.get(bytesToHex(key));
  }

  setRecord(key: Uint8Array, value: Uint8Array | undefined): void {
    if (value === undefined || value.length === 0) this.records.delete(bytesToHex(key));
    else this.records.set(bytesToHex(key), value);
  }

  balanceOf(address: Uint8Array): bigint {
    return this.getAccount(address).balance;
  }

  copy(): MemoryState {
    const out = new MemoryState();
    for (const [key, account] of this.accounts) out.accounts.set(key, account);
    for (const [key, value] of this.records) out.records.set(key, value);
    return out;
  }

  /** Everything as sorted strings, to compare two states. */
  snapshot(): string[] {
    const accounts = [...this.accounts].map(([key, a]) => `${key}=${a.nonce}/${a.balance}`);
    const records = [...this.records].map(([key, value]) => `${key}=${bytesToHex(value)}`);
    return [...accounts, ...records].sort();
  }
}
