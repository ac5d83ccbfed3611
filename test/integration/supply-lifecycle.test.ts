import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPublicClient, createWalletClient, defineChain, http, keccak256, toHex, type Chain, type Hash, type Hex, type PublicClient } from 'viem';
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rpcCall, spawnNode, type NodeProcess } from '../../scripts/lib/node-process.js';
import { verifyProof, type ProofDocument } from '../../src/node/provenance/index.js';
import { hexToBytes } from '../../src/primitives/hex.js';

/**
 * The supply module end to end on a 3-node proof-of-work network: every
 * operation is an ordinary transaction that viem signs, with the JSON
 * document as its data. A goes through the lifecycle of coffee from two
 * farms to a retailer, every refusal path comes back as status 0 with its
 * reason, all nodes serve the same history, eth_getLogs follows an item by
 * topic, and a proof from supply_getProof verifies offline while tampered
 * copies do not.
 */

const CHAIN_ID = 13370;
const SUPPLY = '0x0000000000000000000000000000000000002000' as const;
const RECEIPT_TIMEOUT_MS = 30_000;

type Doc = Record<string, unknown>;

interface Party {
  readonly name: string;
  readonly account: PrivateKeyAccount;
  readonly node: NodeProcess;
}

interface Receipt {
  readonly status: string;
  readonly gasUsed: string;
  readonly effectiveGasPrice: string;
  readonly blockNumber: string;
  readonly blockHash: string;
  readonly transactionHash: string;
  readonly reason?: string;
  readonly logs: readonly { address: string; topics: string[]; data: string; transactionHash: string }[];
}

interface EventJson {
  readonly id: string;
  readonly seq: number;
  readonly type: string;
  readonly signer: string;
  readonly txHash: string;
  readonly blockNumber: number;
  readonly timestamp: number;
  readonly [field: string]: unknown;
}

interface History {
  readonly item: { id: string; status: string; owner: string; custodian: string; eventCount: number; inputs: string[]; outputs: string[] };
  readonly events: EventJson[];
  readonly next: number | null;
}

const nodes: NodeProcess[] = [];
let dir: string | undefined;
let chain: (url: string) => Chain;

async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function client(node: NodeProcess): PublicClient {
  return createPublicClient({ chain: chain(node.url), transport: http(node.url), pollingInterval: 100 });
}

/** Signs the operation `doc` (or raw text, for malformed documents) with viem and submits it through the party's node. */
async function send(party: Party, doc: Doc | string, options: { nonce?: number; value?: bigint } = {}): Promise<Hash> {
  const wallet = createWalletClient({ account: party.account, chain: chain(party.node.url), transport: http(party.node.url) });
  const data = toHex(typeof doc === 'string' ? doc : JSON.stringify(doc));
  return wallet.sendTransaction({ to: SUPPLY, data, value: options.value ?? 0n, ...(options.nonce === undefined ? {} : { nonce: options.nonce }) });
}

async function receipt(node: NodeProcess, hash: Hash): Promise<Receipt> {
  await client(node).waitForTransactionReceipt({ hash, timeout: RECEIPT_TIMEOUT_MS });
  return (await rpcCall<Receipt>(node.url, 'eth_getTransactionReceipt', [hash]))!;
}

/** Sends and waits: the operation must be accepted. */
async function accepted(party: Party, doc: Doc): Promise<Receipt> {
  const result = await receipt(party.node, await send(party, doc));
  expect(result.status, `${party.name}: ${JSON.stringify(doc)} (${result.reason})`).toBe('0x1');
  return result;
}

/** The refusal as supply_getTransaction and the receipt show it; fails unless refused for `reason`. */
async function expectRefused(node: NodeProcess, hash: Hash, reason: RegExp): Promise<void> {
  const mined = await receipt(node, hash);
  const answer = await rpcCall<{ status: string; reason: string | null; blockNumber: number }>(node.url, 'supply_getTransaction', [hash]);
  expect(answer.status, `${hash}: ${answer.reason}`).toBe('refused');
  expect(answer.reason).toMatch(reason);
  expect(mined.status).toBe('0x0');
  expect(mined.reason).toBe(answer.reason);
  expect(mined.logs).toEqual([]);
  expect(answer.blockNumber).toBe(Number(BigInt(mined.blockNumber)));
}

