import type { BlockHeader } from './block/types.js';
import type { UnsignedTransaction } from './tx/types.js';

/**
 * EIP-1559 fee rules. Pure functions of explicit inputs (STYLE.md): the
 * chain, the mempool, the block builder and the RPC's fee estimates all call
 * these, so they agree on every number.
 */

/**
 * Base fee of the child of `parent`, exactly as EIP-1559 specifies: the gas
 * target is gasLimit / elasticity; above it the fee rises by
 * baseFee * (gasUsed - target) / target / denominator, and by at least 1 wei
 * (so a fee of 0 can recover); below it the fee falls by the same formula
 * without the minimum. Integer division truncates, as in the EIP.
 */
export function nextBaseFee(
  parent: Pick<BlockHeader, 'gasLimit' | 'gasUsed' | 'baseFee'>,
  elasticity = 2n,
  denominator = 8n,
): bigint {
  const target = parent.gasLimit / elasticity;
  if (parent.gasUsed === target) return parent.baseFee;
  if (parent.gasUsed > target) {
    const delta = (parent.baseFee * (parent.gasUsed - target)) / target / denominator;
    return parent.baseFee + (delta > 1n ? delta : 1n);
  }
  const delta = (parent.baseFee * (target - parent.gasUsed)) / target / denominator;
  return parent.baseFee - delta;
}

type FeeFields = Pick<UnsignedTransaction, 'type' | 'gasPrice' | 'maxFeePerGas' | 'maxPriorityFeePerGas'>;

/**
 * Price per gas the sender actually pays (the receipt's effectiveGasPrice):
 * the gas price for legacy and EIP-2930 transactions, and
 * min(maxFeePerGas, baseFee + maxPriorityFeePerGas) for EIP-1559.
 * Meaningful only when maxFeePerGas >= baseFee (execution checks that first).
 */
export function effectiveGasPrice(tx: FeeFields, baseFee: bigint): bigint {
  if (tx.gasPrice !== null) return tx.gasPrice;
  const capped = baseFee + tx.maxPriorityFeePerGas;
  return tx.maxFeePerGas < capped ? tx.maxFeePerGas : capped;
}

/**
 * What the block producer earns per gas: effectiveGasPrice - baseFee (the
 * base fee part is burned). Negative when the transaction cannot pay the base
 * fee; such a transaction is not includable, and the mempool may still rank by it.
 */
export function effectiveTip(tx: FeeFields, baseFee: bigint): bigint {
  return effectiveGasPrice(tx, baseFee) - baseFee;
}
