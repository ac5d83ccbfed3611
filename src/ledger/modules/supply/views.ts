import { toChecksumAddress } from '../../../primitives/address.js';
import { bytesToHex } from '../../../primitives/hex.js';
import type { JsonObject } from './json.js';
import type { Reading } from './ops.js';
import type { ItemPage, LineageNode, SupplyHistory, SupplyLineage } from './queries.js';
import type { SupplyEvent, SupplyItem } from './records.js';

/**
 * The JSON shapes of supply records, one for the `supply_` JSON-RPC answers
 * and the CLI alike: addresses EIP-55 checksummed, hashes 0x-hex, numbers as
 * JSON numbers, absent optional fields as null.
 */

/** Block timestamp in milliseconds since the Unix epoch, from the header at that number. */
export type TimestampOf = (blockNumber: number) => number;

// EIP-55 costs a keccak per address, and a history repeats a few signers a
// thousand times: remembered, and forgotten wholesale when the set grows.
const CHECKSUMS = new Map<string, string>();
const MAX_CHECKSUMS = 4096;

/** toChecksumAddress, remembered. */
export function checksummed(bytes: Uint8Array): string {
  const hex = bytesToHex(bytes);
  let text = CHECKSUMS.get(hex);
  if (text === undefined) {
    if (CHECKSUMS.size >= MAX_CHECKSUMS) CHECKSUMS.clear();
    text = toChecksumAddress(bytes);
    CHECKSUMS.set(hex, text);
  }
  return text;
}

export function itemToJson(item: SupplyItem): JsonObject {
  return {
    id: item.id,
    kind: item.kind,
    owner: checksummed(item.owner),
    custodian: checksummed(item.custodian),
    metadata: item.metadata,
    status: item.status,
    createdBlock: item.createdBlock,
    inputs: [...item.inputs],
    outputs: [...item.outputs],
    eventCount: item.eventCount,
  };
}

/** With `timestampOf`, the event carries `timestamp`: its block's time in milliseconds. */
export function eventToJson(event: SupplyEvent, timestampOf?: TimestampOf): JsonObject {
  return {
    id: event.id,
    seq: event.seq,
    type: event.type,
    signer: checksummed(event.signer),
    txHash: bytesToHex(event.txHash),
    blockNumber: event.blockNumber,
    txIndex: event.txIndex,
    ...(timestampOf ? { timestamp: timestampOf(event.blockNumber) } : {}),
    ...payloadToJson(event),
  };
}

function payloadToJson(event: SupplyEvent): JsonObject {
  switch (event.type) {
    case 'Registered':
      return { kind: event.kind, metadata: event.metadata };
    case 'Transferred':
      return { from: checksummed(event.from), to: checksummed(event.to) };
    case 'Checkpointed':
      return {
        location: event.location,
        readings: event.readings.map(readingToJson),
        bizStep: event.bizStep,
        disposition: event.disposition,
      };
    case 'Transformed':
      return { inputs: [...event.inputs], outputs: [...event.outputs] };
    case 'Closed':
      return { reason: event.reason };
  }
}

function readingToJson(reading: Reading): JsonObject {
  return { name: reading.name, value: reading.value, uom: reading.uom };
}

export function historyToJson(history: SupplyHistory, timestampOf?: TimestampOf): JsonObject {
  return {
    item: itemToJson(history.item),
    events: history.events.map((e) => eventToJson(e, timestampOf)),
    next: history.next,
  };
}

export function lineageToJson(lineage: SupplyLineage): JsonObject {
  const node = ({ depth, item }: LineageNode): JsonObject => ({ depth, item: itemToJson(item) });
  return {
    item: itemToJson(lineage.item),
    ancestors: lineage.ancestors.map(node),
    descendants: lineage.descendants.map(node),
    truncated: lineage.truncated,
  };
}

export function pageToJson(page: ItemPage): JsonObject {
  return { items: page.items.map(itemToJson), nextCursor: page.nextCursor };
}
