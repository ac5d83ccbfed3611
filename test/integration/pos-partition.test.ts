import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POS } from './engines.js';
import { network, printLogsOnFailure, removeNetwork, startMesh, startNode, waitFor, type Network, type NodeProcess } from './harness.js';
import { hashAt, head, peerCount, waitForHeight } from './network-harness.js';
import { waitForFinalized, type Checkpoint } from './pos-harness.js';

const VALIDATORS = ['v0', 'v1', 'v2', 'v3'];
const MAJORITY = ['v0', 'v1', 'v2'];

describe('pos partition', () => {
  let net: Network | undefined;
  const node = (name: string): NodeProcess => net!.nodes.get(name)!;

  beforeAll(async () => {
    net = await network(POS, { producers: VALIDATORS });
    await startMesh(net, VALIDATORS);
  }, 90_000);

  afterAll(() => removeNetwork(net), 60_000);

  printLogsOnFailure(() => net, 60);

  /** Fails if any of `names` holds another block than `final` at its height (a reverted finalized block). */
  async function expectFinalHeld(names: readonly string[], final: Checkpoint): Promise<void> {
    for (const name of names) {
      const hash = await hashAt(node(name).url, final.number);
      expect(hash, `${name}'s block ${final.number}`).toBe(final.hash);
    }
  }

  it('a partition healed after finality never reverts a finalized block, even against a longer branch', async () => {
    await Promise.all(VALIDATORS.map((name) => waitForFinalized(node(name), 2)));

    // Split: v3 restarts alone. Its new port is known to no one and it dials no one.
    expect(await node('v3').stop()).toBe(0);
    const lone = await startNode(net!, 'v3', { produce: true });
    expect(await peerCount(lone.url)).toBe(0);
    const forkBase = (await head(lone.url)).number;

    // The majority (3 of 4 > 2/3) finalizes a block past the split on its own branch, then stops.
    const final = await waitForFinalized(node('v0'), forkBase + 1);
    await expectFinalHeld(MAJORITY, final);
    const majorityHeads = await Promise.all(MAJORITY.map((name) => head(node(name).url)));
    expect(await Promise.all(MAJORITY.map((name) => node(name).stop()))).toEqual([0, 0, 0]);

    // v3 (1 of 4: nothing past the split becomes final on its branch) goes on alone until its
    // branch is longer than the majority's; a block the majority made while stopping counts too.
    const majorityHeight = Math.max(...majorityHeads.map((h) => h.number)) + 1;
    await waitForHeight(lone, majorityHeight + 1, 90_000);
    expect(await hashAt(lone.url, final.number)).not.toBe(final.hash);

    // Heal: the majority comes back, connected to v3. Sampled all along: no majority node ever
    // leaves its finalized block for v3's longer branch.
    for (const [i, name] of MAJORITY.entries()) {
      const bootstrap = [lone, ...MAJORITY.slice(0, i).map(node)].map((n) => n.p2pAddresses[0]!);
      await startNode(net!, name, { produce: true, bootstrap });
      await expectFinalHeld(MAJORITY.slice(0, i + 1), final);
    }
    await waitFor(
      'v3 to join the finalized chain',
      async () => {
        await expectFinalHeld(MAJORITY, final);
        return (await hashAt(lone.url, final.number)) === final.hash ? true : undefined;
      },
      30_000,
      200,
    );
    // One network again: all four on one chain, finalizing together past where v3 rejoined.
    const everyone = VALIDATORS.map(node);
    const rejoined = (await head(lone.url)).number;
    const resumed = await Promise.all(everyone.map((n) => waitForFinalized(n, rejoined + 2, 30_000)));
    const height = Math.min(...resumed.map((c) => c.number));
    expect(new Set(await Promise.all(everyone.map((n) => hashAt(n.url, height)))).size).toBe(1);
    await expectFinalHeld(VALIDATORS, final);
  }, 180_000);
});
