import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Blockchain } from '../../../src/chain/blockchain.js';
import { encodeBlock } from '../../../src/ledger/block/block.js';
import type { Block } from '../../../src/ledger/block/types.js';
import { createLogger } from '../../../src/node/log.js';
import { MAX_ORPHAN_FETCHES, MAX_ORPHAN_FETCHES_PER_PEER, Sync, type PeerHead, type SyncNetwork, type SyncOffence, type SyncPeer } from '../../../src/node/sync.js';
import { bytesToHex } from '../../../src/primitives/hex.js';
import type { RecoveryBackend } from '../../../src/primitives/recover/backend.js';
import { loadRecoveryBackend } from '../../../src/primitives/recover/index.js';
import { ALICE, ALICE_KEY, BOB, BOB_KEY, CAROL, FakeEngine, MINER_A, MINER_B, TestEnv, transfer, withHeader } from '../chain/helpers.js';

let backend: RecoveryBackend;
let env: TestEnv;
const syncs: Sync[] = [];

beforeAll(async () => {
  backend = await loadRecoveryBackend({ workers: 1 });
});
afterAll(async () => {
  await backend.close();
});
afterEach(async () => {
  for (const sync of syncs.splice(0)) await sync.stop();
  await env.cleanup();
});

const silent = createLogger('error', 'sync', () => undefined);

/** A peer as the fake network serves it: its canonical chain (index = number) and how it misbehaves. */
interface FakePeer {
  readonly id: string;
  blocks: Block[];
  head: PeerHead;
  /** Replaces the answer to a range request (the blocks it would serve → what it serves). */
  tamper?: (blocks: Block[], start: number) => Block[];
  /** Fails every request after a short delay, as a timed-out request does. */
  stalls?: boolean;
  /** Fails every request at once, as a reset connection does. */
  resets?: boolean;
  /** Holds by-hash answers until it resolves. */
  hold?: Promise<void>;
}

class FakeNetwork implements SyncNetwork {
  readonly requests: { peer: string; start: number; count: number }[] = [];
  readonly penalties: { peer: string; offence: SyncOffence; reason: string }[] = [];
  /** The peer of each by-hash request. */
  readonly hashRequests: string[] = [];

  constructor(readonly fakes: FakePeer[]) {}

  peers(): SyncPeer[] {
    return this.fakes.map((f) => ({ id: f.id, head: f.head }));
  }

  async blocksByRange(peerId: string, start: number, count: number): Promise<Uint8Array[]> {
    const peer = this.#peer(peerId);
    this.requests.push({ peer: peerId, start, count });
    if (peer.stalls) return new Promise((_, reject) => setTimeout(() => reject(new Error('blocks_by_range request timed out')), 20));
    if (peer.resets) throw new Error('stream reset');
    const served = peer.blocks.slice(start, start + count);
    return (peer.tamper ? peer.tamper(served, start) : served).map((b) => encodeBlock(b));
  }

  async blocksByHash(peerId: string, hashes: readonly Uint8Array[]): Promise<Uint8Array[]> {
    const peer = this.#peer(peerId);
    this.hashRequests.push(peerId);
    await peer.hold;
    const wanted = new Set(hashes.map(bytesToHex));
    return peer.blocks.filter((b) => wanted.has(bytesToHex(b.hash))).map((b) => encodeBlock(b));
  }

  penalize(peerId: string, offence: SyncOffence, reason: string): void {
    this.penalties.push({ peer: peerId, offence, reason });
  }

  #peer(id: string): FakePeer {
    const peer = this.fakes.find((f) => f.id === id);
    if (peer === undefined) throw new Error(`no peer ${id}`);
    return peer;
  }
}

async function canonical(chain: Blockchain): Promise<Block[]> {
  const blocks: Block[] = [];
  for (let n = 0; n <= chain.head.header.number; n++) blocks.push((await chain.getBlockByNumber(n))!);
  return blocks;
}

