import { isUtf8 } from 'node:buffer';
import { RpcErrorCode, toWireError, wireCode } from './errors.js';
import type { Params } from './params.js';

/**
 * JSON-RPC 2.0 framing, independent of the transport: one body in, one body
 * out. Single requests and batches; notifications (no `id`) run but get no
 * answer; ids are echoed with their JSON type (ethers matches with ===).
 * Handlers that answer synchronously keep the whole request synchronous:
 * the hot methods (eth_chainId, eth_getBalance...) never touch a promise.
 */

/** A method: positional params in, a JSON-serialisable result (or its promise) out. */
export type RpcHandler = (params: Params) => unknown;

export type MethodTable = Readonly<Record<string, RpcHandler>>;

export interface DispatcherOptions {
  /** Requests per batch; a larger batch is refused whole. */
  readonly maxBatchSize: number;
  /** Characters of answers one batch may produce (see BatchAnswer); default DEFAULT_MAX_BATCH_RESPONSE_CHARS. */
  readonly maxBatchResponseChars?: number;
  /** Async requests of one batch unfinished at a time (see BatchAnswer); default DEFAULT_MAX_BATCH_CONCURRENCY. */
  readonly maxBatchConcurrency?: number;
  /** Receives unexpected handler failures (answered with -32603). */
  readonly logError: (message: string) => void;
}

type Id = string | number | null;
/** A serialised response, null for a notification, or the promise of either. */
type Answer = string | null | Promise<string | null>;

const NO_PARAMS: Params = Object.freeze([]);

/** geth's default batch response limit (25 MB); answers are JSON, nearly all ASCII, so characters stand for bytes. */
export const DEFAULT_MAX_BATCH_RESPONSE_CHARS = 25_000_000;
export const DEFAULT_MAX_BATCH_CONCURRENCY = 16;

export class RpcDispatcher {
  // A Map, not an object: "__proto__" or "toString" must not resolve to a handler.
  private readonly methods: ReadonlyMap<string, RpcHandler>;

  constructor(
    tables: readonly MethodTable[],
    private readonly options: DispatcherOptions,
  ) {
    const methods = new Map<string, RpcHandler>();
    for (const table of tables) {
      for (const [name, handler] of Object.entries(table)) {
        if (methods.has(name)) throw new Error(`JSON-RPC method ${name} is defined twice`);
        methods.set(name, handler);
      }
    }
    this.methods = methods;
  }

  /**
   * Answers one request body; null when there is nothing to send back
   * (notifications only). `session`: methods of one connection (a
   * WebSocket's eth_subscribe), which take precedence over the shared ones.
   */
  handle(body: string, session?: ReadonlyMap<string, RpcHandler>): Answer {
    let message: unknown;
    try {
      message = JSON.parse(body);
    } catch {
      return errorResponse(null, RpcErrorCode.ParseError, 'parse error: the request body is not valid JSON');
    }
    if (!Array.isArray(message)) return this.handleOne(message, session);
    if (message.length === 0) return errorResponse(null, RpcErrorCode.InvalidRequest, 'empty batch');
    if (message.length > this.options.maxBatchSize) {
      return errorResponse(null, RpcErrorCode.InvalidRequest, `batch too large: ${message.length} requests, at most ${this.options.maxBatchSize}`);
    }
    return new BatchAnswer(
      message,
      (item, overLimit) => (overLimit ? refuseOverLimit(item) : this.handleOne(item, session)),
      this.options.maxBatchResponseChars ?? DEFAULT_MAX_BATCH_RESPONSE_CHARS,
      this.options.maxBatchConcurrency ?? DEFAULT_MAX_BATCH_CONCURRENCY,
    ).run();
  }

  /**
   * handle() for a body as received: JSON text is UTF-8 (RFC 8259), and
   * decoding invalid bytes would silently turn them into U+FFFD, so an id
   * would not come back as sent.
   */
  handleBytes(body: Buffer, session?: ReadonlyMap<string, RpcHandler>): Answer {
    if (!isUtf8(body)) return errorResponse(null, RpcErrorCode.ParseError, 'parse error: the request body is not valid UTF-8');
    return this.handle(body.toString('utf8'), session);
  }

  private handleOne(request: unknown, session: ReadonlyMap<string, RpcHandler> | undefined): Answer {
    const call = frame(request);
    if (typeof call === 'string') return call;
    const { id, hasId, method, params } = call;
    const handler = session?.get(method) ?? this.methods.get(method);
    if (handler === undefined) {
      return hasId ? errorResponse(id, RpcErrorCode.MethodNotFound, `the method ${method} does not exist/is not available`) : null;
    }
    let result: unknown;
    try {
      result = handler(params);
    } catch (err) {
      return hasId ? this.failure(id, method, err) : null;
    }
    if (result instanceof Promise) {
      return result.then(
        (value: unknown) => (hasId ? this.success(id, method, value) : null),
        (err: unknown) => (hasId ? this.failure(id, method, err) : null),
      );
    }
    return hasId ? this.success(id, method, result) : null;
  }

