import { createTopicScoreParams, type PeerScoreParams } from '@libp2p/gossipsub/score';
import { isPrivateIp } from '@libp2p/utils';

/**
 * Gossipsub router scoring for Cairn's topics. Only invalid deliveries
 * (messages a topic validator rejected) count against a peer: the delivery
 * rate and mesh-time terms assume steady traffic, and a devnet that mines a
 * block every few seconds would see honest peers punished for being quiet.
 */

/**
 * The IP-colocation term (many peer ids behind one address) never applies to
 * loopback and private addresses: on a devnet every node is 127.0.0.1, and
 * restarted nodes with fresh data directories bring new ids that count for a
 * long time (STACK.md). Gossipsub only asks `has(ip)`, so ranges can answer it.
 */
export class LocalAddresses extends Set<string> {
  override has(ip: string): boolean {
    return isPrivateIp(ip) === true || super.has(ip);
  }
}

const INVALID_ONLY = createTopicScoreParams({
  topicWeight: 1,
  timeInMeshWeight: 0,
  firstMessageDeliveriesWeight: 0,
  meshMessageDeliveriesWeight: 0,
  meshFailurePenaltyWeight: 0,
  // Squared count: one invalid message costs 10 (the gossip threshold), three reach the graylist (-80).
  invalidMessageDeliveriesWeight: -10,
  invalidMessageDeliveriesDecay: 0.9,
});

export function gossipScoreParams(topics: readonly string[]): Partial<PeerScoreParams> {
  return {
    topics: Object.fromEntries(topics.map((topic) => [topic, INVALID_ONLY])),
    IPColocationFactorWhitelist: new LocalAddresses(),
  };
}
