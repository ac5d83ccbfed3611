import { CairnError } from '../primitives/errors.js';
import { UsageError } from './errors.js';

/** An error answer from a node, or a node that cannot be reached. */
export class RpcClientError extends CairnError {
  constructor(
    message: string,
    readonly rpcCode?: number,
  ) {
    super('RPC_CLIENT', message);
  }
}

const TIMEOUT_MS = 10_000;

/** Minimal JSON-RPC 2.0 client over HTTP for the CLI's wallet and status commands. */
export class RpcClient {
  private nextId = 1;

  /** UsageError unless `url` is an http(s) URL: caught before any call, not reported as an unreachable node. */
  constructor(readonly url: string) {
    let protocol: string;
    try {
      protocol = new URL(url).protocol;
    } catch {
      throw new UsageError(`--rpc must be a node's JSON-RPC URL such as http://127.0.0.1:8545, got "${url}"`);
    }
    if (protocol !== 'http:' && protocol !== 'https:') {
      throw new UsageError(`--rpc must be an http:// or https:// URL such as http://127.0.0.1:8545, got "${url}"`);
    }
  }

  async call<T>(method: string, params: unknown[] = []): Promise<T> {
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: this.nextId++, method, params }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (err) {
      const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
      throw new RpcClientError(`cannot reach a Cairn node at ${this.url} (${cause}): is it running? Start one with "cairn start" or pass --rpc <url>`);
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      body = undefined;
    }
    if (typeof body !== 'object' || body === null || !('result' in body || 'error' in body)) {
      throw new RpcClientError(
        `${this.url} answered ${method} with HTTP ${response.status} but no JSON-RPC response: is --rpc the address of a Cairn node's JSON-RPC port?`,
      );
    }
    const answer = body as { result?: T; error?: { code: number; message: string } };
    if (answer.error) throw new RpcClientError(`${method}: ${answer.error.message}`, answer.error.code);
    return answer.result as T;
  }
}