  private success(id: Id, method: string, result: unknown): string {
    let json: string;
    try {
      json = JSON.stringify(result ?? null);
    } catch (err) {
      // A handler bug (e.g. a bigint left unformatted) must not take the server down.
      return this.failure(id, method, err);
    }
    return `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":${json}}`;
  }

  private failure(id: Id, method: string, err: unknown): string {
    const wire = toWireError(err, method, this.options.logError);
    return `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"error":${JSON.stringify(wire)}}`;
  }
}

/** A request whose framing is valid: what to call, and the id to answer with. */
interface Call {
  readonly id: Id;
  /** false for a notification, which gets no answer. */
  readonly hasId: boolean;
  readonly method: string;
  readonly params: Params;
}

/** The call a request makes, or the serialised error answer for a malformed one. */
function frame(request: unknown): Call | string {
  if (typeof request !== 'object' || request === null || Array.isArray(request)) {
    return errorResponse(null, RpcErrorCode.InvalidRequest, 'invalid request: expected a JSON-RPC request object');
  }
  const r = request as Record<string, unknown>;
  const hasId = 'id' in r;
  const id = r['id'];
  // A number beyond the double range parses as Infinity, which would be echoed as null.
  if (hasId && id !== null && typeof id !== 'string' && !(typeof id === 'number' && Number.isFinite(id))) {
    return errorResponse(null, RpcErrorCode.InvalidRequest, 'invalid request: id must be a string, a number (within the double range) or null');
  }
  const replyId = hasId ? (id as Id) : null;
  if (r['jsonrpc'] !== '2.0') return errorResponse(replyId, RpcErrorCode.InvalidRequest, 'invalid request: "jsonrpc" must be "2.0"');
  const method = r['method'];
  if (typeof method !== 'string') return errorResponse(replyId, RpcErrorCode.InvalidRequest, 'invalid request: "method" must be a string');
  const rawParams = r['params'];
  // null is not in the spec, but geth takes it as no params (older clients send it).
  if (rawParams === undefined || rawParams === null) return { id: replyId, hasId, method, params: NO_PARAMS };
  if (Array.isArray(rawParams)) return { id: replyId, hasId, method, params: rawParams };
  if (typeof rawParams === 'object') {
    return errorResponse(replyId, RpcErrorCode.InvalidParams, 'named parameters are not supported: pass "params" as an array');
  }
  return errorResponse(replyId, RpcErrorCode.InvalidRequest, 'invalid request: "params" must be an array');
}

/** A batch item left unrun because the batch's answer is already over its size limit. */
function refuseOverLimit(request: unknown): string | null {
  const call = frame(request);
  if (typeof call === 'string') return call;
  return call.hasId ? errorResponse(call.id, RpcErrorCode.ResponseTooLarge, RESPONSE_TOO_LARGE) : null;
}

const RESPONSE_TOO_LARGE = 'response too large: the answers of this batch passed the size limit; send the remaining requests in another batch';

/**
 * The answers of one batch, in request order. Items start in order, and at
 * most `concurrency` async ones are unfinished at a time: enough to overlap
 * store reads and to share the mempool journal's commits among a batch of
 * transactions, few enough that memory stays bounded. Once the finished
 * answers pass `limit` characters, the items not yet started are not run
 * (refuseOverLimit), as geth does: a 1000-request batch of large results
 * (full blocks, fee histories) would otherwise build an answer of gigabytes.
 * Synchronous items stay synchronous while no async one is unfinished.
 */
class BatchAnswer {
  private readonly answers: (string | null)[] = [];
  private size = 0;
  private next = 0;

  constructor(
    private readonly items: readonly unknown[],
    private readonly answer: (item: unknown, overLimit: boolean) => Answer,
    private readonly limit: number,
    private readonly concurrency: number,
  ) {}

  run(): Answer {
    const lanes: Promise<void>[] = [];
    while (this.next < this.items.length && lanes.length < this.concurrency) {
      const index = this.next++;
      const a = this.start(index);
      if (a instanceof Promise) lanes.push(this.lane(index, a));
      else this.record(index, a);
    }
    if (lanes.length === 0) return this.joined();
    return Promise.all(lanes).then(() => this.joined());
  }

  /** Finishes one async item, then takes the next items in order until none is left. */
  private async lane(index: number, first: Promise<string | null>): Promise<void> {
    this.record(index, await first);
    while (this.next < this.items.length) {
      const i = this.next++;
      const a = this.start(i);
      this.record(i, a instanceof Promise ? await a : a);
    }
  }

  private start(index: number): Answer {
    return this.answer(this.items[index], this.size > this.limit);
  }

  private record(index: number, answer: string | null): void {
    this.answers[index] = answer;
    if (answer !== null) this.size += answer.length;
  }

  private joined(): string | null {
    const items = this.answers.filter((a): a is string => a !== null);
    return items.length === 0 ? null : `[${items.join(',')}]`;
  }
}

function errorResponse(id: Id, code: RpcErrorCode, message: string): string {
  const wire = { code: wireCode(code), message };
  return `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"error":${JSON.stringify(wire)}}`;
}
