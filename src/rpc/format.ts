import { encodedBlockSize } from '../ledger/block/block.js';
import { BLOOM_BYTES, logsBloom } from '../ledger/block/receipt.js';
import type { Block, Log, Receipt } from '../ledger/block/types.js';
import { effectiveGasPrice } from '../ledger/fees.js';
import type { SignedTransaction } from '../ledger/tx/types.js';
import { bytesToHex, toQuantity } from '../primitives/hex.js';
import type { MinedTransaction, SealFields, SyncProgress } from './backend.js';

/**
 * Ethereum JSON shapes for blocks, transactions, receipts and logs, exactly
 * as WALLET-RPC.md §3-4 requires: quantities without leading zeros, data and
 * hashes as lowercase even-length hex, `type`/`status` as "0x0".."0x2", and
 * every field ethers' formatters insist on.
 */

export interface RpcTransaction {
  blockHash: string | null;
  blockNumber: string | null;
  from: string;
  gas: string;
  gasPrice: string;
  maxFeePerGas?: string;
  maxPriorityFeePerGas?: string;
  hash: string;
  input: string;
  nonce: string;
  to: string;
  transactionIndex: string | null;
  value: string;
  type: string;
  accessList?: { address: string; storageKeys: string[] }[];
  chainId: string;
  v: string;
  r: string;
  s: string;
  yParity?: string;
}

export interface RpcLog {
  address: string;
  topics: string[];
  data: string;
  blockNumber: string;
  transactionHash: string;
  transactionIndex: string;
  blockHash: string;
  logIndex: string;
  removed: false;
}

export interface RpcReceipt {
  transactionHash: string;
  transactionIndex: string;
  blockHash: string;
  blockNumber: string;
  from: string;
  to: string;
  cumulativeGasUsed: string;
  gasUsed: string;
  effectiveGasPrice: string;
  contractAddress: null;
  logs: RpcLog[];
  logsBloom: string;
  type: string;
  status: string;
  /** Cairn's own field, only on status 0x0: why a system module refused the operation. */
  reason?: string;
}

export interface RpcBlock {
  number: string;
  hash: string;
  parentHash: string;
  nonce: string;
  sha3Uncles: string;
  logsBloom?: string;
  transactionsRoot: string;
  stateRoot: string;
  receiptsRoot: string;
  miner: string;
  difficulty: string;
  totalDifficulty?: string;
  extraData: string;
  size: string;
  gasLimit: string;
  gasUsed: string;
  timestamp: string;
  transactions: string[] | RpcTransaction[];
  uncles: never[];
  baseFeePerGas: string;
  mixHash: string;
}

/** keccak256(rlp([])): the uncle hash of a block without uncles, as Ethereum reports it. */
const EMPTY_UNCLES_HASH = '0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347';
const ZERO_HASH = bytesToHex(new Uint8Array(32));
const ZERO_NONCE = bytesToHex(new Uint8Array(8));
const ZERO_BLOOM = bytesToHex(new Uint8Array(BLOOM_BYTES));
const TX_TYPES = ['0x0', '0x1', '0x2'] as const;

/** Where a mined transaction sits; the block's base fee decides what a type-2 tx paid. */
export interface TxPlacement {
  readonly blockHash: Uint8Array;
  readonly blockNumber: number;
  readonly index: number;
  readonly baseFee: bigint;
}

/** A mined transaction (with `placement`) or a pending one (`null`: block fields null, as geth). */
export function formatTransaction(tx: SignedTransaction, placement: TxPlacement | null): RpcTransaction {
  const out: RpcTransaction = {
    blockHash: placement === null ? null : bytesToHex(placement.blockHash),
    blockNumber: placement === null ? null : toQuantity(placement.blockNumber),
    from: bytesToHex(tx.from),
    gas: toQuantity(tx.gasLimit),
    // Type 2: the price actually paid once mined, the fee cap while pending (geth does both).
    gasPrice: toQuantity(placement === null ? (tx.gasPrice ?? tx.maxFeePerGas) : effectiveGasPrice(tx, placement.baseFee)),
    hash: bytesToHex(tx.hash),
    input: bytesToHex(tx.data),
    nonce: toQuantity(tx.nonce),
    to: bytesToHex(tx.to),
    transactionIndex: placement === null ? null : toQuantity(placement.index),
    value: toQuantity(tx.value),
    type: TX_TYPES[tx.type],
    chainId: toQuantity(tx.chainId),
    v: toQuantity(tx.v),
    r: toQuantity(tx.r),
    s: toQuantity(tx.s),
  };
  if (tx.type === 2) {
    out.maxFeePerGas = toQuantity(tx.maxFeePerGas);
    out.maxPriorityFeePerGas = toQuantity(tx.maxPriorityFeePerGas);
  }
  if (tx.type !== 0) {
    out.accessList = tx.accessList.map((e) => ({ address: bytesToHex(e.address), storageKeys: e.storageKeys.map(bytesToHex) }));
    out.yParity = toQuantity(tx.yParity);
  }
  return out;
}

/** What a log needs to know about its place in the chain. */
export interface LogPlacement {
  readonly blockHash: Uint8Array;
  readonly blockNumber: number;
  readonly txHash: Uint8Array;
  readonly txIndex: number;
}

