import { bytesToHex, equalBytes, hexToBytes } from '../../primitives/hex.js';
import { accountEntry, isEmptyAccount, recordEntry, type LtHash } from './lthash.js';
import { EMPTY_ACCOUNT, type Account, type RecordReader } from './types.js';

/** Synchronous read access to a state (the chain keeps the head state in memory). */
export interface StateReader extends RecordReader {
  /** The account at `address` (20 bytes); EMPTY_ACCOUNT when absent. */
  getAccount(address: Uint8Array): Account;
}

/**
 * What a block did to the state, keyed by lowercase 0x-hex address or
 * record key; only entries whose value actually changed appear.
 * - `changes`: accounts after the block. EMPTY_ACCOUNT means delete the record.
 * - `undo`: accounts before the block; null means it was absent (empty),
 *   so undoing deletes the record.
 * - `records` / `recordUndo`: system-module records after / before the
 *   block; null means absent.
 * Applying the undo maps to the post-block state gives back the parent state exactly.
 * - `ltHash`: the parent's LtHash updated for these changes (a new object).
 */
export interface StateDiff {
  readonly changes: Map<string, Account>;
  readonly undo: Map<string, Account | null>;
  readonly records: Map<string, Uint8Array | null>;
  readonly recordUndo: Map<string, Uint8Array | null>;
  readonly ltHash: LtHash;
}

interface Written<T> {
  current: T;
  readonly original: T;
}

/** One write made since `begin()`: the key and what `written` held for it before. */
type JournalEntry =
  | { readonly kind: 'account'; readonly key: string; readonly previous: Account | undefined }
  | { readonly kind: 'record'; readonly key: string; readonly previous: Uint8Array | null | undefined };

/**
 * Copy-on-write view of a parent state for executing one block: reads fall
 * through to the parent until an entry is written, and the parent is never
 * modified, so a failed or discarded execution leaves nothing to roll back.
 * `begin` / `commit` / `revert` bracket a system-module call, whose writes
 * must vanish when the module refuses it.
 */
export class StateOverlay implements StateReader {
  private readonly parent: StateReader;
  /** Current value and the parent's value of every written account. */
  private readonly accounts = new Map<string, Written<Account>>();
  /** The same for records; null = absent. */
  private readonly records = new Map<string, Written<Uint8Array | null>>();
  /** Writes since `begin()`, newest last; undefined when no call is open. */
  private journal: JournalEntry[] | undefined;

  constructor(parent: StateReader) {
    this.parent = parent;
  }

  getAccount(address: Uint8Array): Account {
    return this.accounts.get(bytesToHex(address))?.current ?? this.parent.getAccount(address);
  }

  setAccount(address: Uint8Array, account: Account): void {
    const key = bytesToHex(address);
    const entry = this.accounts.get(key);
    this.journal?.push({ kind: 'account', key, previous: entry?.current });
    if (entry) entry.current = account;
    else this.accounts.set(key, { current: account, original: this.parent.getAccount(address) });
  }

  getRecord(key: Uint8Array): Uint8Array | undefined {
    const entry = this.records.get(bytesToHex(key));
    if (entry === undefined) return this.parent.getRecord(key);
    return entry.current ?? undefined;
  }

  /** undefined or an empty value deletes the record. */
  setRecord(key: Uint8Array, value: Uint8Array | undefined): void {
    const hex = bytesToHex(key);
    const current = value === undefined || value.length === 0 ? null : value;
    const entry = this.records.get(hex);
    this.journal?.push({ kind: 'record', key: hex, previous: entry?.current });
    if (entry) entry.current = current;
    else this.records.set(hex, { current, original: this.parent.getRecord(key) ?? null });
  }

  /** Starts recording writes so that `revert` can take them back. */
  begin(): void {
    if (this.journal !== undefined) throw new Error('StateOverlay.begin: a call is already open');
    this.journal = [];
  }

  /** Keeps the writes made since `begin`. */
  commit(): void {
    this.journal = undefined;
  }

  /** Takes back every write made since `begin`, newest first. */
  revert(): void {
    const journal = this.journal;
    if (journal === undefined) throw new Error('StateOverlay.revert: no call is open');
    this.journal = undefined;
    for (let i = journal.length - 1; i >= 0; i--) {
      const entry = journal[i]!;
      if (entry.kind === 'account') {
        if (entry.previous === undefined) this.accounts.delete(entry.key);
        else this.accounts.get(entry.key)!.current = entry.previous;
      } else if (entry.previous === undefined) {
        this.records.delete(entry.key);
      } else {
        this.records.get(entry.key)!.current = entry.previous;
      }
    }
  }

  /**
   * The diff against the parent, and `parentLtHash` (not modified) updated
   * once per changed entry: remove the old entry, add the new one.
   */
  finish(parentLtHash: LtHash): StateDiff {
    const changes = new Map<string, Account>();
    const undo = new Map<string, Account | null>();
    const ltHash = parentLtHash.clone();
    for (const [key, { current, original }] of this.accounts) {
      if (current.nonce === original.nonce && current.balance === original.balance) continue;
      const address = hexToBytes(key);
      const before = isEmptyAccount(original) ? null : original;
      const after = isEmptyAccount(current) ? EMPTY_ACCOUNT : current;
      if (before) ltHash.remove(accountEntry(address, before));
      if (after !== EMPTY_ACCOUNT) ltHash.add(accountEntry(address, after));
      changes.set(key, after);
      undo.set(key, before);
    }
    const records = new Map<string, Uint8Array | null>();
    const recordUndo = new Map<string, Uint8Array | null>();
    for (const [hex, { current, original }] of this.records) {
      if (sameValue(current, original)) continue;
      const key = hexToBytes(hex);
      if (original) ltHash.remove(recordEntry(key, original));
      if (current) ltHash.add(recordEntry(key, current));
      records.set(hex, current);
      recordUndo.set(hex, original);
    }
    return { changes, undo, records, recordUndo, ltHash };
  }
}

function sameValue(a: Uint8Array | null, b: Uint8Array | null): boolean {
  return a === null || b === null ? a === b : equalBytes(a, b);
}
