import { isEmptyAccount } from '../ledger/state/lthash.js';
import type { StateReader } from '../ledger/state/overlay.js';
import { EMPTY_ACCOUNT, type Account } from '../ledger/state/types.js';
import { bytesToHex } from '../primitives/hex.js';

/**
 * The head state with a head switch applied on top but not yet committed:
 * undo data of the blocks being removed, then the changes of the blocks
 * being added. The head's own map is untouched until the batch is on disk,
 * so a failure on the way leaves nothing to roll back.
 */
export class PendingState implements StateReader {
  readonly #base: ReadonlyMap<string, Account>;
  /** Address → value after the switch; null = absent. */
  readonly #overrides = new Map<string, Account | null>();

  constructor(base: ReadonlyMap<string, Account>) {
    this.#base = base;
  }

  getAccount(address: Uint8Array): Account {
    const key = bytesToHex(address);
    if (this.#overrides.has(key)) return this.#overrides.get(key) ?? EMPTY_ACCOUNT;
    return this.#base.get(key) ?? EMPTY_ACCOUNT;
  }

  /** Applies an undo record (null = absent) or an execution's changes (EMPTY_ACCOUNT = absent). */
  apply(accounts: ReadonlyMap<string, Account | null>): void {
    for (const [key, account] of accounts) {
      this.#overrides.set(key, account === null || isEmptyAccount(account) ? null : account);
    }
  }

  /** Every account the switch touched, with its final value (null = delete). */
  get overrides(): ReadonlyMap<string, Account | null> {
    return this.#overrides;
  }
}

/** Writes the committed switch into the head's map. */
export function applyOverrides(accounts: Map<string, Account>, overrides: ReadonlyMap<string, Account | null>): void {
  for (const [key, account] of overrides) {
    if (account === null) accounts.delete(key);
    else accounts.set(key, account);
  }
}
