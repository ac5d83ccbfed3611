/**
 * Transaction ingestion: 2,000 pre-signed transfers from 20 senders submitted
 * over HTTP with 32 requests in flight to one mining node; prints accepted
 * tx/s, end-to-end included tx/s (first submission to the moment the block
 * holding the last one is the head), the count lost (must be 0), the blocks
 * that carried them and the block interval in force.
 *
 * Two bursts on the same node. The first, 8 s after start, is the figure the
 * target is about. It is the node's first work of the kind, so it also pays
 * for V8 compiling the admission path: `--trace-opt` counted about a hundred
 * optimising compilations and 0.45 s of compiler time on V8's helper threads
 * during it, on the same two cores; the load generator is just as cold. The
 * second, the senders' next 100 nonces 3 s after the first burst is included,
 * shows what the node sustains once warm.
 *
 * What bounds the included rate: end to end = the time to get every
 * transaction accepted + the wait, after the last acceptance, for a PoW block
 * that carries it. PoW blocks come at random (mean 1 s here; the difficulty
 * halves for each second a block takes), so that wait averages about 0.8 s
 * whatever the acceptance rate (README, Performance); the output prints both parts.
 *
 * Under proof of stake (`-- --consensus pos`) the node is the one validator
 * of a genesis with 1 s slots: blocks come at every slot start, so the wait
 * is what is left of the slot.
 *
 * Another node, measured with the same load generator (`-- --url <http url>`):
 * the benchmark then starts nothing and signs for the chain id that node
 * reports; its first 20 development accounts (the well-known test mnemonic)
 * must be funded and its block production is its own, e.g. a Hardhat node
 * with interval mining of 1 s (README, Performance).
 *
 * Run: npm run bench:ingest [-- --consensus pos | --url http://127.0.0.1:8545]   (CAIRN_BENCH_DIFFICULTY, CAIRN_BENCH_HALF_LIFE_MS to change the PoW parameters)
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { DEV_ACCOUNTS } from '../../src/node/dev-accounts.js';
import { bytesToHex, hexToBytes } from '../../src/primitives/hex.js';
import { benchDir, benchGenesis, benchTx, fmt, sleep, type BenchDir } from '../lib/bench.js';
import { HttpRpcClient } from '../lib/http-rpc.js';
import { spawnNode, type NodeProcess } from '../lib/node-process.js';
import { createValidatorKeys, DEFAULT_POS, posGenesis } from '../lib/pos-genesis.js';

const SENDERS = 20;
const PER_SENDER = 100;
const IN_FLIGHT = 32;
const TARGET_MS = 1000;
// The shortest half-life the retarget rule allows (params.ts): difficulty
// follows each block's own solve time as closely as it can, which makes
// block times as regular as PoW gets (a benchmark genesis; the default of
// 16 x target suits a network that must not swing with one block).
const HALF_LIFE_MS = Number(process.env.CAIRN_BENCH_HALF_LIFE_MS ?? TARGET_MS);
// A gas limit that does not bind: 2,000 transfers need 42M gas, so one block can take them all.
const GAS_LIMIT = '1000000000';
const INITIAL_DIFFICULTY = process.env.CAIRN_BENCH_DIFFICULTY ?? '2000000';
/** How often the chain head is polled once every transaction is accepted. */
const POLL_MS = 5;

interface Block {
  readonly timestamp: string;
}

const { consensus, url } = parseArgs({ options: { consensus: { type: 'string', default: 'pow' }, url: { type: 'string' } } }).values;
if (consensus !== 'pow' && consensus !== 'pos') throw new Error(`--consensus must be pow or pos, got "${consensus}"`);

/** A Cairn node this benchmark started on a genesis of its own. */
interface Started {
  readonly node: NodeProcess;
  readonly dir: BenchDir;
}

