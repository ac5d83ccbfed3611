import type { SupplyEvent } from '../../ledger/modules/supply/index.js';
import {
  checksummed,
  decodeEventLog,
  eventToJson,
  exportEpcis,
  getHistory,
  getItem,
  getLineage,
  historyToJson,
  itemToJson,
  lineageToJson,
  listItems,
  MAX_HISTORY_PAGE,
  pageToJson,
  SUPPLY_ADDRESS,
  type ItemStatus,
  type JsonObject,
  type ListQuery,
  type TimestampOf,
} from '../../ledger/modules/supply/index.js';
import type { RecordReader } from '../../ledger/state/types.js';
import type { Transaction } from '../../ledger/tx/types.js';
import { buildProof } from '../../node/provenance/index.js';
import { bytesToHex, equalBytes } from '../../primitives/hex.js';
import type { RpcBackend } from '../backend.js';
import type { MethodTable } from '../dispatch.js';
import { invalidParams } from '../errors.js';
import { address, arity, hash32, type Params } from '../params.js';

/**
 * supply_: supply-chain tracking over the supply module's records in the
 * head state (src/ledger/modules/supply). Answers use the module's JSON
 * views: addresses EIP-55, numbers as JSON numbers, timestamps in ms. An
 * unknown item is null, not an error; malformed parameters are -32602.
 */
export function supplyMethods(backend: RpcBackend): MethodTable {
  const state = backend.headState();
  /** Timestamps of the blocks that hold these events, read from their headers (cached by the chain). */
  const timestamps = async (events: readonly SupplyEvent[]): Promise<TimestampOf> => {
    const byNumber = new Map<number, number>();
    for (const event of events) {
      if (byNumber.has(event.blockNumber)) continue;
      const header = await backend.getHeaderByNumber(event.blockNumber);
      if (header !== undefined) byNumber.set(event.blockNumber, header.timestamp);
    }
    return (n) => byNumber.get(n) ?? 0;
  };
  return {
    supply_getItem: (params) => {
      arity(params, 1, 1);
      const item = getItem(state, idParam(params, 0));
      return item === undefined ? null : itemToJson(item);
    },

    /** supply_getHistory(id, {from?, limit?}): a page of events (at most 1,000) and `next`, the seq to ask for next. */
    supply_getHistory: async (params) => {
      arity(params, 1, 2);
      const options = optionsParam(params, 1, ['from', 'limit']);
      const history = getHistory(state, idParam(params, 0), { from: numberField(options, 'from'), limit: numberField(options, 'limit') });
      return history === undefined ? null : historyToJson(history, await timestamps(history.events));
    },

    /** supply_getLineage(id, {maxDepth?, maxItems?}): ancestors and descendants through transforms. */
    supply_getLineage: (params) => {
      arity(params, 1, 2);
      const options = optionsParam(params, 1, ['maxDepth', 'maxItems']);
      const lineage = getLineage(state, idParam(params, 0), { maxDepth: numberField(options, 'maxDepth'), maxItems: numberField(options, 'maxItems') });
      return lineage === undefined ? null : lineageToJson(lineage);
    },

    /** supply_listItems({owner?, custodian?, status?, cursor?, limit?}): items in id order, paged by cursor. */
    supply_listItems: (params) => {
      arity(params, 0, 1);
      const options = optionsParam(params, 0, ['owner', 'custodian', 'status', 'cursor', 'limit']);
      const query: ListQuery = {
        owner: options['owner'] === undefined ? undefined : address(options['owner'], 0, 'filter.owner'),
        custodian: options['custodian'] === undefined ? undefined : address(options['custodian'], 0, 'filter.custodian'),
        status: stringField(options, 'status') as ItemStatus | undefined,
        cursor: stringField(options, 'cursor'),
        limit: numberField(options, 'limit'),
      };
      return pageToJson(listItems(state, query));
    },

    /** supply_exportEpcis(id): the whole history as an EPCIS 2.0 JSON-LD document. */
    supply_exportEpcis: async (params) => {
      arity(params, 1, 1);
      const events = allEvents(state, idParam(params, 0));
      if (events === undefined) return null;
      return exportEpcis({ events, timestampOf: await timestamps(events), creationDate: Date.now(), chainId: backend.chainId });
    },

    /**
     * supply_getProof(id, {fromGenesis?, from?, limit?}): a provenance proof
     * (format in src/node/provenance/format.ts), to check offline with
     * `cairn supply verify`, of the item's whole history or, with from and
     * limit as in supply_getHistory, of one page of it: one proof holds at
     * most 1,000 events. null for an unknown item.
     */
    supply_getProof: async (params) => {
      arity(params, 1, 2);
      const options = optionsParam(params, 1, ['fromGenesis', 'from', 'limit']);
      const fromGenesis = options['fromGenesis'];
      if (fromGenesis !== undefined && typeof fromGenesis !== 'boolean') throw invalidParams('option fromGenesis must be true or false');
      const from = numberField(options, 'from');
      const limit = numberField(options, 'limit');
      const history = getHistory(state, idParam(params, 0), { from, limit });
      if (history === undefined) return null;
      const { item, events } = history;
      if (from === undefined && limit === undefined && history.next !== null) {
        throw invalidParams(
          `item ${JSON.stringify(item.id)} has ${item.eventCount} events, more than the ${MAX_HISTORY_PAGE} one proof holds: ` +
            `prove them a page at a time with the option {"from": 0}, then {"from": ${MAX_HISTORY_PAGE}}, and so on`,
        );
      }
      if (events.length === 0) {
        throw invalidParams(`item ${JSON.stringify(item.id)} has ${item.eventCount} events (#0…#${item.eventCount - 1}): option from ${from} is past its last one`);
      }
      return buildProof(backend.proofSource(), events, { fromGenesis, maxEvents: MAX_HISTORY_PAGE });
    },

    /**
     * supply_getTransaction(hash): what a supply operation did. status
     * "pending" (in the pool), "accepted" (its events) or "refused" (the
     * reason); null for a transaction the node does not know; -32602 for a
     * transaction to another address, which is no supply operation (an
     * ether transfer would otherwise read as an accepted one that did nothing).
     */
    supply_getTransaction: async (params) => {
      arity(params, 1, 1);
      const hash = hash32(params[0], 0, 'transactionHash');
      const mined = await backend.getReceipt(hash);
      if (mined === undefined) {
        const pending = backend.getPendingTransaction(hash);
        if (pending === undefined) return null;
        checkSupplyOperation(pending);
        return { hash: bytesToHex(hash), status: 'pending' };
      }
      const { receipt, tx } = mined;
      checkSupplyOperation(tx);
      const base: JsonObject = { hash: bytesToHex(hash), to: checksummed(tx.to), blockNumber: mined.blockNumber, blockHash: bytesToHex(mined.blockHash) };
      if (receipt.status === 0) return { ...base, status: 'refused', reason: receipt.reason ?? null };
      const events = receipt.logs.filter((log) => equalBytes(log.address, SUPPLY_ADDRESS)).map(decodeEventLog);
      const timestampOf = await timestamps(events);
      return { ...base, status: 'accepted', events: events.map((event) => eventToJson(event, timestampOf)) };
    },
  };
}

