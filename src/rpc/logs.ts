import type { Block, Log, Receipt } from '../ledger/block/types.js';
import { equalBytes } from '../primitives/hex.js';
import { serverError } from './errors.js';
import { formatLog, type RpcLog } from './format.js';
import type { LogFilter } from './params.js';

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
