/**
 * Supply-chain operations on one mining node, through JSON-RPC.
 *
 * 1. Throughput: 20 senders each register 50 items and record a checkpoint
 *    on each (2,000 operations, half registers, half checkpoints), pre-signed,
 *    submitted with 32 HTTP requests in flight; prints accepted ops/s and
 *    end-to-end included ops/s (first submission to last inclusion), and
 *    checks that every operation was accepted by the module (status 1).
 * 2. History reads: one item with 1,000 events (a register and 999
 *    checkpoints from one sender), then supply_getHistory of the whole
 *    history, one request at a time over a kept-alive connection; prints
 *    p50 / p99 / max latency (target: p99 < 50 ms) and the answer's size,
 *    with the node mining, then restarted on the same data without mining.
 *
 * Run: npm run bench:supply
 */
import { encodeSupplyOp, SUPPLY_ADDRESS, SUPPLY_CALL_GAS, type SupplyOp } from '../../src/ledger/modules/supply/index.js';
import { intrinsicGas } from '../../src/ledger/tx/validate.js';
import { DEV_ACCOUNTS } from '../../src/node/dev-accounts.js';
import { toChecksumAddress } from '../../src/primitives/address.js';
import { bytesToHex, hexToBytes } from '../../src/primitives/hex.js';
import { addressOfPrivateKey, generatePrivateKey } from '../../src/primitives/keys.js';
import { benchDir, benchGenesis, benchTx, fmt, percentile, sleep } from '../lib/bench.js';
import { HttpRpcClient } from '../lib/http-rpc.js';
import { spawnNode } from '../lib/node-process.js';

const SENDERS = 20;
const ITEMS_PER_SENDER = 50;
const IN_FLIGHT = 32;
const HISTORY_EVENTS = 1000;
const WARMUP_READS = 20;
const READS = 500;
const TARGET_MS = 1000;
// Does not bind: 2,000 operations of about 44,000 gas each fit in one block.
const GAS_LIMIT = '1000000000';
const INITIAL_DIFFICULTY = process.env.CAIRN_BENCH_DIFFICULTY ?? '2000000';
const INCLUSION_TIMEOUT_MS = 180_000;

interface Receipt {
  readonly status: string;
  readonly reason?: string;
}

function sign(key: Uint8Array, nonce: number, op: SupplyOp): string {
  const data = encodeSupplyOp(op);
  // What eth_estimateGas answers: intrinsic gas plus the module's fixed cost.
  const tx = benchTx(key, { nonce: BigInt(nonce), to: SUPPLY_ADDRESS, data, gasLimit: intrinsicGas({ data, accessList: [] }) + SUPPLY_CALL_GAS });
  return bytesToHex(tx.raw);
}

function checkpoint(id: string, n: number): SupplyOp {
  return {
    op: 'checkpoint',
    id,
    location: `Warehouse ${n % 7}, bay ${n % 40}`,
    readings: [
      { name: 'humidity', value: 50 + (n % 20), uom: 'P1' },
      { name: 'temperature', value: 2 + (n % 60) / 10, uom: 'CEL' },
    ],
    bizStep: 'storing',
    disposition: 'active',
  };
}

/** Submits `raws` with IN_FLIGHT requests at a time; resolves the hashes and the milliseconds it took. */
async function submitAll(client: HttpRpcClient, raws: readonly string[]): Promise<{ hashes: string[]; ms: number }> {
  const hashes: string[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < raws.length) hashes.push(await client.call<string>('eth_sendRawTransaction', [raws[next++]!]));
    }),
  );
  return { hashes, ms: performance.now() - started };
}

/** Waits until each address's latest nonce reaches its count. */
async function waitForNonces(client: HttpRpcClient, targets: ReadonlyMap<string, number>): Promise<void> {
  const deadline = Date.now() + INCLUSION_TIMEOUT_MS;
  for (;;) {
    const counts = await Promise.all([...targets.keys()].map((address) => client.call<string>('eth_getTransactionCount', [address, 'latest'])));
    if (counts.every((count, i) => Number(BigInt(count)) >= [...targets.values()][i]!)) return;
    if (Date.now() > deadline) throw new Error(`not every operation was included within ${INCLUSION_TIMEOUT_MS / 1000} s`);
    await sleep(20);
  }
}

async function refusedAmong(client: HttpRpcClient, hashes: readonly string[]): Promise<string[]> {
  const reasons: string[] = [];
  for (const hash of hashes) {
    const receipt = await client.call<Receipt | null>('eth_getTransactionReceipt', [hash]);
    if (receipt?.status !== '0x1') reasons.push(receipt?.reason ?? `${hash}: no receipt`);
  }
  return reasons;
}

interface Reads {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /** Size of one answer. */
  readonly bytes: number;
}

/** supply_getHistory(id) READS times, one request at a time on one kept-alive connection, after a warm-up. */
async function measureReads(url: string, id: string): Promise<Reads> {
  const reader = new HttpRpcClient(url, 1);
  try {
    const first = await reader.call<{ item: { eventCount: number }; events: unknown[]; next: number | null }>('supply_getHistory', [id]);
    if (first.item.eventCount !== HISTORY_EVENTS || first.events.length !== HISTORY_EVENTS || first.next !== null) {
      throw new Error(`expected ${HISTORY_EVENTS} events in one answer, got ${first.events.length} of ${first.item.eventCount} (next ${first.next})`);
    }
    for (let i = 0; i < WARMUP_READS; i++) await reader.call('supply_getHistory', [id]);
    const latencies: number[] = [];
    for (let i = 0; i < READS; i++) {
      const t = performance.now();
      await reader.call('supply_getHistory', [id]);
      latencies.push(performance.now() - t);
    }
    latencies.sort((a, b) => a - b);
    return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies[latencies.length - 1]!, bytes: Buffer.byteLength(JSON.stringify(first)) };
  } finally {
    reader.close();
  }
}

