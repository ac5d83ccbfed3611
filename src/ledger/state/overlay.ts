import { bytesToHex, hexToBytes } from '../../primitives/hex.js';
import { accountEntry, isEmptyAccount, type LtHash } from './lthash.js';
import { EMPTY_ACCOUNT, type Account } from './types.js';

/** Synchronous read access to a state (the chain keeps all accounts in memory). */
export interface StateReader {
  /** The account at `address` (20 bytes); EMPTY_ACCOUNT when absent. */
  getAccount(address: Uint8Array): Account;
}

/**
 * What a block did to the state, keyed by lowercase 0x-hex address; only
 * accounts whose value actually changed appear.
 * - `changes`: the value after the block. EMPTY_ACCOUNT means delete the record.
 * - `undo`: the value before the block; null means it was absent (empty),
 *   so undoing deletes the record. Applying `undo` to the post-block state
 *   gives back the parent state exactly.
 * - `ltHash`: the parent's LtHash updated for these changes (a new object).
 */
export interface StateDiff {
  readonly changes: Map<string, Account>;
  readonly undo: Map<string, Account | null>;
  readonly ltHash: LtHash;
}

/**
 * Copy-on-write view of a parent state for executing one block: reads fall
 * through to the parent until an account is written, and the parent is never
 * modified, so a failed or discarded execution leaves nothing to roll back.
 */
export class StateOverlay implements StateReader {
  private readonly parent: StateReader;
  /** Current value and the parent's value of every written account. */
  private readonly written = new Map<string, { current: Account; original: Account }>();

  constructor(parent: StateReader) {
    this.parent = parent;
  }

  getAccount(address: Uint8Array): Account {
    return this.written.get(bytesToHex(address))?.current ?? this.parent.getAccount(address);
  }

  setAccount(address: Uint8Array, account: Account): void {
    const key = bytesToHex(address);
    const entry = this.written.get(key);
    if (entry) entry.current = account;
    else this.written.set(key, { current: account, original: this.parent.getAccount(address) });
  }

  /**
   * The diff against the parent, and `parentLtHash` (not modified) updated
   * once per changed account: remove the old entry, add the new one.
   */
  finish(parentLtHash: LtHash): StateDiff {
    const changes = new Map<string, Account>();
    const undo = new Map<string, Account | null>();
    const ltHash = parentLtHash.clone();
    for (const [key, { current, original }] of this.written) {
      if (current.nonce === original.nonce && current.balance === original.balance) continue;
      const address = hexToBytes(key);
      const before = isEmptyAccount(original) ? null : original;
      const after = isEmptyAccount(current) ? EMPTY_ACCOUNT : current;
      if (before) ltHash.remove(accountEntry(address, before));
      if (after !== EMPTY_ACCOUNT) ltHash.add(accountEntry(address, after));
      changes.set(key, after);
      undo.set(key, before);
    }
    return { changes, undo, ltHash };
  }
}
