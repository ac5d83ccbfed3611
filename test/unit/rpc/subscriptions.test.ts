import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Log } from '../../../src/ledger/block/types.js';
import { bytesToHex, hexToBytes } from '../../../src/primitives/hex.js';
import type { RpcDispatcher } from '../../../src/rpc/dispatch.js';
import { createRpcDispatcher } from '../../../src/rpc/server.js';
import type { RpcHandler } from '../../../src/rpc/dispatch.js';
import { MAX_SUBSCRIPTIONS, notification, subscriptionMethods, SubscriptionSession } from '../../../src/rpc/subscriptions.js';
import { FakeBackend, signed } from './fake-backend.js';

const TOPIC_A = hexToBytes('0x' + 'aa'.repeat(32));
const TOPIC_B = hexToBytes('0x' + 'bb'.repeat(32));
const EMITTER = hexToBytes('0x' + '11'.repeat(20));
const OTHER = hexToBytes('0x' + '22'.repeat(20));
/** The sessions' sync poll interval here; the tests move fake time by it. */
const POLL_MS = 50;

interface Notification {
  readonly subscription: string;
  readonly result: Record<string, unknown> & { removed?: boolean };
}

let backend: FakeBackend;
let rpc: RpcDispatcher;
let session: SubscriptionSession;
let methods: ReadonlyMap<string, RpcHandler>;
let sent: string[];
let errors: string[];
let nonce: bigint;

beforeEach(() => {
  backend = new FakeBackend();
  errors = [];
  sent = [];
  nonce = 0n;
  rpc = createRpcDispatcher({ backend, log: { error: (m) => errors.push(m) } });
  session = new SubscriptionSession(backend, (id, result) => sent.push(notification(id, result)), (m) => errors.push(m), MAX_SUBSCRIPTIONS, POLL_MS);
  methods = subscriptionMethods(session);
});

/** Calls through the dispatcher with the session's methods, as the WebSocket transport does. */
async function call(method: string, params: unknown[] = []): Promise<{ result?: unknown; error?: { code: number; message: string } }> {
  const answer = await rpc.handle(JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }), methods);
  return JSON.parse(answer!) as { result?: unknown; error?: { code: number; message: string } };
}

async function subscribe(...params: unknown[]): Promise<string> {
  const { result, error } = await call('eth_subscribe', params);
  expect(error).toBeUndefined();
  expect(result).toMatch(/^0x[0-9a-f]{32}$/);
  return result as string;
}

/** Lets queued head notifications (which wait for receipts) go out. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
}

function notifications(): Notification[] {
  return sent.map((m) => {
    const parsed = JSON.parse(m) as { jsonrpc: string; method: string; params: Notification };
    expect(parsed.jsonrpc).toBe('2.0');
    expect(parsed.method).toBe('eth_subscription');
    return parsed.params;
  });
}

/** Mines a block whose one transaction emits `logs`. */
function mineWithLogs(logs: Log[]): void {
  backend.mine([signed({ nonce: nonce++ })], () => logs);
}

describe('eth_subscribe newHeads', () => {
  it('announces every new head in order with the header fields of eth_getBlockByNumber', async () => {
    const id = await subscribe('newHeads');
    backend.mine([]);
    backend.mine([signed({ nonce: nonce++ })]);
    await settle();
    const heads = notifications();
    expect(heads.map((n) => n.subscription)).toEqual([id, id]);
    expect(heads.map((n) => n.result['number'])).toEqual(['0x1', '0x2']);
    const { result: block } = (await call('eth_getBlockByNumber', ['0x2', false])) as { result: Record<string, unknown> };
    const { transactions: _t, uncles: _u, size: _s, totalDifficulty: _d, ...header } = block;
    expect(heads[1]!.result).toEqual(header);
    expect(heads[1]!.result['transactions']).toBeUndefined();
  });

  it('stops after eth_unsubscribe, which says whether the id was live', async () => {
    const id = await subscribe('newHeads');
    expect((await call('eth_unsubscribe', [id])).result).toBe(true);
    expect((await call('eth_unsubscribe', [id])).result).toBe(false);
    backend.mine([]);
    await settle();
    expect(sent).toEqual([]);
    expect(backend.headListenerCount).toBe(0);
  });

  it('stops every subscription when the connection closes', async () => {
    await subscribe('newHeads');
    await subscribe('newPendingTransactions');
    session.close();
    backend.mine([]);
    await backend.submitRawTransaction(signed({ nonce: 0n }).raw);
    await settle();
    expect(sent).toEqual([]);
    expect((await call('eth_subscribe', ['newHeads'])).error?.message).toContain('closing');
  });
});

