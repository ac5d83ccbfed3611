import { InvalidTransactionError, TxErrorCode } from './errors.js';
import type { UnsignedTransaction } from './types.js';

// Ethereum's costs (EIP-2028 for calldata, EIP-2930 for access lists), so
// wallets' gas estimates hold on Cairn.
const TX_GAS = 21_000n;
const DATA_NONZERO_GAS = 16n;
const DATA_ZERO_GAS = 4n;
const ACCESS_LIST_ADDRESS_GAS = 2_400n;
const ACCESS_LIST_STORAGE_KEY_GAS = 1_900n;

/** Gas a transaction costs before doing anything: its gas limit must cover it. */
export function intrinsicGas(tx: Pick<UnsignedTransaction, 'data' | 'accessList'>): bigint {
  let zeros = 0;
  for (const byte of tx.data) if (byte === 0) zeros++;
  const nonZeros = tx.data.length - zeros;
  let gas = TX_GAS + BigInt(nonZeros) * DATA_NONZERO_GAS + BigInt(zeros) * DATA_ZERO_GAS;
  for (const entry of tx.accessList) {
    gas += ACCESS_LIST_ADDRESS_GAS + BigInt(entry.storageKeys.length) * ACCESS_LIST_STORAGE_KEY_GAS;
  }
  return gas;
}

/** The chain parameters a transaction is checked against without looking at state. */
export interface TxRules {
  readonly chainId: bigint;
  readonly blockGasLimit: bigint;
}

/**
 * Stateless checks against the chain's rules; state-dependent ones (nonce,
 * balance, base fee) belong to the mempool and block execution.
 */
export function validateTransaction(tx: UnsignedTransaction, rules: TxRules): void {
  if (tx.chainId !== rules.chainId) {
    throw new InvalidTransactionError(TxErrorCode.WrongChainId, `invalid chain id: have ${tx.chainId}, want ${rules.chainId}`);
  }
  const needed = intrinsicGas(tx);
  if (tx.gasLimit < needed) {
    throw new InvalidTransactionError(TxErrorCode.IntrinsicGas, `intrinsic gas too low: have ${tx.gasLimit}, want ${needed}`);
  }
  if (tx.maxFeePerGas < tx.maxPriorityFeePerGas) {
    throw new InvalidTransactionError(
      TxErrorCode.FeeCapBelowTip,
      `max priority fee per gas higher than max fee per gas: maxPriorityFeePerGas ${tx.maxPriorityFeePerGas}, maxFeePerGas ${tx.maxFeePerGas}`,
    );
  }
  if (tx.gasLimit > rules.blockGasLimit) {
    throw new InvalidTransactionError(
      TxErrorCode.GasLimitExceedsBlock,
      `exceeds block gas limit: transaction gas limit ${tx.gasLimit}, block gas limit ${rules.blockGasLimit}`,
    );
  }
}
