import { bytesToUtf8, equalBytes } from '../../../primitives/hex.js';
import type { RecordReader } from '../module.js';
import { SupplyError, SupplyErrorCode } from './errors.js';
import { idProblem, quote } from './fields.js';
import {
  custodianIndexPrefix,
  decodeEvent,
  eventKey,
  eventKeysOf,
  ITEM_PREFIX,
  itemIdHash,
  ITEM_STATUSES,
  ownerIndexPrefix,
  readItem,
  type ItemStatus,
  type SupplyEvent,
  type SupplyItem,
} from './records.js';

/**
 * Read-only queries over the supply records of one state (the head, or any
 * state the chain can read). Pure functions of what they are given; a
 * malformed parameter throws SupplyError(InvalidQuery), an unknown item gives
 * undefined.
 */

/** Prefix scans, which the chain implements over its record store. */
export interface RecordScanner {
  /** Every record whose key starts with `prefix`, in ascending bytewise key order. */
  recordsWithPrefix(prefix: Uint8Array): Iterable<readonly [Uint8Array, Uint8Array]>;
}

export const MAX_HISTORY_PAGE = 1000;
export const MAX_LIST_PAGE = 100;
export const DEFAULT_LIST_PAGE = 50;
export const MAX_LINEAGE_DEPTH = 64;
export const DEFAULT_LINEAGE_DEPTH = 16;
export const MAX_LINEAGE_ITEMS = 1024;
export const DEFAULT_LINEAGE_ITEMS = 256;

export function getItem(reader: RecordReader, id: string): SupplyItem | undefined {
  checkId(id, 'id');
  return readItem(reader, id);
}

export function getEvent(reader: RecordReader, id: string, seq: number): SupplyEvent | undefined {
  checkId(id, 'id');
  checkCount(seq, 'seq', 0, Number.MAX_SAFE_INTEGER);
  const bytes = reader.getRecord(eventKey(id, seq));
  return bytes === undefined || bytes.length === 0 ? undefined : decodeEvent(bytes);
}

export interface HistoryOptions {
  /** First event (seq) to return; default 0. */
  readonly from?: number;
  /** At most this many events, 1-1000; default 1000. */
  readonly limit?: number;
}

export interface SupplyHistory {
  readonly item: SupplyItem;
  /** In order of seq, from `from`. */
  readonly events: readonly SupplyEvent[];
  /** The seq to ask for next, or null when the history has been read to its end. */
  readonly next: number | null;
}

/**
 * An item's events in order, read directly by sequence number (one record
 * read per event, no scan), so a page of 1,000 events costs 1,000 lookups.
 */
export function getHistory(reader: RecordReader, id: string, options: HistoryOptions = {}): SupplyHistory | undefined {
  checkId(id, 'id');
  const from = options.from ?? 0;
  const limit = options.limit ?? MAX_HISTORY_PAGE;
  checkCount(from, 'from', 0, Number.MAX_SAFE_INTEGER);
  checkCount(limit, 'limit', 1, MAX_HISTORY_PAGE);
  const item = readItem(reader, id);
  if (!item) return undefined;
  const end = Math.min(item.eventCount, from + limit);
  const keyOf = eventKeysOf(itemIdHash(id));
  const events: SupplyEvent[] = [];
  for (let seq = from; seq < end; seq++) {
    const bytes = reader.getRecord(keyOf(seq));
    // The item counts its events, so a gap is a broken store, not an answer.
    if (bytes === undefined || bytes.length === 0) throw inconsistent(`event ${seq} of item ${quote(id)} is missing`);
    events.push(decodeEvent(bytes));
  }
  return { item, events, next: end < item.eventCount ? end : null };
}

export interface LineageOptions {
  /** Steps followed in each direction, 1-64; default 16. */
  readonly maxDepth?: number;
  /** Items returned in each direction, 1-1024; default 256. */
  readonly maxItems?: number;
}

export interface LineageNode {
  /** Transforms between this item and the root: 1 for a direct input or output. */
  readonly depth: number;
  readonly item: SupplyItem;
}

export interface SupplyLineage {
  readonly item: SupplyItem;
  /** What the item was made of, breadth first (each item once, at its least depth). */
  readonly ancestors: readonly LineageNode[];
  /** What was made of the item, breadth first. */
  readonly descendants: readonly LineageNode[];
  /** True when a bound cut the walk short: more items lie beyond. */
  readonly truncated: boolean;
}

/** The item's ancestors and descendants through transforms, bounded in depth and size. */
export function getLineage(reader: RecordReader, id: string, options: LineageOptions = {}): SupplyLineage | undefined {
  checkId(id, 'id');
  const maxDepth = options.maxDepth ?? DEFAULT_LINEAGE_DEPTH;
  const maxItems = options.maxItems ?? DEFAULT_LINEAGE_ITEMS;
  checkCount(maxDepth, 'maxDepth', 1, MAX_LINEAGE_DEPTH);
  checkCount(maxItems, 'maxItems', 1, MAX_LINEAGE_ITEMS);
  const item = readItem(reader, id);
  if (!item) return undefined;
  const up = walk(reader, item, (i) => i.inputs, maxDepth, maxItems);
  const down = walk(reader, item, (i) => i.outputs, maxDepth, maxItems);
  return { item, ancestors: up.nodes, descendants: down.nodes, truncated: up.truncated || down.truncated };
}

