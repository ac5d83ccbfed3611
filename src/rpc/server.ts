import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import { isIP, type AddressInfo } from 'node:net';
import { CairnError } from '../primitives/errors.js';
import { toQuantity } from '../primitives/hex.js';
import type { RpcBackend } from './backend.js';
import { ChainView } from './chain-view.js';
import { RpcDispatcher } from './dispatch.js';
import { RpcErrorCode, wireCode } from './errors.js';
import { FeeOracle, type FeeOracleOptions } from './fees.js';
import { filterMethods } from './filters.js';
import { cairnMethods } from './modules/cairn.js';
import { debugMethods } from './modules/debug.js';
import { supplyMethods } from './modules/supply.js';
import { ethMethods } from './modules/eth.js';
import { netMethods } from './modules/net.js';
import { txpoolMethods } from './modules/txpool.js';
import { web3Methods } from './modules/web3.js';
import { attachWebSocket } from './websocket.js';

/**
 * JSON-RPC 2.0 over HTTP (node:http, keep-alive) and WebSocket on the same
 * port (websocket.ts). POST carries requests; every JSON-RPC answer, errors
 * included, is HTTP 200 (non-2xx makes viem and ethers drop the JSON-RPC
 * error). GET answers a small health object; OPTIONS answers CORS
 * preflights. CORS is off unless origins are configured.
 */

/** The subset of the node's Logger the server uses: unexpected failures (answered -32603) go here. */
export interface RpcLogger {
  error(message: string): void;
}

export interface RpcServerOptions {
  readonly backend: RpcBackend;
  /** Listen address; default 127.0.0.1 (anything else exposes the node). */
  readonly host?: string;
  /** Default 8545; 0 picks a free port (see RpcServer.port). */
  readonly port?: number;
  /** Browser origins allowed by CORS, e.g. "http://localhost:5173", or "*" for any; empty = CORS off. */
  readonly corsOrigins?: readonly string[];
  /** Host names the HTTP endpoint answers to besides IP literals (geth's --http.vhosts), "*" for any; default ["localhost"]. */
  readonly vhosts?: readonly string[];
  /** Largest request body (and WebSocket message); default 5 MiB. */
  readonly maxBodyBytes?: number;
  /** Unsent bytes at which a WebSocket client that does not read is disconnected; default 16 MiB. */
  readonly wsMaxBufferedBytes?: number;
  /** Most requests in one batch; default 1000. */
  readonly maxBatchSize?: number;
  /** Characters of answers one batch may produce before its remaining requests are refused (-32003); default 25,000,000, as geth. */
  readonly maxBatchResponseChars?: number;
  /** Widest eth_getLogs block range; default 10,000. */
  readonly maxLogBlockRange?: number;
  /** Most logs one eth_getLogs answer may hold; default 10,000. */
  readonly maxLogs?: number;
  readonly fees?: FeeOracleOptions;
  readonly log?: RpcLogger;
}

export interface RpcServer {
  /** e.g. http://127.0.0.1:8545 */
  readonly url: string;
  /** The same endpoint for WebSocket clients, e.g. ws://127.0.0.1:8545 */
  readonly wsUrl: string;
  readonly host: string;
  readonly port: number;
  /** Stops accepting connections, drops idle keep-alive ones and WebSockets, resolves when all are closed (once; later calls share it). */
  close(): Promise<void>;
}

export const DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024;
export const DEFAULT_MAX_BATCH_SIZE = 1000;

const consoleLogger: RpcLogger = { error: (m) => console.error(m) };

export type RpcDispatcherOptions = Pick<RpcServerOptions, 'backend' | 'maxBatchSize' | 'maxBatchResponseChars' | 'maxLogBlockRange' | 'maxLogs' | 'fees' | 'log'> & {
  /** Aborted when the server closes: the filters stop following the chain. */
  readonly signal?: AbortSignal;
};

/** All namespaces wired to one backend: the transport-independent part, reusable by a WebSocket transport. */
export function createRpcDispatcher(options: RpcDispatcherOptions): RpcDispatcher {
  const { backend } = options;
  const chain = new ChainView(backend);
  const fees = new FeeOracle(backend, options.fees);
  const logLimits = { maxLogBlockRange: options.maxLogBlockRange ?? 10_000, maxLogs: options.maxLogs ?? 10_000 };
  const eth = ethMethods(backend, chain, fees, logLimits);
  const log = options.log ?? consoleLogger;
  const filters = filterMethods(backend, chain, logLimits, (m) => log.error(m), options.signal);
  return new RpcDispatcher([eth, filters, netMethods(backend), web3Methods(backend), cairnMethods(backend), debugMethods(backend, chain), supplyMethods(backend), txpoolMethods(backend)], {
    maxBatchSize: options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE,
    maxBatchResponseChars: options.maxBatchResponseChars,
    logError: (m) => log.error(m),
  });
}

