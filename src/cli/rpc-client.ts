import { CairnError } from '../primitives/errors.js';

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

  constructor(readonly url: string) {}

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
    const body = (await response.json()) as { result?: T; error?: { code: number; message: string } };
    if (body.error) throw new RpcClientError(`${method}: ${body.error.message}`, body.error.code);
    return body.result as T;
  }
}