async function startCairn(): Promise<Started> {
  const powGenesis = benchGenesis({ targetBlockTimeMs: TARGET_MS, halfLifeMs: HALF_LIFE_MS, initialDifficulty: INITIAL_DIFFICULTY, gasLimit: GAS_LIMIT });
  const dir = await benchDir(powGenesis);
  let produce = ['--mine'];
  if (consensus === 'pos') {
    // The PoS genesis names the validator, whose key file lives in the benchmark's folder: it replaces the PoW one.
    const [validator] = await createValidatorKeys(dir.dir, 1);
    await writeFile(dir.genesisPath, JSON.stringify(posGenesis({ ...powGenesis, timestamp: Date.now() }, [validator!.address], { ...DEFAULT_POS, slotDurationMs: TARGET_MS })));
    produce = ['--validator-key', validator!.path];
  }
  const node = await spawnNode({ args: ['--genesis', dir.genesisPath, '--datadir', dir.dataDir, '--rpc-port', '0', '--p2p-port', '0', ...produce, '--log-level', 'warn'] });
  return { node, dir };
}

const started = url === undefined ? await startCairn() : undefined;
const client = new HttpRpcClient(url ?? started!.node.url, IN_FLIGHT);

interface Burst {
  readonly acceptedMs: number;
  readonly includedMs: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly lost: number;
  /** Block number -> how many of the burst's transactions it carried. */
  readonly perBlock: ReadonlyMap<number, number>;
  /** CPU the load generator used while submitting, ms. */
  readonly clientCpuMs: number;
}

/** PER_SENDER transfers from each sender with nonces from `firstNonce`, senders interleaved as independent wallets would arrive. */
function signBurst(chainId: bigint, firstNonce: number): string[] {
  const order: string[] = [];
  for (let nonce = firstNonce; nonce < firstNonce + PER_SENDER; nonce++) {
    for (let i = 0; i < SENDERS; i++) {
      const tx = benchTx(hexToBytes(DEV_ACCOUNTS[i]!.privateKey), {
        chainId,
        nonce: BigInt(nonce),
        to: hexToBytes(DEV_ACCOUNTS[(i + 1) % SENDERS]!.address),
        value: 1n,
      });
      order.push(bytesToHex(tx.raw));
    }
  }
  return order;
}

/** Submits a signed burst whose nonces start at `firstNonce`; resolves once every one is included (or fails after 120 s). */
async function burst(order: readonly string[], firstNonce: number): Promise<Burst> {
  const startHeight = await blockNumber();

  const hashes: string[] = [];
  let next = 0;
  let rejected = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < order.length) {
        const raw = order[next++]!;
        try {
          hashes.push(await client.call<string>('eth_sendRawTransaction', [raw]));
        } catch (err) {
          rejected++;
          console.error(`rejected: ${(err as Error).message}`);
        }
      }
    }),
  );
  const acceptedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);

  // Included = every sender's latest nonce has reached the burst's end. Nonces
  // only move when a block becomes the head, so they are read once per new
  // head, and the head is polled with one cheap call: polling all 20 nonces
  // all the time would load the node while it imports the block measured.
  const deadline = Date.now() + 120_000;
  let seenHeight = startHeight;
  for (;;) {
    const height = await blockNumber();
    if (height !== seenHeight) {
      seenHeight = height;
      const counts = await Promise.all(
        DEV_ACCOUNTS.slice(0, SENDERS).map((a) => client.call<string>('eth_getTransactionCount', [a.address, 'latest'])),
      );
      if (counts.every((c) => Number(BigInt(c)) >= firstNonce + PER_SENDER)) break;
    }
    if (Date.now() > deadline) throw new Error('not all transactions were included within 120 s');
    await sleep(POLL_MS);
  }
  const includedMs = performance.now() - started;

  let lost = 0;
  const perBlock = new Map<number, number>();
  for (const hash of hashes) {
    const receipt = await client.call<{ status: string; blockNumber: string } | null>('eth_getTransactionReceipt', [hash]);
    if (receipt?.status !== '0x1') {
      lost++;
      continue;
    }
    const number = Number(BigInt(receipt.blockNumber));
    perBlock.set(number, (perBlock.get(number) ?? 0) + 1);
  }
  return { acceptedMs, includedMs, accepted: hashes.length, rejected, lost, perBlock, clientCpuMs: (cpu.user + cpu.system) / 1000 };
}

