import '../../src/p2p/polyfill.js';
import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { gossipsub, type GossipSub } from '@libp2p/gossipsub';
import { identify, type Identify } from '@libp2p/identify';
import type { Libp2p } from '@libp2p/interface';
import { tcp } from '@libp2p/tcp';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p } from 'libp2p';
import { serializeTransaction, toHex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxBlockBytes } from '../../src/chain/validation.js';
import { createLogger } from '../../src/node/log.js';
import { topicName } from '../../src/p2p/names.js';
import { ReqResp } from '../../src/p2p/reqresp.js';
import { hexToBytes } from '../../src/primitives/hex.js';
import { CHAIN_ID, DEV_ADDRESSES, rpc, testGenesis, waitFor, type NodeProcess } from './harness.js';
import { head, network, nodeInfo, peerCount, peerIds, printLogsOnFailure, startNetNode, waitForAgreement, waitForPeers, type Network } from './network-harness.js';

// Honest A (mining) and B (following A), and peers that must be shut out.
let net: Network | undefined;
let a: NodeProcess;
let b: NodeProcess;

beforeAll(async () => {
  net = await network();
  a = await startNetNode(net, 'a', { mine: true });
  b = await startNetNode(net, 'b', { bootstrap: a.p2pAddresses });
  await waitForPeers(b, [a.peerId]);
}, 90_000);

afterAll(async () => {
  const codes = await net?.remove();
  expect([...(codes ?? [])].filter(([, code]) => code !== 0)).toEqual([]);
}, 60_000);

printLogsOnFailure(() => net);

/** Lines of `node`'s output that name `peerId` and match `pattern`. */
function linesAbout(node: NodeProcess, peerId: string, pattern: RegExp): string[] {
  return node.output().split('\n').filter((line) => line.includes(peerId) && pattern.test(line));
}

type Services = { identify: Identify; pubsub: GossipSub };

/**
 * A peer that passes the handshake (it speaks the status protocol on the
 * right genesis, through Cairn's own ReqResp) and then gossips only garbage.
 * Its gossipsub is configured as a Cairn node's, so its messages reach the
 * topic validators rather than being dropped by the router for a policy mismatch.
 */
async function misbehavingPeer(genesisHash: Uint8Array, genesisBlockHash: Uint8Array): Promise<Libp2p<Services>> {
  const topics = [topicName(genesisHash, 'blocks'), topicName(genesisHash, 'txs')];
  const libp2p = await createLibp2p<Services>({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      pubsub: gossipsub({
        globalSignaturePolicy: 'StrictNoSign',
        msgIdFn: (message) => createHash('sha256').update(message.topic).update(message.data).digest(),
        allowPublishToZeroTopicPeers: true,
        allowedTopics: topics,
      }),
    },
  });
  const maxBlock = maxBlockBytes(BigInt(testGenesis()['gasLimit'] as string));
  const reqresp = new ReqResp({
    libp2p,
    genesisHash,
    maxBlockBytes: maxBlock,
    source: {
      // Genesis as head, with the least weight: nobody will try to sync from it.
      status: () => ({ genesisHash, headNumber: 0, headHash: genesisBlockHash, totalWeight: 1n, finalizedNumber: 0 }),
      blocksByRange: async () => [],
      blocksByHash: async () => [],
    },
    onStatus: () => undefined,
    onRateLimited: () => undefined,
    log: createLogger('error', 'bad-peer'),
  });
  await reqresp.start();
  return libp2p;
}

/** The curve order: an s above n/2 is a high-s signature, which every Cairn node refuses (EIP-2). */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** A well-formed EIP-1559 transfer whose signature is high-s: invalid on every node alike, so it is penalised. */
function highSTransaction(i: number): Uint8Array {
  const raw = serializeTransaction(
    { chainId: CHAIN_ID, type: 'eip1559', nonce: i, to: DEV_ADDRESSES[1], value: 1n, gas: 21_000n, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 10n ** 9n },
    { r: toHex(BigInt(i + 1), { size: 32 }), s: toHex(SECP256K1_N - 1n - BigInt(i), { size: 32 }), yParity: 0 },
  );
  return hexToBytes(raw);
}

