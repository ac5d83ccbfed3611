import '../../../src/p2p/polyfill.js';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { gossipsub, type GossipSub } from '@libp2p/gossipsub';
import { identify } from '@libp2p/identify';
import type { Libp2p } from '@libp2p/interface';
import { tcp } from '@libp2p/tcp';
import { lpStream } from '@libp2p/utils';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p } from 'libp2p';
import { afterEach, describe, expect, it } from 'vitest';
import type { NodeConfig } from '../../../src/node/config.js';
import { createLogger } from '../../../src/node/log.js';
import { CairnNode } from '../../../src/node/node.js';
import { KEY_FILE } from '../../../src/p2p/key.js';
import { decodeStatus, encodeStatus } from '../../../src/p2p/messages.js';
import { protocolId, topicName } from '../../../src/p2p/names.js';
import { P2PService } from '../../../src/p2p/service.js';
import { bytesToHex } from '../../../src/primitives/hex.js';
import { ALICE, ALICE_KEY, BOB, transfer } from '../chain/helpers.js';

/**
 * Real libp2p nodes on 127.0.0.1 with free ports, in this process: status on
 * connect, range sync, block and transaction gossip, a node of another
 * genesis refused, and a peer that gossips garbage banned.
 */

const CHAIN_ID = 1337;

function genesisJson(chainId = CHAIN_ID): string {
  return JSON.stringify({
    chainId,
    timestamp: 1764028800000,
    gasLimit: '30000000',
    baseFee: '1000000000',
    blockReward: '2000000000000000000',
    consensus: { type: 'pow', pow: { targetBlockTimeMs: 300, initialDifficulty: '5000', minDifficulty: '1000', confirmations: 4 } },
    alloc: { [bytesToHex(ALICE)]: { balance: '1000000000000000000000' } },
  });
}

interface Running {
  node: CairnNode;
  p2p: P2PService;
  lines: string[];
  dataDir: string;
}

const dirs: string[] = [];
const running: Running[] = [];
const extras: Libp2p[] = [];

