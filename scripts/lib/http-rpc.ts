import { Agent, request } from 'node:http';

/**
 * A JSON-RPC client for load generation: node:http with a keep-alive agent.
 * Node's fetch tops out near 1,000 requests/s on this machine, which would
 * measure the client instead of the node.
 */
export class HttpRpcClient {
  readonly #agent: Agent;
  readonly #url: URL;
  #id = 0;

  constructor(url: string, connections: number) {
    this.#url = new URL(url);
    this.#agent = new Agent({ keepAlive: true, maxSockets: connections });
  }

  call<T>(method: string, params: unknown[] = []): Promise<T> {
    const body = JSON.stringify({ jsonrpc: '2.0', id: ++this.#id, method, params });
    return new Promise<T>((resolve, reject) => {
      const req = request(
        {
          host: this.#url.hostname,
          port: this.#url.port,
          path: this.#url.pathname,
          method: 'POST',
          agent: this.#agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            try {
              const answer = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { result?: T; error?: { message: string } };
              if (answer.error) reject(new Error(`${method}: ${answer.error.message}`));
              else resolve(answer.result as T);
            } catch (err) {
              reject(err);
            }
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}
