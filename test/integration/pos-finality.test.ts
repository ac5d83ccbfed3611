import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POS } from './engines.js';
import { network, printLogsOnFailure, removeNetwork, startMesh, startNode, waitFor, type Network, type NodeProcess } from './harness.js';
import { blockAt, hashAt, head, waitForAgreement } from './network-harness.js';
import { finality, waitForFinalized, type Checkpoint, type Finality } from './pos-harness.js';

// Four validators of equal stake, one node each, in a full mesh. Finality
// needs votes from more than 2/3 of the stake: any 3 of them, not 2.
const VALIDATORS = ['v0', 'v1', 'v2', 'v3'];
/**
 * How far the finalized block may trail the head, in blocks: votes for a
 * head ride in the next block or the one after, and a block is final once
 * its child is justified. Generous, since a busy machine delays votes by
 * whole slots; counted in blocks, not time.
 */
const MAX_FINALITY_LAG = 8;

describe('pos finality', () => {
  let net: Network | undefined;
  const node = (name: string): NodeProcess => net!.nodes.get(name)!;
  const running = (names: readonly string[]): NodeProcess[] => names.map(node);

  beforeAll(async () => {
    net = await network(POS, { producers: VALIDATORS });
    await startMesh(net, VALIDATORS);
  }, 90_000);

  afterAll(() => removeNetwork(net), 60_000);

  printLogsOnFailure(() => net, 60);

  /** Restarts stopped validators, each bootstrapped to the running ones, producing again. */
  async function restart(names: readonly string[], others: readonly string[]): Promise<void> {
    for (const name of names) {
      await startNode(net!, name, { produce: true, bootstrap: running(others).map((n) => n.p2pAddresses[0]!) });
    }
  }

  it('a 4-validator network finalizes continuously, and every node agrees on what is final', async () => {
    const v0 = node('v0');
    const first = await waitForFinalized(v0, 1);
    // Follow v0 until its finalized block is 12 past the first one seen, sampling head and finality together.
    const samples: Finality[] = [];
    await waitFor(
      'finality to advance by 12 blocks',
      async () => {
        const sample = await finality(v0);
        samples.push(sample);
        return sample.finalized.number >= first.number + 12 ? true : undefined;
      },
      60_000,
      50,
    );
    for (const { head: tip, finalized, safe } of samples) {
      expect(finalized.number).toBeLessThanOrEqual(safe.number);
      expect(safe.number).toBeLessThanOrEqual(tip.number);
      expect(tip.number - finalized.number, `head ${tip.number}, finalized ${finalized.number}`).toBeLessThanOrEqual(MAX_FINALITY_LAG);
    }
    // Continuously: in many small steps, not one late jump.
    expect(new Set(samples.map((s) => s.finalized.number)).size).toBeGreaterThanOrEqual(6);

    // Every node holds v0's finalized block on its chain, and the block tags agree with cairn_finality.
    const final = samples.at(-1)!.finalized;
    const all = running(VALIDATORS);
    await waitForAgreement(all, final.number);
    for (const n of all) {
      expect(await hashAt(n.url, final.number)).toBe(final.hash);
      await waitForFinalized(n, final.number);
    }
    const tags = await finality(v0);
    const [finalizedTag, safeTag] = await Promise.all([blockAt(v0.url, 'finalized'), blockAt(v0.url, 'safe')]);
    expect(Number(BigInt(finalizedTag!.number))).toBeGreaterThanOrEqual(tags.finalized.number);
    expect(Number(BigInt(safeTag!.number))).toBeGreaterThanOrEqual(tags.safe.number);
    expect(await hashAt(v0.url, Number(BigInt(finalizedTag!.number)))).toBe(finalizedTag!.hash);
  });

  it('with one validator stopped, the other three still finalize (3 of 4 > 2/3)', async () => {
    const rest = ['v0', 'v1', 'v2'];
    expect(await node('v3').stop()).toBe(0);
    const from = (await finality(node('v0'))).finalized.number;
    const reached = await Promise.all(running(rest).map((n) => waitForFinalized(n, from + 6, 60_000)));
    // One chain: the same block is final on all three.
    const height = Math.min(...reached.map((c) => c.number));
    const hashes = await Promise.all(running(rest).map((n) => hashAt(n.url, height)));
    expect(new Set(hashes).size).toBe(1);
  });

  it('with two validators stopped, blocks continue but finality stalls, and it resumes when they return', async () => {
    const up = ['v0', 'v1'];
    const down = ['v2', 'v3'];
    // Stopping a stopped node is a no-op: this test does not depend on the one before.
    for (const name of down) expect(await node(name).stop()).toBe(0);

    // The stopped validators voted at most for blocks that existed when they stopped; a block one
    // of them published as it stopped may still be arriving, hence the +1.
    const heads = await Promise.all(running(up).map((n) => head(n.url)));
    const lastVotable = Math.max(...heads.map((h) => h.number)) + 1;

    // Half the stake: blocks go on in the running validators' slots...
    const observed: Checkpoint[] = [];
    const watchFinality = async (): Promise<void> => {
      for (const n of running(up)) observed.push((await finality(n)).finalized);
    };
    for (const target of [lastVotable + 4, lastVotable + 12]) {
      await waitFor(
        `the two running validators to reach block ${target}`,
        async () => {
          await watchFinality();
          const tips = await Promise.all(running(up).map((n) => head(n.url)));
          return tips.every((t) => t.number >= target) ? true : undefined;
        },
        60_000,
      );
      if (target === lastVotable + 4) observed.length = 0;
    }
    // ...but nothing past the stopped validators' last votes becomes final, and after the votes
    // already cast were included (within 4 blocks), finality does not move at all.
    expect(observed.length).toBeGreaterThan(0);
    for (const checkpoint of observed) expect(checkpoint.number).toBeLessThanOrEqual(lastVotable);
    const stalled = Math.max(...observed.map((c) => c.number));
    expect(new Set(observed.map((c) => c.number)), `finalized heights seen while stalled: ${observed.map((c) => c.number).join(',')}`).toEqual(
      new Set([stalled]),
    );

    // Back to four: finality resumes past the stall on every node.
    await restart(down, up);
    const all = running(VALIDATORS);
    const resumed = await Promise.all(all.map((n) => waitForFinalized(n, lastVotable + 4, 90_000)));
    const height = Math.min(...resumed.map((c) => c.number));
    const hashes = await Promise.all(all.map((n) => hashAt(n.url, height)));
    expect(new Set(hashes).size).toBe(1);
  });
});