function report(label: string, b: Burst): void {
  const carriers = [...b.perBlock.keys()].sort((x, y) => x - y);
  console.log(`  ${label}`);
  console.log(
    `    accepted:  ${b.accepted} in ${fmt(b.acceptedMs)} ms = ${fmt((b.accepted / b.acceptedMs) * 1000)} tx/s (rejected ${b.rejected}; ` +
      `the load generator used ${fmt(b.clientCpuMs)} ms of CPU on the same cores)`,
  );
  console.log(
    `    included:  ${b.accepted - b.lost} in ${fmt(b.includedMs)} ms end to end = ${fmt(((b.accepted - b.lost) / b.includedMs) * 1000)} tx/s ` +
      `(${fmt(b.includedMs - b.acceptedMs)} ms of it waiting, after the last acceptance, for the block that carried it)`,
  );
  console.log(`    carried by blocks ${carriers.map((n) => `#${n} (${b.perBlock.get(n)})`).join(', ')}`);
  console.log(`    lost:      ${b.lost + b.rejected}`);
}

try {
  const chainId = BigInt(await client.call<string>('eth_chainId'));
  const bursts = [signBurst(chainId, 0), signBurst(chainId, PER_SENDER)];
  // Let the difficulty settle toward the target before measuring (PoS: a few slots).
  await sleep(8_000);
  const first = await burst(bursts[0]!, 0);
  // Back to empty blocks before the next burst.
  await sleep(3_000);
  const second = await burst(bursts[1]!, PER_SENDER);

  const endHeight = Math.max(1, ...first.perBlock.keys(), ...second.perBlock.keys());
  // Block timestamps over RPC are whole seconds, so the mean is taken over the whole chain.
  const timestampOf = async (n: number): Promise<number> =>
    Number(BigInt((await client.call<Block>('eth_getBlockByNumber', ['0x' + n.toString(16), false])).timestamp));
  const intervalS = ((await timestampOf(endHeight)) - (await timestampOf(1))) / Math.max(1, endHeight - 1);

  console.log('Cairn transaction ingestion benchmark');
  console.log(
    url !== undefined
      ? `  the node at ${url} (chain id ${chainId}; not started by this benchmark, its block production is its own)`
      : consensus === 'pow'
        ? `  genesis of its own: PoW, ${TARGET_MS} ms block target, retarget half-life ${HALF_LIFE_MS} ms, gas limit ${GAS_LIMIT} (does not bind)`
        : `  genesis of its own: PoS, one validator (this node), ${TARGET_MS} ms slots, gas limit ${GAS_LIMIT} (does not bind)`,
  );
  console.log(`  ${SENDERS} senders x ${PER_SENDER} pre-signed EIP-1559 transfers per burst, ${IN_FLIGHT} HTTP requests in flight`);
  report(
    url === undefined
      ? 'first burst, 8 s after start (the measured figure; the node compiles its admission path meanwhile):'
      : 'first burst, 8 s after the benchmark started (the first this node has seen if it was just started):',
    first,
  );
  report('second burst, 3 s after the first was included (the node warm):', second);
  console.log(
    `  block interval in force: ${fmt(intervalS, 2)} s mean over blocks 1..${endHeight}${url === undefined ? ` (target ${TARGET_MS / 1000} s)` : ''}`,
  );
} finally {
  client.close();
  await started?.node.stop();
  await started?.dir.remove();
}

async function blockNumber(): Promise<number> {
  return Number(BigInt(await client.call<string>('eth_blockNumber')));
}
