import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readKeyFile } from '../../src/cli/keyfile.js';
import { bodyHash } from '../../src/consensus/pos/body.js';
import { signHeader } from '../../src/consensus/pos/seal.js';
import type { ChainDomain } from '../../src/consensus/pos/signing.js';
import { decodeBlockUnrecovered } from '../../src/ledger/block/block.js';
import { hashHeader, headerFields } from '../../src/ledger/block/header.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '../../src/primitives/hex.js';
import { asList, rlpDecode, rlpEncode } from '../../src/primitives/rlp.js';
import { POS } from './engines.js';
import { gossipPeer } from './gossip-peer.js';
import { network, printLogsOnFailure, removeNetwork, rpc, startMesh, waitFor, type Network, type NodeProcess } from './harness.js';
import { blockAt, head } from './network-harness.js';
import { finality, posChain, sameAddress, staking, validators, waitForFinalized } from './pos-harness.js';

const VALIDATORS = ['v0', 'v1', 'v2', 'v3'];
const STAKE = 32n * 10n ** 18n;

/**
 * A second block for the slot of `encoded` (a block as encodeBlock writes it:
 * rlp([header, transactions, consensusBody])), signed with its proposer's key
 * as the PoS engine signs (seal.ts): the same parent, slot, transactions, body
 * and state, another extraData. Its hash is made higher than the original's,
 * so fork choice (lowest tip hash among equals) keeps the honest block and
 * the nodes need not reorganise to it.
 */
function secondProposal(encoded: Uint8Array, key: Uint8Array, domain: ChainDomain): { bytes: Uint8Array; hash: string } {
  const block = decodeBlockUnrecovered(encoded);
  const [, transactions, consensusBody] = asList(rlpDecode(encoded), 'block', 3);
  const original = bytesToHex(block.hash);
  for (let i = 0; ; i++) {
    const header = signHeader({ ...block.header, extraData: utf8ToBytes(`second proposal ${i}`) }, bodyHash(block.consensusBody), key, domain);
    const hash = bytesToHex(hashHeader(header));
    if (hash > original) return { bytes: rlpEncode([headerFields(header), transactions!, consensusBody!]), hash };
  }
}

describe('pos slashing', () => {
  let net: Network | undefined;
  let nodes: NodeProcess[];

  beforeAll(async () => {
    net = await network(POS, { producers: VALIDATORS });
    nodes = await startMesh(net, VALIDATORS);
  }, 90_000);

  afterAll(() => removeNetwork(net), 60_000);

  printLogsOnFailure(() => net, 60);

  it('a validator that signs two blocks for one slot is slashed on every node and leaves the set', async () => {
    const [v0] = nodes as [NodeProcess];
    const offender = net!.producer('v3');
    const key = await readKeyFile(offender.keyPath!);
    const { domain } = posChain(net!);
    await waitForFinalized(v0, 1);

    // An in-process peer on the block topic of every node, to deliver the second block.
    const peer = await gossipPeer(net!, v0);
    try {
      for (const n of nodes) await peer.join(n, 'blocks');

      // The offender's newest block, taken as soon as it is v0's head: the second block must
      // reach the nodes before the first is final, or they refuse it as conflicting with finality.
      const original = await waitFor(
        'a block proposed by v3 at the head of v0',
        async () => {
          const tip = await blockAt(v0.url, 'latest');
          return tip !== null && sameAddress(tip.miner, offender.address) ? tip : undefined;
        },
        60_000,
        20,
      );
      const raw = await rpc<string>(v0.url, 'debug_getRawBlock', [original.hash]);
      const second = secondProposal(hexToBytes(raw), key, domain);
      await peer.publish('blocks', second.bytes);

      // Some proposer includes the evidence; every node then applies the same slashing.
      const slashedAt = await Promise.all(
        nodes.map((n) =>
          waitFor(
            `${n.url} to slash v3`,
            async () => ((await staking(n, offender.address)).slashed ? (await head(n.url)).number : undefined),
            60_000,
          ),
        ),
      );
      for (const n of nodes) {
        const account = await staking(n, offender.address);
        expect(account.bonded).toBe('0');
        const set = await validators(n);
        expect(set.validators.map((v) => v.address.toLowerCase())).not.toContain(offender.address.toLowerCase());
        expect(set.validators).toHaveLength(VALIDATORS.length - 1);
        expect(BigInt(set.totalStake)).toBe(3n * STAKE);
        expect(set.nextProposers.filter((p) => sameAddress(p.proposer, offender.address))).toEqual([]);
      }

      // Out of the set at once: no block of its after that, while the other three go on and still finalize.
      const from = Math.max(...slashedAt);
      const { finalized } = await finality(v0);
      await Promise.all(nodes.map((n) => waitForFinalized(n, Math.max(from, finalized.number) + 4)));
      const to = (await head(v0.url)).number;
      for (let n = from + 1; n <= to; n++) {
        const block = await blockAt(v0.url, n);
        expect(sameAddress(block!.miner, offender.address), `block ${n} is v3's`).toBe(false);
      }
    } finally {
      await peer.stop();
    }
  });
});