function walk(
  reader: RecordReader,
  root: SupplyItem,
  next: (item: SupplyItem) => readonly string[],
  maxDepth: number,
  maxItems: number,
): { nodes: LineageNode[]; truncated: boolean } {
  const seen = new Set<string>([root.id]);
  const nodes: LineageNode[] = [];
  let frontier: SupplyItem[] = [root];
  for (let depth = 1; frontier.length > 0; depth++) {
    const following: SupplyItem[] = [];
    for (const item of frontier) {
      for (const id of next(item)) {
        if (seen.has(id)) continue;
        if (depth > maxDepth || nodes.length === maxItems) return { nodes, truncated: true };
        seen.add(id);
        const found = readItem(reader, id);
        if (!found) throw inconsistent(`item ${quote(item.id)} links to ${quote(id)}, which is missing`);
        nodes.push({ depth, item: found });
        following.push(found);
      }
    }
    frontier = following;
  }
  return { nodes, truncated: false };
}

export interface ListQuery {
  /** Only items owned by this address (20 bytes). */
  readonly owner?: Uint8Array;
  /** Only items held by this address (20 bytes). */
  readonly custodian?: Uint8Array;
  readonly status?: ItemStatus;
  /** The nextCursor of the previous page: the listing resumes after that id. */
  readonly cursor?: string;
  /** 1-100; default 50. */
  readonly limit?: number;
}

export interface ItemPage {
  /** In ascending id order. */
  readonly items: readonly SupplyItem[];
  /** Pass as `cursor` for the next page; null on the last page. */
  readonly nextCursor: string | null;
}

/**
 * Items in id order, filtered by owner, custodian and status, one page at a
 * time. The cursor is the last id of a page, so paging stays stable while
 * items are added or change hands: each id is returned at most once, in order.
 * With an owner (or custodian) the scan walks that address's index, not every
 * item; a scanner without a start key means each page re-skips the ids before
 * the cursor.
 */
export function listItems(source: RecordReader & RecordScanner, query: ListQuery = {}): ItemPage {
  const limit = query.limit ?? DEFAULT_LIST_PAGE;
  checkCount(limit, 'limit', 1, MAX_LIST_PAGE);
  if (query.cursor !== undefined) checkId(query.cursor, 'cursor');
  if (query.owner !== undefined) checkAddress(query.owner, 'owner');
  if (query.custodian !== undefined) checkAddress(query.custodian, 'custodian');
  if (query.status !== undefined && !ITEM_STATUSES.includes(query.status)) {
    throw new SupplyError(SupplyErrorCode.InvalidQuery, `status must be one of ${ITEM_STATUSES.join(', ')}`);
  }
  const prefix = query.owner ? ownerIndexPrefix(query.owner) : query.custodian ? custodianIndexPrefix(query.custodian) : ITEM_PREFIX;
  const items: SupplyItem[] = [];
  for (const [key] of source.recordsWithPrefix(prefix)) {
    const id = bytesToUtf8(key.subarray(prefix.length));
    if (query.cursor !== undefined && id <= query.cursor) continue;
    const item = readItem(source, id);
    if (!item || !matches(item, query)) continue;
    if (items.length === limit) return { items, nextCursor: items[items.length - 1]!.id };
    items.push(item);
  }
  return { items, nextCursor: null };
}

function matches(item: SupplyItem, query: ListQuery): boolean {
  if (query.custodian && !equalBytes(item.custodian, query.custodian)) return false;
  if (query.owner && !equalBytes(item.owner, query.owner)) return false;
  return query.status === undefined || item.status === query.status;
}

function inconsistent(what: string): SupplyError {
  return new SupplyError(SupplyErrorCode.InconsistentState, `supply records are inconsistent: ${what}`);
}

function checkId(id: string, name: string): void {
  const problem = typeof id === 'string' ? idProblem(id) : 'must be a string';
  if (problem) throw new SupplyError(SupplyErrorCode.InvalidQuery, `${name} ${problem}, got ${typeof id === 'string' ? quote(id) : typeof id}`);
}

function checkCount(value: number, name: string, min: number, max: number): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new SupplyError(SupplyErrorCode.InvalidQuery, `${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
}

function checkAddress(address: Uint8Array, name: string): void {
  if (!(address instanceof Uint8Array) || address.length !== 20) {
    throw new SupplyError(SupplyErrorCode.InvalidQuery, `${name} must be a 20-byte address`);
  }
}
