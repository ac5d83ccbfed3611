import { describe, expect, it } from 'vitest';
import { P2PError, P2PErrorCode } from '../../../src/p2p/errors.js';
import {
  collectResponse,
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
  type Status,
} from '../../../src/p2p/messages.js';
import { protocolId, topicName } from '../../../src/p2p/names.js';
import { rlpEncode } from '../../../src/primitives/rlp.js';

const GENESIS = new Uint8Array(32).fill(0xab);
const STATUS: Status = {
  genesisHash: GENESIS,
  headNumber: 1234,
  headHash: new Uint8Array(32).fill(7),
  totalWeight: 123_456_789_012_345_678_901_234_567_890n,
  finalizedNumber: 1202,
};

function badMessage(fn: () => unknown): P2PError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(P2PError);
    expect((err as P2PError).code).toBe(P2PErrorCode.BadMessage);
    return err as P2PError;
  }
  throw new Error('expected a P2PError');
}

describe('p2p names', () => {
  it('namespaces topics and protocols by the genesis hash', () => {
    const hex = `0x${'ab'.repeat(32)}`;
    expect(topicName(GENESIS, 'blocks')).toBe(`/cairn/${hex}/blocks`);
    expect(topicName(GENESIS, 'txs')).toBe(`/cairn/${hex}/txs`);
    expect(topicName(GENESIS, 'votes')).toBe(`/cairn/${hex}/votes`);
    expect(protocolId(GENESIS, 'status')).toBe(`/cairn/${hex}/status/1`);
    expect(protocolId(GENESIS, 'blocks_by_range')).toBe(`/cairn/${hex}/blocks_by_range/1`);
    expect(protocolId(GENESIS, 'blocks_by_hash')).toBe(`/cairn/${hex}/blocks_by_hash/1`);
  });
});

describe('status message', () => {
  it('round-trips', () => {
    expect(decodeStatus(encodeStatus(STATUS))).toEqual(STATUS);
  });

  it('refuses a wrong shape, a short hash and a finalized block above the head', () => {
    badMessage(() => decodeStatus(Uint8Array.of(1, 2, 3)));
    badMessage(() => decodeStatus(rlpEncode([GENESIS, 1, GENESIS, 5])));
    badMessage(() => decodeStatus(encodeStatus({ ...STATUS, headHash: new Uint8Array(31) })));
    expect(badMessage(() => decodeStatus(encodeStatus({ ...STATUS, finalizedNumber: 1235 }))).message).toMatch(/finalized block 1235 is above the head 1234/);
  });
});

describe('blocks_by_range request', () => {
  it('round-trips and caps the count', () => {
    expect(decodeRangeRequest(encodeRangeRequest({ start: 5000, count: MAX_RANGE_BLOCKS }))).toEqual({ start: 5000, count: MAX_RANGE_BLOCKS });
    expect(badMessage(() => decodeRangeRequest(encodeRangeRequest({ start: 0, count: MAX_RANGE_BLOCKS + 1 }))).message).toMatch(/count must be 1-64/);
    badMessage(() => decodeRangeRequest(encodeRangeRequest({ start: 0, count: 0 })));
    badMessage(() => decodeRangeRequest(rlpEncode([1, 2, 3])));
  });
});

describe('blocks_by_hash request', () => {
  it('round-trips and caps the number of hashes', () => {
    const hashes = Array.from({ length: MAX_HASHES }, (_, i) => new Uint8Array(32).fill(i));
    expect(decodeHashRequest(encodeHashRequest(hashes))).toEqual(hashes);
    badMessage(() => decodeHashRequest(encodeHashRequest([...hashes, new Uint8Array(32)])));
    badMessage(() => decodeHashRequest(encodeHashRequest([])));
    badMessage(() => decodeHashRequest(encodeHashRequest([new Uint8Array(20)])));
  });
});

describe('blocks response', () => {
  it('round-trips blocks and error answers', () => {
    const blocks = [Uint8Array.of(0xc0), new Uint8Array(100).fill(9)];
    expect(decodeBlocksResponse(encodeBlocksResponse({ code: ResponseCode.Ok, blocks }), 2)).toEqual({ code: ResponseCode.Ok, blocks });
    expect(decodeBlocksResponse(encodeBlocksResponse({ code: ResponseCode.RateLimited, message: 'slow down' }), 2)).toEqual({
      code: ResponseCode.RateLimited,
      message: 'slow down',
    });
  });

  it('refuses more blocks than asked for, more bytes than the cap and unknown codes', () => {
    const three = [Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(3)];
    expect(badMessage(() => decodeBlocksResponse(encodeBlocksResponse({ code: ResponseCode.Ok, blocks: three }), 2)).message).toMatch(/3 blocks, at most 2/);
    const half = new Uint8Array(MAX_RESPONSE_BYTES / 2 + 1);
    expect(badMessage(() => decodeBlocksResponse(encodeBlocksResponse({ code: ResponseCode.Ok, blocks: [half, half] }), 2)).message).toMatch(/the cap is/);
    // One block alone may exceed the cap: the largest valid block must fit in a response.
    const big = new Uint8Array(MAX_RESPONSE_BYTES + 10);
    expect(decodeBlocksResponse(encodeBlocksResponse({ code: ResponseCode.Ok, blocks: [big] }), 1)).toMatchObject({ code: ResponseCode.Ok });
    badMessage(() => decodeBlocksResponse(rlpEncode([9, new Uint8Array(0)]), 1));
  });
});

describe('collectResponse', () => {
  const sized = (sizes: (number | undefined)[]) => async (i: number) => (sizes[i] === undefined ? undefined : new Uint8Array(sizes[i]!));

  it('stops a range at the first missing block, skips missing hashes', async () => {
    expect((await collectResponse(4, sized([1, 2, undefined, 4]), 'stop')).map((b) => b.length)).toEqual([1, 2]);
    expect((await collectResponse(4, sized([1, undefined, 3, 4]), 'skip')).map((b) => b.length)).toEqual([1, 3, 4]);
  });

  it('stops before the byte cap but always sends the first block', async () => {
    const third = Math.floor(MAX_RESPONSE_BYTES / 3);
    expect(await collectResponse(5, sized([third, third, third, third, third]), 'stop')).toHaveLength(3);
    expect(await collectResponse(2, sized([MAX_RESPONSE_BYTES + 1, 1]), 'stop')).toHaveLength(1);
  });
});
