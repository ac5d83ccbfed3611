import { beforeEach, describe, expect, it } from 'vitest';
import { bytesToHex } from '../../../src/primitives/hex.js';
import type { RpcDispatcher } from '../../../src/rpc/dispatch.js';
import { createRpcDispatcher } from '../../../src/rpc/server.js';
import { accept, ALICE, BOB } from '../ledger/modules/supply/fixtures.js';
import { FakeBackend } from './fake-backend.js';
import { failure, result } from './helpers.js';

type Json = Record<string, unknown>;

let backend: FakeBackend;
let rpc: RpcDispatcher;

beforeEach(() => {
  backend = new FakeBackend();
  rpc = createRpcDispatcher({ backend });
  backend.mine([]);
  backend.mine([]);
  const state = backend.records;
  accept(state, ALICE, { op: 'register', id: 'lot-1', kind: 'coffee', metadata: { farm: 'A' } }, { blockNumber: 1 });
  accept(state, ALICE, { op: 'register', id: 'lot-2', kind: 'coffee' }, { blockNumber: 1 });
  accept(state, ALICE, { op: 'checkpoint', id: 'lot-1', location: 'Farm A', readings: { temperature: 21.5 }, bizStep: 'storing', disposition: 'active' }, { blockNumber: 2 });
  accept(state, ALICE, { op: 'transform', inputs: ['lot-1', 'lot-2'], outputs: [{ id: 'blend-1', kind: 'blend' }] }, { blockNumber: 2 });
  accept(state, ALICE, { op: 'transfer', id: 'blend-1', to: bytesToHex(BOB) }, { blockNumber: 2 });
});

describe('supply_', () => {
  it('supply_getItem: the item, null when unknown, -32602 for a malformed id', async () => {
    const item = await result<Json>(rpc, 'supply_getItem', ['blend-1']);
    expect(item).toMatchObject({ id: 'blend-1', kind: 'blend', status: 'active' });
    expect(String(item['custodian']).toLowerCase()).toBe(bytesToHex(BOB));
    expect(await result(rpc, 'supply_getItem', ['nope'])).toBeNull();
    expect((await failure(rpc, 'supply_getItem', ['bad id with spaces'])).code).toBe(-32602);
    expect((await failure(rpc, 'supply_getItem', [7])).code).toBe(-32602);
  });

  it('supply_getHistory: events in order with block timestamps, paged', async () => {
    const history = await result<{ events: Json[]; next: number | null }>(rpc, 'supply_getHistory', ['lot-1']);
    expect(history.events.map((e) => e['type'])).toEqual(['Registered', 'Checkpointed', 'Transformed']);
    expect(history.events.map((e) => e['timestamp'])).toEqual([1, 2, 2].map((n) => backend.blocks[n]!.header.timestamp));
    expect(history.next).toBeNull();
    const page = await result<{ events: Json[]; next: number | null }>(rpc, 'supply_getHistory', ['lot-1', { from: 1, limit: 1 }]);
    expect(page.events.map((e) => e['seq'])).toEqual([1]);
    expect(page.next).toBe(2);
    expect((await failure(rpc, 'supply_getHistory', ['lot-1', { limit: 0 }])).code).toBe(-32602);
    expect((await failure(rpc, 'supply_getHistory', ['lot-1', { page: 1 }])).message).toMatch(/unknown option "page"/);
  });

  it('supply_getLineage: ancestors and descendants through the transform', async () => {
    const lineage = await result<{ ancestors: { item: Json }[]; descendants: { item: Json }[] }>(rpc, 'supply_getLineage', ['blend-1']);
    expect(lineage.ancestors.map((n) => n.item['id']).sort()).toEqual(['lot-1', 'lot-2']);
    const down = await result<{ descendants: { depth: number; item: Json }[] }>(rpc, 'supply_getLineage', ['lot-2']);
    expect(down.descendants).toMatchObject([{ depth: 1, item: { id: 'blend-1' } }]);
  });

  it('supply_listItems: by owner or custodian, paged by cursor', async () => {
    const first = await result<{ items: Json[]; nextCursor: string | null }>(rpc, 'supply_listItems', [{ owner: bytesToHex(ALICE), limit: 2 }]);
    expect(first.items.map((i) => i['id'])).toEqual(['blend-1', 'lot-1']);
    const rest = await result<{ items: Json[]; nextCursor: string | null }>(rpc, 'supply_listItems', [{ owner: bytesToHex(ALICE), cursor: first.nextCursor }]);
    expect(rest.items.map((i) => i['id'])).toEqual(['lot-2']);
    expect(rest.nextCursor).toBeNull();
    const held = await result<{ items: Json[] }>(rpc, 'supply_listItems', [{ custodian: bytesToHex(BOB) }]);
    expect(held.items.map((i) => i['id'])).toEqual(['blend-1']);
    expect((await failure(rpc, 'supply_listItems', [{ owner: '0x1234' }])).code).toBe(-32602);
  });

  it('supply_exportEpcis: an EPCIS 2.0 document with one event per history entry', async () => {
    const doc = await result<{ type: string; schemaVersion: string; epcisBody: { eventList: Json[] } }>(rpc, 'supply_exportEpcis', ['lot-1']);
    expect(doc.type).toBe('EPCISDocument');
    expect(doc.schemaVersion).toBe('2.0');
    expect(doc.epcisBody.eventList.map((e) => e['type'])).toEqual(['ObjectEvent', 'ObjectEvent', 'TransformationEvent']);
    expect(await result(rpc, 'supply_exportEpcis', ['nope'])).toBeNull();
  });
});
