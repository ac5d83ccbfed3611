import { asBigint, asBytes, asList, asNumber, rlpDecode, rlpEncode, type RlpValue } from '../primitives/rlp.js';
import { bytesToUtf8, utf8ToBytes } from '../primitives/hex.js';
import { P2PError, P2PErrorCode } from './errors.js';

/**
 * Request/response messages, each one RLP item in one length-prefixed frame.
 * Decoders enforce the caps, so a peer cannot make this node allocate or
 * loop more than the caps allow, and throw P2PError(BadMessage) naming what
 * is wrong.
 */

/** Most blocks one blocks_by_range request may ask for. */
export const MAX_RANGE_BLOCKS = 64;
/** Most hashes one blocks_by_hash request may carry. */
export const MAX_HASHES = 64;
/**
 * Bytes of blocks in one response: a server stops adding blocks before this
 * (it always sends the first one, which a valid block's size cap keeps
 * below it), and a client refuses a response above it.
 */
export const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;
/** Most bytes of one gossiped transaction (geth's txMaxSize is 128 KiB too). */
export const MAX_TX_BYTES = 128 * 1024;
/** Error texts in responses are cut to this many characters. */
const MAX_ERROR_TEXT = 256;

/** What a node tells a peer about its chain on connect and from time to time. */
export interface Status {
  readonly genesisHash: Uint8Array;
  readonly headNumber: number;
  readonly headHash: Uint8Array;
  /** Fork-choice weight of the head (PoW: total difficulty). */
  readonly totalWeight: bigint;
  readonly finalizedNumber: number;
}

export interface RangeRequest {
  readonly start: number;
  readonly count: number;
}

export enum ResponseCode {
  Ok = 0,
  InvalidRequest = 1,
  RateLimited = 2,
  ServerError = 3,
}

export type BlocksResponse =
  | { readonly code: ResponseCode.Ok; readonly blocks: readonly Uint8Array[] }
  | { readonly code: Exclude<ResponseCode, ResponseCode.Ok>; readonly message: string };

export function encodeStatus(status: Status): Uint8Array {
  return rlpEncode([status.genesisHash, status.headNumber, status.headHash, status.totalWeight, status.finalizedNumber]);
}

export function decodeStatus(bytes: Uint8Array): Status {
  return wire('status', () => {
    const f = asList(rlpDecode(bytes), 'status', 5);
    const status: Status = {
      genesisHash: asBytes(f[0], 'status.genesisHash', 32),
      headNumber: asNumber(f[1], 'status.headNumber'),
      headHash: asBytes(f[2], 'status.headHash', 32),
      totalWeight: asBigint(f[3], 'status.totalWeight'),
      finalizedNumber: asNumber(f[4], 'status.finalizedNumber'),
    };
    if (status.finalizedNumber > status.headNumber) throw new Error(`finalized block ${status.finalizedNumber} is above the head ${status.headNumber}`);
    return status;
  });
}

export function encodeRangeRequest(request: RangeRequest): Uint8Array {
  return rlpEncode([request.start, request.count]);
}

export function decodeRangeRequest(bytes: Uint8Array): RangeRequest {
  return wire('blocks_by_range request', () => {
    const f = asList(rlpDecode(bytes), 'request', 2);
    const start = asNumber(f[0], 'start');
    const count = asNumber(f[1], 'count');
    if (count < 1 || count > MAX_RANGE_BLOCKS) throw new Error(`count must be 1-${MAX_RANGE_BLOCKS}, got ${count}`);
    return { start, count };
  });
}

export function encodeHashRequest(hashes: readonly Uint8Array[]): Uint8Array {
  return rlpEncode([...hashes]);
}

export function decodeHashRequest(bytes: Uint8Array): Uint8Array[] {
  return wire('blocks_by_hash request', () => {
    const items = asList(rlpDecode(bytes), 'request');
    if (items.length < 1 || items.length > MAX_HASHES) throw new Error(`must carry 1-${MAX_HASHES} hashes, got ${items.length}`);
    return items.map((item, i) => asBytes(item, `hash ${i}`, 32));
  });
}

export function encodeBlocksResponse(response: BlocksResponse): Uint8Array {
  if (response.code === ResponseCode.Ok) return rlpEncode([ResponseCode.Ok, [...response.blocks]]);
  return rlpEncode([response.code, utf8ToBytes(response.message.slice(0, MAX_ERROR_TEXT))]);
}

/** Refuses more than `maxBlocks` blocks or more than MAX_RESPONSE_BYTES of them (beyond one block alone). */
export function decodeBlocksResponse(bytes: Uint8Array, maxBlocks: number): BlocksResponse {
  return wire('blocks response', () => {
    const f = asList(rlpDecode(bytes), 'response', 2);
    const code = asNumber(f[0], 'code');
    if (code === ResponseCode.Ok) {
      const items = asList(f[1]!, 'blocks');
      if (items.length > maxBlocks) throw new Error(`${items.length} blocks, at most ${maxBlocks} were asked for`);
      const blocks = items.map((item: RlpValue, i) => asBytes(item, `block ${i}`));
      const total = blocks.reduce((sum, b) => sum + b.length, 0);
      if (blocks.length > 1 && total > MAX_RESPONSE_BYTES) throw new Error(`${total} bytes of blocks, the cap is ${MAX_RESPONSE_BYTES}`);
      return { code, blocks };
    }
    if (code !== ResponseCode.InvalidRequest && code !== ResponseCode.RateLimited && code !== ResponseCode.ServerError) {
      throw new Error(`unknown response code ${code}`);
    }
    return { code, message: bytesToUtf8(asBytes(f[1], 'message')).slice(0, MAX_ERROR_TEXT) };
  });
}

/**
 * The blocks a server sends: `load(i)` for i = 0, 1, ... up to `slots`, in
 * order, while they fit in MAX_RESPONSE_BYTES (the first one always goes).
 * A missing block ends a range ('stop') or is skipped ('skip', for hashes).
 * Loading one at a time keeps the memory of a response within the cap.
 */
export async function collectResponse(
  slots: number,
  load: (i: number) => Promise<Uint8Array | undefined>,
  missing: 'stop' | 'skip',
): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  let total = 0;
  for (let i = 0; i < slots; i++) {
    const block = await load(i);
    if (block === undefined) {
      if (missing === 'stop') break;
      continue;
    }
    if (out.length > 0 && total + block.length > MAX_RESPONSE_BYTES) break;
    out.push(block);
    total += block.length;
  }
  return out;
}

function wire<T>(what: string, decode: () => T): T {
  try {
    return decode();
  } catch (err) {
    throw new P2PError(P2PErrorCode.BadMessage, `malformed ${what}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}
