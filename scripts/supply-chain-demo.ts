/**
 * The supply-chain demo: coffee from two farms to a shop shelf, on a real
 * network, through the public JSON-RPC only.
 *
 * It starts a 3-node proof-of-work devnet in a temporary folder (or uses the
 * nodes given with --rpc), gives each party its own key, funds the parties
 * from a development account, and walks the coffee through them, each party
 * submitting through its own node: two farms register and inspect a lot
 * each, a cooperative merges the lots, a roaster roasts the blend, a shipper
 * records temperatures in transit, a retailer receives and sells it. On the
 * way an unauthorised transfer is refused. Then it prints the roasted
 * coffee's timeline and lineage, checks that every node serves the same
 * history, writes a provenance proof, verifies it offline, and shows that a
 * tampered copy fails. Every wait is bounded; every node it started is
 * stopped, on success, on failure and on Ctrl-C.
 *
 * Run: npm run demo:supply-chain   (-- --help for the options)
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { receiptEvents } from '../src/cli/commands/supply.js';
import { RpcClient } from '../src/cli/rpc-client.js';
import { submitCall, type CliReceipt } from '../src/cli/submit.js';
import { describeEvents, formatHistory, formatLineage, formatVerifyReport, type HistoryView, type LineageView } from '../src/cli/supply/format.js';
import { formatEther, parseEther } from '../src/cli/units.js';
import { encodeSupplyOp, SUPPLY_ADDRESS, type SupplyOp } from '../src/ledger/modules/supply/index.js';
import { DEV_ACCOUNTS } from '../src/node/dev-accounts.js';
import { verifyProof, type ProofDocument } from '../src/node/provenance/index.js';
import { parseAddress, toChecksumAddress } from '../src/primitives/address.js';
import { CairnError } from '../src/primitives/errors.js';
import { bytesToHex, hexToBytes, parseQuantity } from '../src/primitives/hex.js';
import { addressOfPrivateKey, generatePrivateKey } from '../src/primitives/keys.js';
import { Devnet } from './lib/devnet.js';
import { REPO } from './lib/node-process.js';

const USAGE = `Usage: npm run demo:supply-chain -- [options]

Walks coffee from two farms to a retailer on a Cairn network, each party with
its own key, and verifies the result's provenance proof offline.
  --rpc <url>     use running nodes instead of starting a devnet (repeatable: the
                  parties take turns across them); their chain must fund the
                  development accounts, as "npm start" and "npm run devnet" do
  --proof <file>  where to write the proof (default: cairn-supply-proof-<id>.json in
                  the system temp folder; it stays after the demo)
  -h, --help      this text`;

const NODES = 3;
/** Per transaction: generous for a 1 s block target on a busy machine. */
const RECEIPT_TIMEOUT_MS = 60_000;
const NETWORK_TIMEOUT_MS = 30_000;
const POLL_MS = 150;
const FUNDING = parseEther('10');
/** Below the node's bound on headers per proof (10,000). */
const MAX_GENESIS_HEADERS = 5000;

class DemoError extends Error {}

/** Set by Ctrl-C: what fails afterwards fails because the nodes are going away. */
let interrupted = false;

/** After Ctrl-C the signal handler exits, once every node has stopped: nothing else may end the process first. */
const untilStopped = (): Promise<number> => new Promise(() => undefined);

interface Node {
  readonly index: number;
  readonly client: RpcClient;
}