describe('eth_subscribe logs', () => {
  it('sends each matching log once, with its block-wide index, and nothing for other emitters', async () => {
    const id = await subscribe('logs', { address: bytesToHex(EMITTER), topics: [null, bytesToHex(TOPIC_B)] });
    mineWithLogs([
      { address: OTHER, topics: [TOPIC_A, TOPIC_B], data: new Uint8Array(0) },
      { address: EMITTER, topics: [TOPIC_A, TOPIC_B], data: Uint8Array.of(7) },
      { address: EMITTER, topics: [TOPIC_A], data: new Uint8Array(0) },
    ]);
    await settle();
    const logs = notifications();
    expect(logs).toHaveLength(1);
    expect(logs[0]!.subscription).toBe(id);
    expect(logs[0]!.result).toMatchObject({ address: bytesToHex(EMITTER), data: '0x07', logIndex: '0x1', blockNumber: '0x1', removed: false });
  });

  it('takes an empty address list as any address, as geth', async () => {
    const id = await subscribe('logs', { address: [], topics: [bytesToHex(TOPIC_A)] });
    mineWithLogs([
      { address: OTHER, topics: [TOPIC_A], data: new Uint8Array(0) },
      { address: EMITTER, topics: [TOPIC_A], data: new Uint8Array(0) },
    ]);
    await settle();
    expect(notifications().map((n) => [n.subscription, n.result['address']])).toEqual([
      [id, bytesToHex(OTHER)],
      [id, bytesToHex(EMITTER)],
    ]);
  });

  it('sends the logs of blocks a reorganisation removed again as removed, newest first, then the new branch', async () => {
    await subscribe('logs');
    mineWithLogs([{ address: EMITTER, topics: [TOPIC_A], data: Uint8Array.of(1) }]);
    mineWithLogs([{ address: EMITTER, topics: [TOPIC_A], data: Uint8Array.of(2) }]);
    await settle();
    sent.length = 0;
    nonce = 0n;
    backend.reorg(2, () => {
      backend.mine([signed({ nonce: 5n })], () => [{ address: OTHER, topics: [TOPIC_B], data: Uint8Array.of(3) }]);
    });
    await settle();
    expect(notifications().map((n) => [n.result['data'], n.result.removed])).toEqual([
      ['0x02', true],
      ['0x01', true],
      ['0x03', false],
    ]);
  });

  it('refuses block ranges: a subscription follows new blocks', async () => {
    for (const filter of [{ fromBlock: '0x1' }, { toBlock: 'earliest' }, { blockHash: '0x' + '00'.repeat(32) }]) {
      const { error } = await call('eth_subscribe', ['logs', filter]);
      expect(error?.code).toBe(-32602);
      expect(error?.message).toContain('use eth_getLogs for past blocks');
    }
    expect((await call('eth_subscribe', ['logs', { address: '0x12' }])).error?.code).toBe(-32602);
  });
});

describe('eth_subscribe newPendingTransactions', () => {
  it('sends the hash of each admitted transaction, or the whole transaction when asked', async () => {
    const hashes = await subscribe('newPendingTransactions');
    const full = await subscribe('newPendingTransactions', true);
    const tx = signed({ nonce: 0n });
    await backend.submitRawTransaction(tx.raw);
    const sentNow = notifications();
    expect(sentNow.find((n) => n.subscription === hashes)?.result).toBe(bytesToHex(tx.hash));
    expect(sentNow.find((n) => n.subscription === full)?.result).toMatchObject({ hash: bytesToHex(tx.hash), blockHash: null, nonce: '0x0' });
  });
});

