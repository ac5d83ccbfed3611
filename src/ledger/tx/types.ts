/** Ethereum typed transactions as Cairn accepts them (DESIGN.md, "Identities, keys and transactions"). */

/** 0 legacy (EIP-155 protected only), 1 EIP-2930, 2 EIP-1559. */
export type TxType = 0 | 1 | 2;

export interface AccessListEntry {
  readonly address: Uint8Array; // 20 bytes
  readonly storageKeys: readonly Uint8Array[]; // 32 bytes each
}

/** The fields a sender signs, for every type normalised to one shape. */
export interface UnsignedTransaction {
  readonly type: TxType;
  readonly chainId: bigint;
  readonly nonce: bigint;
  /** Types 0 and 1: the gas price. Type 2: null. */
  readonly gasPrice: bigint | null;
  /** Type 2: as signed. Types 0 and 1: equal to gasPrice. */
  readonly maxFeePerGas: bigint;
  /** Type 2: as signed. Types 0 and 1: equal to gasPrice. */
  readonly maxPriorityFeePerGas: bigint;
  readonly gasLimit: bigint;
  /** Always 20 bytes: contract creation is not supported. */
  readonly to: Uint8Array;
  readonly value: bigint;
  readonly data: Uint8Array;
  /** Empty for type 0. */
  readonly accessList: readonly AccessListEntry[];
}

export interface Transaction extends UnsignedTransaction {
  /** Legacy: chainId * 2 + 35 + yParity. Typed: yParity. As found on the wire. */
  readonly v: bigint;
  readonly yParity: 0 | 1;
  readonly r: bigint;
  readonly s: bigint;
  /** The exact bytes received: legacy RLP list, or type byte ‖ RLP payload. */
  readonly raw: Uint8Array;
  /** keccak256(raw). */
  readonly hash: Uint8Array;
}

/** A transaction whose sender has been recovered from its signature. */
export interface SignedTransaction extends Transaction {
  readonly from: Uint8Array; // 20 bytes
}
