import type { Block } from '../../ledger/block/types.js';
import { bytesToHex, toQuantity } from '../../primitives/hex.js';
import type { RpcBackend } from '../backend.js';
import type { ChainView } from '../chain-view.js';
import type { MethodTable } from '../dispatch.js';
import { RpcError, RpcErrorCode, serverError } from '../errors.js';
import { MAX_REWARD_PERCENTILES, type FeeOracle } from '../fees.js';
import { formatBlockReceipts, formatReceipt, formatSyncProgress, formatTransaction, type RpcTransaction } from '../format.js';
import { queryLogs, type LogLimits } from '../logs.js';
import * as p from '../params.js';

/**
 * The eth_ methods wallets use (WALLET-RPC.md §1) plus the reads MetaMask and
 * dapps add. Deliberately absent, so they answer -32601:
 * eth_fillTransaction (viem then caches "unsupported" and fills the tx from
 * the calls below). Filters are in filters.ts; subscriptions are served on
 * WebSocket connections (subscriptions.ts).
 */

export type EthOptions = LogLimits;

const EMPTY_SLOT = bytesToHex(new Uint8Array(32));

/** The node holds no keys, so these can never work; -32004 with the way out, not "does not exist". */
const KEYLESS_TX = 'the node holds no keys: sign the transaction in your wallet and use eth_sendRawTransaction';
const KEYLESS_MESSAGE = 'the node holds no keys: sign the message in your wallet';

function needsWebSocket(): never {
  throw new RpcError(
    RpcErrorCode.MethodNotFound,
    'notifications not supported over HTTP: subscribe over a WebSocket (ws:// on this same port), or poll eth_blockNumber and eth_getLogs',
  );
}

