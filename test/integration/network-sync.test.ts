import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINE_CASES } from './engines.js';
import { network, printLogsOnFailure, removeNetwork, startNode, waitFor, type Network, type NodeProcess } from './harness.js';
import { hashAt, head, nodeInfo, rpcSyncing, waitForAgreement, waitForHeight, waitForPeers, type Syncing } from './network-harness.js';

// The engine's fastest blocks, so the producer is past block 200 in seconds;
// the late node then has a real backlog to sync.
const BACKLOG = 220;

describe.each(ENGINE_CASES)('%s', (_kind, engine) => {
  let net: Network | undefined;
  let producer: NodeProcess;

  beforeAll(async () => {
    net = await network(engine, { producers: ['producer'], fast: true });
    producer = await startNode(net, 'producer', { produce: true });
    await waitForHeight(producer, BACKLOG, 90_000);
  }, 120_000);

  afterAll(() => removeNetwork(net), 60_000);

  printLogsOnFailure(() => net);

  describe('sync', () => {
    it('a node started late syncs from genesis past 200 blocks, then follows the producer', async () => {
      const late = await startNode(net!, 'late', { bootstrap: producer.p2pAddresses });
      const target = (await head(producer.url)).number;
      expect(target).toBeGreaterThanOrEqual(BACKLOG);

      // Sample eth_syncing while the backlog comes in: a fast sync may finish between two samples.
      const seen: Exclude<Syncing, false>[] = [];
      await waitFor(
        `the late node to reach block ${target}`,
        async () => {
          const [syncing, current] = await Promise.all([rpcSyncing(late.url), head(late.url)]);
          if (syncing !== false) seen.push(syncing);
          return current.number >= target ? true : undefined;
        },
        60_000,
        20,
      );
      for (const progress of seen) {
        const [start, current, highest] = [progress.startingBlock, progress.currentBlock, progress.highestBlock].map((q) => Number(BigInt(q)));
        expect(start).toBeLessThanOrEqual(current!);
        expect(current).toBeLessThanOrEqual(highest!);
      }
      // It did sync by range (not block by block from gossip): eth_syncing caught it, or the log shows the run.
      expect(seen.length > 0 || /sync from #0\b/.test(late.output())).toBe(true);
      expect(await hashAt(late.url, 200)).toBe(await hashAt(producer.url, 200));

      // Following: new blocks arrive after the sync, on the producer's chain.
      const synced = (await head(late.url)).number;
      const agreed = await waitForAgreement([producer, late], synced + 10);
      expect(await hashAt(late.url, agreed)).toBe(await hashAt(producer.url, agreed));
      await waitFor('eth_syncing to answer false', async () => ((await rpcSyncing(late.url)) === false ? true : undefined), 30_000);
    });

    it('a node stopped and restarted keeps its peer id and catches up', async () => {
      const before = net!.nodes.get('late')!;
      const { peerId } = await nodeInfo(before.url);
      const stoppedAt = (await head(before.url)).number;
      expect(await before.stop()).toBe(0);

      await waitForHeight(producer, stoppedAt + 50);
      const again = await startNode(net!, 'late', { bootstrap: producer.p2pAddresses });
      expect((await nodeInfo(again.url)).peerId).toBe(peerId);
      expect(again.peerId).toBe(peerId);
      await waitForPeers(producer, [peerId]);

      const target = (await head(producer.url)).number;
      const agreed = await waitForAgreement([producer, again], target);
      expect(await hashAt(again.url, agreed)).toBe(await hashAt(producer.url, agreed));
    });
  });
});
