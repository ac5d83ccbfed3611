import { describe, expect, it } from 'vitest';
import { hexToBytes } from '../../../../src/primitives/hex.js';
import { signTransaction } from '../../../../src/ledger/tx/encode.js';
import { InvalidTransactionError, TxErrorCode } from '../../../../src/ledger/tx/errors.js';
import type { UnsignedTransaction } from '../../../../src/ledger/tx/types.js';
import { intrinsicGas, validateTransaction, type TxRules } from '../../../../src/ledger/tx/validate.js';

const KEY = hexToBytes('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80');
const TO = hexToBytes('0x70997970c51812dc3a010c7d01b50e0d17dc79c8');
const RULES: TxRules = { chainId: 31337n, blockGasLimit: 30_000_000n };

const transfer: UnsignedTransaction = {
  type: 2,
  chainId: 31337n,
  nonce: 0n,
  gasPrice: null,
  maxFeePerGas: 2_000_000_000n,
  maxPriorityFeePerGas: 1_000_000_000n,
  gasLimit: 21_000n,
  to: TO,
  value: 1n,
  data: new Uint8Array(0),
  accessList: [],
};

function rejection(tx: UnsignedTransaction, rules: TxRules = RULES): InvalidTransactionError {
  try {
    validateTransaction(signTransaction(tx, KEY), rules);
  } catch (error) {
    if (error instanceof InvalidTransactionError) return error;
    throw error;
  }
  throw new Error('expected the transaction to be rejected');
}

describe('intrinsicGas', () => {
  it('charges 21000 for a plain transfer', () => {
    expect(intrinsicGas(transfer)).toBe(21_000n);
  });

  it('charges 16 per non-zero and 4 per zero data byte', () => {
    expect(intrinsicGas({ data: hexToBytes('0x00ff0001'), accessList: [] })).toBe(21_000n + 2n * 16n + 2n * 4n);
  });

  it('charges 2400 per access-list address and 1900 per storage key', () => {
    const accessList = [
      { address: TO, storageKeys: [new Uint8Array(32), new Uint8Array(32).fill(1)] },
      { address: TO, storageKeys: [] },
    ];
    expect(intrinsicGas({ data: Uint8Array.of(1), accessList })).toBe(21_000n + 16n + 2n * 2_400n + 2n * 1_900n);
  });
});

describe('validateTransaction', () => {
  it('accepts a transaction that meets every rule, including a gas limit equal to the block limit', () => {
    expect(() => validateTransaction(signTransaction(transfer, KEY), RULES)).not.toThrow();
    const full = { ...transfer, gasLimit: RULES.blockGasLimit };
    expect(() => validateTransaction(signTransaction(full, KEY), RULES)).not.toThrow();
  });

  it('refuses another chain id, legacy and typed', () => {
    const typed = rejection({ ...transfer, chainId: 1n });
    expect(typed.code).toBe(TxErrorCode.WrongChainId);
    expect(typed.message).toBe('invalid chain id: have 1, want 31337');
    const legacy = rejection({ ...transfer, type: 0, chainId: 5n, gasPrice: 7n, maxFeePerGas: 7n, maxPriorityFeePerGas: 7n });
    expect(legacy.code).toBe(TxErrorCode.WrongChainId);
    expect(legacy.message).toBe('invalid chain id: have 5, want 31337');
  });

  it('refuses a gas limit below the intrinsic gas', () => {
    const error = rejection({ ...transfer, gasLimit: 21_015n, data: Uint8Array.of(1) });
    expect(error.code).toBe(TxErrorCode.IntrinsicGas);
    expect(error.message).toBe('intrinsic gas too low: have 21015, want 21016');
  });

  it('refuses a tip above the fee cap', () => {
    const error = rejection({ ...transfer, maxFeePerGas: 10n, maxPriorityFeePerGas: 11n });
    expect(error.code).toBe(TxErrorCode.FeeCapBelowTip);
    expect(error.message).toMatch(/^max priority fee per gas higher than max fee per gas/);
  });

  it('refuses a gas limit above the block gas limit', () => {
    const error = rejection({ ...transfer, gasLimit: RULES.blockGasLimit + 1n });
    expect(error.code).toBe(TxErrorCode.GasLimitExceedsBlock);
    expect(error.message).toMatch(/^exceeds block gas limit/);
  });
});