afterEach(async () => {
  for (const lib of extras.splice(0)) await lib.stop();
  for (const { node, p2p } of running.splice(0)) {
    await p2p.stop();
    await node.stop();
  }
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function start(options: { mine?: boolean; bootstrap?: string[]; chainId?: number; dataDir?: string } = {}): Promise<Running> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-p2p-'));
  dirs.push(dir);
  const genesisPath = join(dir, 'genesis.json');
  await writeFile(genesisPath, genesisJson(options.chainId));
  const dataDir = options.dataDir ?? join(dir, 'data');
  const config: NodeConfig = {
    genesisPath,
    dataDir,
    rpc: { host: '127.0.0.1', port: 0, corsOrigins: [], vhosts: ['localhost'] },
    p2p: { host: '127.0.0.1', port: 0, bootstrap: options.bootstrap ?? [], mdns: false },
    mine: options.mine === true,
    validatorKey: undefined,
    coinbase: undefined,
    minerThreads: 1,
    recovery: 'native',
    logLevel: 'debug',
  };
  const lines: string[] = [];
  const log = createLogger('debug', 'node', (line) => lines.push(line));
  const node = await CairnNode.start(config, log);
  const p2p = await P2PService.start(node, config.p2p, log.child('p2p'));
  const handle = { node, p2p, lines, dataDir };
  running.push(handle);
  return handle;
}

async function until<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('P2PService', () => {
  it('exchanges status, syncs, and gossips blocks and transactions between two nodes', async () => {
    const a = await start({ mine: true });
    await until('A to mine 3 blocks', () => a.node.chain.head.header.number >= 3);
    const b = await start({ bootstrap: [a.p2p.listenAddresses()[0]!] });

    // Status on connect: each side knows the other's head; B syncs by range, then follows gossip.
    await until('B to list A with a head', () => b.p2p.peers().find((p) => p.id === a.p2p.peerId && p.headNumber !== null));
    expect(a.p2p.peerCount()).toBe(1);
    const target = a.node.chain.head.header.number + 3;
    await until('B to follow A', () => b.node.chain.head.header.number >= target);
    expect(b.lines.some((l) => /sync from #0: peer .* is at #\d+/.test(l))).toBe(true);
    expect(bytesToHex((await b.node.chain.getBlockByNumber(target))!.hash)).toBe(bytesToHex((await a.node.chain.getBlockByNumber(target))!.hash));

    // A transaction submitted on B reaches A's mempool through gossip and is mined by A.
    const tx = transfer(ALICE_KEY, 0n, BOB, 1_000n, BigInt(CHAIN_ID));
    await b.node.submitTransaction(tx.raw);
    const mined = await until('A to mine the transaction from B', () => b.node.chain.getTransaction(tx.hash));
    expect(b.node.chain.getAccount(BOB).balance).toBe(1_000n);
    expect((await a.node.chain.getTransaction(tx.hash))?.blockHash).toEqual(mined.blockHash);

    // The peer id lives in the data directory.
    expect((await stat(join(a.dataDir, KEY_FILE))).mode & 0o777).toBe(0o600);
    expect(a.p2p.listenAddresses()[0]).toMatch(new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/${a.p2p.peerId}$`));
  });

  it('keeps its peer id across restarts', async () => {
    const first = await start();
    const { peerId } = first.p2p;
    await first.p2p.stop();
    await first.node.stop();
    running.splice(running.indexOf(first), 1);
    const second = await start({ dataDir: first.dataDir });
    expect(second.p2p.peerId).toBe(peerId);
  });

  it('drops a peer that runs another genesis, saying why', async () => {
    const a = await start();
    const c = await start({ chainId: CHAIN_ID + 1, bootstrap: [a.p2p.listenAddresses()[0]!] });
    const line = await until('A to refuse C', () => a.lines.find((l) => l.includes(`peer ${c.p2p.peerId} runs genesis`)));
    expect(line).toMatch(new RegExp(`runs genesis ${bytesToHex(c.node.chain.genesisHash)}, we run ${bytesToHex(a.node.chain.genesisHash)}: disconnecting`));
    await until('the connection to close', () => a.p2p.peerCount() === 0 && c.p2p.peerCount() === 0);
  });

  it('penalises a peer that gossips invalid transactions and bans it on the fourth', async () => {
    const a = await start();
    const genesis = a.node.chain.genesisHash;
    // A bare libp2p node that speaks just enough Cairn (status) to stay connected, then gossips garbage.
    const rogue: Libp2p<{ pubsub: GossipSub }> = await createLibp2p({
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { identify: identify(), pubsub: gossipsub({ globalSignaturePolicy: 'StrictNoSign', allowPublishToZeroTopicPeers: true }) },
    });
    extras.push(rogue);
    const head = a.node.chain.head;
    const status = encodeStatus({ genesisHash: genesis, headNumber: 0, headHash: head.hash, totalWeight: head.totalWeight, finalizedNumber: 0 });
    await rogue.handle(protocolId(genesis, 'status'), async (stream) => {
      const lp = lpStream(stream);
      decodeStatus((await lp.read()).subarray());
      await lp.write(status);
      await stream.close();
    });
    const txs = topicName(genesis, 'txs');
    rogue.services.pubsub.subscribe(txs);
    await rogue.dial(multiaddr(a.p2p.listenAddresses()[0]!));
    await until('A to subscribe', () => rogue.services.pubsub.getSubscribers(txs).length > 0);

    for (let i = 0; i < 4; i++) {
      await rogue.services.pubsub.publish(txs, Uint8Array.of(0x02, 0xc1, i));
      await until(`penalty ${i + 1}`, () => a.lines.filter((l) => l.includes('penalised for invalid-message')).length === i + 1);
    }
    const rogueId = rogue.peerId.toString();
    expect(a.lines.find((l) => l.includes(`peer ${rogueId} banned for 10 min: sent an invalid transaction`))).toBeDefined();
    await until('A to disconnect the rogue', () => a.p2p.peerCount() === 0);
    expect(a.lines.some((l) => l.includes(`peer ${rogueId} disconnected: banned: sent an invalid transaction`))).toBe(true);
    // A refuses the banned peer's new connection at the handshake (connection gater).
    await until('the rogue to see the connection closed', () => rogue.getConnections().length === 0);
    await rogue.dial(multiaddr(a.p2p.listenAddresses()[0]!), { signal: AbortSignal.timeout(3_000) }).then(
      () => undefined,
      () => undefined,
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(a.p2p.peerCount()).toBe(0);
    expect(a.lines.filter((l) => l.includes(`peer ${rogueId} connected`))).toHaveLength(1);
  });
});
