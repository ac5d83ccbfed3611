import { keccak256 } from '../../../../../src/primitives/hash.js';
import { concatBytes, hexToBytes, utf8ToBytes } from '../../../../../src/primitives/hex.js';
import type { ModuleCall, ModuleOutcome } from '../../../../../src/ledger/modules/module.js';
import { applySupplyCall } from '../../../../../src/ledger/modules/supply/module.js';
import { SUPPLY_ADDRESS } from '../../../../../src/ledger/modules/supply/records.js';
import { signTransaction } from '../../../../../src/ledger/tx/encode.js';
import type { SignedTransaction } from '../../../../../src/ledger/tx/types.js';
import type { FakeState } from './fake-state.js';

export const ALICE = hexToBytes('0x' + 'a1'.repeat(20));
export const BOB = hexToBytes('0x' + 'b0'.repeat(20));
export const CAROL = hexToBytes('0x' + 'c4'.repeat(20));

/** A real signed transaction to the module: each call's transaction is this with its own fields. */
const TEMPLATE = signTransaction(
  {
    type: 2,
    chainId: 1337n,
    nonce: 0n,
    gasPrice: null,
    maxFeePerGas: 1n,
    maxPriorityFeePerGas: 1n,
    gasLimit: 100_000n,
    to: SUPPLY_ADDRESS,
    value: 0n,
    data: new Uint8Array(0),
    accessList: [],
  },
  hexToBytes('0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318'),
);

let counter = 0;

/**
 * A transaction to the supply module as execution hands it over, sender
 * recovered. The signature is the template's: the module never reads it,
 * and signing each of the thousands of test calls would only slow the tests.
 * Each gets a distinct hash.
 */
export function supplyTx(from: Uint8Array, data: object | string | Uint8Array, value = 0n): SignedTransaction {
  const bytes = data instanceof Uint8Array ? data : utf8ToBytes(typeof data === 'string' ? data : JSON.stringify(data));
  counter++;
  const hash = keccak256(concatBytes(from, utf8ToBytes(`tx ${counter}`), bytes));
  return { ...TEMPLATE, nonce: BigInt(counter), value, data: bytes, hash, from };
}

export interface CallOptions {
  readonly blockNumber?: number;
  readonly txIndex?: number;
  readonly value?: bigint;
}

/** Applies one operation to `state` and returns what the module said. */
export function run(state: FakeState, from: Uint8Array, data: object | string | Uint8Array, options: CallOptions = {}): ModuleOutcome {
  const call: ModuleCall = { tx: supplyTx(from, data, options.value), txIndex: options.txIndex ?? 0, blockNumber: options.blockNumber ?? 1 };
  return applySupplyCall(state, call);
}

/** run() that must be accepted. */
export function accept(state: FakeState, from: Uint8Array, data: object, options: CallOptions = {}): Extract<ModuleOutcome, { ok: true }> {
  const outcome = run(state, from, data, options);
  if (!outcome.ok) throw new Error(`expected ${JSON.stringify(data)} to be accepted, refused: ${outcome.reason}`);
  return outcome;
}

/** run() that must be refused; gives the reason. */
export function refuse(state: FakeState, from: Uint8Array, data: object | string | Uint8Array, options: CallOptions = {}): string {
  const outcome = run(state, from, data, options);
  if (outcome.ok) throw new Error(`expected ${JSON.stringify(data)} to be refused`);
  return outcome.reason;
}