const historyKey = generatePrivateKey();
const historySender = toChecksumAddress(addressOfPrivateKey(historyKey));
const genesis = benchGenesis({ targetBlockTimeMs: TARGET_MS, initialDifficulty: INITIAL_DIFFICULTY, gasLimit: GAS_LIMIT });
const alloc = { ...(genesis['alloc'] as Record<string, unknown>), [historySender]: { balance: '1000000000000000000000000' } };
const dir = await benchDir({ ...genesis, alloc });
let node = await spawnNode({ args: ['--genesis', dir.genesisPath, '--datadir', dir.dataDir, '--rpc-port', '0', '--p2p-port', '0', '--mine', '--log-level', 'warn'] });
const client = new HttpRpcClient(node.url, IN_FLIGHT);
try {
  // 1. Throughput: per sender, register item i at nonce 2i and checkpoint it at 2i + 1.
  const bySender: string[][] = [];
  for (let s = 0; s < SENDERS; s++) {
    const key = hexToBytes(DEV_ACCOUNTS[s]!.privateKey);
    const raws: string[] = [];
    for (let i = 0; i < ITEMS_PER_SENDER; i++) {
      const id = `bench-${s}-${i}`;
      raws.push(sign(key, 2 * i, { op: 'register', id, kind: 'pallet', metadata: { sender: s, item: i } }));
      raws.push(sign(key, 2 * i + 1, checkpoint(id, i)));
    }
    bySender.push(raws);
  }
  // Interleaved, as independent parties would arrive.
  const perSender = 2 * ITEMS_PER_SENDER;
  const order = Array.from({ length: SENDERS * perSender }, (_, k) => bySender[k % SENDERS]![Math.floor(k / SENDERS)]!);

  // Let the difficulty settle toward the target before measuring.
  await sleep(8_000);
  const startHeight = Number(BigInt(await client.call<string>('eth_blockNumber')));
  const started = performance.now();
  const submitted = await submitAll(client, order);
  await waitForNonces(client, new Map(DEV_ACCOUNTS.slice(0, SENDERS).map((a) => [a.address, perSender])));
  const includedMs = performance.now() - started;
  const endHeight = Number(BigInt(await client.call<string>('eth_blockNumber')));
  const refused = await refusedAmong(client, submitted.hashes);

  // 2. An item with HISTORY_EVENTS events, then its history read again and again.
  const id = 'bench-history';
  const historyRaws = [sign(historyKey, 0, { op: 'register', id, kind: 'pallet', metadata: null })];
  for (let n = 1; n < HISTORY_EVENTS; n++) historyRaws.push(sign(historyKey, n, checkpoint(id, n)));
  const historyStarted = performance.now();
  const historySubmitted = await submitAll(client, historyRaws);
  await waitForNonces(client, new Map([[historySender, HISTORY_EVENTS]]));
  const historyIncludedMs = performance.now() - historyStarted;
  const historyRefused = await refusedAmong(client, historySubmitted.hashes);

  const mining = await measureReads(node.url, id);
  // The same reads on the same data with the node idle: what the query costs without a miner beside it.
  await node.stop();
  node = await spawnNode({ args: ['--genesis', dir.genesisPath, '--datadir', dir.dataDir, '--rpc-port', '0', '--p2p-port', '0', '--log-level', 'warn'] });
  const idle = await measureReads(node.url, id);

  const ops = submitted.hashes.length;
  console.log('Cairn supply-chain benchmark (one mining node, JSON-RPC over HTTP)');
  console.log(`  genesis of its own: ${TARGET_MS} ms block target, gas limit ${GAS_LIMIT} (does not bind), PoW`);
  console.log(`  throughput: ${SENDERS} senders x ${ITEMS_PER_SENDER} items, each registered then checkpointed (${ops} pre-signed operations), ${IN_FLIGHT} requests in flight`);
  console.log(`    accepted:  ${ops} in ${fmt(submitted.ms)} ms = ${fmt((ops / submitted.ms) * 1000)} ops/s into the pool`);
  console.log(`    included:  ${ops} in ${fmt(includedMs)} ms end to end = ${fmt((ops / includedMs) * 1000)} ops/s, in blocks #${startHeight + 1}..#${endHeight}`);
  console.log(`    refused by the module: ${refused.length}${refused.length > 0 ? ` (first: ${refused[0]})` : ''}`);
  console.log(`  an item with ${HISTORY_EVENTS} events (1 register + ${HISTORY_EVENTS - 1} checkpoints from one sender, ${IN_FLIGHT} in flight):`);
  console.log(`    included:  ${HISTORY_EVENTS} in ${fmt(historyIncludedMs)} ms end to end = ${fmt((HISTORY_EVENTS / historyIncludedMs) * 1000)} ops/s; refused ${historyRefused.length}`);
  console.log(`  supply_getHistory of all ${HISTORY_EVENTS} events (one page, ${fmt(mining.bytes / 1024, 1)} KiB of JSON), ${READS} requests one at a time after ${WARMUP_READS} warm-up:`);
  for (const [label, reads] of [['while mining', mining], ['idle', idle]] as const) {
    console.log(
      `    ${label.padEnd(12)} p50 ${fmt(reads.p50, 1)} ms, p99 ${fmt(reads.p99, 1)} ms, max ${fmt(reads.max, 1)} ms ` +
        `(target p99 < 50 ms: ${reads.p99 < 50 ? 'met' : 'NOT met'})`,
    );
  }
  if (refused.length + historyRefused.length > 0) process.exitCode = 1;
} finally {
  client.close();
  await node.stop();
  await dir.remove();
}
