import type { RpcBackend } from './backend.js';
import type { ChainView } from './chain-view.js';
import type { MethodTable } from './dispatch.js';
import { invalidParams, serverError } from './errors.js';
import type { RpcHead } from './format.js';
import { queryLogs, type LogLimits } from './logs.js';
import * as p from './params.js';
import { SubscriptionSession, type BlockRange, type SubscriptionSpec } from './subscriptions.js';

/**
 * Polling filters, as geth serves them over HTTP: eth_newFilter (logs),
 * eth_newBlockFilter, eth_newPendingTransactionFilter, then
 * eth_getFilterChanges for what happened since the last poll (logs of
 * blocks a reorganisation removed come again with `removed: true`),
 * eth_getFilterLogs for a log filter's whole range, and eth_uninstallFilter.
 * ethers' JsonRpcProvider listens to contract events this way, and viem's
 * watchEvent and watchPendingTransactions over HTTP too.
 *
 * Filters follow the chain through one SubscriptionSession. A filter not
 * polled for FILTER_TIMEOUT_MS is removed (geth's five minutes), and one
 * that gathers more than MAX_FILTER_BACKLOG changes between polls is
 * dropped and its next poll says so: memory stays bounded by what a client
 * actually reads.
 */

export const FILTER_TIMEOUT_MS = 5 * 60_000;
export const MAX_FILTERS = 1024;
export const MAX_FILTER_BACKLOG = 10_000;
/** Expired filters are looked for at most this often while events arrive. */
const SWEEP_INTERVAL_MS = 10_000;

type FilterKind = 'logs' | 'blocks' | 'pending';

interface Filter {
  readonly kind: FilterKind;
  /** The log filter as installed: eth_getFilterLogs runs it as eth_getLogs. */
  readonly query?: p.LogFilter;
  changes: unknown[];
  lastPoll: number;
  overflowed: boolean;
}

/** `signal`: aborted when the server closes, after which the filters no longer follow the chain. */
export function filterMethods(
  backend: RpcBackend,
  chain: ChainView,
  limits: LogLimits,
  logError: (message: string) => void,
  signal?: AbortSignal,
  now = Date.now,
): MethodTable {
  const filters = new Map<string, Filter>();
  let lastSweep = now();

  const remove = (id: string): boolean => {
    session.unsubscribe(id);
    return filters.delete(id);
  };
  const sweep = (): void => {
    const t = now();
    lastSweep = t;
    for (const [id, filter] of filters) if (t - filter.lastPoll > FILTER_TIMEOUT_MS) remove(id);
  };
  const session = new SubscriptionSession(
    backend,
    (id, result) => {
      const filter = filters.get(id);
      if (filter !== undefined && !filter.overflowed) {
        if (filter.changes.length >= MAX_FILTER_BACKLOG) {
          filter.overflowed = true;
          filter.changes = [];
        } else filter.changes.push(filter.kind === 'blocks' ? (result as RpcHead).hash : result);
      }
      if (now() - lastSweep > SWEEP_INTERVAL_MS) sweep();
    },
    logError,
    MAX_FILTERS,
  );

  signal?.addEventListener(
    'abort',
    () => {
      session.close();
      filters.clear();
    },
    { once: true },
  );

  const install = (kind: FilterKind, spec: SubscriptionSpec, query?: p.LogFilter): string => {
    sweep();
    if (filters.size >= MAX_FILTERS) throw serverError(`too many filters (at most ${MAX_FILTERS}): remove some with eth_uninstallFilter`);
    const id = session.subscribe(spec);
    filters.set(id, { kind, query, changes: [], lastPoll: now(), overflowed: false });
    return id;
  };
  /** The live filter named by params[0]; polling it keeps it alive. */
  const lookup = (params: p.Params): [string, Filter] => {
    p.arity(params, 1, 1);
    const id = params[0];
    if (typeof id !== 'string') throw invalidParams('invalid argument 0 (filter): expected the id a eth_new*Filter call returned');
    sweep();
    const filter = filters.get(id);
    if (filter === undefined) throw serverError('filter not found');
    filter.lastPoll = now();
    return [id, filter];
  };

  return {
    eth_newFilter: (params) => {
      p.arity(params, 1, 1);
      const query = p.logFilter(params[0], 0);
      if ('blockHash' in query.range) {
        throw invalidParams('invalid argument 0 (filter): a filter follows new blocks by fromBlock/toBlock; for one block\'s logs, use eth_getLogs with blockHash');
      }
      return install('logs', { kind: 'logs', filter: query, range: blockRange(query.range.fromBlock, query.range.toBlock) }, query);
    },
    eth_newBlockFilter: (params) => {
      p.arity(params, 0, 0);
      return install('blocks', { kind: 'newHeads' });
    },
    eth_newPendingTransactionFilter: (params) => {
      p.arity(params, 0, 1);
      const full = params[0] === undefined ? false : p.bool(params[0], 0, 'fullTransactions');
      return install('pending', { kind: 'newPendingTransactions', full });
    },
    eth_getFilterChanges: (params) => {
      const [id, filter] = lookup(params);
      if (filter.overflowed) {
        remove(id);
        throw serverError(`filter ${id} fell behind: more than ${MAX_FILTER_BACKLOG} changes came between two polls; install it again and poll more often`);
      }
      const changes = filter.changes;
      filter.changes = [];
      return changes;
    },
    eth_getFilterLogs: (params) => {
      const [id, filter] = lookup(params);
      if (filter.query === undefined) throw serverError(`filter ${id} is a ${filter.kind} filter: eth_getFilterLogs reads log filters`);
      return queryLogs(backend, chain, filter.query, limits);
    },
    eth_uninstallFilter: (params) => {
      p.arity(params, 1, 1);
      const id = params[0];
      if (typeof id !== 'string') throw invalidParams('invalid argument 0 (filter): expected the id a eth_new*Filter call returned');
      return remove(id);
    },
  };
}

/** The numeric bounds of a filter's fromBlock/toBlock; tags that move with the chain ("latest", "safe"...) bound nothing. */
function blockRange(from: p.BlockTag, to: p.BlockTag): BlockRange {
  const bound = (tag: p.BlockTag): number | undefined => (typeof tag === 'number' ? tag : tag === 'earliest' ? 0 : undefined);
  return { from: bound(from), to: bound(to) };
}
