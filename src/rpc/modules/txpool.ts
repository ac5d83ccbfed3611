import type { SignedTransaction } from '../../ledger/tx/types.js';
import { toChecksumAddress } from '../../primitives/address.js';
import { bytesToHex, equalBytes, toQuantity } from '../../primitives/hex.js';
import type { RpcBackend } from '../backend.js';
import type { MethodTable } from '../dispatch.js';
import { formatTransaction, type RpcTransaction } from '../format.js';
import { address, arity } from '../params.js';

/**
 * txpool_: geth's view of the mempool, for operators and the tools that
 * watch it. Shapes as geth's: "pending" holds what is executable now,
 * "queued" what waits behind a nonce gap; senders are keyed by EIP-55
 * address, each sender's transactions by decimal nonce.
 */

/** nonce (decimal) → value. */
type ByNonce<T> = Record<string, T>;
/** sender (EIP-55) → nonce (decimal) → value. */
type BySender<T> = Record<string, ByNonce<T>>;

interface Split<T> {
  pending: T;
  queued: T;
}

/** A pooled transaction as eth_getTransactionByHash shows it: block fields null, a type-2 tx's fee cap as gasPrice. */
const formatPending = (tx: SignedTransaction): RpcTransaction => formatTransaction(tx, null);

export function txpoolMethods(backend: RpcBackend): MethodTable {
  return {
    txpool_status: (params): Split<string> => {
      arity(params, 0, 0);
      const { pending, queued } = backend.mempoolCounts();
      return { pending: toQuantity(pending), queued: toQuantity(queued) };
    },

    txpool_content: (params): Split<BySender<RpcTransaction>> => {
      arity(params, 0, 0);
      const { pending, queued } = backend.mempoolContent();
      return { pending: bySender(pending, formatPending), queued: bySender(queued, formatPending) };
    },

    txpool_contentFrom: (params): Split<ByNonce<RpcTransaction>> => {
      arity(params, 1, 1);
      const from = address(params[0], 0);
      const { pending, queued } = backend.mempoolContent();
      const isFrom = (tx: SignedTransaction): boolean => equalBytes(tx.from, from);
      return { pending: byNonce(pending.filter(isFrom), formatPending), queued: byNonce(queued.filter(isFrom), formatPending) };
    },

    txpool_inspect: (params): Split<BySender<string>> => {
      arity(params, 0, 0);
      const { pending, queued } = backend.mempoolContent();
      const summarize = summarizer();
      return { pending: bySender(pending, summarize), queued: bySender(queued, summarize) };
    },
  };
}

/**
 * Groups `txs` (each sender's in nonce order) by sender. Senders come in
 * key order, as Go's JSON encoder writes geth's map, so the answer does not
 * depend on the order senders arrived in.
 */
function bySender<T>(txs: readonly SignedTransaction[], value: (tx: SignedTransaction) => T): BySender<T> {
  const groups = new Map<string, SignedTransaction[]>();
  for (const tx of txs) {
    const key = bytesToHex(tx.from);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [tx]);
    else group.push(tx);
  }
  const keyed = [...groups.values()].map((group): [string, SignedTransaction[]] => [toChecksumAddress(group[0]!.from), group]);
  keyed.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const out: BySender<T> = {};
  for (const [sender, group] of keyed) out[sender] = byNonce(group, value);
  return out;
}

function byNonce<T>(txs: readonly SignedTransaction[], value: (tx: SignedTransaction) => T): ByNonce<T> {
  const out: ByNonce<T> = {};
  for (const tx of txs) out[tx.nonce.toString(10)] = value(tx);
  return out;
}

/**
 * geth's inspect line, "<to>: <value> wei + <gas limit> gas × <price> wei",
 * where the price is Go's tx.GasPrice(): the gas price, or a type-2 tx's
 * maxFeePerGas (which Cairn keeps equal to the gas price for types 0 and 1).
 * Recipients repeat (many txs go to one module address) and each checksum
 * costs a keccak256, so one call computes each once.
 */
function summarizer(): (tx: SignedTransaction) => string {
  const checksummed = new Map<string, string>();
  return (tx) => {
    const key = bytesToHex(tx.to);
    let to = checksummed.get(key);
    if (to === undefined) {
      to = toChecksumAddress(tx.to);
      checksummed.set(key, to);
    }
    return `${to}: ${tx.value} wei + ${tx.gasLimit} gas × ${tx.maxFeePerGas} wei`;
  };
}
