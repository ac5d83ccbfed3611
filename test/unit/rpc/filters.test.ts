import { beforeEach, describe, expect, it } from 'vitest';
import type { Log } from '../../../src/ledger/block/types.js';
import { bytesToHex, hexToBytes } from '../../../src/primitives/hex.js';
import { ChainView } from '../../../src/rpc/chain-view.js';
import type { MethodTable } from '../../../src/rpc/dispatch.js';
import { FILTER_TIMEOUT_MS, filterMethods, MAX_FILTER_BACKLOG, MAX_FILTERS } from '../../../src/rpc/filters.js';
import { createRpcDispatcher } from '../../../src/rpc/server.js';
import { FakeBackend, signed } from './fake-backend.js';

const TOPIC_A = hexToBytes('0x' + 'aa'.repeat(32));
const TOPIC_B = hexToBytes('0x' + 'bb'.repeat(32));
const EMITTER = hexToBytes('0x' + '11'.repeat(20));
const OTHER = hexToBytes('0x' + '22'.repeat(20));

let backend: FakeBackend;
let methods: MethodTable;
let clock: number;
let nonce: bigint;

beforeEach(() => {
  backend = new FakeBackend();
  clock = 1_000_000;
  nonce = 0n;
  methods = filterMethods(backend, new ChainView(backend), { maxLogBlockRange: 10_000, maxLogs: 10_000 }, () => {}, undefined, () => clock);
});

async function call<T>(method: string, ...params: unknown[]): Promise<T> {
  return (await methods[method]!(params)) as T;
}

