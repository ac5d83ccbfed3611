import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { RawData, WebSocket, WebSocketServer } from 'ws';
import type { RpcBackend } from './backend.js';
import type { RpcDispatcher } from './dispatch.js';
import { notification, subscriptionMethods, SubscriptionSession } from './subscriptions.js';

/**
 * JSON-RPC over WebSocket on the HTTP server's own port (an HTTP Upgrade on
 * any path, as geth, Hardhat and Anvil do): the same methods as HTTP, one
 * request or batch per text message, plus eth_subscribe on the connection.
 *
 * Browsers may open WebSockets to any site, so a request that carries an
 * Origin is accepted only from the origins the CORS option allows; clients
 * that send none (viem and ethers in Node, wscat) are accepted.
 *
 * A client that stops reading is disconnected once MAX_BUFFERED_BYTES of
 * answers and notifications wait for it, rather than grow the node's memory
 * without end.
 *
 * Every PING_INTERVAL_MS the server pings each connection, as geth does, and
 * drops one that has not answered the previous ping with a pong: a peer that
 * vanished without closing (a sleeping laptop, a dropped NAT mapping) would
 * otherwise hold its subscriptions forever, and the pings keep idle
 * connections open through proxies that close silent ones.
 */

export const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;
/** geth's wsPingInterval. */
export const PING_INTERVAL_MS = 30_000;
/** How long a closing server waits for each client to answer its close frame. */
const CLOSE_WAIT_MS = 1_000;

export interface WebSocketOptions {
  readonly backend: RpcBackend;
  readonly dispatcher: RpcDispatcher;
  /** Largest message; a larger one closes the connection (1009). */
  readonly maxPayload: number;
  readonly isOriginAllowed: (origin: string) => boolean;
  readonly logError: (message: string) => void;
  /** Unsent bytes at which a connection is dropped for not reading; default MAX_BUFFERED_BYTES. */
  readonly maxBufferedBytes?: number;
  /** Time between pings, and how long a client has to answer one; default PING_INTERVAL_MS. */
  readonly pingIntervalMs?: number;
}

export interface WebSocketEndpoint {
  /** Closes every connection. */
  close(): Promise<void>;
}

/** Serves WebSocket upgrades of `server`. The `ws` module is loaded on the first one, so a node that never sees one does not pay for it at start. */
export function attachWebSocket(server: Server, options: WebSocketOptions): WebSocketEndpoint {
  let wss: Promise<WebSocketServer> | undefined;
  let closed = false;
  const load = (): Promise<WebSocketServer> =>
    (wss ??= import('ws').then(({ WebSocketServer }) => new WebSocketServer({ noServer: true, maxPayload: options.maxPayload })));

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const origin = req.headers.origin;
    if (closed || (origin !== undefined && !options.isOriginAllowed(origin))) {
      socket.end(closed ? 'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n' : 'HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    socket.on('error', () => socket.destroy());
    load().then(
      (server) =>
        server.handleUpgrade(req, socket, head, (ws) => {
          // An upgrade that finished after close() began would hold the HTTP server open.
          if (closed) ws.terminate();
          else serve(ws, options);
        }),
      (err: unknown) => {
        options.logError(`WebSocket support failed to load: ${err instanceof Error ? err.message : String(err)}`);
        socket.destroy();
      },
    );
  };
  server.on('upgrade', onUpgrade);

  return {
    close: async () => {
      closed = true;
      server.off('upgrade', onUpgrade);
      if (wss === undefined) return;
      const loaded = await wss;
      // 1001 "going away" tells clients why; one that does not answer the close within a bound is cut off.
      await Promise.all(
        [...loaded.clients].map(
          (ws) =>
            new Promise<void>((resolve) => {
              const timer = setTimeout(() => ws.terminate(), CLOSE_WAIT_MS);
              ws.once('close', () => {
                clearTimeout(timer);
                resolve();
              });
              ws.close(1001, 'the node is shutting down');
            }),
        ),
      );
      await new Promise<void>((resolve) => loaded.close(() => resolve()));
    },
  };
}

function serve(ws: WebSocket, options: WebSocketOptions): void {
  const maxBuffered = options.maxBufferedBytes ?? MAX_BUFFERED_BYTES;
  const send = (message: string): void => {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > maxBuffered) {
      // A close frame would queue behind what the client is not reading: drop the connection.
      session.close();
      ws.terminate();
      return;
    }
    ws.send(message);
  };
  const session = new SubscriptionSession(options.backend, (id, result) => send(notification(id, result)), options.logError);
  const methods = subscriptionMethods(session);
  ws.on('message', (data) => {
    const answer = options.dispatcher.handleBytes(bytes(data), methods);
    if (answer instanceof Promise) {
      answer.then(
        (text) => text !== null && send(text),
        (err: unknown) => options.logError(`JSON-RPC dispatch failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`),
      );
    } else if (answer !== null) send(answer);
  });
  let alive = true;
  ws.on('pong', () => (alive = true));
  const pinger = setInterval(() => {
    if (!alive) {
      session.close();
      ws.terminate();
      return;
    }
    alive = false;
    if (ws.readyState === ws.OPEN) ws.ping();
  }, options.pingIntervalMs ?? PING_INTERVAL_MS);
  ws.on('close', () => {
    clearInterval(pinger);
    session.close();
  });
  // A peer that vanished mid-frame: the close event follows and cleans up.
  ws.on('error', () => ws.terminate());
}

/** A message's bytes: text frames carry JSON-RPC, and a binary frame is read as UTF-8 JSON too, as geth does. */
function bytes(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}
