import type { Block, Log, Receipt } from '../ledger/block/types.js';
import { bytesToHex, equalBytes } from '../primitives/hex.js';
import type { RpcBackend } from './backend.js';
import type { ChainView } from './chain-view.js';
import { serverError } from './errors.js';
import { formatLog, type RpcLog } from './format.js';
import type { LogFilter } from './params.js';

export interface LogLimits {
  /** Widest fromBlock..toBlock span of one query. */
  readonly maxLogBlockRange: number;
  /** Most logs one query may return. */
  readonly maxLogs: number;
}

/** The part of a log filter that selects logs within a block (eth_getLogs, and eth_subscribe "logs"). */
export type LogSelector = Pick<LogFilter, 'addresses' | 'topics'>;

export function logMatches(log: Log, filter: LogSelector): boolean {
  if (filter.addresses !== null && !filter.addresses.some((a) => equalBytes(a, log.address))) return false;
  if (filter.topics.length > log.topics.length) return false;
  return filter.topics.every((wanted, i) => wanted === null || wanted.some((t) => equalBytes(t, log.topics[i]!)));
}

/**
 * Appends the logs of `block` that `filter` selects to `out`, with their
 * block-wide log indexes; throws (-32000) rather than let `out` grow past `maxLogs`.
 */
export function collectBlockLogs(block: Block, receipts: readonly Receipt[], filter: LogSelector, out: RpcLog[], maxLogs = Infinity): void {
  let logIndex = 0;
  receipts.forEach((receipt, txIndex) => {
    const placement = { blockHash: block.hash, blockNumber: block.header.number, txHash: block.transactions[txIndex]!.hash, txIndex };
    for (const log of receipt.logs) {
      if (logMatches(log, filter)) {
        if (out.length >= maxLogs) throw serverError(`query returned more than ${maxLogs} results: narrow the block range or the filter`);
        out.push(formatLog(log, placement, logIndex));
      }
      logIndex++;
    }
  });
}

/**
 * eth_getLogs (and eth_getFilterLogs): scans canonical blocks for matching
 * logs. Blocks that used no gas hold no transactions, so only their header is read.
 */
export async function queryLogs(backend: RpcBackend, chain: ChainView, filter: LogFilter, limits: LogLimits): Promise<RpcLog[]> {
  const out: RpcLog[] = [];
  if ('blockHash' in filter.range) {
    const block = await backend.getBlockByHash(filter.range.blockHash);
    if (block === undefined) throw serverError(`unknown block: ${bytesToHex(filter.range.blockHash)}`);
    await collectLogs(backend, block, filter, out, limits.maxLogs);
    return out;
  }
  const from = chain.numberOf(filter.range.fromBlock);
  let to = chain.numberOf(filter.range.toBlock);
  if (from > to) throw serverError(`invalid block range params: fromBlock ${from} is after toBlock ${to}`);
  to = Math.min(to, backend.head().header.number);
  if (to - from + 1 > limits.maxLogBlockRange) {
    throw serverError(`block range too large: ${to - from + 1} blocks, at most ${limits.maxLogBlockRange} per eth_getLogs query`);
  }
  for (let n = from; n <= to; n++) {
    const header = await backend.getHeaderByNumber(n);
    if (header === undefined || header.gasUsed === 0n) continue;
    const block = await backend.getBlockByNumber(n);
    if (block !== undefined) await collectLogs(backend, block, filter, out, limits.maxLogs);
  }
  return out;
}

async function collectLogs(backend: RpcBackend, block: Block, filter: LogSelector, out: RpcLog[], maxLogs: number): Promise<void> {
  if (block.transactions.length === 0) return;
  collectBlockLogs(block, (await backend.getBlockReceipts(block.hash)) ?? [], filter, out, maxLogs);
}