async function history(node: NodeProcess, id: string): Promise<History> {
  return (await rpcCall<History | null>(node.url, 'supply_getHistory', [id]))!;
}

async function head(node: NodeProcess): Promise<number> {
  return Number(BigInt(await rpcCall<string>(node.url, 'eth_blockNumber')));
}

/** Waits until every node's canonical chain holds the same block at height `n`. */
async function agreeAt(n: number): Promise<void> {
  await waitFor(`every node to agree on block #${n}`, async () => {
    if (Math.min(...(await Promise.all(nodes.map(head)))) < n) return undefined;
    const hashes = await Promise.all(nodes.map(async (node) => (await rpcCall<{ hash: string }>(node.url, 'eth_getBlockByNumber', ['0x' + n.toString(16), false])).hash));
    return hashes.every((hash) => hash === hashes[0]) ? true : undefined;
  });
}

/** The parts of a proof the tampering tests change, as plain mutable JSON. */
interface EditableProof {
  headers: string[];
  events: { receipt: string; transactionPath: string[] }[];
}

function copy(proof: ProofDocument): EditableProof {
  return JSON.parse(JSON.stringify(proof)) as EditableProof;
}

function flipByte(hex: string, index: number): string {
  const bytes = hexToBytes(hex);
  bytes[index < 0 ? bytes.length + index : index]! ^= 1;
  return '0x' + Buffer.from(bytes).toString('hex');
}

let farmA: Party;
let farmB: Party;
let coop: Party;
let roaster: Party;
let retailer: Party;
let intruder: Party;
/** Receipts of the accepted operations, by what they did. */
const done = new Map<string, Receipt>();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cairn-supply-it-'));
  const keys = Array.from({ length: 6 }, () => generatePrivateKey());
  const accounts = keys.map((key) => privateKeyToAccount(key));
  const genesis = {
    chainId: CHAIN_ID,
    timestamp: 1764028800000,
    gasLimit: '30000000',
    baseFee: '1000000000',
    blockReward: '2000000000000000000',
    consensus: { type: 'pow', pow: { targetBlockTimeMs: 500, initialDifficulty: '20000', minDifficulty: '1000', confirmations: 4 } },
    alloc: Object.fromEntries(accounts.map((account) => [account.address, { balance: '1000000000000000000000' }])),
  };
  const genesisPath = join(dir, 'genesis.json');
  await writeFile(genesisPath, JSON.stringify(genesis));
  for (const name of ['a', 'b', 'c']) {
    nodes.push(
      await spawnNode({
        args: [
          '--genesis', genesisPath,
          '--datadir', join(dir, name),
          '--rpc-port', '0',
          '--p2p-port', '0',
          ...(name === 'a' ? ['--mine', '--coinbase', '0x00000000000000000000000000000000000000aa'] : []),
          ...nodes.flatMap((node) => ['--bootstrap', node.p2pAddresses[0]!]),
        ],
        cwd: dir,
        waitForP2p: true,
        startTimeoutMs: 30_000,
      }),
    );
  }
  await Promise.all(nodes.map((node) => waitFor(`${node.url} to see both other nodes`, async () => (Number(BigInt(await rpcCall<string>(node.url, 'net_peerCount'))) >= 2 ? true : undefined))));
  chain = (url) => defineChain({ id: CHAIN_ID, name: 'Cairn supply test', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [url] } } });
  const [a, b, c] = nodes as [NodeProcess, NodeProcess, NodeProcess];
  const party = (name: string, i: number, node: NodeProcess): Party => ({ name, account: accounts[i]!, node });
  farmA = party('farm A', 0, a);
  farmB = party('farm B', 1, b);
  coop = party('cooperative', 2, c);
  // The miner: the roaster's two operations in a row must reach it in the order it sends them (see below).
  roaster = party('roaster', 3, a);
  retailer = party('retailer', 4, b);
  intruder = party('intruder', 5, c);
}, 120_000);

afterAll(async () => {
  const codes = await Promise.all(nodes.map((node) => node.stop()));
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  expect(codes).toEqual(nodes.map(() => 0));
}, 60_000);

// On a failure, the end of each node's output: the only record of what the processes did.
afterEach((context) => {
  if (context.task.result?.state !== 'fail') return;
  for (const node of nodes) console.error(`---- ${node.url} ----\n${node.output().trimEnd().split('\n').slice(-30).join('\n')}`);
});