interface Outcome {
  readonly block: number;
  readonly ok: boolean;
  readonly reason: string | null;
  readonly receipt: CliReceipt;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntil<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new DemoError(`gave up after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(POLL_MS);
  }
}

/** The receipt of `hash` as `node` sees it; a refusal's reason from supply_getTransaction. */
async function outcome(node: Node, hash: string): Promise<Outcome> {
  const receipt = await waitUntil(`transaction ${hash} to be included (node ${node.index})`, RECEIPT_TIMEOUT_MS, async () => {
    return (await node.client.call<CliReceipt | null>('eth_getTransactionReceipt', [hash])) ?? undefined;
  });
  const ok = receipt.status === '0x1';
  let reason: string | null = null;
  if (!ok) reason = (await node.client.call<{ reason: string | null }>('supply_getTransaction', [hash])).reason;
  return { block: Number(parseQuantity(receipt.blockNumber)), ok, reason, receipt };
}

class Party {
  readonly address: string;
  #nonce = 0n;

  constructor(
    readonly name: string,
    readonly key: Uint8Array,
    readonly node: Node,
  ) {
    this.address = toChecksumAddress(addressOfPrivateKey(key));
  }

  /** Submits `op` (the party's keys are new, so its nonces count from 0 here); resolves the hash. */
  send(op: SupplyOp): Promise<string> {
    return submitCall(this.node.client, this.key, { to: SUPPLY_ADDRESS, value: 0n, data: encodeSupplyOp(op) }, this.#nonce++).then((sent) => sent.hash);
  }
}

interface Step {
  readonly party: Party;
  readonly what: string;
  readonly op: SupplyOp;
  /** The step is there to be refused. */
  readonly refused?: boolean;
}

/**
 * Runs steps of different parties at once (a party's own steps in order,
 * submitted together), then reports each in order: the block, and in plain
 * words what the chain recorded, or the reason it refused.
 */
async function act(...steps: Step[]): Promise<void> {
  const hashes: string[] = [];
  for (const step of steps) hashes.push(await step.party.send(step.op));
  const outcomes = await Promise.all(steps.map((step, i) => outcome(step.party.node, hashes[i]!)));
  steps.forEach((step, i) => {
    const result = outcomes[i]!;
    console.log(`  ${step.party.name} (node ${step.party.node.index}): ${step.what}`);
    if (result.ok) {
      for (const line of describeEvents(receiptEvents(result.receipt))) console.log(`      block #${result.block}: ${line}`);
    } else {
      console.log(`      block #${result.block}: REFUSED (status 0; the sender paid the gas, nothing else changed)`);
      console.log(`      reason: ${result.reason ?? '(none given)'}`);
    }
    if (result.ok === (step.refused === true)) {
      throw new DemoError(`${step.party.name}'s "${step.what}" was ${result.ok ? 'accepted' : `refused (${result.reason})`}, which the demo did not expect`);
    }
  });
}

interface Network {
  readonly nodes: Node[];
  /** Stops what the demo started; `failed` keeps the devnet folder for its logs. */
  readonly stop: (failed: boolean) => Promise<void>;
}

/** A 3-node proof-of-work devnet in a temporary folder: node 0 mines, a 1 s block target, every dev account funded. */
async function startDevnet(): Promise<Network> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-supply-demo-'));
  const base = JSON.parse(await readFile(join(REPO, 'genesis.json'), 'utf8')) as Record<string, unknown>;
  const genesis = {
    ...base,
    timestamp: Date.now(),
    consensus: { type: 'pow', pow: { targetBlockTimeMs: 1000, initialDifficulty: '100000', minDifficulty: '1000', confirmations: 4 } },
    alloc: Object.fromEntries(DEV_ACCOUNTS.map((account) => [account.address, { balance: '10000000000000000000000' }])),
  };
  const genesisPath = join(dir, 'genesis.json');
  await writeFile(genesisPath, JSON.stringify(genesis, null, 2) + '\n');
  const devnet = new Devnet({
    dir,
    genesisPath,
    nodes: NODES,
    miners: 1,
    logLevel: 'warn',
    onUnexpectedExit: (node, code) => console.error(`node ${node.index} exited on its own with code ${code}; its log: ${node.logPath}`),
  });
  // The first caller decides whether the folder stays; a Ctrl-C and the end of the walk then share one stop.
  let stopping: Promise<void> | undefined;
  const stop = (failed: boolean): Promise<void> =>
    (stopping ??= (async () => {
      await devnet.stop();
      if (failed) console.log(`the devnet folder stays for a look at the node logs: ${dir}`);
      else await rm(dir, { recursive: true, force: true });
    })());
  // Installed before the first node starts: no way out of this process leaves a node running.
  process.on('exit', () => devnet.killAll());
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (interrupted) return;
      interrupted = true;
      console.log(`\n${signal}: stopping the devnet…`);
      void stop(false).then(() => process.exit(130));
    });
  }
  console.log(`Starting a ${NODES}-node proof-of-work devnet in ${dir} (node 0 mines, 1 s block target)…`);
  try {
    await devnet.start();
  } catch (err) {
    await stop(true);
    throw new DemoError((err as Error).message);
  }
  if (devnet.isStopping) throw new DemoError('interrupted while the nodes were starting');
  const nodes = devnet.nodes.map((node) => ({ index: node.index, client: new RpcClient(node.process!.url) }));
  for (const node of nodes) console.log(`  node ${node.index}  ${node.client.url}  ${node.index === 0 ? 'miner' : 'follower'}`);
  // The nodes form a full mesh: a party's transaction reaches the miner by gossip only once it is connected.
  await Promise.all(
    nodes.map((node) =>
      waitUntil(`node ${node.index} to connect to the other nodes`, NETWORK_TIMEOUT_MS, async () =>
        parseQuantity(await node.client.call<string>('net_peerCount')) >= BigInt(NODES - 1) ? true : undefined,
      ),
    ),
  );
  return { nodes, stop };
}

