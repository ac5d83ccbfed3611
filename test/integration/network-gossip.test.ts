import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWalletClient, http, parseEther } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { ENGINE_CASES } from './engines.js';
import {
  chainAt,
  DEV_ADDRESSES,
  DEV_KEYS,
  network,
  printLogsOnFailure,
  removeNetwork,
  rpc,
  startNode,
  waitFor,
  type Network,
  type NodeProcess,
} from './harness.js';
import { waitForAgreement, waitForPeers } from './network-harness.js';

interface Receipt {
  blockHash: string;
  blockNumber: string;
  status: string;
}

// A line of three nodes, B - A - C, and only B produces blocks: a transaction
// reaches the producer through A, and B's blocks reach C only through A.
describe.each(ENGINE_CASES)('%s', (_kind, engine) => {
  let net: Network | undefined;
  let a: NodeProcess;
  let b: NodeProcess;
  let c: NodeProcess;

  beforeAll(async () => {
    net = await network(engine, { producers: ['b'] });
    b = await startNode(net, 'b', { produce: true });
    a = await startNode(net, 'a', { bootstrap: b.p2pAddresses });
    c = await startNode(net, 'c', { bootstrap: a.p2pAddresses });
    await Promise.all([waitForPeers(a, [b.peerId, c.peerId]), waitForPeers(b, [a.peerId]), waitForPeers(c, [a.peerId])]);
  }, 90_000);

  afterAll(() => removeNetwork(net), 60_000);

  printLogsOnFailure(() => net);

  describe('gossip', () => {
    it('reports its peer id and listen addresses over JSON-RPC as printed at start', async () => {
      const info = await rpc<{ peerId: string; listenAddresses: string[] }>(a.url, 'cairn_nodeInfo');
      expect(info.peerId).toBe(a.peerId);
      expect(info.listenAddresses).toEqual(expect.arrayContaining([...a.p2pAddresses]));
      expect(Number(BigInt(await rpc<string>(a.url, 'net_peerCount')))).toBeGreaterThanOrEqual(2);
    });

    it('includes a transaction sent to A in a block produced by B, with the same receipt on A, B and C', async () => {
      const wallet = createWalletClient({ account: privateKeyToAccount(DEV_KEYS[0]), chain: chainAt(a.url), transport: http(a.url) });
      const hash = await wallet.sendTransaction({ to: DEV_ADDRESSES[2], value: parseEther('2.5') });

      const onC = await waitFor('the receipt on C', async () => (await rpc<Receipt | null>(c.url, 'eth_getTransactionReceipt', [hash])) ?? undefined, 60_000);
      expect(onC.status).toBe('0x1');
      const receipts = await Promise.all(
        [a, b].map((n) => waitFor(`the receipt on ${n.url}`, async () => (await rpc<Receipt | null>(n.url, 'eth_getTransactionReceipt', [hash])) ?? undefined)),
      );
      for (const receipt of receipts) expect(receipt).toEqual(onC);

      const block = await rpc<{ miner: string; transactions: string[] }>(c.url, 'eth_getBlockByHash', [onC.blockHash, false]);
      expect(block.miner.toLowerCase()).toBe(net!.producer('b').address.toLowerCase());
      expect(block.transactions).toContain(hash);

      // Nothing else touches the recipient, so every node that holds the block shows the same balance.
      const balances = await Promise.all([a, b, c].map((n) => rpc<string>(n.url, 'eth_getBalance', [DEV_ADDRESSES[2], 'latest'])));
      expect(balances.map((x) => BigInt(x))).toEqual(new Array(3).fill(parseEther('10002.5')));
      await waitForAgreement([a, b, c], Number(BigInt(onC.blockNumber)));
    });
  });
});