async function peerOf(id: string, chain: Blockchain): Promise<FakePeer> {
  const head = chain.head;
  return { id, blocks: await canonical(chain), head: { number: head.header.number, hash: head.hash, totalWeight: head.totalWeight } };
}

/** Mines `count` blocks on `chain`, a transfer in every tenth so senders get recovered too. */
async function grow(chain: Blockchain, count: number, coinbase = MINER_A, key = ALICE_KEY): Promise<void> {
  for (let i = 0; i < count; i++) {
    const nonce = chain.getAccount(key === ALICE_KEY ? ALICE : BOB).nonce;
    await env.mine(chain, i % 10 === 0 ? [transfer(key, nonce, CAROL, 1n)] : [], { coinbase });
  }
}

function startSync(chain: Blockchain, network: FakeNetwork, graceMs = 10): Sync {
  const sync = new Sync({ chain, engine: new FakeEngine(), recovery: env.recovery, log: silent, graceMs });
  syncs.push(sync);
  sync.attach(network);
  return sync;
}

async function synced(sync: Sync, timeoutMs = 20_000): Promise<void> {
  await sync.waitUntilSynced(AbortSignal.timeout(timeoutMs));
  expect(sync.isSynced()).toBe(true);
}

describe('Sync', () => {
  it('syncs a fresh node by range from two peers in parallel and reports progress while it runs', async () => {
    env = new TestEnv(backend);
    const source = await env.open(await env.dir());
    await grow(source, 300);
    const local = await env.open(await env.dir());
    const network = new FakeNetwork([await peerOf('alpha', source), await peerOf('beta', source)]);
    const sync = startSync(local, network);
    expect(sync.isSynced()).toBe(false);
    expect(sync.progress()).toMatchObject({ startingBlock: 0, highestBlock: 300 });
    await synced(sync);

    expect(bytesToHex(local.head.hash)).toBe(bytesToHex(source.head.hash));
    expect(local.getAccount(CAROL)).toEqual(source.getAccount(CAROL));
    expect(sync.progress()).toBe(false);
    expect(network.penalties).toEqual([]);
    const byPeer = new Set(network.requests.filter((r) => r.count > 1).map((r) => r.peer));
    expect(byPeer).toEqual(new Set(['alpha', 'beta']));
    expect(Math.max(...network.requests.map((r) => r.count))).toBeLessThanOrEqual(64);
  });

  it('finds the common ancestor of a long fork (exponential, then binary search) and reorgs to the heavier chain', async () => {
    env = new TestEnv(backend);
    const local = await env.open(await env.dir());
    const remote = await env.open(await env.dir());
    await grow(local, 10);
    for (const block of (await canonical(local)).slice(1)) await remote.importBlock(block);
    await grow(local, 100, MINER_A);
    await grow(remote, 130, MINER_B, BOB_KEY);
    const forkPoint = (await canonical(remote))[10]!;

    const network = new FakeNetwork([await peerOf('remote', remote)]);
    const sync = startSync(local, network);
    await synced(sync);

    expect(bytesToHex(local.head.hash)).toBe(bytesToHex(remote.head.hash));
    expect(bytesToHex((await local.getBlockByNumber(10))!.hash)).toBe(bytesToHex(forkPoint.hash));
    // The probe, a few doubling steps and a binary search: far fewer single-block probes than the fork is long.
    const probes = network.requests.filter((r) => r.count === 1);
    expect(probes.length).toBeGreaterThan(2);
    expect(probes.length).toBeLessThan(15);
    // The download started right above the ancestor.
    expect(network.requests.find((r) => r.count > 1 && r.start !== 79)?.start).toBe(11);
    expect(network.penalties).toEqual([]);
  });

  it('leaves a stalling peer for another one', async () => {
    env = new TestEnv(backend);
    const source = await env.open(await env.dir());
    await grow(source, 80);
    const local = await env.open(await env.dir());
    const staller = await peerOf('staller', source);
    staller.stalls = true;
    staller.head = { ...staller.head, totalWeight: staller.head.totalWeight + 1n }; // looks best, so it is tried first
    const network = new FakeNetwork([staller, await peerOf('honest', source)]);
    const sync = startSync(local, network);
    await synced(sync);

    expect(bytesToHex(local.head.hash)).toBe(bytesToHex(source.head.hash));
    expect(network.requests.filter((r) => r.peer === 'staller')).toHaveLength(1);
    // A timeout is the network's to penalise (it knows the cause); sync just moves on.
    expect(network.penalties).toEqual([]);
  });

  it('goes back to a set-aside peer that is still ahead as soon as its time is up, not at its next status', async () => {
    env = new TestEnv(backend);
    const source = await env.open(await env.dir());
    await grow(source, 40);
    const local = await env.open(await env.dir());
    const flaky = await peerOf('flaky', source);
    flaky.stalls = true;
    const network = new FakeNetwork([flaky]);
    const sync = new Sync({ chain: local, engine: new FakeEngine(), recovery: env.recovery, log: silent, graceMs: 10, excludeMs: 100 });
    syncs.push(sync);
    sync.attach(network);
    await vi.waitUntil(() => network.requests.some((r) => r.peer === 'flaky'), { timeout: 5_000, interval: 10 });
    flaky.stalls = false;

    // Nothing tells the sync that peers changed: only the end of the exclusion brings the peer back.
    await vi.waitUntil(() => local.head.header.number === source.head.header.number, { timeout: 5_000, interval: 10 });
    expect(bytesToHex(local.head.hash)).toBe(bytesToHex(source.head.hash));
  });

  it('sets a peer aside twice as long for each failure in a row, and forgets them once it serves blocks that import', async () => {
    env = new TestEnv(backend);
    const source = await env.open(await env.dir());
    await grow(source, 20);
    const local = await env.open(await env.dir());
    const flaky = await peerOf('flaky', source);
    flaky.stalls = true;
    const network = new FakeNetwork([flaky]);
    const lines: string[] = [];
    const log = createLogger('warn', 'sync', (line) => lines.push(line));
    const sync = new Sync({ chain: local, engine: new FakeEngine(), recovery: env.recovery, log, graceMs: 10, excludeMs: 40 });
    syncs.push(sync);
    sync.attach(network);
    const setAside = (): string[] => lines.map((line) => /not asking it again for ([\d.]+) s/.exec(line)?.[1]).filter((s): s is string => s !== undefined);
    await vi.waitUntil(() => setAside().length >= 3, { timeout: 5_000, interval: 5 });
    expect(setAside().slice(0, 3)).toEqual(['0.04', '0.08', '0.16']);

    flaky.stalls = false;
    await vi.waitUntil(() => local.head.header.number === source.head.header.number, { timeout: 5_000, interval: 5 });
    // It served and its blocks imported: a new failure starts from the first step again.
    await grow(source, 1);
    const served = await peerOf('flaky', source);
    flaky.blocks = served.blocks;
    flaky.head = served.head;
    flaky.stalls = true;
    const before = setAside().length;
    sync.peersChanged();
    await vi.waitUntil(() => setAside().length > before, { timeout: 5_000, interval: 5 });
    expect(setAside()[before]).toBe('0.04');
  });

  it('refetches from the target the batches a failing helper was given, while earlier batches import', async () => {
    env = new TestEnv(backend);
    const source = await env.open(await env.dir());
    await grow(source, 200);
    const local = await env.open(await env.dir());
    const flaky = await peerOf('flaky', source);
    flaky.resets = true;
    flaky.head = { ...flaky.head, totalWeight: flaky.head.totalWeight - 1n }; // a helper, not the target
    const network = new FakeNetwork([await peerOf('target', source), flaky]);
    const sync = startSync(local, network);
    await synced(sync);

    expect(bytesToHex(local.head.hash)).toBe(bytesToHex(source.head.hash));
    expect(network.requests.some((r) => r.peer === 'flaky')).toBe(true);
    expect(network.penalties).toEqual([]);
  });

  it('penalises a peer whose block fails import, keeping the valid blocks before it', async () => {
    env = new TestEnv(backend);
    const source = await env.open(await env.dir());
    await grow(source, 70);
    const local = await env.open(await env.dir());
    const liar = await peerOf('liar', source);
    const bad = withHeader(liar.blocks[70]!, { stateRoot: new Uint8Array(32).fill(1) });
    liar.blocks = [...liar.blocks.slice(0, 70), bad];
    liar.head = { number: 70, hash: bad.hash, totalWeight: liar.head.totalWeight + 1n };
    // An honest peer one block behind: only the liar has #70.
    const honest = await peerOf('honest', source);
    honest.blocks = honest.blocks.slice(0, 70);
    honest.head = { number: 69, hash: honest.blocks[69]!.hash, totalWeight: honest.head.totalWeight - 1n };
    const network = new FakeNetwork([liar, honest]);
    const sync = startSync(local, network);
    await synced(sync);

    expect(local.head.header.number).toBe(69);
    expect(network.penalties).toHaveLength(1);
    expect(network.penalties[0]).toMatchObject({ peer: 'liar', offence: 'invalid-block' });
    expect(network.penalties[0]!.reason).toMatch(/invalid block #70/);
  });

  it('penalises a peer that serves blocks other than the ones asked for', async () => {
    env = new TestEnv(backend);
    const source = await env.open(await env.dir());
    await grow(source, 40);
    const local = await env.open(await env.dir());
    const shifty = await peerOf('shifty', source);
    shifty.tamper = (blocks, start) => (start > 0 ? shifty.blocks.slice(start + 1, start + 1 + blocks.length) : blocks);
    shifty.head = { ...shifty.head, totalWeight: shifty.head.totalWeight + 1n };
    const network = new FakeNetwork([shifty, await peerOf('honest', source)]);
    const sync = startSync(local, network);
    await synced(sync);

    expect(bytesToHex(local.head.hash)).toBe(bytesToHex(source.head.hash));
    expect(network.penalties[0]).toMatchObject({ peer: 'shifty', offence: 'wrong-response' });
    expect(network.penalties[0]!.reason).toMatch(/served block #2 where #1 belongs/);
  });

  it('calls a lone node synced after the grace period, and not while a peer is ahead', async () => {
    env = new TestEnv(backend);
    const local = await env.open(await env.dir());
    const network = new FakeNetwork([]);
    const sync = startSync(local, network, 50);
    expect(sync.isSynced()).toBe(false);
    await synced(sync, 2_000);

    const source = await env.open(await env.dir());
    await grow(source, 5);
    network.fakes.push(await peerOf('ahead', source));
    sync.peersChanged();
    expect(sync.isSynced()).toBe(false);
    await synced(sync);
    expect(local.head.header.number).toBe(5);
  });

  it('fetches the missing parents of a gossiped block by hash, within a bound', async () => {
    env = new TestEnv(backend);
    const source = await env.open(await env.dir());
    await grow(source, 45);
    const local = await env.open(await env.dir());
    for (const block of (await canonical(source)).slice(1, 20)) await local.importBlock(block);
    const network = new FakeNetwork([]);
    const sync = startSync(local, network);
    const blocks = await canonical(source);
    network.fakes.push({ id: 'gossiper', blocks, head: { number: 0, hash: blocks[0]!.hash, totalWeight: 0n } });

    expect(await sync.importOrphan('gossiper', blocks[25]!)).toBe('imported');
    expect(local.head.header.number).toBe(25);
    expect(await sync.importOrphan('gossiper', blocks[45]!)).toBe('imported'); // 19 missing: within ORPHAN_DEPTH
    expect(local.head.header.number).toBe(45);

    const far = await env.open(await env.dir());
    const sync2 = startSync(far, network);
    expect(await sync2.importOrphan('gossiper', blocks[45]!)).toBe('too-far');
    expect(far.head.header.number).toBe(0);
  });

  it('runs at most MAX_ORPHAN_FETCHES_PER_PEER orphan fetches for one peer and MAX_ORPHAN_FETCHES in all, skipping the rest', async () => {
    env = new TestEnv(backend);
    const source = await env.open(await env.dir());
    await grow(source, 3);
    const local = await env.open(await env.dir());
    const blocks = await canonical(source);
    let release = (): void => undefined;
    const hold = new Promise<void>((resolve) => (release = resolve));
    const ids = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5'];
    const network = new FakeNetwork(ids.map((id) => ({ id, blocks, head: { number: 0, hash: blocks[0]!.hash, totalWeight: 0n }, hold })));
    const sync = startSync(local, network);
    // Orphans naming parents nobody has: each needs a fetch of its own (fetches are shared per parent).
    let seed = 1;
    const orphan = (): Block => withHeader(blocks[3]!, { parentHash: new Uint8Array(32).fill(seed++) });

    const fromOne = Array.from({ length: 5 }, () => sync.importOrphan('p0', orphan()));
    expect(await Promise.all(fromOne.slice(MAX_ORPHAN_FETCHES_PER_PEER))).toEqual(Array(5 - MAX_ORPHAN_FETCHES_PER_PEER).fill('skipped'));
    const fromAll = ids.slice(1).flatMap((id) => [sync.importOrphan(id, orphan()), sync.importOrphan(id, orphan())]);
    expect(ids.length * MAX_ORPHAN_FETCHES_PER_PEER).toBeGreaterThan(MAX_ORPHAN_FETCHES);
    await vi.waitUntil(() => network.hashRequests.length === MAX_ORPHAN_FETCHES, { timeout: 5_000, interval: 5 });
    const skipped = (await Promise.race([Promise.all(fromAll.slice(MAX_ORPHAN_FETCHES - MAX_ORPHAN_FETCHES_PER_PEER)), new Promise((r) => setTimeout(r, 100, 'running'))])) as unknown;
    expect(skipped).toEqual(Array(fromAll.length - (MAX_ORPHAN_FETCHES - MAX_ORPHAN_FETCHES_PER_PEER)).fill('skipped'));

    // Finished fetches make room again.
    release();
    expect(new Set(await Promise.all([...fromOne.slice(0, MAX_ORPHAN_FETCHES_PER_PEER), ...fromAll.slice(0, MAX_ORPHAN_FETCHES - MAX_ORPHAN_FETCHES_PER_PEER)]))).toEqual(new Set(['failed']));
    const requests = network.hashRequests.length;
    void sync.importOrphan('p0', orphan());
    await vi.waitUntil(() => network.hashRequests.length === requests + 1, { timeout: 5_000, interval: 5 });
  });

  it('stops fetching parents at one whose number does not come right below its child, and penalises the sender', async () => {
    env = new TestEnv(backend);
    const source = await env.open(await env.dir());
    await grow(source, 30);
    const local = await env.open(await env.dir());
    const blocks = await canonical(source);
    const network = new FakeNetwork([{ id: 'liar', blocks, head: { number: 0, hash: blocks[0]!.hash, totalWeight: 0n } }]);
    const sync = startSync(local, network);

    // Block #30 rewritten to name block #10 as its parent: the peer serves #10 when asked for it.
    const orphan = withHeader(blocks[30]!, { parentHash: blocks[10]!.hash });
    expect(await sync.importOrphan('liar', orphan)).toBe('failed');
    expect(network.penalties).toEqual([
      { peer: 'liar', offence: 'wrong-response', reason: `served block #10 ${bytesToHex(blocks[10]!.hash)} as the parent of block #30` },
    ]);
    expect(local.head.header.number).toBe(0);
  });
});
