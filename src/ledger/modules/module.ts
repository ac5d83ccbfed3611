import type { Log } from '../block/types.js';
import type { StateReader } from '../state/overlay.js';
import type { Account, RecordReader } from '../state/types.js';
import type { SignedTransaction } from '../tx/types.js';

/**
 * System modules (DESIGN.md, "State and system modules"): Cairn's own state
 * machines, each at a reserved address, called by ordinary signed
 * transactions whose `data` is a small JSON document. They keep records in
 * the state beside the accounts; every record is committed by the state
 * root (LtHash entry rlp([key, value])), written in the block's batch and
 * undone on a reorg like an account.
 *
 * A record key is bytes that start with the module's name and a slash
 * (`supply/…`, `staking/…`, `consensus/…`), so modules never collide.
 */

export type { RecordReader };

/** The state a module reads and writes while a block executes. */
export interface SystemState extends StateReader {
  setAccount(address: Uint8Array, account: Account): void;
  /** undefined (or an empty value) deletes the record. */
  setRecord(key: Uint8Array, value: Uint8Array | undefined): void;
}

/** One call of a module: a transaction whose `to` is the module's address. */
export interface ModuleCall {
  /** The transaction, sender recovered. Fees and nonce are already charged. */
  readonly tx: SignedTransaction;
  /** Its index in the block. */
  readonly txIndex: number;
  /**
   * The block's number. Not its timestamp: a PoW producer refreshes the
   * timestamp of a template while it seals, which must not change the state.
   */
  readonly blockNumber: number;
}

/**
 * What a call did. A refusal leaves the state as it was before the call
 * (execution reverts what the module wrote and the value transfer); the
 * sender still pays gas and its nonce still rises; the receipt has status 0
 * and carries the reason.
 */
export type ModuleOutcome =
  | { readonly ok: true; readonly logs: readonly Log[] }
  | { readonly ok: false; readonly reason: string };

export interface SystemModule {
  /** Also the prefix of its record keys. */
  readonly name: string;
  /** The reserved address (20 bytes). */
  readonly address: Uint8Array;
  /**
   * Gas every call costs above its intrinsic gas (DESIGN.md: a fixed cost
   * per operation), for the records it reads and writes. A transaction whose
   * gas limit does not cover it is refused (status 0) and uses its whole limit.
   */
  readonly callGas: bigint;
  /**
   * Applies a call. Before it runs, execution has moved tx.value from the
   * sender to the module's address, so a module that holds funds (staking)
   * finds them in its own account. Must be deterministic and synchronous;
   * throws only for bugs (a rule violation is an `ok: false` outcome).
   */
  call(state: SystemState, call: ModuleCall): ModuleOutcome;
}

/** Record keys as bytes: `${module}/${path}` in UTF-8. */
export function recordKey(module: string, path: string): Uint8Array {
  return new TextEncoder().encode(`${module}/${path}`);
}