describe('supply lifecycle on a 3-node network', () => {
  it('registers, checkpoints and hands over the farm lots, refusing whatever breaks a rule', async () => {
    const [ra, rb] = await Promise.all([
      accepted(farmA, { op: 'register', id: 'lot-a', kind: 'green coffee', metadata: { farm: 'Finca Aurora', weightKg: 600 } }),
      accepted(farmB, { op: 'register', id: 'lot-b', kind: 'green coffee', metadata: { farm: 'Finca Bella', weightKg: 640 } }),
    ]);
    done.set('register lot-a', ra);
    done.set('register lot-b', rb);

    const before = await history(nodes[0]!, 'lot-a');
    const balanceBefore = await client(intruder.node).getBalance({ address: intruder.account.address });
    // Every refusal of the intruder, in a row (consecutive nonces); each must cost gas and change nothing else.
    const refusals: [Doc | string, RegExp, bigint?][] = [
      [{ op: 'register', id: 'lot-a', kind: 'fake coffee' }, /item "lot-a" already exists \(created in block \d+\); ids are never reused/],
      [{ op: 'transfer', id: 'lot-a', to: intruder.account.address }, new RegExp(`item "lot-a" is held by ${farmA.account.address}, not by the sender ${intruder.account.address}`)],
      [{ op: 'checkpoint', id: 'lot-b', bizStep: 'inspecting', disposition: 'damaged' }, /item "lot-b" is held by 0x[0-9a-fA-F]{40}, not by the sender/],
      [{ op: 'close', id: 'lot-a', reason: 'stolen' }, /item "lot-a" is held by/],
      [{ op: 'transform', inputs: ['lot-a'], outputs: [{ id: 'knock-off', kind: 'coffee' }] }, /item "lot-a" is held by/],
      [{ op: 'transfer', id: 'ghost', to: intruder.account.address }, /item "ghost" does not exist/],
      [{ op: 'register', id: 'paid', kind: 'coffee' }, /supply operations carry no value: this transaction sends 1 wei/, 1n],
      ['{"op":"register"', /invalid supply operation: the data is not valid JSON/],
      [{ op: 'steal', id: 'lot-a' }, /invalid supply operation: unknown op "steal"/],
      [{ op: 'register', id: 'lot c', kind: 'coffee' }, /invalid supply operation: field "id" must be 1-128 characters/],
      [{ op: 'register', id: 'x'.repeat(129), kind: 'coffee' }, /field "id" must be 1-128 characters/],
      [{ op: 'register', id: 'big', kind: 'coffee', metadata: { blob: 'x'.repeat(2100) } }, /field "metadata" is \d+ bytes as canonical JSON, more than the 2048 allowed/],
      [{ op: 'checkpoint', id: 'lot-a', bizStep: 'roasting', disposition: 'active' }, /field "bizStep" must be a CBV 2.0 business step/],
      [{ op: 'register', id: 'extra', kind: 'coffee', owner: farmA.account.address }, /unknown field "owner" in a register operation/],
    ];
    const nonce = await client(intruder.node).getTransactionCount({ address: intruder.account.address, blockTag: 'pending' });
    const hashes: Hash[] = [];
    for (const [i, [doc, , value]] of refusals.entries()) hashes.push(await send(intruder, doc, { nonce: nonce + i, value }));
    // And the custodian's own mistakes.
    const zero = await send(farmA, { op: 'transfer', id: 'lot-a', to: '0x0000000000000000000000000000000000000000' });
    for (const [i, [, reason]] of refusals.entries()) await expectRefused(intruder.node, hashes[i]!, reason);
    await expectRefused(farmA.node, zero, /cannot transfer item "lot-a" to 0x0000000000000000000000000000000000000000: no one can sign for that address/);
    const self = await send(farmA, { op: 'transfer', id: 'lot-a', to: farmA.account.address });
    await expectRefused(farmA.node, self, new RegExp(`item "lot-a" is already held by ${farmA.account.address}`));

    // The sender paid the gas of each (and kept the wei it tried to send), and nothing else changed.
    const fees = (await Promise.all(hashes.map((hash) => rpcCall<Receipt>(intruder.node.url, 'eth_getTransactionReceipt', [hash])))).reduce(
      (sum, r) => sum + BigInt(r.gasUsed) * BigInt(r.effectiveGasPrice),
      0n,
    );
    expect(fees).toBeGreaterThan(0n);
    expect(balanceBefore - (await client(intruder.node).getBalance({ address: intruder.account.address }))).toBe(fees);
    expect(await client(intruder.node).getTransactionCount({ address: intruder.account.address })).toBe(nonce + refusals.length);
    expect(await history(nodes[0]!, 'lot-a')).toEqual(before);
    for (const id of ['ghost', 'paid', 'big', 'extra', 'knock-off']) expect(await rpcCall(nodes[0]!.url, 'supply_getItem', [id])).toBeNull();

    done.set(
      'checkpoint lot-a',
      await accepted(farmA, {
        op: 'checkpoint',
        id: 'lot-a',
        location: 'Finca Aurora, Pitalito',
        readings: { moisture: { value: 11.2, uom: 'P1' }, weight: { value: 600, uom: 'KGM' } },
        bizStep: 'inspecting',
        disposition: 'conformant',
      }),
    );
    const [ta, tb] = await Promise.all([
      accepted(farmA, { op: 'transfer', id: 'lot-a', to: coop.account.address }),
      accepted(farmB, { op: 'transfer', id: 'lot-b', to: coop.account.address }),
    ]);
    done.set('transfer lot-a', ta);
    done.set('transfer lot-b', tb);
    const lotA = await history(nodes[2]!, 'lot-a');
    expect(lotA.item).toMatchObject({ status: 'active', owner: farmA.account.address, custodian: coop.account.address, eventCount: 3 });
  });

  it('merges the lots and roasts the blend; consumed inputs and taken ids are refused', async () => {
    done.set('merge', await accepted(coop, { op: 'transform', inputs: ['lot-a', 'lot-b'], outputs: [{ id: 'blend-1', kind: 'green coffee blend', metadata: { grade: 'Excelso' } }] }));
    const nonce = await client(coop.node).getTransactionCount({ address: coop.account.address, blockTag: 'pending' });
    const consumed = await send(coop, { op: 'checkpoint', id: 'lot-a', bizStep: 'storing', disposition: 'active' }, { nonce });
    const taken = await send(coop, { op: 'transform', inputs: ['blend-1'], outputs: [{ id: 'lot-b', kind: 'coffee' }] }, { nonce: nonce + 1 });
    const notHeld = await send(roaster, { op: 'transform', inputs: ['blend-1'], outputs: [{ id: 'roast-x', kind: 'roasted coffee' }] });
    await expectRefused(coop.node, consumed, /item "lot-a" was consumed by a transform into "blend-1": nothing can happen to it anymore/);
    await expectRefused(coop.node, taken, /output "lot-b" already exists; a transform creates new items/);
    await expectRefused(roaster.node, notHeld, new RegExp(`item "blend-1" is held by ${coop.account.address}, not by the sender ${roaster.account.address}`));

    done.set('ship blend', await accepted(coop, { op: 'transfer', id: 'blend-1', to: roaster.account.address }));
    done.set('roast', await accepted(roaster, { op: 'transform', inputs: ['blend-1'], outputs: [{ id: 'roast-1', kind: 'roasted coffee', metadata: { profile: 'medium' } }] }));

    const blend = await history(nodes[1]!, 'blend-1');
    expect(blend.item).toMatchObject({ status: 'consumed', inputs: ['lot-a', 'lot-b'], outputs: ['roast-1'], owner: coop.account.address, custodian: roaster.account.address });
    expect(blend.events.map((e) => e.type)).toEqual(['Transformed', 'Transferred', 'Transformed']);
  });

  it('carries the roasted coffee to the retailer, who sells it; a closed item stays closed', async () => {
    // Sent in reverse nonce order to the miner: the transfer waits behind the gap until the checkpoint
    // arrives, so both go into one block, whose transaction tree then has inner nodes to prove.
    const nonce = await client(roaster.node).getTransactionCount({ address: roaster.account.address, blockTag: 'pending' });
    const handOver = await send(roaster, { op: 'transfer', id: 'roast-1', to: retailer.account.address }, { nonce: nonce + 1 });
    const transit = await send(
      roaster,
      { op: 'checkpoint', id: 'roast-1', location: 'Port of Rotterdam', readings: { temperature: { value: 14.5, uom: 'CEL' }, humidity: 55 }, bizStep: 'transporting', disposition: 'in_transit' },
      { nonce },
    );
    const [checkpointed, transferred] = await Promise.all([receipt(roaster.node, transit), receipt(roaster.node, handOver)]);
    expect([checkpointed.status, transferred.status]).toEqual(['0x1', '0x1']);
    expect(transferred.blockNumber).toBe(checkpointed.blockNumber);
    done.set('transit', checkpointed);
    done.set('hand over', transferred);

    done.set('receive', await accepted(retailer, { op: 'checkpoint', id: 'roast-1', location: 'Corner Café', bizStep: 'receiving', disposition: 'sellable_accessible' }));
    done.set('sell', await accepted(retailer, { op: 'close', id: 'roast-1', reason: 'sold' }));

    const nonceAfter = await client(retailer.node).getTransactionCount({ address: retailer.account.address, blockTag: 'pending' });
    const again = await send(retailer, { op: 'checkpoint', id: 'roast-1', bizStep: 'receiving', disposition: 'returned' }, { nonce: nonceAfter });
    const away = await send(retailer, { op: 'transfer', id: 'roast-1', to: farmA.account.address }, { nonce: nonceAfter + 1 });
    await expectRefused(retailer.node, again, /item "roast-1" is closed: nothing can happen to it anymore/);
    await expectRefused(retailer.node, away, /item "roast-1" is closed/);
  });

  it('serves the same history on every node, in order, with block, time, transaction and signer', async () => {
    const last = Math.max(...[...done.values()].map((r) => Number(BigInt(r.blockNumber))));
    await agreeAt(last);
    for (const id of ['lot-a', 'lot-b', 'blend-1', 'roast-1']) {
      const [a, b, c] = await Promise.all(nodes.map((node) => history(node, id)));
      expect(b, `${id} on node b`).toEqual(a);
      expect(c, `${id} on node c`).toEqual(a);
    }
    const roast = await history(nodes[1]!, 'roast-1');
    expect(roast.item).toMatchObject({ status: 'closed', owner: roaster.account.address, custodian: retailer.account.address, inputs: ['blend-1'], eventCount: 5 });
    expect(roast.next).toBeNull();
    const steps = ['roast', 'transit', 'hand over', 'receive', 'sell'];
    expect(roast.events.map((e) => e.type)).toEqual(['Transformed', 'Checkpointed', 'Transferred', 'Checkpointed', 'Closed']);
    expect(roast.events.map((e) => e.seq)).toEqual([0, 1, 2, 3, 4]);
    expect(roast.events.map((e) => e.txHash)).toEqual(steps.map((step) => done.get(step)!.transactionHash));
    expect(roast.events.map((e) => e.blockNumber)).toEqual(steps.map((step) => Number(BigInt(done.get(step)!.blockNumber))));
    expect(roast.events.map((e) => e.signer)).toEqual([roaster, roaster, roaster, retailer, retailer].map((p) => p.account.address));
    expect(roast.events[1]).toMatchObject({
      location: 'Port of Rotterdam',
      readings: [
        { name: 'humidity', value: 55, uom: null },
        { name: 'temperature', value: 14.5, uom: 'CEL' },
      ],
      bizStep: 'transporting',
      disposition: 'in_transit',
    });
    expect(roast.events[4]).toMatchObject({ reason: 'sold' });
    for (const event of roast.events) {
      const block = await client(nodes[2]!).getBlock({ blockNumber: BigInt(event.blockNumber) });
      // supply_ times are milliseconds (the header's own unit); eth_ blocks carry seconds, as wallets expect.
      expect(Math.floor(event.timestamp / 1000)).toBe(Number(block.timestamp));
    }

    const lineage = await rpcCall<{ ancestors: { depth: number; item: { id: string } }[]; descendants: unknown[] }>(nodes[2]!.url, 'supply_getLineage', ['roast-1']);
    expect(lineage.ancestors.map((n) => [n.depth, n.item.id])).toEqual([
      [1, 'blend-1'],
      [2, 'lot-a'],
      [2, 'lot-b'],
    ]);
    expect(lineage.descendants).toEqual([]);
    const held = await rpcCall<{ items: { id: string }[] }>(nodes[0]!.url, 'supply_listItems', [{ custodian: retailer.account.address }]);
    expect(held.items.map((i) => i.id)).toEqual(['roast-1']);
  });

  it('lets eth_getLogs follow an item by event type and id', async () => {
    const logs = (topics: (string | null)[], node = nodes[0]!) =>
      rpcCall<Receipt['logs']>(node.url, 'eth_getLogs', [{ fromBlock: '0x0', toBlock: 'latest', address: SUPPLY, topics }]);
    const idTopic = (id: string): Hex => keccak256(toHex(id));
    const checkpoints = await logs([keccak256(toHex('Checkpointed')), idTopic('roast-1')]);
    expect(checkpoints.map((log) => log.transactionHash)).toEqual([done.get('transit')!.transactionHash, done.get('receive')!.transactionHash]);
    for (const log of checkpoints) expect(log.address.toLowerCase()).toBe(SUPPLY);

    const lotA = await history(nodes[0]!, 'lot-a');
    const everything = await logs([null, idTopic('lot-a')], nodes[1]!);
    expect(everything.map((log) => log.transactionHash)).toEqual(lotA.events.map((e) => e.txHash));
    expect(everything.map((log) => log.topics[0])).toEqual(lotA.events.map((e) => keccak256(toHex(e.type))));
    // The log's data is the event record itself: the merge's log for lot-a is in the merge's receipt.
    const merge = done.get('merge')!;
    expect(merge.logs.map((log) => log.data)).toContain(everything[3]!.data);
    expect(await logs([keccak256(toHex('Closed')), idTopic('lot-a')])).toEqual([]);
  });

  it('serves a proof that verifies offline, and tampered copies that do not', async () => {
    const genesisHash = (await client(nodes[0]!).getBlock({ blockNumber: 0n })).hash;
    const expected = { expectedGenesisHash: hexToBytes(genesisHash), expectedChainId: BigInt(CHAIN_ID) };
    const proof = (await rpcCall<ProofDocument | null>(nodes[2]!.url, 'supply_getProof', ['roast-1', { fromGenesis: true }]))!;
    const roast = await history(nodes[2]!, 'roast-1');

    const report = verifyProof(proof, expected);
    expect(report.errors).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.events.map((e) => e.txHash)).toEqual(roast.events.map((e) => e.txHash));
    expect(report.events.map((e) => e.event)).toEqual(roast.events);
    expect(report.proven).toContain('item "roast-1": the proof holds its events #0…#4, with none missing in between');
    expect(report.proven.join('\n')).toContain(`the proof is about the chain of genesis ${genesisHash}, the one expected`);
    expect(report.proven.join('\n')).toMatch(/blocks #0…#\d+ link by parent hash, from genesis/);

    const lotA = verifyProof((await rpcCall<ProofDocument>(nodes[1]!.url, 'supply_getProof', ['lot-a']))!, expected);
    expect(lotA.ok).toBe(true);
    expect(lotA.events).toHaveLength(4);

    // A changed event: one bit of the receipt whose log records event #3.
    const changed = copy(proof);
    changed.events[3]!.receipt = flipByte(changed.events[3]!.receipt, -1);
    const changedReport = verifyProof(changed, expected);
    expect(changedReport.ok).toBe(false);
    expect(changedReport.errors).toEqual([expect.stringMatching(/^event 3 \(block #\d+\): the receipt does not verify against block #\d+'s receiptsRoot/)]);

    // A wrong Merkle sibling, in the block that holds the transit checkpoint and the hand-over.
    const shared = proof.events.findIndex((e) => e.transactionPath.length > 0);
    expect(shared).toBeGreaterThanOrEqual(0);
    const sibling = copy(proof);
    sibling.events[shared]!.transactionPath[0] = flipByte(sibling.events[shared]!.transactionPath[0]!, 0);
    const siblingReport = verifyProof(sibling, expected);
    expect(siblingReport.ok).toBe(false);
    expect(siblingReport.errors.join('\n')).toMatch(new RegExp(`event ${shared} \\(block #\\d+\\): the transaction does not verify against block #\\d+'s txRoot`));

    // A missing link, and a proof taken for another chain.
    const gap = copy(proof);
    gap.headers.splice(2, 1);
    expect(verifyProof(gap, expected).errors.join('\n')).toMatch(/the headers are not consecutive: block #1 is followed by #3: block #2 is missing/);
    const elsewhere = verifyProof(proof, { ...expected, expectedGenesisHash: hexToBytes('0x' + '77'.repeat(32)) });
    expect(elsewhere.ok).toBe(false);
    expect(elsewhere.errors.join('\n')).toMatch(/not the expected genesis 0x7777/);
  });
});
