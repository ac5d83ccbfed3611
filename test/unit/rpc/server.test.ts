import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRpcServer, type RpcServer, type RpcServerOptions } from '../../../src/rpc/server.js';
import { FakeBackend } from './fake-backend.js';

const quiet = { error: () => {} };
const servers: RpcServer[] = [];

async function start(options: Partial<RpcServerOptions> = {}): Promise<RpcServer> {
  const server = await startRpcServer({ backend: new FakeBackend(), port: 0, log: quiet, ...options });
  servers.push(server);
  return server;
}

function post(server: RpcServer, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
}

async function postJson(server: RpcServer, body: string): Promise<unknown> {
  const res = await post(server, body);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/json');
  return res.json();
}

let server: RpcServer;

beforeAll(async () => {
  server = await start({ maxBodyBytes: 4096, maxBatchSize: 5 });
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

describe('JSON-RPC over HTTP', () => {
  it('listens on 127.0.0.1 and reports its url', () => {
    expect(server.host).toBe('127.0.0.1');
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.port).toBeGreaterThan(0);
  });

  it('refuses to start on a port in use, saying so', async () => {
    await expect(startRpcServer({ backend: new FakeBackend(), port: server.port, log: quiet })).rejects.toThrow(
      `JSON-RPC cannot listen on 127.0.0.1:${server.port}: the port is in use`,
    );
  });

  it('answers a single request with jsonrpc 2.0 and the id echoed with its type', async () => {
    expect(await postJson(server, '{"jsonrpc":"2.0","id":7,"method":"eth_chainId"}')).toEqual({ jsonrpc: '2.0', id: 7, result: '0x539' });
    expect(await postJson(server, '{"jsonrpc":"2.0","id":"7","method":"eth_chainId","params":[]}')).toEqual({ jsonrpc: '2.0', id: '7', result: '0x539' });
    expect(await postJson(server, '{"jsonrpc":"2.0","id":null,"method":"eth_chainId"}')).toEqual({ jsonrpc: '2.0', id: null, result: '0x539' });
  });

  it('answers a batch with mixed ids in order, leaving out notifications', async () => {
    const batch = [
      { jsonrpc: '2.0', id: 1, method: 'eth_blockNumber' },
      { jsonrpc: '2.0', method: 'eth_chainId' },
      { jsonrpc: '2.0', id: 'two', method: 'net_version' },
      { jsonrpc: '2.0', id: 3, method: 'no_such_method' },
      { jsonrpc: '2.0', id: 4.5, method: 'eth_getBalance', params: ['0x12'] },
    ];
    const answer = (await postJson(server, JSON.stringify(batch))) as { id: unknown; result?: unknown; error?: { code: number } }[];
    expect(answer.map((a) => a.id)).toEqual([1, 'two', 3, 4.5]);
    expect(answer[0]!.result).toBe('0x0');
    expect(answer[1]!.result).toBe('1337');
    expect(answer[2]!.error!.code).toBe(-32601);
    expect(answer[3]!.error!.code).toBe(-32602);
    for (const a of answer) expect(a).toHaveProperty('jsonrpc', '2.0');
  });

  it('sends no body for notifications only', async () => {
    const single = await post(server, '{"jsonrpc":"2.0","method":"eth_chainId"}');
    expect(single.status).toBe(204);
    expect(await single.text()).toBe('');
    const batch = await post(server, '[{"jsonrpc":"2.0","method":"eth_chainId"},{"jsonrpc":"2.0","method":"nope"}]');
    expect(batch.status).toBe(204);
  });

  it('parse error: -32700 with id null, HTTP 200', async () => {
    expect(await postJson(server, '{"jsonrpc":"2.0","id":1,')).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700 } });
  });

  it('invalid requests: -32600', async () => {
    const cases: [string, unknown][] = [
      ['42', null],
      ['{"id":1,"method":"eth_chainId"}', 1],
      ['{"jsonrpc":"1.0","id":1,"method":"eth_chainId"}', 1],
      ['{"jsonrpc":"2.0","id":1,"method":5}', 1],
      ['{"jsonrpc":"2.0","id":{"a":1},"method":"eth_chainId"}', null],
      ['{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":"x"}', 1],
      ['[]', null],
    ];
    for (const [body, id] of cases) {
      expect(await postJson(server, body), body).toMatchObject({ jsonrpc: '2.0', id, error: { code: -32600 } });
    }
    expect(await postJson(server, '[1, {"jsonrpc":"2.0","id":1,"method":"eth_chainId"}]')).toEqual([
      { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'invalid request: expected a JSON-RPC request object' } },
      { jsonrpc: '2.0', id: 1, result: '0x539' },
    ]);
  });

  it('refuses a batch above the cap as a whole', async () => {
    const batch = Array.from({ length: 6 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'eth_chainId' }));
    const answer = await postJson(server, JSON.stringify(batch));
    expect(answer).toMatchObject({ id: null, error: { code: -32600, message: 'batch too large: 6 requests, at most 5' } });
  });

  it('unknown method: -32601 with geth wording (ethers recognises it)', async () => {
    expect(await postJson(server, '{"jsonrpc":"2.0","id":1,"method":"eth_foo"}')).toEqual({
      jsonrpc: '2.0',
      id: 1,
      error: { code: -32601, message: 'the method eth_foo does not exist/is not available' },
    });
    // Object prototype names are not methods.
    expect(await postJson(server, '{"jsonrpc":"2.0","id":1,"method":"toString"}')).toMatchObject({ error: { code: -32601 } });
  });

  it('named params: -32602', async () => {
    expect(await postJson(server, '{"jsonrpc":"2.0","id":1,"method":"eth_getBalance","params":{"address":"0x00"}}')).toMatchObject({
      error: { code: -32602 },
    });
  });

  it('a body over the limit: a JSON-RPC error with id null, HTTP 200', async () => {
    const big = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: ['x'.repeat(10_000)] });
    const res = await post(server, big);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32600, message: expect.stringMatching(/body too large/) } });
    // The server keeps serving.
    expect(await postJson(server, '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}')).toMatchObject({ result: '0x539' });
  });

  it('a streamed (chunked) body over the limit gets the same answer', async () => {
    const chunk = new TextEncoder().encode(' '.repeat(1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 8) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: null, error: { code: -32600, message: expect.stringMatching(/body too large/) } });
  });

  it('refuses a POST that is not JSON with 415, as geth does (a web page can send those without a preflight)', async () => {
    const body = '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}';
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': type }, body });
      expect(res.status).toBe(415);
      expect(await res.text()).toMatch(/Content-Type: application\/json/);
    }
    const untyped = await fetch(server.url, { method: 'POST', body: new Blob([body]) });
    expect(untyped.status).toBe(415);
    for (const type of ['application/json; charset=utf-8', 'Application/JSON', 'application/json-rpc']) {
      const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': type }, body });
      expect(await res.json()).toEqual({ jsonrpc: '2.0', id: 1, result: '0x539' });
    }
  });

  it('a body that is not UTF-8: -32700, not an id decoded into U+FFFD', async () => {
    const bytes = Buffer.concat([Buffer.from('{"jsonrpc":"2.0","id":"'), Buffer.from([0xff, 0xfe]), Buffer.from('","method":"eth_chainId"}')]);
    const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bytes });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700, message: expect.stringMatching(/UTF-8/) } });
  });

  it('a batch whose answers pass the size limit: the rest are -32003, with their ids', async () => {
    const s = await start({ maxBatchResponseChars: 1000 });
    const full = { jsonrpc: '2.0', method: 'eth_getBlockByNumber', params: ['latest', true] };
    const ids = Array.from({ length: 40 }, (_, i) => i + 1);
    const answer = (await postJson(s, JSON.stringify(ids.map((id) => ({ ...full, id }))))) as { id: number; result?: unknown; error?: { code: number } }[];
    expect(answer.map((a) => a.id)).toEqual(ids);
    // The first 16 were already running together when the first answer passed the limit (DEFAULT_MAX_BATCH_CONCURRENCY).
    for (const a of answer.slice(0, 16)) expect(a.result).toMatchObject({ number: '0x0' });
    expect(answer.slice(16).map((a) => a.error?.code)).toEqual(Array(24).fill(-32003));
  });

  it('GET answers a health object; other methods are 405', async () => {
    const health = await fetch(server.url);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', clientVersion: 'Cairn/v0.1.0/test', chainId: '0x539', head: 0 });
    const put = await fetch(server.url, { method: 'PUT', body: '{}' });
    expect(put.status).toBe(405);
  });
});

