import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { WebSocket, type ClientOptions } from 'ws';
import { createServer, type Server } from 'node:http';
import { connect as tcpConnect, type AddressInfo, type Socket } from 'node:net';
import { createRpcDispatcher, startRpcServer, type RpcServer, type RpcServerOptions } from '../../../src/rpc/server.js';
import { attachWebSocket, type WebSocketEndpoint } from '../../../src/rpc/websocket.js';
import { FakeBackend, signed } from './fake-backend.js';

const quiet = { error: () => {} };
const servers: RpcServer[] = [];
const sockets: WebSocket[] = [];

async function start(options: Partial<RpcServerOptions> = {}): Promise<RpcServer> {
  const server = await startRpcServer({ backend: new FakeBackend(), port: 0, log: quiet, ...options });
  servers.push(server);
  return server;
}

/** A connected client that collects every message it receives. */
async function connect(
  url: string,
  headers: Record<string, string> = {},
  options: ClientOptions = {},
): Promise<{ ws: WebSocket; messages: unknown[]; next(): Promise<unknown> }> {
  const ws = new WebSocket(url, { ...options, headers });
  sockets.push(ws);
  const messages: unknown[] = [];
  const waiting: ((m: unknown) => void)[] = [];
  ws.on('message', (data) => {
    const message: unknown = JSON.parse(String(data));
    const waiter = waiting.shift();
    if (waiter) waiter(message);
    else messages.push(message);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const next = (): Promise<unknown> => {
    const queued = messages.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no message within 5 s')), 5_000);
      waiting.push((m) => {
        clearTimeout(timer);
        resolve(m);
      });
    });
  };
  return { ws, messages, next };
}

/** The HTTP status a refused upgrade answers with. */
function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => reject(new Error('the upgrade was accepted')));
    ws.on('error', () => undefined);
  });
}

let server: RpcServer;
let backend: FakeBackend;

beforeAll(async () => {
  backend = new FakeBackend();
  server = await start({ backend, maxBodyBytes: 4096, corsOrigins: ['http://dapp.example'] });
});

afterAll(async () => {
  for (const ws of sockets) ws.terminate();
  await Promise.all(servers.map((s) => s.close()));
});

describe('JSON-RPC over WebSocket', () => {
  it('is served on the HTTP port and reports its url', () => {
    expect(server.wsUrl).toBe(`ws://127.0.0.1:${server.port}`);
  });

  it('answers requests and batches with the HTTP methods', async () => {
    const client = await connect(server.wsUrl);
    client.ws.send('{"jsonrpc":"2.0","id":"a","method":"eth_chainId"}');
    expect(await client.next()).toEqual({ jsonrpc: '2.0', id: 'a', result: '0x539' });
    client.ws.send('[{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber"},{"jsonrpc":"2.0","id":2,"method":"nope"}]');
    const batch = (await client.next()) as { id: number; result?: string; error?: { code: number } }[];
    expect(batch.map((a) => a.id)).toEqual([1, 2]);
    expect(batch[0]!.result).toBe('0x0');
    expect(batch[1]!.error?.code).toBe(-32601);
  });

  it('answers garbage with a parse error and keeps the connection', async () => {
    const client = await connect(server.wsUrl);
    client.ws.send('{not json');
    expect(await client.next()).toMatchObject({ id: null, error: { code: -32700 } });
    client.ws.send(Buffer.from('{"jsonrpc":"2.0","id":3,"method":"net_version"}'), { binary: true });
    expect(await client.next()).toEqual({ jsonrpc: '2.0', id: 3, result: '1337' });
    // A binary frame is not checked as UTF-8 by the WebSocket layer.
    client.ws.send(Buffer.from([0x22, 0xff, 0x22]), { binary: true });
    expect(await client.next()).toMatchObject({ id: null, error: { code: -32700, message: expect.stringMatching(/UTF-8/) } });
  });

  it('delivers subscriptions on the connection that made them', async () => {
    const a = await connect(server.wsUrl);
    const b = await connect(server.wsUrl);
    a.ws.send('{"jsonrpc":"2.0","id":1,"method":"eth_subscribe","params":["newHeads"]}');
    const { result: id } = (await a.next()) as { result: string };
    backend.mine([]);
    const notification = (await a.next()) as { method: string; params: { subscription: string; result: { number: string } } };
    expect(notification.method).toBe('eth_subscription');
    expect(notification.params.subscription).toBe(id);
    expect(notification.params.result.number).toBe(toHex(backend.head().header.number));
    b.ws.send('{"jsonrpc":"2.0","id":9,"method":"eth_chainId"}');
    expect(await b.next()).toMatchObject({ id: 9 });
    expect(b.messages).toEqual([]);
  });

  it('closes a connection whose message is over the size limit (1009)', async () => {
    const client = await connect(server.wsUrl);
    const closed = new Promise<number>((resolve) => client.ws.once('close', (code) => resolve(code)));
    client.ws.send('{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":["' + 'x'.repeat(5000) + '"]}');
    expect(await closed).toBe(1009);
  });

  it('refuses browser origins that CORS does not allow, and accepts allowed ones and clients without an Origin', async () => {
    expect(await upgradeStatus(server.wsUrl, { origin: 'http://evil.example' })).toBe(403);
    const allowed = await connect(server.wsUrl, { origin: 'http://dapp.example' });
    allowed.ws.send('{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}');
    expect(await allowed.next()).toMatchObject({ result: '0x539' });
    const noCors = await start();
    expect(await upgradeStatus(noCors.wsUrl, { origin: 'http://dapp.example' })).toBe(403);
  });

  it('drops a client that does not read once its unsent notifications pass the bound', async () => {
    const own = new FakeBackend();
    const s = await start({ backend: own, wsMaxBufferedBytes: 64 * 1024 });
    const socket = await rawUpgrade(s.port);
    socket.write(maskedTextFrame('{"jsonrpc":"2.0","id":1,"method":"eth_subscribe","params":["logs"]}'));
    await waitFor(() => own.headListenerCount === 1);
    socket.pause();
    const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    // About 16 MB of notifications: far more than the loopback socket buffers of a reader that never reads hold.
    const logs = Array.from({ length: 40_000 }, (_, i) => ({ address: new Uint8Array(20).fill(1), topics: [], data: Uint8Array.of(i & 0xff) }));
    own.mine([signed({ nonce: 0n })], () => logs);
    await waitFor(() => own.headListenerCount === 0);
    socket.resume();
    await ended;
  });

  it('closes open connections when the server closes', async () => {
    const own = await start();
    const client = await connect(own.wsUrl);
    const closed = new Promise<void>((resolve) => client.ws.once('close', () => resolve()));
    await own.close();
    await closed;
    expect(client.ws.readyState).toBe(WebSocket.CLOSED);
  });
});