describe('eth_subscribe syncing', () => {
  // Only the poll timer is faked: settle() still runs on real setImmediate.
  beforeEach(() => vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] }));
  afterEach(() => vi.useRealTimers());

  /** One poll of the sync state, and the notifications it queued. */
  async function poll(): Promise<void> {
    vi.advanceTimersByTime(POLL_MS);
    await settle();
  }

  it("announces the start of a sync with eth_syncing's object and its end with false, nothing in between", async () => {
    const id = await subscribe('syncing');
    await poll();
    expect(sent).toEqual([]);
    backend.sync = { startingBlock: 3, currentBlock: 3, highestBlock: 300 };
    const status = (await call('eth_syncing')).result;
    await poll();
    backend.sync = { startingBlock: 3, currentBlock: 150, highestBlock: 300 };
    await poll();
    backend.sync = false;
    await poll();
    await poll();
    expect(status).toEqual({ startingBlock: '0x3', currentBlock: '0x3', highestBlock: '0x12c' });
    expect(notifications()).toEqual([
      { subscription: id, result: { syncing: true, status } },
      { subscription: id, result: false },
    ]);
  });

  it('says nothing at subscribe time, even mid-sync, and then the end', async () => {
    backend.sync = { startingBlock: 0, currentBlock: 1, highestBlock: 9 };
    const id = await subscribe('syncing');
    await poll();
    expect(sent).toEqual([]);
    backend.sync = false;
    await poll();
    expect(notifications()).toEqual([{ subscription: id, result: false }]);
  });

  it('sends the end of a sync after the head notifications that came before it', async () => {
    await subscribe('newHeads');
    const id = await subscribe('syncing');
    backend.sync = { startingBlock: 0, currentBlock: 0, highestBlock: 1 };
    await poll();
    sent.length = 0;
    backend.mine([]);
    backend.sync = false;
    await poll();
    const [head, end] = notifications();
    expect(head?.result['number']).toBe('0x1');
    expect(end).toEqual({ subscription: id, result: false });
  });

  it('polls only while a syncing subscription is open, and takes no head listener', async () => {
    const a = await subscribe('syncing');
    const b = await subscribe('syncing');
    expect(vi.getTimerCount()).toBe(1);
    expect(backend.headListenerCount).toBe(0);
    await subscribe('newHeads');
    session.unsubscribe(a);
    expect(vi.getTimerCount()).toBe(1);
    session.unsubscribe(b);
    expect(vi.getTimerCount()).toBe(0);
    expect(backend.headListenerCount).toBe(1);
    await subscribe('syncing');
    expect(vi.getTimerCount()).toBe(1);
    session.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('logs a failed notification and keeps polling', async () => {
    let fail = true;
    const delivered: unknown[] = [];
    const flaky = new SubscriptionSession(
      backend,
      (_id, result) => {
        if (fail) throw new Error('socket gone');
        delivered.push(result);
      },
      (m) => errors.push(m),
      MAX_SUBSCRIPTIONS,
      POLL_MS,
    );
    flaky.subscribe({ kind: 'syncing' });
    backend.sync = { startingBlock: 0, currentBlock: 0, highestBlock: 1 };
    await poll();
    expect(errors.join('\n')).toContain('syncing notification failed: Error: socket gone');
    fail = false;
    backend.sync = false;
    await poll();
    expect(delivered).toEqual([false]);
    flaky.close();
  });
});

describe('delivery failures', () => {
  it('are logged, never thrown into the admission that triggered them', async () => {
    const failing = new SubscriptionSession(
      backend,
      () => {
        throw new Error('socket gone');
      },
      (m) => errors.push(m),
    );
    failing.subscribe({ kind: 'newPendingTransactions', full: false });
    const tx = signed({ nonce: 0n });
    await expect(backend.submitRawTransaction(tx.raw)).resolves.toMatchObject({ nonce: 0n });
    expect(errors.join('\n')).toContain('pending-transaction notification failed: Error: socket gone');
  });
});

describe('eth_subscribe arguments', () => {
  it('names the kinds it serves when given another', async () => {
    const { error } = await call('eth_subscribe', ['newBlocks']);
    expect(error?.code).toBe(-32602);
    expect(error?.message).toContain('newHeads, logs, newPendingTransactions, syncing');
    expect((await call('eth_subscribe', ['newHeads', {}])).error?.code).toBe(-32602);
    expect((await call('eth_subscribe', ['syncing', {}])).error?.code).toBe(-32602);
    expect((await call('eth_subscribe', [])).error?.code).toBe(-32602);
    expect((await call('eth_unsubscribe', [7])).error?.code).toBe(-32602);
  });

  it(`holds at most ${MAX_SUBSCRIPTIONS} subscriptions per connection`, async () => {
    for (let i = 0; i < MAX_SUBSCRIPTIONS; i++) await subscribe('newHeads');
    const { error } = await call('eth_subscribe', ['newHeads']);
    expect(error?.code).toBe(-32000);
    expect(error?.message).toContain('too many subscriptions');
  });

  it('answers over plain HTTP (no session) that notifications need a WebSocket', async () => {
    const answer = JSON.parse((await rpc.handle('{"jsonrpc":"2.0","id":1,"method":"eth_subscribe","params":["newHeads"]}'))!) as {
      error: { code: number; message: string };
    };
    expect(answer.error.code).toBe(-32601);
    expect(answer.error.message).toContain('WebSocket');
  });
});