export function ethMethods(backend: RpcBackend, chain: ChainView, fees: FeeOracle, options: EthOptions): MethodTable {
  const chainIdHex = toQuantity(backend.chainId);
  const keyless = (message: string) => (): never => {
    throw new RpcError(RpcErrorCode.MethodNotSupported, message);
  };

  /** Runs `read` once `ref` is known to name the head block. */
  const atLatest = <T>(ref: p.BlockRef, read: () => T): T | Promise<T> => {
    const check = chain.requireLatestState(ref);
    return check === undefined ? read() : check.then(read);
  };

  /** The mempool's affordability rule for a call's sender, worded as geth so wallets classify it (viem: InsufficientFundsError). */
  const checkAffordable = (call: p.CallRequest, gas: bigint): void => {
    if (call.from === undefined) return;
    const balance = backend.getAccount(call.from).balance;
    const cost = call.value + (call.feeCap === undefined ? 0n : gas * call.feeCap);
    if (cost <= balance) return;
    throw serverError(
      call.feeCap === undefined
        ? `insufficient funds for transfer: balance ${balance}, value ${call.value}`
        : `insufficient funds for gas * price + value: balance ${balance}, tx cost ${cost}`,
    );
  };

  const blockTxAt = (block: Block | undefined, index: number): RpcTransaction | null => {
    const tx = block?.transactions[index];
    if (block === undefined || tx === undefined) return null;
    return formatTransaction(tx, { blockHash: block.hash, blockNumber: block.header.number, index, baseFee: block.header.baseFee });
  };

  return {
    eth_chainId: (params) => {
      p.arity(params, 0, 0);
      return chainIdHex;
    },

    eth_blockNumber: (params) => {
      p.arity(params, 0, 0);
      return toQuantity(backend.head().header.number);
    },

    eth_syncing: (params) => {
      p.arity(params, 0, 0);
      const s = backend.syncing();
      return s === false ? false : formatSyncProgress(s);
    },

    eth_accounts: (params) => {
      p.arity(params, 0, 0);
      return [];
    },

    eth_getBalance: (params) => {
      p.arity(params, 1, 2);
      const addr = p.address(params[0], 0);
      return atLatest(p.blockRef(params[1], 1), () => toQuantity(backend.getAccount(addr).balance));
    },

    // "pending" counts the sender's pooled txs: both libraries take a new tx's nonce from it.
    eth_getTransactionCount: (params) => {
      p.arity(params, 1, 2);
      const addr = p.address(params[0], 0);
      const ref = p.blockRef(params[1], 1);
      if (ref === 'pending') return toQuantity(backend.pendingNonce(addr));
      return atLatest(ref, () => toQuantity(backend.getAccount(addr).nonce));
    },

    // No contracts exist on Cairn: every account has empty code and storage.
    eth_getCode: (params) => {
      p.arity(params, 1, 2);
      p.address(params[0], 0);
      return atLatest(p.blockRef(params[1], 1), () => '0x');
    },

    eth_getStorageAt: (params) => {
      p.arity(params, 2, 3);
      p.address(params[0], 0);
      p.storageSlot(params[1], 1);
      return atLatest(p.blockRef(params[2], 2), () => EMPTY_SLOT);
    },

    // Calling a plain account returns no data, as on Ethereum; a sender that could not pay is refused, as geth does.
    eth_call: (params) => {
      p.arity(params, 1, 3);
      const call = p.callRequest(params[0], 0);
      return atLatest(p.blockRef(params[1], 1), () => {
        if (call.to !== undefined) checkAffordable(call, call.gas ?? backend.estimateGas({ to: call.to, data: call.data, accessList: call.accessList }));
        return '0x';
      });
    },

    eth_estimateGas: (params) => {
      p.arity(params, 1, 2);
      const call = p.callRequest(params[0], 0);
      return atLatest(p.blockRef(params[1], 1), () => {
        if (call.to === undefined) throw serverError('contract creation is not supported: transaction has no to address');
        const gas = backend.estimateGas({ to: call.to, data: call.data, accessList: call.accessList });
        if (call.gas !== undefined && call.gas < gas) throw serverError(`gas required exceeds allowance (${call.gas})`);
        checkAffordable(call, gas);
        return toQuantity(gas);
      });
    },

    eth_maxPriorityFeePerGas: (params) => {
      p.arity(params, 0, 0);
      const tip = fees.suggestTip();
      return typeof tip === 'bigint' ? toQuantity(tip) : tip.then(toQuantity);
    },

    // Legacy price: next base fee plus the suggested tip, so a legacy tx gets in as fast as a 1559 one.
    eth_gasPrice: (params) => {
      p.arity(params, 0, 0);
      const tip = fees.suggestTip();
      return typeof tip === 'bigint' ? toQuantity(backend.nextBaseFee() + tip) : tip.then((t) => toQuantity(backend.nextBaseFee() + t));
    },

    eth_feeHistory: async (params) => {
      p.arity(params, 2, 3);
      const count = p.blockCount(params[0], 0);
      const newest = chain.numberOf(p.blockTag(params[1], 1, 'newestBlock'));
      // No percentiles → no "reward" field, as geth.
      const listed = params[2] === undefined || params[2] === null ? [] : p.percentiles(params[2], 2, MAX_REWARD_PERCENTILES);
      const percentiles = listed.length === 0 ? undefined : listed;
      const head = backend.head().header.number;
      if (newest > head) throw serverError(`request beyond head block: requested ${newest}, head ${head}`);
      return fees.feeHistory(count, newest, percentiles);
    },

    // The lowercase hash: ethers compares it with === against its own.
    eth_sendRawTransaction: async (params) => {
      p.arity(params, 1, 1);
      const tx = await backend.submitRawTransaction(p.data(params[0], 0, 'transaction'));
      return bytesToHex(tx.hash);
    },

    // Pending txs too: viem's receipt waiter fetches the tx first and stalls on null.
    eth_getTransactionByHash: async (params) => {
      p.arity(params, 1, 1);
      const hash = p.hash32(params[0], 0);
      const mined = await backend.getReceipt(hash);
      if (mined !== undefined) {
        const { tx, blockHash, blockNumber, index, header } = mined;
        return formatTransaction(tx, { blockHash, blockNumber, index, baseFee: header.baseFee });
      }
      const pending = backend.getPendingTransaction(hash);
      return pending === undefined ? null : formatTransaction(pending, null);
    },

    // null, not an error, until mined: both libraries poll it.
    eth_getTransactionReceipt: async (params) => {
      p.arity(params, 1, 1);
      const mined = await backend.getReceipt(p.hash32(params[0], 0));
      return mined === undefined ? null : formatReceipt(mined);
    },

    // null for an unknown block, and for a side-chain one: never executed, it has no receipts (eth_getTransactionReceipt is null for its txs too).
    eth_getBlockReceipts: async (params) => {
      p.arity(params, 1, 1);
      const ref = p.blockNumberOrHash(params[0], 0);
      const block = typeof ref === 'object' ? await backend.getBlockByHash(ref.blockHash) : await chain.blockByTag(ref);
      if (block === undefined) return null;
      const receipts = await backend.getBlockReceipts(block.hash);
      if (receipts === undefined) return null;
      // Storage out of step with the block: a bug or damage, so -32603 and the log (as geth refuses it too).
      if (receipts.length !== block.transactions.length) {
        throw new Error(`receipts length mismatch: block ${bytesToHex(block.hash)} has ${block.transactions.length} transactions and ${receipts.length} receipts`);
      }
      return formatBlockReceipts(block, receipts);
    },

    eth_getBlockByNumber: (params) => {
      p.arity(params, 1, 2);
      const tag = p.blockTag(params[0], 0);
      return chain.formattedByTag(tag, params[1] === undefined ? false : p.bool(params[1], 1, 'fullTransactions'));
    },

    eth_getBlockByHash: async (params) => {
      p.arity(params, 1, 2);
      const hash = p.hash32(params[0], 0);
      const full = params[1] === undefined ? false : p.bool(params[1], 1, 'fullTransactions');
      const block = await backend.getBlockByHash(hash);
      return block === undefined ? null : chain.format(block, full);
    },

    eth_getBlockTransactionCountByNumber: async (params) => {
      p.arity(params, 1, 1);
      const block = await chain.blockByTag(p.blockTag(params[0], 0));
      return block === undefined ? null : toQuantity(block.transactions.length);
    },

    eth_getBlockTransactionCountByHash: async (params) => {
      p.arity(params, 1, 1);
      const block = await backend.getBlockByHash(p.hash32(params[0], 0));
      return block === undefined ? null : toQuantity(block.transactions.length);
    },

    eth_getTransactionByBlockNumberAndIndex: async (params) => {
      p.arity(params, 2, 2);
      const tag = p.blockTag(params[0], 0);
      const index = p.smallQuantity(params[1], 1, 'index');
      return blockTxAt(await chain.blockByTag(tag), index);
    },

    eth_getTransactionByBlockHashAndIndex: async (params) => {
      p.arity(params, 2, 2);
      const hash = p.hash32(params[0], 0);
      const index = p.smallQuantity(params[1], 1, 'index');
      return blockTxAt(await backend.getBlockByHash(hash), index);
    },

    // Cairn has no uncles; null for an unknown block, as geth.
    eth_getUncleCountByBlockNumber: async (params) => {
      p.arity(params, 1, 1);
      return (await chain.blockByTag(p.blockTag(params[0], 0))) === undefined ? null : '0x0';
    },

    eth_getUncleCountByBlockHash: async (params) => {
      p.arity(params, 1, 1);
      return (await backend.getBlockByHash(p.hash32(params[0], 0))) === undefined ? null : '0x0';
    },

    eth_getLogs: async (params) => {
      p.arity(params, 1, 1);
      return queryLogs(backend, chain, p.logFilter(params[0], 0), options);
    },

    // Served on WebSocket connections (subscriptions.ts); a plain HTTP request has nowhere to send notifications.
    eth_subscribe: needsWebSocket,
    eth_unsubscribe: needsWebSocket,

    eth_sendTransaction: keyless(KEYLESS_TX),
    eth_signTransaction: keyless(KEYLESS_TX),
    eth_sign: keyless(KEYLESS_MESSAGE),
    personal_sign: keyless(KEYLESS_MESSAGE),
    eth_signTypedData: keyless(KEYLESS_MESSAGE),
    eth_signTypedData_v3: keyless(KEYLESS_MESSAGE),
    eth_signTypedData_v4: keyless(KEYLESS_MESSAGE),
  };
}