describe('keep-alive pings', () => {
  const PING_MS = 5_000;
  let http: Server;
  let endpoint: WebSocketEndpoint;
  let own: FakeBackend;
  let url: string;

  beforeEach(async () => {
    own = new FakeBackend();
    http = createServer();
    endpoint = attachWebSocket(http, {
      backend: own,
      dispatcher: createRpcDispatcher({ backend: own, log: quiet }),
      maxPayload: 4096,
      isOriginAllowed: () => true,
      logError: () => {},
      pingIntervalMs: PING_MS,
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}`;
    // Only the ping timers run on fake time, so each test says when an interval passes; sockets keep real time.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  });

  afterEach(async () => {
    await endpoint.close();
    await new Promise<void>((resolve) => http.close(() => resolve()));
    vi.useRealTimers();
  });

  it('keeps a client that answers every ping', async () => {
    const client = await connect(url);
    for (let i = 1; i <= 4; i++) {
      const event = pingOrClose(client.ws);
      vi.advanceTimersByTime(PING_MS);
      expect(await event).toBe('ping');
      // The client's pong went out before this request: its answer means the server has read the pong.
      client.ws.send(JSON.stringify({ jsonrpc: '2.0', id: i, method: 'eth_chainId' }));
      expect(await client.next()).toMatchObject({ id: i, result: '0x539' });
    }
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('drops a client that did not answer the previous ping, and its subscriptions', async () => {
    const client = await connect(url, {}, { autoPong: false });
    client.ws.send('{"jsonrpc":"2.0","id":1,"method":"eth_subscribe","params":["newHeads"]}');
    await client.next();
    expect(own.headListenerCount).toBe(1);
    const first = pingOrClose(client.ws);
    vi.advanceTimersByTime(PING_MS);
    expect(await first).toBe('ping');
    let code: number | undefined;
    client.ws.once('close', (c) => (code = c));
    const second = pingOrClose(client.ws);
    vi.advanceTimersByTime(PING_MS);
    expect(await second).toBe('close');
    // 1006: cut off without a close frame.
    expect(code).toBe(1006);
    expect(own.headListenerCount).toBe(0);
  });

  it('stops pinging a connection once it closes, and every connection at shutdown', async () => {
    const a = await connect(url);
    await connect(url);
    expect(vi.getTimerCount()).toBe(2);
    a.ws.close();
    await waitFor(() => vi.getTimerCount() === 1);
    await endpoint.close();
    expect(vi.getTimerCount()).toBe(0);
  });
});

/** Whether the server's next act on `ws` is a ping or cutting it off. */
function pingOrClose(ws: WebSocket): Promise<'ping' | 'close'> {
  return new Promise((resolve) => {
    const onPing = (): void => {
      ws.off('close', onClose);
      resolve('ping');
    };
    const onClose = (): void => {
      ws.off('ping', onPing);
      resolve('close');
    };
    ws.once('ping', onPing).once('close', onClose);
  });
}

/** A WebSocket opened by hand, so the test decides when it reads. */
async function rawUpgrade(port: number): Promise<Socket> {
  const socket = tcpConnect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.write(
    'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  const head = await new Promise<string>((resolve) => socket.once('data', (chunk: Buffer) => resolve(chunk.toString('latin1'))));
  expect(head).toMatch(/^HTTP\/1.1 101 /);
  return socket;
}

/** One client-to-server text frame (clients must mask; a zero mask keeps the payload as it is). */
function maskedTextFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  expect(payload.length).toBeLessThan(126);
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length, 0, 0, 0, 0]), payload]);
}

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(condition()).toBe(true);
}

function toHex(n: number): string {
  return '0x' + n.toString(16);
}
