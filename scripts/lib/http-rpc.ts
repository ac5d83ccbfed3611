import { connect, type Socket } from 'node:net';

/**
 * A JSON-RPC client for load generation: plain HTTP/1.1 POSTs over a fixed
 * set of keep-alive TCP connections, one request in flight on each, written
 * and parsed by hand. The node sees ordinary keep-alive requests; the client
 * spends a small fraction of the CPU that node:http's client does (about
 * 0.3-0.4 ms a request on this machine), and it runs on the same two cores
 * as the node it measures, so what it saves goes to the node. Node's fetch is
 * slower still (it tops out near 1,000 requests/s here).
 */
export class HttpRpcClient {
  readonly #host: string;
  readonly #port: number;
  readonly #head: string;
  readonly #idle: Connection[] = [];
  readonly #waiting: Array<(connection: Connection) => void> = [];
  #open = 0;
  #id = 0;
  #closed = false;

  constructor(
    url: string,
    private readonly connections: number,
  ) {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:') throw new Error(`HttpRpcClient speaks plain http only, got ${url}`);
    this.#host = parsed.hostname.replace(/^\[|\]$/g, '');
    this.#port = Number(parsed.port || 80);
    this.#head = `POST ${parsed.pathname} HTTP/1.1\r\nHost: ${parsed.host}\r\nContent-Type: application/json\r\nConnection: keep-alive\r\nContent-Length: `;
  }

  async call<T>(method: string, params: unknown[] = []): Promise<T> {
    const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: ++this.#id, method, params }));
    const request = Buffer.concat([Buffer.from(`${this.#head}${body.length}\r\n\r\n`), body]);
    let text: string;
    for (let attempt = 1; ; attempt++) {
      const connection = await this.#acquire();
      const reused = connection.used;
      try {
        text = await connection.post(request);
        break;
      } catch (err) {
        // The node closes a keep-alive connection after 5 s idle; one reused just
        // as it did so never got a response: send again, once, on a new one.
        if (!(reused && connection.dead && !connection.answered && attempt === 1)) throw err;
      } finally {
        this.#release(connection);
      }
    }
    const answer = JSON.parse(text) as { result?: T; error?: { message: string } };
    if (answer.error) throw new Error(`${method}: ${answer.error.message}`);
    return answer.result as T;
  }

  close(): void {
    this.#closed = true;
    for (const connection of this.#idle.splice(0)) connection.destroy();
  }

  #acquire(): Promise<Connection> {
    if (this.#closed) return Promise.reject(new Error('HttpRpcClient is closed'));
    let idle = this.#idle.pop();
    // Closed by the node while idle: its slot was already given back.
    while (idle?.dead) idle = this.#idle.pop();
    if (idle) return Promise.resolve(idle);
    if (this.#open < this.connections) {
      this.#open++;
      return Promise.resolve(new Connection(connect(this.#port, this.#host), () => this.#open--));
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  #release(connection: Connection): void {
    if (connection.dead) {
      // A closed connection gives its slot to a waiting caller, who opens a new one.
      const next = this.#waiting.shift();
      if (next) void this.#acquire().then(next);
      return;
    }
    if (this.#closed) return connection.destroy();
    const next = this.#waiting.shift();
    if (next) next(connection);
    else this.#idle.push(connection);
  }
}

/** One keep-alive connection: one request at a time, its response read by Content-Length or chunked encoding. */
class Connection {
  dead = false;
  /** It has carried a whole request and response before. */
  used = false;
  /** Some of the current request's response has arrived. */
  answered = false;
  /** What arrived of the current response; joined once it is complete (a large body comes in many chunks). */
  #chunks: Buffer[] = [];
  #received = 0;
  /** Header length and whole response length, once the header is complete. */
  #frame: { head: string; bodyStart: number; total: number } | undefined;
  #pending: { resolve: (body: string) => void; reject: (err: Error) => void } | undefined;

  constructor(
    private readonly socket: Socket,
    onClose: () => void,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.answered = true;
      this.#chunks.push(chunk);
      this.#received += chunk.length;
      this.#parse();
    });
    const fail = (err: Error): void => {
      const pending = this.#pending;
      this.#pending = undefined;
      pending?.reject(err);
    };
    socket.on('error', fail);
    socket.on('close', () => {
      this.dead = true;
      onClose();
      fail(new Error('the node closed the connection'));
    });
  }

  post(request: Buffer): Promise<string> {
    if (this.dead) return Promise.reject(new Error('the node closed the connection'));
    return new Promise((resolve, reject) => {
      this.#pending = { resolve, reject };
      this.answered = false;
      this.socket.write(request);
    });
  }

  destroy(): void {
    this.socket.destroy();
  }

  #parse(): void {
    if (!this.#pending) return;
    if (this.#frame === undefined) {
      const data = this.#join();
      const end = data.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = data.toString('latin1', 0, end);
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      if (length) this.#frame = { head, bodyStart: end + 4, total: end + 4 + Number(length[1]) };
      else if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) this.#frame = { head, bodyStart: end + 4, total: -1 };
      else return this.#abandon(`response with neither Content-Length nor chunked encoding: ${head.split('\r\n')[0]}`);
    }
    const { head, bodyStart } = this.#frame;
    let body: string;
    let total = this.#frame.total;
    if (total < 0) {
      // Chunked (Hardhat answers so): complete once the zero-size chunk has arrived.
      let chunked: ReturnType<typeof readChunked>;
      try {
        chunked = readChunked(this.#join(), bodyStart);
      } catch (err) {
        return this.#abandon((err as Error).message);
      }
      if (chunked === undefined) return;
      ({ body, total } = chunked);
    } else {
      if (this.#received < total) return;
      body = this.#join().toString('utf8', bodyStart, total);
    }
    const data = this.#join();
    // One request at a time: anything after the response would be a server error, kept for the next parse.
    this.#chunks = total < data.length ? [data.subarray(total)] : [];
    this.#received = data.length - total;
    this.#frame = undefined;
    this.used = true;
    const pending = this.#pending;
    this.#pending = undefined;
    const status = head.slice(9, 12);
    if (status === '200') pending.resolve(body);
    else pending.reject(new Error(`HTTP ${status}: ${body}`));
  }

  /** A response this client cannot read: fail its request and drop the connection. */
  #abandon(message: string): void {
    this.#pending?.reject(new Error(message));
    this.#pending = undefined;
    this.socket.destroy();
  }

  #join(): Buffer {
    if (this.#chunks.length > 1) this.#chunks = [Buffer.concat(this.#chunks)];
    return this.#chunks[0] ?? Buffer.alloc(0);
  }
}

/**
 * A chunked body (RFC 9112 section 7.1) that starts at `start`: its text and
 * where the message ends, or undefined while its last chunk has not arrived.
 * Chunk extensions are skipped; trailers are not expected from a JSON-RPC server.
 */
export function readChunked(data: Buffer, start: number): { body: string; total: number } | undefined {
  const parts: Buffer[] = [];
  let at = start;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at);
    if (lineEnd < 0) return undefined;
    const size = parseInt(data.toString('latin1', at, lineEnd).split(';')[0]!, 16);
    if (Number.isNaN(size)) throw new Error(`bad chunk size line: ${data.toString('latin1', at, lineEnd)}`);
    const chunkEnd = lineEnd + 2 + size;
    if (data.length < chunkEnd + 2) return undefined;
    if (size === 0) return { body: Buffer.concat(parts).toString('utf8'), total: chunkEnd + 2 };
    parts.push(data.subarray(lineEnd + 2, chunkEnd));
    at = chunkEnd + 2;
  }
}
