import { describe, expect, it } from 'vitest';
import { gossipScoreParams, LocalAddresses } from '../../../src/p2p/gossip-score.js';

describe('gossip scoring', () => {
  it('exempts loopback and private addresses from the IP-colocation penalty, not public ones', () => {
    const whitelist = new LocalAddresses();
    for (const ip of ['127.0.0.1', '10.1.2.3', '172.16.0.9', '192.168.1.20', '::1']) expect(whitelist.has(ip)).toBe(true);
    for (const ip of ['8.8.8.8', '1.1.1.1', '2001:4860:4860::8888']) expect(whitelist.has(ip)).toBe(false);
  });

  it('scores only invalid deliveries on Cairn topics', () => {
    const params = gossipScoreParams(['/cairn/0x00/blocks']);
    const topic = params.topics!['/cairn/0x00/blocks']!;
    expect(topic.invalidMessageDeliveriesWeight).toBeLessThan(0);
    expect([topic.timeInMeshWeight, topic.firstMessageDeliveriesWeight, topic.meshMessageDeliveriesWeight, topic.meshFailurePenaltyWeight]).toEqual([0, 0, 0, 0]);
    expect(params.IPColocationFactorWhitelist).toBeInstanceOf(LocalAddresses);
  });
});
