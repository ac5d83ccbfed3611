export interface Account {
  readonly nonce: bigint;
  readonly balance: bigint;
}

export const EMPTY_ACCOUNT: Account = Object.freeze({ nonce: 0n, balance: 0n });

/** Reads of system-module records (src/ledger/modules/module.ts). */
export interface RecordReader {
  /** The record's value (never empty), undefined when absent. */
  getRecord(key: Uint8Array): Uint8Array | undefined;
}
