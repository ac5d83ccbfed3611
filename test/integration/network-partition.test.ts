import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWalletClient, http, type Hash } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { ENGINE_CASES } from './engines.js';
import { chainAt, DEV_ADDRESSES, DEV_KEYS, network, printLogsOnFailure, removeNetwork, rpc, startNode, waitFor, type Network, type NodeProcess } from './harness.js';
import { hashAt, waitForAgreement, waitForHeight, waitForPeers } from './network-harness.js';

interface Receipt {
  blockHash: string;
  status: string;
}

const receiptOn = (node: NodeProcess, hash: Hash): Promise<Receipt | null> => rpc<Receipt | null>(node.url, 'eth_getTransactionReceipt', [hash]);

/** Three transfers in a row from one key, through `node`. */
async function sendTransfers(node: NodeProcess, key: `0x${string}`): Promise<Hash[]> {
  const wallet = createWalletClient({ account: privateKeyToAccount(key), chain: chainAt(node.url), transport: http(node.url) });
  const hashes: Hash[] = [];
  for (let i = 1; i <= 3; i++) hashes.push(await wallet.sendTransaction({ to: DEV_ADDRESSES[2], value: BigInt(i) }));
  return hashes;
}

async function waitForReceipts(node: NodeProcess, hashes: readonly Hash[], timeoutMs = 60_000): Promise<Receipt[]> {
  return waitFor(
    `${hashes.length} receipts on ${node.url}`,
    async () => {
      const receipts = await Promise.all(hashes.map((h) => receiptOn(node, h)));
      return receipts.every((r) => r !== null) ? (receipts as Receipt[]) : undefined;
    },
    timeoutMs,
  );
}

// Two groups on one genesis that do not know each other: {A, B} and {C}.
// Both produce (A and C: under PoS the two genesis validators, so each group
// fills only its own validator's slots), both take transactions, then C
// comes back bootstrapped to A. Whichever branch loses, its transactions
// must be included again on the winner.
describe.each(ENGINE_CASES)('%s', (_kind, engine) => {
  let net: Network | undefined;
  let a: NodeProcess;
  let b: NodeProcess;
  let c: NodeProcess;

  beforeAll(async () => {
    net = await network(engine, { producers: ['a', 'c'] });
    a = await startNode(net, 'a', { produce: true });
    b = await startNode(net, 'b', { bootstrap: a.p2pAddresses });
    c = await startNode(net, 'c', { produce: true });
    await waitForPeers(b, [a.peerId]);
  }, 90_000);

  afterAll(() => removeNetwork(net), 60_000);

  printLogsOnFailure(() => net);

  describe('partition', () => {
    it('two groups that produced apart converge on one chain after they meet, and no transaction is lost', async () => {
      // Distinct senders per group, so both branches' transactions stay valid on either chain.
      const viaA = await sendTransfers(a, DEV_KEYS[0]);
      const viaB = await sendTransfers(b, DEV_KEYS[2]);
      const viaC = await sendTransfers(c, DEV_KEYS[1]);
      const group1 = [...viaA, ...viaB];
      const [beforeA, , beforeC] = await Promise.all([waitForReceipts(a, group1), waitForReceipts(b, group1), waitForReceipts(c, viaC)]);
      expect(await Promise.all(viaC.map((h) => receiptOn(a, h)))).toEqual([null, null, null]);
      expect(await Promise.all(group1.map((h) => receiptOn(c, h)))).toEqual(new Array(6).fill(null));

      // A real fork: both groups have produced their own blocks from genesis on.
      const [heightA, heightC] = await Promise.all([waitForHeight(a, 3), waitForHeight(c, 3)]);
      expect(await hashAt(a.url, 1)).not.toBe(await hashAt(c.url, 1));
      const before = Math.max(heightA, heightC);

      expect(await c.stop()).toBe(0);
      c = await startNode(net!, 'c', { produce: true, bootstrap: a.p2pAddresses });
      await waitForPeers(a, [c.peerId]);

      const agreed = await waitForAgreement([a, b, c], before, 90_000);
      expect(await hashAt(c.url, 1)).toBe(await hashAt(a.url, 1));
      expect(agreed).toBeGreaterThanOrEqual(before);

      // Every transaction of both branches ends up in one block that all three nodes see.
      const all = [...group1, ...viaC];
      await waitFor(
        'every transaction in the same block on A, B and C',
        async () => {
          const receipts = await Promise.all([a, b, c].map((n) => Promise.all(all.map((h) => receiptOn(n, h)))));
          const same = all.every((_, i) => receipts.every((r) => r[i] !== null && r[i]!.blockHash === receipts[0]![i]!.blockHash));
          return same ? true : undefined;
        },
        90_000,
        200,
      );
      const final = (await Promise.all(all.map((h) => receiptOn(a, h)))) as Receipt[];
      expect(final.map((r) => r.status)).toEqual(new Array(all.length).fill('0x1'));
      // The losing branch's transactions were included again: in other blocks than before the merge.
      const moved = (earlier: readonly Receipt[], offset: number): boolean => earlier.every((r, i) => r.blockHash !== final[offset + i]!.blockHash);
      expect(moved(beforeA, 0) || moved(beforeC, group1.length)).toBe(true);
    });
  });
});
