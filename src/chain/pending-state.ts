import { isEmptyAccount } from '../ledger/state/lthash.js';
import type { StateReader } from '../ledger/state/overlay.js';
import { EMPTY_ACCOUNT, type Account } from '../ledger/state/types.js';
import { bytesToHex } from '../primitives/hex.js';

/** The head state the chain keeps in memory: accounts and system-module records, keyed by 0x hex. */
export interface HeadState {
  readonly accounts: Map<string, Account>;
  readonly records: Map<string, Uint8Array>;
}

/** Values a head switch writes; null = absent. */
export interface StateOverrides {
  readonly accounts: ReadonlyMap<string, Account | null>;
  readonly records: ReadonlyMap<string, Uint8Array | null>;
}

/**
 * The head state with a head switch applied on top but not yet committed:
 * undo data of the blocks being removed, then the changes of the blocks
 * being added. The head's own maps are untouched until the batch is on disk,
 * so a failure on the way leaves nothing to roll back.
 */
export class PendingState implements StateReader {
  readonly #base: HeadState;
  readonly #accounts = new Map<string, Account | null>();
  readonly #records = new Map<string, Uint8Array | null>();

  constructor(base: HeadState) {
    this.#base = base;
  }

  getAccount(address: Uint8Array): Account {
    const key = bytesToHex(address);
    if (this.#accounts.has(key)) return this.#accounts.get(key) ?? EMPTY_ACCOUNT;
    return this.#base.accounts.get(key) ?? EMPTY_ACCOUNT;
  }

  getRecord(key: Uint8Array): Uint8Array | undefined {
    const hex = bytesToHex(key);
    if (this.#records.has(hex)) return this.#records.get(hex) ?? undefined;
    return this.#base.records.get(hex);
  }

  /**
   * Applies an undo record (null = absent) or an execution's changes
   * (EMPTY_ACCOUNT or null = absent).
   */
  apply(accounts: ReadonlyMap<string, Account | null>, records: ReadonlyMap<string, Uint8Array | null>): void {
    for (const [key, account] of accounts) {
      this.#accounts.set(key, account === null || isEmptyAccount(account) ? null : account);
    }
    for (const [key, value] of records) this.#records.set(key, value);
  }

  /** Every entry the switch touched, with its final value (null = delete). */
  get overrides(): StateOverrides {
    return { accounts: this.#accounts, records: this.#records };
  }
}

/** Writes the committed switch into the head's maps. */
export function applyOverrides(head: HeadState, overrides: StateOverrides): void {
  for (const [key, account] of overrides.accounts) {
    if (account === null) head.accounts.delete(key);
    else head.accounts.set(key, account);
  }
  for (const [key, value] of overrides.records) {
    if (value === null) head.records.delete(key);
    else head.records.set(key, value);
  }
}