describe('CORS', () => {
  const preflight = (s: RpcServer, origin: string): Promise<Response> =>
    fetch(s.url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });

  it('is off by default: no Access-Control headers, preflight or not', async () => {
    const pre = await preflight(server, 'http://dapp.example');
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    const res = await post(server, '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}', { origin: 'http://dapp.example' });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('allows listed origins only, and answers their preflight', async () => {
    const s = await start({ corsOrigins: ['http://dapp.example/'] });
    const pre = await preflight(s, 'http://dapp.example');
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('http://dapp.example');
    expect(pre.headers.get('access-control-allow-methods')).toMatch(/POST/);
    expect(pre.headers.get('access-control-allow-headers')).toBe('content-type');
    const res = await post(s, '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}', { origin: 'http://dapp.example' });
    expect(res.headers.get('access-control-allow-origin')).toBe('http://dapp.example');
    expect((await preflight(s, 'http://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('"*" allows any origin', async () => {
    const s = await start({ corsOrigins: ['*'] });
    expect((await preflight(s, 'http://anything.example')).headers.get('access-control-allow-origin')).toBe('*');
  });
});

/** A POST with a given Host header (fetch does not let a caller set it): status and body. */
function postWithHost(s: RpcServer, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: s.host, port: s.port, method: 'POST', headers: { host, 'content-type': 'application/json' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end('{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}');
  });
}

describe('Host check (DNS rebinding), as geth\'s vhosts', () => {
  it('answers IP addresses and localhost by default, and refuses other names with 403', async () => {
    for (const host of ['127.0.0.1:8545', '[::1]:8545', '10.1.2.3', 'localhost:8545', 'LOCALHOST']) {
      expect(await postWithHost(server, host)).toEqual({ status: 200, body: '{"jsonrpc":"2.0","id":1,"result":"0x539"}' });
    }
    for (const host of ['attacker.example', 'attacker.example:8545', 'localhost.attacker.example']) {
      const answer = await postWithHost(server, host);
      expect(answer.status).toBe(403);
      expect(answer.body).toMatch(/invalid host specified.*--rpc-vhost/);
    }
  });

  it('answers the names it is given, or any with "*"', async () => {
    const named = await start({ vhosts: ['node.lan'] });
    expect((await postWithHost(named, 'node.lan:8545')).status).toBe(200);
    expect((await postWithHost(named, 'localhost')).status).toBe(403);
    const any = await start({ vhosts: ['*'] });
    expect((await postWithHost(any, 'attacker.example')).status).toBe(200);
  });
});