function useNodes(urls: readonly string[]): Network {
  console.log(`Using the running node${urls.length === 1 ? '' : 's'} at ${urls.join(', ')}`);
  return { nodes: urls.map((url, index) => ({ index, client: new RpcClient(url) })), stop: async () => undefined };
}

/** Pays each party FUNDING from the first development account, through node 0. */
async function fund(node: Node, parties: readonly Party[]): Promise<void> {
  const funder = DEV_ACCOUNTS[0]!;
  const key = hexToBytes(funder.privateKey);
  const balance = parseQuantity(await node.client.call<string>('eth_getBalance', [funder.address, 'latest']));
  if (balance < FUNDING * BigInt(parties.length + 1)) {
    throw new DemoError(
      `the development account ${funder.address} holds ${formatEther(balance)} ETH on this chain, not enough to fund the parties: ` +
        `use a chain that funds the development accounts ("npm start" or "npm run devnet")`,
    );
  }
  const nonce = parseQuantity(await node.client.call<string>('eth_getTransactionCount', [funder.address, 'pending']));
  const hashes: string[] = [];
  for (const [i, party] of parties.entries()) {
    const sent = await submitCall(node.client, key, { to: parseAddress(party.address), value: FUNDING, data: new Uint8Array(0) }, nonce + BigInt(i));
    hashes.push(sent.hash);
  }
  const outcomes = await Promise.all(hashes.map((hash) => outcome(node, hash)));
  const blocks = [...new Set(outcomes.map((o) => `#${o.block}`))].join(', ');
  if (outcomes.some((o) => !o.ok)) throw new DemoError('a funding transfer failed');
  console.log(`  development account ${funder.address} sent ${formatEther(FUNDING)} ETH to each party (block ${blocks})`);
}

/** Waits until every node serves the same history of `id`; resolves it. */
async function sameHistoryEverywhere(nodes: readonly Node[], id: string): Promise<HistoryView> {
  return waitUntil(`every node to serve the same history of ${id}`, NETWORK_TIMEOUT_MS, async () => {
    const answers = await Promise.all(nodes.map((node) => node.client.call<HistoryView | null>('supply_getHistory', [id])));
    const texts = answers.map((answer) => JSON.stringify(answer));
    return answers[0] !== null && texts.every((text) => text === texts[0]) ? answers[0] : undefined;
  });
}

/** `hex` with the last byte changed. */
function flipLastByte(hex: string): string {
  const bytes = hexToBytes(hex);
  bytes[bytes.length - 1]! ^= 1;
  return bytesToHex(bytes);
}