/** Throws -32602 unless `tx` is sent to the supply module. */
function checkSupplyOperation(tx: Pick<Transaction, 'hash' | 'to'>): void {
  if (equalBytes(tx.to, SUPPLY_ADDRESS)) return;
  throw invalidParams(
    `transaction ${bytesToHex(tx.hash)} is not a supply operation: it is sent to ${checksummed(tx.to)}, not to the supply module ` +
      `${checksummed(SUPPLY_ADDRESS)} (eth_getTransactionReceipt describes any transaction)`,
  );
}

/** An item's whole history, page by page; undefined for an unknown item. */
function allEvents(state: RecordReader, id: string): SupplyEvent[] | undefined {
  const events: SupplyEvent[] = [];
  for (let from: number | null = 0; from !== null; ) {
    const page = getHistory(state, id, { from });
    if (page === undefined) return undefined;
    events.push(...page.events);
    from = page.next;
  }
  return events;
}

function idParam(params: Params, index: number): string {
  const value = params[index];
  if (typeof value !== 'string') throw invalidParams(`invalid argument ${index}: the item id must be a string`);
  return value;
}

/** An optional options object with only the known fields. */
function optionsParam(params: Params, index: number, known: readonly string[]): Record<string, unknown> {
  const value = params[index];
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidParams(`invalid argument ${index}: expected an options object`);
  const options = value as Record<string, unknown>;
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw invalidParams(`invalid argument ${index}: unknown option "${key}" (known: ${known.join(', ')})`);
  }
  return options;
}

function numberField(options: Record<string, unknown>, name: string): number | undefined {
  const value = options[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number') throw invalidParams(`option ${name} must be a number`);
  return value;
}

function stringField(options: Record<string, unknown>, name: string): string | undefined {
  const value = options[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalidParams(`option ${name} must be a string`);
  return value;
}
