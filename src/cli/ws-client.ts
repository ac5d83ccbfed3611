import type { WebSocket } from 'ws';
import { RpcClientError } from './rpc-client.js';

const TIMEOUT_MS = 10_000;

interface Waiting {
  readonly method: string;
  resolve(result: unknown): void;
  reject(err: Error): void;
}

/**
 * A JSON-RPC client over a WebSocket, for commands that follow the chain
 * (eth_subscribe). Takes the node's HTTP URL (what --rpc names) and
 * connects to the same port with ws:// (wss:// for https).
 */
export class WsRpcClient {
  readonly #ws: WebSocket;
  readonly #waiting = new Map<number, Waiting>();
  #nextId = 1;
  #onNotification: (subscription: string, result: unknown) => void = () => {};
  /** Resolves with a description when the connection ends, for whatever reason. */
  readonly closed: Promise<string>;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    this.closed = new Promise((resolve) => {
      ws.once('close', (code, reason) => {
        const why = `the connection closed (code ${code}${reason.length > 0 ? `: ${reason.toString()}` : ''})`;
        for (const waiting of this.#waiting.values()) waiting.reject(new RpcClientError(why));
        this.#waiting.clear();
        resolve(why);
      });
    });
    ws.on('message', (data) => this.#receive(String(data)));
    ws.on('error', () => ws.terminate());
  }

  static async connect(httpUrl: string): Promise<WsRpcClient> {
    const url = httpUrl.replace(/^http/, 'ws');
    const { WebSocket } = await import('ws');
    const ws = new WebSocket(url, { handshakeTimeout: TIMEOUT_MS });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', (err) =>
        reject(new RpcClientError(`cannot open a WebSocket to a Cairn node at ${url} (${err.message}): is it running? Start one with "cairn start" or pass --rpc <url>`)),
      );
    });
    return new WsRpcClient(ws);
  }

  call<T>(method: string, params: unknown[] = []): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(id);
        reject(new RpcClientError(`${method}: no answer within ${TIMEOUT_MS / 1000} s`));
      }, TIMEOUT_MS);
      this.#waiting.set(id, {
        method,
        resolve: (result) => {
          clearTimeout(timer);
          resolve(result as T);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
      this.#ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    });
  }

  /** Where eth_subscription notifications go. */
  onNotification(handler: (subscription: string, result: unknown) => void): void {
    this.#onNotification = handler;
  }

  close(): void {
    this.#ws.close();
  }

  #receive(text: string): void {
    let message: {
      id?: number;
      result?: unknown;
      error?: { code: number; message: string };
      method?: string;
      params?: { subscription: string; result: unknown };
    };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      return;
    }
    if (message.method === 'eth_subscription' && message.params !== undefined) {
      this.#onNotification(message.params.subscription, message.params.result);
      return;
    }
    const waiting = message.id === undefined ? undefined : this.#waiting.get(message.id);
    if (waiting === undefined) return;
    this.#waiting.delete(message.id!);
    if (message.error) waiting.reject(new RpcClientError(`${waiting.method}: ${message.error.message}`, message.error.code));
    else waiting.resolve(message.result);
  }
}