/** Queued head deliveries wait for receipts: let them run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
}

function mineWithLogs(logs: Log[]): void {
  backend.mine([signed({ nonce: nonce++ })], () => logs);
}

describe('block filters', () => {
  it('return the hashes of the blocks added since the last poll, once', async () => {
    const id = await call<string>('eth_newBlockFilter');
    expect(id).toMatch(/^0x[0-9a-f]{32}$/);
    const b1 = backend.mine([]);
    const b2 = backend.mine([]);
    await settle();
    expect(await call('eth_getFilterChanges', id)).toEqual([bytesToHex(b1.hash), bytesToHex(b2.hash)]);
    expect(await call('eth_getFilterChanges', id)).toEqual([]);
  });
});

describe('log filters', () => {
  it('return new matching logs, and the logs of blocks a reorganisation removed as removed', async () => {
    const id = await call<string>('eth_newFilter', { address: bytesToHex(EMITTER), topics: [bytesToHex(TOPIC_A)] });
    mineWithLogs([
      { address: EMITTER, topics: [TOPIC_A], data: Uint8Array.of(1) },
      { address: OTHER, topics: [TOPIC_A], data: Uint8Array.of(9) },
      { address: EMITTER, topics: [TOPIC_B], data: Uint8Array.of(9) },
    ]);
    await settle();
    const first = await call<{ data: string; logIndex: string; removed: boolean }[]>('eth_getFilterChanges', id);
    expect(first.map((l) => [l.data, l.logIndex, l.removed])).toEqual([['0x01', '0x0', false]]);

    backend.reorg(1, () => mineWithLogs([{ address: EMITTER, topics: [TOPIC_A], data: Uint8Array.of(2) }]));
    await settle();
    const second = await call<{ data: string; removed: boolean }[]>('eth_getFilterChanges', id);
    expect(second.map((l) => [l.data, l.removed])).toEqual([
      ['0x01', true],
      ['0x02', false],
    ]);
  });

  it('keep to their numeric block range', async () => {
    const id = await call<string>('eth_newFilter', { fromBlock: '0x2', toBlock: '0x2' });
    mineWithLogs([{ address: EMITTER, topics: [], data: Uint8Array.of(1) }]);
    mineWithLogs([{ address: EMITTER, topics: [], data: Uint8Array.of(2) }]);
    mineWithLogs([{ address: EMITTER, topics: [], data: Uint8Array.of(3) }]);
    await settle();
    expect((await call<{ data: string }[]>('eth_getFilterChanges', id)).map((l) => l.data)).toEqual(['0x02']);
  });

  it('answer eth_getFilterLogs with the whole range, as eth_getLogs does', async () => {
    mineWithLogs([{ address: EMITTER, topics: [], data: Uint8Array.of(1) }]);
    const id = await call<string>('eth_newFilter', { fromBlock: 'earliest', address: bytesToHex(EMITTER) });
    mineWithLogs([{ address: EMITTER, topics: [], data: Uint8Array.of(2) }]);
    expect((await call<{ data: string }[]>('eth_getFilterLogs', id)).map((l) => l.data)).toEqual(['0x01', '0x02']);
    const blocks = await call<string>('eth_newBlockFilter');
    await expect(call('eth_getFilterLogs', blocks)).rejects.toThrow('eth_getFilterLogs reads log filters');
  });

  it('refuse a blockHash: a filter follows new blocks', async () => {
    await expect(call('eth_newFilter', { blockHash: '0x' + '00'.repeat(32) })).rejects.toThrow('use eth_getLogs with blockHash');
  });
});

describe('pending transaction filters', () => {
  it('return the hashes, or the transactions, admitted since the last poll', async () => {
    const hashes = await call<string>('eth_newPendingTransactionFilter');
    const full = await call<string>('eth_newPendingTransactionFilter', true);
    const tx = signed({ nonce: 0n });
    await backend.submitRawTransaction(tx.raw);
    expect(await call('eth_getFilterChanges', hashes)).toEqual([bytesToHex(tx.hash)]);
    expect(await call('eth_getFilterChanges', full)).toEqual([expect.objectContaining({ hash: bytesToHex(tx.hash), blockNumber: null })]);
  });
});

describe('filter lifetime', () => {
  it('uninstalls once, after which the id is unknown', async () => {
    const id = await call<string>('eth_newBlockFilter');
    expect(await call('eth_uninstallFilter', id)).toBe(true);
    expect(await call('eth_uninstallFilter', id)).toBe(false);
    await expect(call('eth_getFilterChanges', id)).rejects.toThrow('filter not found');
  });

  it(`forgets a filter not polled for ${FILTER_TIMEOUT_MS / 60_000} minutes, and keeps one that is`, async () => {
    const idle = await call<string>('eth_newBlockFilter');
    const polled = await call<string>('eth_newBlockFilter');
    for (let i = 0; i < 3; i++) {
      clock += FILTER_TIMEOUT_MS / 2;
      await call('eth_getFilterChanges', polled);
    }
    await expect(call('eth_getFilterChanges', idle)).rejects.toThrow('filter not found');
  });

  it(`drops a filter that gathers more than ${MAX_FILTER_BACKLOG} changes between polls, and says so`, async () => {
    const id = await call<string>('eth_newFilter', {});
    mineWithLogs(Array.from({ length: MAX_FILTER_BACKLOG + 1 }, (_, i) => ({ address: EMITTER, topics: [], data: Uint8Array.of(i & 0xff) })));
    await settle();
    await expect(call('eth_getFilterChanges', id)).rejects.toThrow('fell behind');
    await expect(call('eth_getFilterChanges', id)).rejects.toThrow('filter not found');
  });

  it('stop following the chain when the server closes', async () => {
    const lifetime = new AbortController();
    const own = filterMethods(backend, new ChainView(backend), { maxLogBlockRange: 10_000, maxLogs: 10_000 }, () => {}, lifetime.signal);
    const id = (await own['eth_newBlockFilter']!([])) as string;
    expect(backend.headListenerCount).toBe(1);
    lifetime.abort();
    expect(backend.headListenerCount).toBe(0);
    expect(() => own['eth_getFilterChanges']!([id])).toThrow('filter not found');
  });

  it(`holds at most ${MAX_FILTERS} filters`, async () => {
    for (let i = 0; i < MAX_FILTERS; i++) await call('eth_newBlockFilter');
    await expect(call('eth_newBlockFilter')).rejects.toThrow('too many filters');
  });
});

describe('filters over JSON-RPC', () => {
  it('are wired into the dispatcher with geth-style errors', async () => {
    const rpc = createRpcDispatcher({ backend, log: { error: () => {} } });
    const ask = async (method: string, params: unknown[]): Promise<{ result?: unknown; error?: { code: number; message: string } }> =>
      JSON.parse((await rpc.handle(JSON.stringify({ jsonrpc: '2.0', id: 1, method, params })))!) as { result?: unknown; error?: { code: number; message: string } };
    const { result: id } = await ask('eth_newBlockFilter', []);
    expect(id).toMatch(/^0x[0-9a-f]{32}$/);
    expect((await ask('eth_getFilterChanges', [id])).result).toEqual([]);
    expect((await ask('eth_getFilterChanges', ['0x00'])).error).toEqual({ code: -32000, message: 'filter not found' });
    expect((await ask('eth_getFilterChanges', [5])).error?.code).toBe(-32602);
  });
});