/**
 * The content types a JSON-RPC POST may carry (geth's list). Anything else is
 * refused with 415, as geth does: a web page can send a form or text/plain to
 * a node on the user's machine without a CORS preflight, and a JSON type it
 * cannot.
 */
const JSON_CONTENT_TYPES: ReadonlySet<string> = new Set(['application/json', 'application/json-rpc', 'application/jsonrequest']);

function isJsonContentType(value: string | undefined): boolean {
  return value !== undefined && JSON_CONTENT_TYPES.has(value.split(';')[0]!.trim().toLowerCase());
}

export async function startRpcServer(options: RpcServerOptions): Promise<RpcServer> {
  const log = options.log ?? consoleLogger;
  const lifetime = new AbortController();
  const dispatcher = createRpcDispatcher({ ...options, log, signal: lifetime.signal });
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const isOriginAllowed = originFilter(options.corsOrigins ?? []);
  const isHostAllowed = hostFilter(options.vhosts ?? DEFAULT_VHOSTS);
  const headersFor = corsHeaders(options.corsOrigins ?? [], isOriginAllowed);
  const { backend } = options;

  // Encoded once: measuring a string's UTF-8 length and then writing the string
  // walks it twice, and Node prepends the headers to a string body by copying
  // it. For a 333 KiB answer (a long supply history) that took a request from
  // about 1.5 to 4 ms here; small answers cost the same either way.
  const reply = (res: ServerResponse, status: number, body: string, headers: OutgoingHttpHeaders): void => {
    const bytes = Buffer.from(body, 'utf8');
    headers['content-length'] = bytes.length;
    res.writeHead(status, headers);
    res.end(bytes);
  };

  const onPost = (req: IncomingMessage, res: ServerResponse, headers: OutgoingHttpHeaders): void => {
    const chunks: Buffer[] = [];
    let size = 0;
    // Too large: keep reading to the end (so the answer reaches the client
    // rather than a reset), discard, answer, close. requestTimeout bounds it.
    let tooLarge = Number(req.headers['content-length']) > maxBodyBytes;
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > maxBodyBytes) {
        tooLarge = true;
        chunks.length = 0;
      } else chunks.push(chunk);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      headers['content-type'] = 'application/json';
      if (tooLarge) {
        headers['connection'] = 'close';
        const error = { code: wireCode(RpcErrorCode.InvalidRequest), message: `request body too large: the limit is ${maxBodyBytes} bytes` };
        return reply(res, 200, `{"jsonrpc":"2.0","id":null,"error":${JSON.stringify(error)}}`, headers);
      }
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      const send = (answer: string | null): void => {
        if (answer === null) {
          res.writeHead(204, headers);
          res.end();
        } else reply(res, 200, answer, headers);
      };
      const answer = dispatcher.handleBytes(body);
      if (answer instanceof Promise) {
        answer.then(send, (err: unknown) => {
          log.error(`JSON-RPC dispatch failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
          res.destroy();
        });
      } else send(answer);
    });
  };

  const server = createServer((req, res) => {
    const headers = headersFor(req.headers.origin);
    if (!isHostAllowed(req.headers.host)) {
      headers['content-type'] = 'text/plain';
      return reply(res, 403, `invalid host specified: this node answers to IP addresses and ${describeVhosts(options.vhosts ?? DEFAULT_VHOSTS)}; start it with --rpc-vhost <name> to add a name\n`, headers);
    }
    switch (req.method) {
      case 'POST':
        if (!isJsonContentType(req.headers['content-type'])) {
          headers['content-type'] = 'text/plain';
          return reply(res, 415, 'invalid content type: send JSON-RPC with Content-Type: application/json\n', headers);
        }
        return onPost(req, res, headers);
      case 'OPTIONS':
        if (headers['access-control-allow-origin'] !== undefined) {
          headers['access-control-allow-methods'] = 'POST, GET, OPTIONS';
          headers['access-control-allow-headers'] = req.headers['access-control-request-headers'] ?? 'content-type';
          headers['access-control-max-age'] = '600';
        }
        headers['allow'] = 'POST, GET, OPTIONS';
        res.writeHead(204, headers);
        return res.end();
      case 'GET':
      case 'HEAD': {
        headers['content-type'] = 'application/json';
        const health = { status: 'ok', clientVersion: backend.clientVersion, chainId: toQuantity(backend.chainId), head: backend.head().header.number };
        return reply(res, 200, JSON.stringify(health), headers);
      }
      default:
        headers['allow'] = 'POST, GET, OPTIONS';
        headers['content-type'] = 'text/plain';
        return reply(res, 405, 'JSON-RPC: send POST requests\n', headers);
    }
  });

  const websocket = attachWebSocket(server, {
    backend,
    dispatcher,
    maxPayload: maxBodyBytes,
    isOriginAllowed,
    logError: (m) => log.error(m),
    maxBufferedBytes: options.wsMaxBufferedBytes,
  });

  const host = options.host ?? '127.0.0.1';
  const requestedPort = options.port ?? 8545;
  await new Promise<void>((resolve, reject) => {
    const fail = (err: NodeJS.ErrnoException): void => {
      const why = err.code === 'EADDRINUSE' ? 'the port is in use (another node? pick another port)' : err.code === 'EADDRNOTAVAIL' ? 'no such local address' : err.message;
      reject(new CairnError('RPC_LISTEN', `JSON-RPC cannot listen on ${host}:${requestedPort}: ${why}`, { cause: err }));
    };
    server.once('error', fail);
    server.listen(requestedPort, host, () => {
      server.off('error', fail);
      resolve();
    });
  });
  server.on('error', (err) => log.error(`JSON-RPC server error: ${err.message}`));
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  const authority = `${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    url: `http://${authority}`,
    wsUrl: `ws://${authority}`,
    host,
    port,
    close: () =>
      (closing ??= (async () => {
        lifetime.abort();
        // Upgraded sockets still count as the server's connections: end them first.
        await websocket.close();
        await new Promise<void>((resolve, reject) => {
          server.close((err) => (err ? reject(err) : resolve()));
          server.closeIdleConnections();
        });
      })()),
  };
}

export const DEFAULT_VHOSTS: readonly string[] = ['localhost'];

/**
 * Whether a request's Host header names this node, as geth's vhosts check
 * does it: an IP literal, a listed name (or "*" listed), or no Host at all.
 * A web page that rebinds its own domain name to 127.0.0.1 would otherwise be
 * same-origin with the node and read its answers; its requests still carry
 * its domain as Host.
 */
function hostFilter(vhosts: readonly string[]): (host: string | undefined) => boolean {
  const allowed = new Set(vhosts.map((v) => v.toLowerCase()));
  return (host) => {
    if (host === undefined || host === '' || allowed.has('*')) return true;
    const name = hostName(host);
    return isIP(name) !== 0 || allowed.has(name.toLowerCase());
  };
}

/** The name or address in a Host header, without its port or IPv6 brackets. */
function hostName(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return host.slice(1, end < 0 ? host.length : end);
  }
  const colon = host.indexOf(':');
  return colon < 0 ? host : host.slice(0, colon);
}

function describeVhosts(vhosts: readonly string[]): string {
  return vhosts.length === 0 ? 'no host name' : vhosts.map((v) => `"${v}"`).join(', ');
}

/** Whether a browser origin may call: listed (a trailing slash ignored, as browsers send none), or "*" listed. */
function originFilter(origins: readonly string[]): (origin: string) => boolean {
  const allowed = new Set(origins.map((o) => o.replace(/\/+$/, '')));
  return (origin) => allowed.has('*') || allowed.has(origin);
}

/**
 * Headers for a response to a request from `origin`: the CORS ones if the
 * origin is allowed. A fresh object per call: the caller adds to it.
 */
function corsHeaders(origins: readonly string[], isAllowed: (origin: string) => boolean): (origin: string | undefined) => OutgoingHttpHeaders {
  if (origins.length === 0) return () => ({});
  if (origins.includes('*')) return () => ({ 'access-control-allow-origin': '*' });
  return (origin) => (origin !== undefined && isAllowed(origin) ? { 'access-control-allow-origin': origin, vary: 'Origin' } : { vary: 'Origin' });
}
