import type { Libp2p, PeerId, Stream, StreamHandler } from '@libp2p/interface';
import { lpStream } from '@libp2p/utils';
import type { Logger } from '../node/log.js';
import { P2PError, P2PErrorCode } from './errors.js';
import {
  decodeBlocksResponse,
  decodeHashRequest,
  decodeRangeRequest,
  decodeStatus,
  encodeBlocksResponse,
  encodeHashRequest,
  encodeRangeRequest,
  encodeStatus,
  MAX_HASHES,
  MAX_RANGE_BLOCKS,
  MAX_RESPONSE_BYTES,
  ResponseCode,
  type BlocksResponse,
  type RangeRequest,
  type Status,
} from './messages.js';
import { protocolId, type ProtocolKind } from './names.js';
import { RateLimiter, type BucketRule } from './rate-limiter.js';

/** What the node serves: its status and its stored blocks, raw. */
export interface BlockSource {
  status(): Status;
  blocksByRange(request: RangeRequest): Promise<Uint8Array[]>;
  blocksByHash(hashes: readonly Uint8Array[]): Promise<Uint8Array[]>;
}

export interface ReqRespOptions {
  readonly libp2p: Libp2p;
  readonly genesisHash: Uint8Array;
  /** The largest valid block (maxBlockBytes(gasLimit)): a response may hold one such block alone. */
  readonly maxBlockBytes: number;
  readonly source: BlockSource;
  /** A peer told us its status (in a request it made). */
  readonly onStatus: (peerId: string, status: Status) => void;
  /** A peer went past its rate limit. */
  readonly onRateLimited: (peerId: string, protocol: ProtocolKind) => void;
  readonly log: Logger;
  /** How long a request waits for the first byte of its answer; default FIRST_BYTE_TIMEOUT_MS. */
  readonly firstByteTimeoutMs?: number;
}

const STATUS_TIMEOUT_MS = 5_000;
/** Whole request: open the stream, send, receive up to MAX_RESPONSE_BYTES. */
const BLOCKS_TIMEOUT_MS = 15_000;
/**
 * From the request sent to the first byte of its answer (Lodestar's TTFB
 * timeout). A server builds its whole answer before sending it, in
 * milliseconds; a peer that claims a better head and then answers nothing
 * would otherwise hold a sync, and block production with it, for the whole
 * BLOCKS_TIMEOUT_MS, which a large answer on a slow link may need.
 */
export const FIRST_BYTE_TIMEOUT_MS = 5_000;
/** A server gives a client this long to send its request and take the answer. */
const SERVE_TIMEOUT_MS = 20_000;
const MAX_REQUEST_BYTES = 64 * 1024;
const STATUS_BYTES = 1024;

/**
 * Per peer: status about every 10 s plus reconnects; ranges in blocks, fast
 * enough for a syncing peer with requests in flight; hashes for unknown parents.
 */
const LIMITS: Record<ProtocolKind, BucketRule> = {
  status: { capacity: 10, perSecond: 1 },
  blocks_by_range: { capacity: 2048, perSecond: 4096 },
  blocks_by_hash: { capacity: 256, perSecond: 128 },
};

/** Concurrent inbound streams per connection and protocol. */
const MAX_INBOUND_STREAMS = 4;

/**
 * The request/response protocols: one length-prefixed request, one
 * length-prefixed response, on a new stream each (lpStream framing). Every
 * request has a timeout; failures come back as P2PError with a code the
 * caller maps to a penalty. Serving is rate limited per peer and protocol.
 */
export class ReqResp {
  readonly #opts: ReqRespOptions;
  readonly #limiter = new RateLimiter<ProtocolKind>(LIMITS);
  readonly #maxResponse: number;
  /** Aborts every request in flight when the node stops. */
  readonly #closing = new AbortController();

  constructor(options: ReqRespOptions) {
    this.#opts = options;
    // One block alone may be as large as a valid block gets; RLP framing adds a few bytes.
    this.#maxResponse = Math.max(MAX_RESPONSE_BYTES, options.maxBlockBytes) + 1024;
  }