export function formatLog(log: Log, placement: LogPlacement, logIndex: number): RpcLog {
  return {
    address: bytesToHex(log.address),
    topics: log.topics.map(bytesToHex),
    data: bytesToHex(log.data),
    blockNumber: toQuantity(placement.blockNumber),
    transactionHash: bytesToHex(placement.txHash),
    transactionIndex: toQuantity(placement.txIndex),
    blockHash: bytesToHex(placement.blockHash),
    logIndex: toQuantity(logIndex),
    removed: false,
  };
}

function bloomHex(logs: readonly Log[]): string {
  return logs.length === 0 ? ZERO_BLOOM : bytesToHex(logsBloom(logs));
}

export function formatReceipt(mined: MinedTransaction): RpcReceipt {
  const { tx, receipt } = mined;
  const placement: LogPlacement = { blockHash: mined.blockHash, blockNumber: mined.blockNumber, txHash: tx.hash, txIndex: mined.index };
  return {
    transactionHash: bytesToHex(tx.hash),
    transactionIndex: toQuantity(mined.index),
    blockHash: bytesToHex(mined.blockHash),
    blockNumber: toQuantity(mined.blockNumber),
    from: bytesToHex(tx.from),
    to: bytesToHex(tx.to),
    cumulativeGasUsed: toQuantity(receipt.cumulativeGasUsed),
    gasUsed: toQuantity(receipt.gasUsed),
    effectiveGasPrice: toQuantity(receipt.effectiveGasPrice),
    contractAddress: null,
    logs: receipt.logs.map((log, i) => formatLog(log, placement, mined.logIndexStart + i)),
    logsBloom: bloomHex(receipt.logs),
    type: TX_TYPES[tx.type],
    status: receipt.status === 1 ? '0x1' : '0x0',
    ...(receipt.reason === undefined ? {} : { reason: receipt.reason }),
  };
}

/** eth_getBlockReceipts: each receipt exactly as formatReceipt shows it. `receipts` pairs one to one with the block's transactions. */
export function formatBlockReceipts(block: Block, receipts: readonly Receipt[]): RpcReceipt[] {
  let logIndexStart = 0;
  return receipts.map((receipt, index) => {
    const tx = block.transactions[index]!;
    const mined: MinedTransaction = { tx, receipt, blockHash: block.hash, blockNumber: block.header.number, index, logIndexStart, header: block.header };
    logIndexStart += receipt.logs.length;
    return formatReceipt(mined);
  });
}

/** An eth_subscribe "newHeads" notification: a block's header fields, as geth sends them. */
export type RpcHead = Omit<RpcBlock, 'transactions' | 'uncles' | 'size' | 'totalDifficulty'>;

/**
 * `receipts`: the block's receipts, which give its logs bloom; undefined for
 * a side-chain block (never executed, so it has none), which is then shown
 * without `logsBloom` (optional for ethers and viem) rather than a wrong one.
 */
export function formatHead(block: Block, receipts: readonly Receipt[] | undefined, seal: SealFields): RpcHead {
  const { header } = block;
  const out: RpcHead = {
    number: toQuantity(header.number),
    hash: bytesToHex(block.hash),
    parentHash: bytesToHex(header.parentHash),
    nonce: seal.nonce === undefined ? ZERO_NONCE : bytesToHex(seal.nonce),
    sha3Uncles: EMPTY_UNCLES_HASH,
    transactionsRoot: bytesToHex(header.txRoot),
    stateRoot: bytesToHex(header.stateRoot),
    receiptsRoot: bytesToHex(header.receiptsRoot),
    miner: bytesToHex(header.coinbase),
    difficulty: toQuantity(seal.difficulty ?? 0n),
    extraData: bytesToHex(header.extraData),
    gasLimit: toQuantity(header.gasLimit),
    gasUsed: toQuantity(header.gasUsed),
    // Headers keep milliseconds; Ethereum tooling reads seconds.
    timestamp: toQuantity(Math.floor(header.timestamp / 1000)),
    baseFeePerGas: toQuantity(header.baseFee),
    mixHash: ZERO_HASH,
  };
  if (receipts !== undefined) out.logsBloom = bloomHex(receipts.flatMap((r) => r.logs));
  return out;
}

/** The block with its transactions (hashes, or whole with `fullTransactions`); `receipts` as in formatHead. */
export function formatBlock(block: Block, receipts: readonly Receipt[] | undefined, seal: SealFields, fullTransactions: boolean): RpcBlock {
  const { header } = block;
  const out: RpcBlock = {
    ...formatHead(block, receipts, seal),
    size: toQuantity(encodedBlockSize(block)),
    transactions: fullTransactions
      ? block.transactions.map((tx, index) => formatTransaction(tx, { blockHash: block.hash, blockNumber: header.number, index, baseFee: header.baseFee }))
      : block.transactions.map((tx) => bytesToHex(tx.hash)),
    uncles: [],
  };
  if (seal.totalDifficulty !== undefined) out.totalDifficulty = toQuantity(seal.totalDifficulty);
  return out;
}

/** eth_syncing's object while the node syncs; eth_subscribe("syncing") sends it as `status`. */
export interface RpcSyncProgress {
  startingBlock: string;
  currentBlock: string;
  highestBlock: string;
}

export function formatSyncProgress(progress: SyncProgress): RpcSyncProgress {
  return {
    startingBlock: toQuantity(progress.startingBlock),
    currentBlock: toQuantity(progress.currentBlock),
    highestBlock: toQuantity(progress.highestBlock),
  };
}