async function walk(network: Network, proofPath: string | undefined): Promise<void> {
  const { nodes } = network;
  const via = (i: number): Node => nodes[i % nodes.length]!;
  const tag = Date.now().toString(36);
  const ids = { aurora: `aurora-lot-${tag}`, bella: `bella-lot-${tag}`, blend: `coop-blend-${tag}`, roast: `roast-${tag}` };

  const farmA = new Party('Finca Aurora (farm)', generatePrivateKey(), via(0));
  const farmB = new Party('Finca Bella (farm)', generatePrivateKey(), via(1));
  const coop = new Party('Cooperativa del Huila', generatePrivateKey(), via(2));
  const roaster = new Party('Tostadores Rotterdam (roaster)', generatePrivateKey(), via(3));
  const shipper = new Party('Ocean Freight (shipper)', generatePrivateKey(), via(4));
  const retailer = new Party('Corner Café (retailer)', generatePrivateKey(), via(5));
  const parties = [farmA, farmB, coop, roaster, shipper, retailer];

  console.log('\nParties, each with a new key of its own:');
  for (const party of parties) console.log(`  ${party.name.padEnd(31)} ${party.address}  via node ${party.node.index}`);

  console.log('\n1. Gas money');
  await fund(nodes[0]!, parties);

  console.log('\n2. Each farm registers its harvest and inspects it');
  await act(
    { party: farmA, what: 'register a lot of green coffee', op: { op: 'register', id: ids.aurora, kind: 'green coffee', metadata: { farm: 'Finca Aurora', region: 'Huila, Colombia', variety: 'Caturra', weightKg: 600 } } },
    { party: farmB, what: 'register a lot of green coffee', op: { op: 'register', id: ids.bella, kind: 'green coffee', metadata: { farm: 'Finca Bella', region: 'Huila, Colombia', variety: 'Castillo', weightKg: 640 } } },
  );
  const inspect = (party: Party, id: string, location: string, moisture: number): Step => ({
    party,
    what: 'inspect the dried beans',
    op: { op: 'checkpoint', id, location, readings: [{ name: 'moisture', value: moisture, uom: 'P1' }], bizStep: 'inspecting', disposition: 'conformant' },
  });
  await act(inspect(farmA, ids.aurora, 'Finca Aurora, Pitalito', 11.2), inspect(farmB, ids.bella, 'Finca Bella, La Plata', 10.8));

  console.log('\n3. The farms hand their lots to the cooperative, which receives and merges them');
  await act(
    { party: farmA, what: 'hand the lot to the cooperative', op: { op: 'transfer', id: ids.aurora, to: parseAddress(coop.address) } },
    { party: farmB, what: 'hand the lot to the cooperative', op: { op: 'transfer', id: ids.bella, to: parseAddress(coop.address) } },
  );
  const receive = (id: string): Step => ({
    party: coop,
    what: `receive ${id}`,
    op: { op: 'checkpoint', id, location: 'Cooperativa del Huila, Neiva', readings: [{ name: 'weight', value: id === ids.aurora ? 598 : 641, uom: 'KGM' }], bizStep: 'receiving', disposition: 'in_progress' },
  });
  await act(receive(ids.aurora), receive(ids.bella));
  await act({
    party: coop,
    what: 'merge both lots into one export blend',
    op: { op: 'transform', inputs: [ids.aurora, ids.bella], outputs: [{ id: ids.blend, kind: 'green coffee blend', metadata: { grade: 'Excelso', weightKg: 1239 } }] },
  });
  await act({ party: coop, what: 'ship the blend to the roaster', op: { op: 'transfer', id: ids.blend, to: parseAddress(roaster.address) } });

  console.log('\n4. The shipper tries to take the blend, which it does not hold');
  await act({ party: shipper, what: 'transfer the blend to itself', op: { op: 'transfer', id: ids.blend, to: parseAddress(shipper.address) }, refused: true });

  console.log('\n5. The roaster receives and roasts the blend, then hands the roasted coffee to the shipper');
  await act({
    party: roaster,
    what: 'receive the blend',
    op: { op: 'checkpoint', id: ids.blend, location: 'Tostadores, Rotterdam', readings: [], bizStep: 'receiving', disposition: 'in_progress' },
  });
  await act({
    party: roaster,
    what: 'roast it',
    op: { op: 'transform', inputs: [ids.blend], outputs: [{ id: ids.roast, kind: 'roasted coffee', metadata: { profile: 'medium', weightKg: 1040 } }] },
  });
  await act({ party: roaster, what: 'hand the roasted coffee to the shipper', op: { op: 'transfer', id: ids.roast, to: parseAddress(shipper.address) } });

  console.log('\n6. In transit: the shipper records the container temperature');
  for (const [i, celsius] of [14.5, 15.2, 14.9].entries()) {
    await act({
      party: shipper,
      what: `log the container, leg ${i + 1} of 3`,
      op: {
        op: 'checkpoint',
        id: ids.roast,
        location: ['Port of Rotterdam', 'A15 motorway', 'Rotterdam city centre'][i]!,
        readings: [
          { name: 'humidity', value: 55 + i, uom: 'P1' },
          { name: 'temperature', value: celsius, uom: 'CEL' },
        ],
        bizStep: 'transporting',
        disposition: 'in_transit',
      },
    });
  }
  await act({ party: shipper, what: 'deliver to the retailer', op: { op: 'transfer', id: ids.roast, to: parseAddress(retailer.address) } });

  console.log('\n7. The retailer receives the coffee and sells it');
  await act({
    party: retailer,
    what: 'receive and shelve it',
    op: { op: 'checkpoint', id: ids.roast, location: 'Corner Café, Rotterdam', readings: [], bizStep: 'receiving', disposition: 'sellable_accessible' },
  });
  await act({ party: retailer, what: 'sell the last bag', op: { op: 'close', id: ids.roast, reason: 'sold' } });

  const history = await sameHistoryEverywhere(nodes, ids.roast);
  console.log(`\n8. Every node (${nodes.map((n) => n.index).join(', ')}) serves the same history of ${ids.roast}:\n`);
  for (const line of formatHistory(history)) console.log(`  ${line}`);
  const lineage = await nodes[0]!.client.call<LineageView>('supply_getLineage', [ids.roast]);
  console.log('');
  for (const line of formatLineage(lineage)) console.log(`  ${line}`);

  console.log('\n9. A provenance proof, checked offline');
  const last = history.events[history.events.length - 1]!.blockNumber;
  await waitUntil(`block #${last} to be final by depth`, NETWORK_TIMEOUT_MS, async () => {
    const finalized = await via(1).client.call<{ number: string } | null>('eth_getBlockByNumber', ['finalized', false]);
    return finalized !== null && parseQuantity(finalized.number) >= BigInt(last) ? true : undefined;
  });
  // From genesis, headers tie a proof-of-work proof to its chain; a long-lived chain (--rpc) is too long for that.
  const fromGenesis = parseQuantity(await via(1).client.call<string>('eth_blockNumber')) <= BigInt(MAX_GENESIS_HEADERS);
  const proof = await via(1).client.call<ProofDocument>('supply_getProof', [ids.roast, { fromGenesis }]);
  // Outside the devnet folder: the file outlives the nodes, and checking it needs none.
  const path = proofPath ?? join(tmpdir(), `cairn-supply-proof-${ids.roast}.json`);
  await writeFile(path, JSON.stringify(proof, null, 2) + '\n');
  console.log(
    `  node ${via(1).index} served a proof of ${proof.events.length} events with ${proof.headers.length} headers ${fromGenesis ? 'from genesis' : 'from the first event'}; written to ${path}`,
  );
  const genesisHash = (await nodes[0]!.client.call<{ hash: string }>('eth_getBlockByNumber', ['0x0', false])).hash;
  const expectations = { expectedGenesisHash: hexToBytes(genesisHash), expectedChainId: parseQuantity(proof.chain.chainId) };
  console.log(`  verifying it with no node at all, against genesis ${genesisHash} (as read from node 0):\n`);
  const report = verifyProof(JSON.parse(await readFile(path, 'utf8')), expectations);
  for (const line of formatVerifyReport(report)) console.log(`  ${line}`);
  if (!report.ok) throw new DemoError('the proof did not verify');

  const tampered = JSON.parse(JSON.stringify(proof)) as { events: { receipt: string }[] };
  tampered.events[2]!.receipt = flipLastByte(tampered.events[2]!.receipt);
  const forged = verifyProof(tampered, expectations);
  if (forged.ok) throw new DemoError('a tampered proof verified');
  console.log(`\n  the same proof with one bit flipped in the receipt that records event #2: ${forged.errors.join('; ')}`);
  console.log(`\n  check the file yourself, no node needed: node dist/cli/main.js supply verify ${path} --genesis-hash ${genesisHash}`);
}

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      strict: true,
      allowPositionals: false,
      options: { rpc: { type: 'string', multiple: true }, proof: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (err) {
    console.error(`error: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const started = Date.now();
  console.log('Cairn supply-chain demo: coffee from two farms to a shop shelf\n');
  let network: Network;
  try {
    network = values.rpc === undefined ? await startDevnet() : useNodes(values.rpc);
  } catch (err) {
    if (interrupted) return untilStopped();
    if (!(err instanceof DemoError)) throw err;
    console.error(`error: ${err.message}`);
    return 1;
  }
  let failed = true;
  try {
    await walk(network, values.proof);
    failed = false;
    console.log(`\nDone in ${Math.round((Date.now() - started) / 1000)} s.`);
    return 0;
  } catch (err) {
    if (interrupted) return untilStopped();
    // A refusal the demo did not expect, a bound that ran out, a node that answered an error.
    if (!(err instanceof DemoError || err instanceof CairnError)) throw err;
    console.error(`\nerror: ${err.message}`);
    return 1;
  } finally {
    await network.stop(failed);
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
