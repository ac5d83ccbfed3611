import '../../src/p2p/polyfill.js';
import { createHash } from 'node:crypto';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { gossipsub, type GossipSub } from '@libp2p/gossipsub';
import { identify, type Identify } from '@libp2p/identify';
import type { Libp2p } from '@libp2p/interface';
import { tcp } from '@libp2p/tcp';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p } from 'libp2p';
import { maxBlockBytes } from '../../src/chain/validation.js';
import { createLogger } from '../../src/node/log.js';
import { topicName, type TopicKind } from '../../src/p2p/names.js';
import { ReqResp } from '../../src/p2p/reqresp.js';
import { hexToBytes } from '../../src/primitives/hex.js';
import { rpc, waitFor, type Network, type NodeProcess } from './harness.js';
import { nodeInfo, waitForPeers } from './network-harness.js';

type Services = { identify: Identify; pubsub: GossipSub };

/**
 * A libp2p peer inside the test process that passes a Cairn node's handshake
 * (it speaks the status protocol on the right genesis, through Cairn's own
 * ReqResp) and then publishes whatever the test hands it: garbage, or blocks
 * no honest node would sign. Its gossipsub is configured as a Cairn node's,
 * so its messages reach the topic validators rather than being dropped by
 * the router for a policy mismatch.
 */
export interface GossipPeer {
  readonly libp2p: Libp2p<Services>;
  readonly peerId: string;
  topic(kind: TopicKind): string;
  /** Dials `node`, subscribes to `kind` and waits until the node is seen on that topic. */
  join(node: NodeProcess, kind: TopicKind): Promise<void>;
  publish(kind: TopicKind, data: Uint8Array): Promise<void>;
  stop(): Promise<void>;
}

/** A peer on `net`'s chain, as `node` (one of its nodes) names it: genesis hash and block, read over JSON-RPC. */
export async function gossipPeer(net: Network, node: NodeProcess): Promise<GossipPeer> {
  const genesisHash = hexToBytes((await nodeInfo(node.url)).genesisHash);
  const genesisBlockHash = hexToBytes((await rpc<{ hash: string }>(node.url, 'eth_getBlockByNumber', ['0x0', false])).hash);
  const topic = (kind: TopicKind): string => topicName(genesisHash, kind);
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
        allowedTopics: [topic('blocks'), topic('txs'), topic('votes')],
      }),
    },
  });
  const reqresp = new ReqResp({
    libp2p,
    genesisHash,
    maxBlockBytes: maxBlockBytes(BigInt(net.genesis['gasLimit'] as string)),
    source: {
      // Genesis as head, with the least weight: nobody will try to sync from it.
      status: () => ({ genesisHash, headNumber: 0, headHash: genesisBlockHash, totalWeight: 1n, finalizedNumber: 0 }),
      blocksByRange: async () => [],
      blocksByHash: async () => [],
    },
    onStatus: () => undefined,
    onRateLimited: () => undefined,
    log: createLogger('error', 'test-peer'),
  });
  await reqresp.start();
  const { pubsub } = libp2p.services;
  return {
    libp2p,
    peerId: libp2p.peerId.toString(),
    topic,
    join: async (target, kind) => {
      await libp2p.dial(multiaddr(target.p2pAddresses[0]!));
      await waitForPeers(target, [libp2p.peerId.toString()]);
      pubsub.subscribe(topic(kind));
      await waitFor(
        `${target.url} to be subscribed to the ${kind} topic, as the test peer sees it`,
        async () => (pubsub.getSubscribers(topic(kind)).some((p) => p.toString() === target.peerId) ? true : undefined),
        10_000,
      );
    },
    publish: async (kind, data) => {
      await pubsub.publish(topic(kind), data);
    },
    stop: async () => {
      await libp2p.stop();
    },
  };
}
