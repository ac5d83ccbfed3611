import { TopicValidatorResult, type GossipSub, type Message } from '@libp2p/gossipsub';
import type { PeerId } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { describe, expect, it } from 'vitest';
import type { Blockchain } from '../../../src/chain/blockchain.js';
import type { Mempool } from '../../../src/chain/mempool.js';
import { encodeBlock } from '../../../src/ledger/block/block.js';
import { BlockErrorCode, InvalidBlockError } from '../../../src/ledger/block/errors.js';
import type { Block, BlockHeader } from '../../../src/ledger/block/types.js';
import type { SenderRecovery } from '../../../src/ledger/tx/sender.js';
import { createLogger } from '../../../src/node/log.js';
import type { OrphanOutcome, Sync } from '../../../src/node/sync.js';
import { Gossip, MAX_ORPHAN_FETCHES, MAX_ORPHAN_FETCHES_PER_PEER } from '../../../src/p2p/gossip.js';
import { topicName } from '../../../src/p2p/names.js';

/**
 * Gossip's block validator with a chain that knows no parent: every block is
 * an orphan, whose parents the node fetches from the sender. Sync is a fake
 * whose fetches stay open until the test settles them.
 */

const GENESIS = new Uint8Array(32).fill(1);
const PEERS = [
  '12D3KooWDnpxeqRcg1BKS91AR7q3nS8u4vM5LYNoKtZExP6wWA3o',
  '12D3KooWK7NSaTXnjuqc5T3kBQ6iwRCMRuByjTgg29QXfFfMci8j',
  '12D3KooWP6xCRdYqQeGEhFKBQpEiGbxBV7mjwrf1JCyaZpugGDRX',
  '12D3KooWH3EKxNa1PdoLUg8DvJ1RQGwc4gxBVWyGyiDyYN7tNDZz',
  '12D3KooWSB6UdhbMGV6FtM9DjHQKhUVcU1JCDjxRoVqKeBZVURpL',
  '12D3KooWG5FRLY6aiPjdsR9ypVFXZRem2C4ax2oddN91v1s5iNEt',
].map((id) => peerIdFromString(id));

function orphan(seed: number): Uint8Array {
  const header: BlockHeader = {
    parentHash: new Uint8Array(32).fill(seed),
    number: 7,
    timestamp: 1_764_028_800_000,
    coinbase: new Uint8Array(20),
    txRoot: new Uint8Array(32),
    receiptsRoot: new Uint8Array(32),
    stateRoot: new Uint8Array(32),
    gasLimit: 30_000_000n,
    gasUsed: 0n,
    baseFee: 1n,
    extraData: new Uint8Array(),
    consensus: [],
  };
  return encodeBlock({ header, transactions: [], consensusBody: [] });
}

function setup() {
  let validate: ((peer: PeerId, message: Message) => Promise<TopicValidatorResult>) | undefined;
  const topicValidators = new Map<string, typeof validate>();
  const pubsub = {
    topicValidators: {
      set: (topic: string, fn: typeof validate) => {
        topicValidators.set(topic, fn);
        if (topic === topicName(GENESIS, 'blocks')) validate = fn;
      },
      delete: (topic: string) => topicValidators.delete(topic),
    },
    addEventListener: () => undefined,
    removeEventListener: () => undefined,
    subscribe: () => undefined,
  };
  const chain = {
    on: () => undefined,
    off: () => undefined,
    importBlock: (block: Block) => Promise.reject(new InvalidBlockError(BlockErrorCode.UnknownParent, `block ${block.header.number}: unknown parent`)),
  };
  const fetches: { peerId: string; settle: (outcome: OrphanOutcome) => void }[] = [];
  const sync = {
    importOrphan: (peerId: string) => new Promise<OrphanOutcome>((settle) => fetches.push({ peerId, settle })),
  };
  const gossip = new Gossip({
    pubsub: pubsub as unknown as GossipSub,
    genesisHash: GENESIS,
    chain: chain as unknown as Blockchain,
    mempool: { content: () => ({ pending: [], queued: [] }) } as unknown as Mempool,
    recovery: { recover: async () => [] } as unknown as SenderRecovery,
    sync: sync as unknown as Sync,
    maxBlockBytes: 1 << 20,
    log: createLogger('error', 'test', () => undefined),
    onInvalid: () => undefined,
    onHeadFromPeer: () => undefined,
    onFarAhead: () => undefined,
  });
  gossip.start();
  const send = (peer: PeerId, seed: number): Promise<TopicValidatorResult> =>
    validate!(peer, { type: 'unsigned', topic: topicName(GENESIS, 'blocks'), data: orphan(seed) } as Message);
  return { send, fetches };
}

const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('Gossip: blocks with unknown parents', () => {
  it('fetches the parents of an orphan from its sender, and ignores the block meanwhile', async () => {
    const { send, fetches } = setup();
    expect(await send(PEERS[0]!, 2)).toBe(TopicValidatorResult.Ignore);
    expect(fetches.map((f) => f.peerId)).toEqual([PEERS[0]!.toString()]);
  });

  it('runs at most MAX_ORPHAN_FETCHES_PER_PEER fetches for one peer, however many orphans it sends', async () => {
    const { send, fetches } = setup();
    for (let seed = 2; seed < 50; seed++) expect(await send(PEERS[0]!, seed)).toBe(TopicValidatorResult.Ignore);
    expect(fetches).toHaveLength(MAX_ORPHAN_FETCHES_PER_PEER);
    // A finished fetch makes room for the next orphan.
    fetches[0]!.settle('failed');
    await settled();
    await send(PEERS[0]!, 60);
    expect(fetches).toHaveLength(MAX_ORPHAN_FETCHES_PER_PEER + 1);
  });

  it('runs at most MAX_ORPHAN_FETCHES fetches for all peers together', async () => {
    const { send, fetches } = setup();
    let seed = 2;
    for (const peer of PEERS) for (let i = 0; i < 5; i++) await send(peer, seed++);
    expect(PEERS.length * MAX_ORPHAN_FETCHES_PER_PEER).toBeGreaterThan(MAX_ORPHAN_FETCHES);
    expect(fetches).toHaveLength(MAX_ORPHAN_FETCHES);
    for (const fetch of fetches) fetch.settle('imported');
    await settled();
    await send(PEERS[5]!, seed++);
    expect(fetches).toHaveLength(MAX_ORPHAN_FETCHES + 1);
    expect(fetches.at(-1)!.peerId).toBe(PEERS[5]!.toString());
  });
});