  async start(): Promise<void> {
    const { libp2p } = this.#opts;
    const options = { maxInboundStreams: MAX_INBOUND_STREAMS };
    await libp2p.handle(this.#protocol('status'), this.#serve('status', STATUS_BYTES, (peer, bytes) => this.#serveStatus(peer, bytes)), options);
    await libp2p.handle(this.#protocol('blocks_by_range'), this.#serve('blocks_by_range', MAX_REQUEST_BYTES, (peer, bytes) => this.#serveRange(peer, bytes)), options);
    await libp2p.handle(this.#protocol('blocks_by_hash'), this.#serve('blocks_by_hash', MAX_REQUEST_BYTES, (peer, bytes) => this.#serveHashes(peer, bytes)), options);
  }

  /** Aborts requests in flight; libp2p.stop() closes the streams. */
  stop(): void {
    this.#closing.abort();
  }

  /** Drops rate-limit buckets that refilled (called now and then). */
  prune(): void {
    this.#limiter.prune();
  }

  async status(peer: PeerId, ours: Status): Promise<Status> {
    const bytes = await this.#request(peer, 'status', encodeStatus(ours), STATUS_BYTES, STATUS_TIMEOUT_MS);
    return decodeStatus(bytes);
  }

  async blocksByRange(peer: PeerId, start: number, count: number): Promise<Uint8Array[]> {
    if (count < 1 || count > MAX_RANGE_BLOCKS) throw new RangeError(`count must be 1-${MAX_RANGE_BLOCKS}, got ${count}`);
    const bytes = await this.#request(peer, 'blocks_by_range', encodeRangeRequest({ start, count }), this.#maxResponse, BLOCKS_TIMEOUT_MS);
    return okBlocks(peer, 'blocks_by_range', decodeBlocksResponse(bytes, count));
  }

  async blocksByHash(peer: PeerId, hashes: readonly Uint8Array[]): Promise<Uint8Array[]> {
    if (hashes.length < 1 || hashes.length > MAX_HASHES) throw new RangeError(`hashes must be 1-${MAX_HASHES}, got ${hashes.length}`);
    const bytes = await this.#request(peer, 'blocks_by_hash', encodeHashRequest(hashes), this.#maxResponse, BLOCKS_TIMEOUT_MS);
    return okBlocks(peer, 'blocks_by_hash', decodeBlocksResponse(bytes, hashes.length));
  }

  #protocol(kind: ProtocolKind): string {
    return protocolId(this.#opts.genesisHash, kind);
  }

  async #request(peer: PeerId, kind: ProtocolKind, payload: Uint8Array, maxResponse: number, timeoutMs: number): Promise<Uint8Array> {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = AbortSignal.any([timeout, this.#closing.signal]);
    const firstByteMs = Math.min(timeoutMs, this.#opts.firstByteTimeoutMs ?? FIRST_BYTE_TIMEOUT_MS);
    const silent = new AbortController();
    let silentTimer: NodeJS.Timeout | undefined;
    let answering = false;
    const onAnswer = (): void => {
      answering = true;
      clearTimeout(silentTimer);
    };
    let stream: Stream | undefined;
    try {
      stream = await this.#opts.libp2p.dialProtocol(peer, this.#protocol(kind), { signal });
      stream.addEventListener('message', onAnswer, { once: true });
      const lp = lpStream(stream, { maxDataLength: maxResponse, maxBufferSize: maxResponse + 1024 });
      await lp.write(payload, { signal });
      if (!answering) silentTimer = setTimeout(() => silent.abort(), firstByteMs);
      const response = await lp.read({ signal: AbortSignal.any([signal, silent.signal]) });
      await stream.close({ signal });
      return response.subarray();
    } catch (err) {
      stream?.abort(err instanceof Error ? err : new Error(String(err)));
      const reason = err instanceof Error ? err.message : String(err);
      if (timeout.aborted) throw new P2PError(P2PErrorCode.Timeout, `${kind} request timed out after ${timeoutMs / 1000} s`, { cause: err });
      if (silent.signal.aborted) throw new P2PError(P2PErrorCode.Timeout, `${kind} request got no answer within ${firstByteMs / 1000} s`, { cause: err });
      if (this.#closing.signal.aborted) throw new P2PError(P2PErrorCode.Unavailable, `${kind} request cancelled: the node is stopping`, { cause: err });
      if (isOversized(err)) throw new P2PError(P2PErrorCode.BadMessage, `${kind} response too large: ${reason}`, { cause: err });
      throw new P2PError(P2PErrorCode.Unavailable, `${kind} request failed: ${reason}`, { cause: err });
    } finally {
      clearTimeout(silentTimer);
      stream?.removeEventListener('message', onAnswer);
    }
  }

  #serve(kind: ProtocolKind, maxRequest: number, respond: (peerId: string, request: Uint8Array) => Promise<Uint8Array | undefined>): StreamHandler {
    return async (stream, connection) => {
      const peerId = connection.remotePeer.toString();
      const signal = AbortSignal.any([AbortSignal.timeout(SERVE_TIMEOUT_MS), this.#closing.signal]);
      try {
        const lp = lpStream(stream, { maxDataLength: maxRequest });
        const request = await lp.read({ signal });
        const response = await respond(peerId, request.subarray());
        if (response === undefined) {
          stream.abort(new Error(`${kind} request refused`));
          return;
        }
        await lp.write(response, { signal });
        await stream.close({ signal });
      } catch (err) {
        stream.abort(err instanceof Error ? err : new Error(String(err)));
        this.#opts.log.debug(`${kind} request from ${peerId} failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
  }

  /** Records the peer's status and answers with ours; a malformed or too frequent status gets no answer. */
  async #serveStatus(peerId: string, bytes: Uint8Array): Promise<Uint8Array | undefined> {
    if (!this.#allow(peerId, 'status', 1)) return undefined;
    const theirs = decodeStatus(bytes);
    this.#opts.onStatus(peerId, theirs);
    return encodeStatus(this.#opts.source.status());
  }

  async #serveRange(peerId: string, bytes: Uint8Array): Promise<Uint8Array> {
    let request: RangeRequest;
    try {
      request = decodeRangeRequest(bytes);
    } catch (err) {
      return refuse(err);
    }
    if (!this.#allow(peerId, 'blocks_by_range', request.count)) return rateLimited();
    return encodeBlocksResponse({ code: ResponseCode.Ok, blocks: await this.#opts.source.blocksByRange(request) });
  }

  async #serveHashes(peerId: string, bytes: Uint8Array): Promise<Uint8Array> {
    let hashes: Uint8Array[];
    try {
      hashes = decodeHashRequest(bytes);
    } catch (err) {
      return refuse(err);
    }
    if (!this.#allow(peerId, 'blocks_by_hash', hashes.length)) return rateLimited();
    return encodeBlocksResponse({ code: ResponseCode.Ok, blocks: await this.#opts.source.blocksByHash(hashes) });
  }

  #allow(peerId: string, kind: ProtocolKind, cost: number): boolean {
    if (this.#limiter.allow(peerId, kind, cost)) return true;
    this.#opts.onRateLimited(peerId, kind);
    return false;
  }
}

function okBlocks(peer: PeerId, kind: ProtocolKind, response: BlocksResponse): Uint8Array[] {
  if (response.code === ResponseCode.Ok) return [...response.blocks];
  throw new P2PError(P2PErrorCode.Refused, `${kind} request refused by ${peer.toString()} (${ResponseCode[response.code]}): ${response.message}`);
}

function refuse(err: unknown): Uint8Array {
  return encodeBlocksResponse({ code: ResponseCode.InvalidRequest, message: err instanceof Error ? err.message : String(err) });
}

function rateLimited(): Uint8Array {
  return encodeBlocksResponse({ code: ResponseCode.RateLimited, message: 'rate limit exceeded, slow down' });
}

/** lpStream's errors for a frame above maxDataLength or a buffer overflow. */
function isOversized(err: unknown): boolean {
  return err instanceof Error && ['InvalidDataLengthError', 'InvalidDataLengthLengthError', 'StreamBufferError'].includes(err.name);
}