describe('peers', () => {
  it('refuses a peer on another genesis and says why', async () => {
    const foreignGenesis = join(net!.dir, 'foreign-genesis.json');
    await writeFile(foreignGenesis, JSON.stringify({ ...testGenesis(), chainId: 4242 }));
    const foreign = await startNetNode(net!, 'foreign', { genesisPath: foreignGenesis, bootstrap: a.p2pAddresses });

    // Either side may notice first; the line names the other peer and the genesis.
    await waitFor(
      'a log line about the other genesis',
      async () => (linesAbout(a, foreign.peerId!, /genesis/i).length + linesAbout(foreign, a.peerId!, /genesis/i).length > 0 ? true : undefined),
      20_000,
    );
    await waitFor(
      'the foreign peer to be gone',
      async () => {
        const [listed, count] = await Promise.all([peerIds(a.url), peerCount(foreign.url)]);
        return !listed.includes(foreign.peerId!) && count === 0 ? true : undefined;
      },
      20_000,
    );
    expect(await peerIds(b.url)).not.toContain(foreign.peerId);
    expect(await foreign.stop()).toBe(0);
    net!.nodes.delete('foreign');

    // The honest pair is untouched.
    expect(await peerIds(a.url)).toContain(b.peerId);
    const { number } = await head(a.url);
    await waitForAgreement([a, b], number + 1);
  });

  it('penalises a peer that gossips invalid blocks and transactions, then disconnects and bans it; the honest nodes go on', async () => {
    const info = await nodeInfo(a.url);
    const genesisBlock = await rpc<{ hash: string }>(a.url, 'eth_getBlockByNumber', ['0x0', false]);
    const bad = await misbehavingPeer(hexToBytes(info.genesisHash), hexToBytes(genesisBlock.hash));
    try {
      const badId = bad.peerId.toString();
      const [blocksTopic, txsTopic] = [topicName(hexToBytes(info.genesisHash), 'blocks'), topicName(hexToBytes(info.genesisHash), 'txs')];
      await bad.dial(multiaddr(a.p2pAddresses[0]!));
      await waitForPeers(a, [badId]);
      bad.services.pubsub.subscribe(blocksTopic);
      await waitFor(
        'A to be subscribed to the block topic, as the bad peer sees it',
        async () => (bad.services.pubsub.getSubscribers(blocksTopic).some((p) => p.toString() === a.peerId) ? true : undefined),
        10_000,
      );
      const startHeight = (await head(a.url)).number;

      // Distinct garbage every round (identical bytes would be one message), until A hangs up.
      let round = 0;
      await waitFor(
        'A to drop the bad peer',
        async () => {
          if (bad.getConnections().length > 0) {
            round++;
            await Promise.allSettled([bad.services.pubsub.publish(blocksTopic, randomBytes(300)), bad.services.pubsub.publish(txsTopic, highSTransaction(round))]);
          }
          return (await peerIds(a.url)).includes(badId) ? undefined : true;
        },
        30_000,
      );
      expect(linesAbout(a, badId, /penalised for invalid-message/).length).toBeGreaterThan(0);
      expect(linesAbout(a, badId, /penalised.*(undecodable block|high-s)/i).length).toBeGreaterThan(0);
      expect(linesAbout(a, badId, /banned/).length).toBeGreaterThan(0);

      // Banned: a new connection fails or is cut as soon as it is set up, and the peer does not reappear.
      await bad.dial(multiaddr(a.p2pAddresses[0]!)).then(
        (connection) => waitFor('the refused connection to end', async () => (connection.status !== 'open' ? true : undefined), 10_000),
        () => undefined,
      );
      expect(await peerIds(a.url)).not.toContain(badId);

      // A and B stay connected and keep extending one chain.
      expect(await peerIds(a.url)).toContain(b.peerId);
      await waitForAgreement([a, b], startHeight + 2);
      expect(linesAbout(a, b.peerId!, /penalised|banned/)).toEqual([]);
    } finally {
      await bad.stop();
    }
  });
});
