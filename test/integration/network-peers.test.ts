import { randomBytes } from 'node:crypto';
import { multiaddr } from '@multiformats/multiaddr';
import { serializeTransaction, toHex } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hexToBytes } from '../../src/primitives/hex.js';
import { ENGINE_CASES } from './engines.js';
import { gossipPeer } from './gossip-peer.js';
import {
  CHAIN_ID,
  DEV_ADDRESSES,
  network,
  printLogsOnFailure,
  removeNetwork,
  startNode,
  waitFor,
  writeGenesis,
  type Network,
  type NodeProcess,
} from './harness.js';
import { head, peerCount, peerIds, waitForAgreement, waitForPeers } from './network-harness.js';

/** Lines of `node`'s output that name `peerId` and match `pattern`. */
function linesAbout(node: NodeProcess, peerId: string, pattern: RegExp): string[] {
  return node.output().split('\n').filter((line) => line.includes(peerId) && pattern.test(line));
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

// Honest A (producing) and B (following A), and peers that must be shut out.
describe.each(ENGINE_CASES)('%s', (_kind, engine) => {
  let net: Network | undefined;
  let a: NodeProcess;
  let b: NodeProcess;

  beforeAll(async () => {
    net = await network(engine, { producers: ['a'] });
    a = await startNode(net, 'a', { produce: true });
    b = await startNode(net, 'b', { bootstrap: a.p2pAddresses });
    await waitForPeers(b, [a.peerId]);
  }, 90_000);

  afterAll(() => removeNetwork(net), 60_000);

  printLogsOnFailure(() => net);

  describe('peers', () => {
    it('refuses a peer on another genesis and says why', async () => {
      const foreignGenesis = await writeGenesis(net!, 'foreign-genesis.json', { ...net!.genesis, chainId: 4242 });
      const foreign = await startNode(net!, 'foreign', { genesisPath: foreignGenesis, bootstrap: a.p2pAddresses });

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
      const bad = await gossipPeer(net!, a);
      try {
        const badId = bad.peerId;
        await bad.join(a, 'blocks');
        const startHeight = (await head(a.url)).number;

        // Distinct garbage every round (identical bytes would be one message), until A hangs up.
        let round = 0;
        await waitFor(
          'A to drop the bad peer',
          async () => {
            if (bad.libp2p.getConnections().length > 0) {
              round++;
              await Promise.allSettled([bad.publish('blocks', randomBytes(300)), bad.publish('txs', highSTransaction(round))]);
            }
            return (await peerIds(a.url)).includes(badId) ? undefined : true;
          },
          30_000,
        );
        expect(linesAbout(a, badId, /penalised for invalid-message/).length).toBeGreaterThan(0);
        expect(linesAbout(a, badId, /penalised.*(undecodable block|high-s)/i).length).toBeGreaterThan(0);
        expect(linesAbout(a, badId, /banned/).length).toBeGreaterThan(0);

        // Banned: a new connection fails or is cut as soon as it is set up, and the peer does not reappear.
        await bad.libp2p.dial(multiaddr(a.p2pAddresses[0]!)).then(
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
});
