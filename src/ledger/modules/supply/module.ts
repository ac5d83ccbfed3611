import { toChecksumAddress } from '../../../primitives/address.js';
import { equalBytes } from '../../../primitives/hex.js';
import type { Log } from '../../block/types.js';
import type { ModuleCall, ModuleOutcome, SystemModule, SystemState } from '../module.js';
import { quote } from './fields.js';
import { parseSupplyOp, type CheckpointOp, type CloseOp, type RegisterOp, type SupplyOp, type TransferOp, type TransformOp } from './ops.js';
import {
  custodianIndexKey,
  encodeItem,
  eventKeysOf,
  eventLog,
  INDEX_VALUE,
  itemKey,
  ownerIndexKey,
  readItem,
  SUPPLY_ADDRESS,
  SUPPLY_MODULE_NAME,
  type SupplyEvent,
  type SupplyItem,
} from './records.js';

export { SUPPLY_ADDRESS } from './records.js';

/**
 * The supply module (DESIGN.md, "State and system modules"; records.ts has
 * the layout, ops.ts the operations). Rules:
 * - every operation: tx.value must be 0 (funds sent here could never leave);
 * - register: the id is new; the sender becomes owner and custodian;
 * - transfer: the item is active and held by the sender; `to` is another
 *   address someone can sign for (not zero, not this module);
 * - checkpoint, close: the item is active and held by the sender; a closed
 *   item never changes again;
 * - transform: every input exists, is active and is held by the sender; every
 *   output is new; inputs become consumed and record their outputs, outputs
 *   record their inputs and are owned and held by the sender.
 * Each accepted operation appends one event to each item it touches and
 * emits one log per event (records.ts). The module decides first and writes
 * only after accepting, so a refusal leaves the state untouched even before
 * execution reverts it.
 */
/** Gas of every supply operation above its intrinsic gas: its record reads and writes (DESIGN.md). */
export const SUPPLY_CALL_GAS = 20_000n;

export function createSupplyModule(): SystemModule {
  return { name: SUPPLY_MODULE_NAME, address: SUPPLY_ADDRESS, callGas: SUPPLY_CALL_GAS, call: applySupplyCall };
}

export function applySupplyCall(state: SystemState, call: ModuleCall): ModuleOutcome {
  const { tx } = call;
  if (tx.value !== 0n) {
    return refuse(`supply operations carry no value: this transaction sends ${tx.value} wei, which would be stuck at the supply module; send 0`);
  }
  const parsed = parseSupplyOp(tx.data);
  if (!parsed.ok) return parsed;
  const changes = new Changes(call);
  const reason = decide(state, changes, parsed.op);
  if (reason !== null) return refuse(reason);
  changes.commit(state);
  return { ok: true, logs: changes.logs };
}

function refuse(reason: string): ModuleOutcome {
  return { ok: false, reason };
}

/** Why the operation is refused, or null once `changes` holds everything it does. */
function decide(state: SystemState, changes: Changes, op: SupplyOp): string | null {
  switch (op.op) {
    case 'register':
      return register(state, changes, op);
    case 'transfer':
      return transfer(state, changes, op);
    case 'checkpoint':
      return checkpoint(state, changes, op);
    case 'transform':
      return transform(state, changes, op);
    case 'close':
      return close(state, changes, op);
  }
}

function register(state: SystemState, changes: Changes, op: RegisterOp): string | null {
  const existing = readItem(state, op.id);
  if (existing) return `item ${quote(op.id)} already exists (created in block ${existing.createdBlock}); ids are never reused`;
  changes.create(newItem(changes, op.id, op.kind, op.metadata, []), { type: 'Registered', kind: op.kind, metadata: op.metadata });
  return null;
}

function transfer(state: SystemState, changes: Changes, op: TransferOp): string | null {
  const loaded = loadHeld(state, op.id, changes.sender);
  if (typeof loaded === 'string') return loaded;
  if (op.to.every((b) => b === 0) || equalBytes(op.to, SUPPLY_ADDRESS)) {
    return `cannot transfer item ${quote(op.id)} to ${toChecksumAddress(op.to)}: no one can sign for that address (to take an item out of the chain of custody, close it)`;
  }
  if (equalBytes(op.to, loaded.custodian)) return `item ${quote(op.id)} is already held by ${toChecksumAddress(op.to)}`;
  changes.append({ ...loaded, custodian: op.to }, { type: 'Transferred', from: loaded.custodian, to: op.to });
  changes.moveCustody(op.id, loaded.custodian, op.to);
  return null;
}

