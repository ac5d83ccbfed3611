export interface Account {
  readonly nonce: bigint;
  readonly balance: bigint;
}

export const EMPTY_ACCOUNT: Account = Object.freeze({ nonce: 0n, balance: 0n });
