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
  /** Receives unexpected handler failures (answered with -32603). */
  readonly logError: (message: string) => void;
}

type Id = string | number | null;
/** A serialised response, null for a notification, or the promise of either. */
type Answer = string | null | Promise<string | null>;

const NO_PARAMS: Params = Object.freeze([]);

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
    const answers = message.map((item) => this.handleOne(item, session));
    return answers.some((a) => a instanceof Promise) ? Promise.all(answers).then(joinBatch) : joinBatch(answers as (string | null)[]);
  }

  private handleOne(request: unknown, session: ReadonlyMap<string, RpcHandler> | undefined): Answer {
    if (typeof request !== 'object' || request === null || Array.isArray(request)) {
      return errorResponse(null, RpcErrorCode.InvalidRequest, 'invalid request: expected a JSON-RPC request object');
    }
    const r = request as Record<string, unknown>;
    const hasId = 'id' in r;
    const id = r['id'];
    if (hasId && id !== null && typeof id !== 'string' && typeof id !== 'number') {
      return errorResponse(null, RpcErrorCode.InvalidRequest, 'invalid request: id must be a string, a number or null');
    }
    const replyId = hasId ? (id as Id) : null;
    if (r['jsonrpc'] !== '2.0') return errorResponse(replyId, RpcErrorCode.InvalidRequest, 'invalid request: "jsonrpc" must be "2.0"');
    const method = r['method'];
    if (typeof method !== 'string') return errorResponse(replyId, RpcErrorCode.InvalidRequest, 'invalid request: "method" must be a string');
    const rawParams = r['params'];
    let params: Params;
    if (rawParams === undefined) params = NO_PARAMS;
    else if (Array.isArray(rawParams)) params = rawParams;
    else if (typeof rawParams === 'object' && rawParams !== null) {
      return errorResponse(replyId, RpcErrorCode.InvalidParams, 'named parameters are not supported: pass "params" as an array');
    } else return errorResponse(replyId, RpcErrorCode.InvalidRequest, 'invalid request: "params" must be an array');

    const handler = session?.get(method) ?? this.methods.get(method);
    if (handler === undefined) {
      return hasId ? errorResponse(replyId, RpcErrorCode.MethodNotFound, `the method ${method} does not exist/is not available`) : null;
    }
    let result: unknown;
    try {
      result = handler(params);
    } catch (err) {
      return hasId ? this.failure(replyId, method, err) : null;
    }
    if (result instanceof Promise) {
      return result.then(
        (value: unknown) => (hasId ? this.success(replyId, method, value) : null),
        (err: unknown) => (hasId ? this.failure(replyId, method, err) : null),
      );
    }
    return hasId ? this.success(replyId, method, result) : null;
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

function errorResponse(id: Id, code: RpcErrorCode, message: string): string {
  const wire = { code: wireCode(code), message };
  return `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"error":${JSON.stringify(wire)}}`;
}

function joinBatch(answers: readonly (string | null)[]): string | null {
  const items = answers.filter((a): a is string => a !== null);
  return items.length === 0 ? null : `[${items.join(',')}]`;
}
