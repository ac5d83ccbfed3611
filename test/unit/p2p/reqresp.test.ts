import '../../../src/p2p/polyfill.js';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import type { Libp2p, Stream } from '@libp2p/interface';
import { tcp } from '@libp2p/tcp';
import { byteStream, lpStream } from '@libp2p/utils';
import { createLibp2p } from 'libp2p';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/node/log.js';
import { P2PError, P2PErrorCode } from '../../../src/p2p/errors.js';
import { encodeBlocksResponse, ResponseCode } from '../../../src/p2p/messages.js';
import { protocolId } from '../../../src/p2p/names.js';
import { ReqResp } from '../../../src/p2p/reqresp.js';

/**
 * ReqResp's client against a hand-written server on a second libp2p node:
 * one that never answers, and one that answers slowly but starts at once.
 */

const GENESIS = new Uint8Array(32).fill(9);
const FIRST_BYTE_MS = 300;
const nodes: Libp2p[] = [];
let client: ReqResp;
let server: Libp2p;

async function node(): Promise<Libp2p> {
  const libp2p = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
  });
  nodes.push(libp2p);
  return libp2p;
}

/** A server for blocks_by_range that reads the request, then does `answer` with the stream. */
async function serveRange(answer: (stream: Stream) => Promise<void>): Promise<void> {
  const protocol = protocolId(GENESIS, 'blocks_by_range');
  await server.unhandle(protocol);
  await server.handle(protocol, async (stream) => {
    await lpStream(stream).read();
    await answer(stream);
  });
}

beforeAll(async () => {
  const local = await node();
  server = await node();
  client = new ReqResp({
    libp2p: local,
    genesisHash: GENESIS,
    maxBlockBytes: 1024,
    source: { status: () => ({ genesisHash: GENESIS, headNumber: 0, headHash: GENESIS, totalWeight: 0n, finalizedNumber: 0 }), blocksByRange: async () => [], blocksByHash: async () => [] },
    onStatus: () => undefined,
    onRateLimited: () => undefined,
    log: createLogger('error'),
    firstByteTimeoutMs: FIRST_BYTE_MS,
  });
  await local.dial(server.getMultiaddrs()[0]!);
});

afterAll(async () => {
  client.stop();
  await Promise.all(nodes.map((n) => n.stop()));
});

describe('ReqResp requests: time to the first byte', () => {
  it('gives up on a peer that sends nothing after the first-byte limit, not the whole request timeout', async () => {
    await serveRange(() => new Promise<void>(() => undefined));
    const failure = await client.blocksByRange(server.peerId, 0, 1).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(P2PError);
    expect((failure as P2PError).code).toBe(P2PErrorCode.Timeout);
    // Not "timed out after 15 s": the first-byte limit ended it.
    expect((failure as P2PError).message).toBe('blocks_by_range request got no answer within 0.3 s');
  });

  it('waits for an answer that started in time, however long the rest takes within the request timeout', async () => {
    const frame = encodeBlocksResponse({ code: ResponseCode.Ok, blocks: [Uint8Array.of(0xc0)] });
    expect(frame.length).toBeLessThan(128); // its length prefix is one byte
    await serveRange(async (stream) => {
      const out = byteStream(stream);
      await out.write(Uint8Array.of(frame.length));
      await new Promise((resolve) => setTimeout(resolve, FIRST_BYTE_MS * 2));
      await out.write(frame);
      await stream.close();
    });
    expect((await client.blocksByRange(server.peerId, 0, 1)).map((block) => [...block])).toEqual([[0xc0]]);
  });
});