function checkpoint(state: SystemState, changes: Changes, op: CheckpointOp): string | null {
  const loaded = loadHeld(state, op.id, changes.sender);
  if (typeof loaded === 'string') return loaded;
  const { location, readings, bizStep, disposition } = op;
  changes.append(loaded, { type: 'Checkpointed', location, readings, bizStep, disposition });
  return null;
}

function transform(state: SystemState, changes: Changes, op: TransformOp): string | null {
  const inputs: SupplyItem[] = [];
  for (const id of op.inputs) {
    const loaded = loadHeld(state, id, changes.sender);
    if (typeof loaded === 'string') return loaded;
    inputs.push(loaded);
  }
  for (const { id } of op.outputs) {
    if (readItem(state, id)) return `output ${quote(id)} already exists; a transform creates new items`;
  }
  const outputIds = op.outputs.map((o) => o.id);
  const body = { type: 'Transformed', inputs: op.inputs, outputs: outputIds } as const;
  for (const input of inputs) changes.append({ ...input, status: 'consumed', outputs: outputIds }, body);
  for (const output of op.outputs) changes.create(newItem(changes, output.id, output.kind, output.metadata, op.inputs), body);
  return null;
}

function close(state: SystemState, changes: Changes, op: CloseOp): string | null {
  const loaded = loadHeld(state, op.id, changes.sender);
  if (typeof loaded === 'string') return loaded;
  changes.append({ ...loaded, status: 'closed' }, { type: 'Closed', reason: op.reason });
  return null;
}

/** The item if it exists, is active and is held by `sender`; otherwise why not. */
function loadHeld(state: SystemState, id: string, sender: Uint8Array): SupplyItem | string {
  const item = readItem(state, id);
  if (!item) return `item ${quote(id)} does not exist`;
  if (item.status === 'closed') return `item ${quote(id)} is closed: nothing can happen to it anymore`;
  if (item.status === 'consumed') {
    return `item ${quote(id)} was consumed by a transform into ${item.outputs.map(quote).join(', ')}: nothing can happen to it anymore`;
  }
  if (!equalBytes(item.custodian, sender)) {
    return `item ${quote(id)} is held by ${toChecksumAddress(item.custodian)}, not by the sender ${toChecksumAddress(sender)}`;
  }
  return item;
}

function newItem(changes: Changes, id: string, kind: string, metadata: SupplyItem['metadata'], inputs: readonly string[]): SupplyItem {
  const { sender, blockNumber } = changes;
  return { id, kind, owner: sender, custodian: sender, metadata, status: 'active', createdBlock: blockNumber, inputs, outputs: [], eventCount: 0 };
}

type EventBody<E> = E extends SupplyEvent ? Omit<E, 'id' | 'seq' | 'signer' | 'txHash' | 'blockNumber' | 'txIndex'> : never;
type SupplyEventBody = EventBody<SupplyEvent>;

/** The writes and logs of an accepted operation, kept until the decision is made. */
class Changes {
  readonly logs: Log[] = [];
  private readonly writes: [Uint8Array, Uint8Array | undefined][] = [];
  private readonly call: ModuleCall;

  constructor(call: ModuleCall) {
    this.call = call;
  }

  get sender(): Uint8Array {
    return this.call.tx.from;
  }

  get blockNumber(): number {
    return this.call.blockNumber;
  }

  /** A new item with its first event, listed under its owner and custodian. */
  create(item: SupplyItem, body: SupplyEventBody): void {
    this.append(item, body);
    this.writes.push([ownerIndexKey(item.owner, item.id), INDEX_VALUE], [custodianIndexKey(item.custodian, item.id), INDEX_VALUE]);
  }

  /** Writes `item` with one more event, number item.eventCount, and its log. */
  append(item: SupplyItem, body: SupplyEventBody): void {
    const { tx, txIndex, blockNumber } = this.call;
    const event = { ...body, id: item.id, seq: item.eventCount, signer: tx.from, txHash: tx.hash, blockNumber, txIndex } as SupplyEvent;
    // The log's data is the event record and its second topic the id hash of the event key.
    const log = eventLog(event);
    this.writes.push([itemKey(item.id), encodeItem({ ...item, eventCount: item.eventCount + 1 })], [eventKeysOf(log.topics[1]!)(event.seq), log.data]);
    this.logs.push(log);
  }

  moveCustody(id: string, from: Uint8Array, to: Uint8Array): void {
    this.writes.push([custodianIndexKey(from, id), undefined], [custodianIndexKey(to, id), INDEX_VALUE]);
  }

  commit(state: SystemState): void {
    for (const [key, value] of this.writes) state.setRecord(key, value);
  }
}
