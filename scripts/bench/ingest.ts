/**
 * Transaction ingestion: 2,000 pre-signed transfers from 20 senders submitted
 * over HTTP with 32 requests in flight to one mining node; prints accepted
 * tx/s, end-to-end included tx/s (first submission to the moment the block
 * holding the last one is the head), the count lost (must be 0), the blocks
 * that carried them and the block interval in force.
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
 * Run: npm run bench:ingest [-- --consensus pos]   (CAIRN_BENCH_DIFFICULTY, CAIRN_BENCH_HALF_LIFE_MS to change the PoW parameters)
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { DEV_ACCOUNTS } from '../../src/node/dev-accounts.js';
import { bytesToHex, hexToBytes } from '../../src/primitives/hex.js';
import { benchDir, benchGenesis, benchTx, fmt, sleep } from '../lib/bench.js';
import { HttpRpcClient } from '../lib/http-rpc.js';
import { spawnNode } from '../lib/node-process.js';
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
const INITIAL_DIFFICULTY = process.env.CAIRN_BENCH_DIFFICULTY ?? '400000';
/** How often the chain head is polled once every transaction is accepted. */
const POLL_MS = 5;

interface Block {
  readonly timestamp: string;
}

const consensus = parseArgs({ options: { consensus: { type: 'string', default: 'pow' } } }).values.consensus;
if (consensus !== 'pow' && consensus !== 'pos') throw new Error(`--consensus must be pow or pos, got "${consensus}"`);
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
const client = new HttpRpcClient(node.url, IN_FLIGHT);
try {
  const raws: string[] = [];
  for (let i = 0; i < SENDERS; i++) {
    const key = hexToBytes(DEV_ACCOUNTS[i]!.privateKey);
    for (let nonce = 0; nonce < PER_SENDER; nonce++) {
      const tx = benchTx(key, { nonce: BigInt(nonce), to: hexToBytes(DEV_ACCOUNTS[(i + 1) % SENDERS]!.address), value: 1n });
      raws.push(bytesToHex(tx.raw));
    }
  }
  // Interleave senders, as independent wallets would arrive.
  const order = raws.map((_, k) => raws[(k % SENDERS) * PER_SENDER + Math.floor(k / SENDERS)]!);

  // Let the difficulty settle toward the target before measuring (PoS: a few slots).
  await sleep(8_000);
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

  // Included = every sender's latest nonce has reached PER_SENDER. Nonces
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
      if (counts.every((c) => Number(BigInt(c)) >= PER_SENDER)) break;
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
  const carriers = [...perBlock.keys()].sort((a, b) => a - b);
  const endHeight = carriers.at(-1) ?? startHeight;
  // Block timestamps over RPC are whole seconds, so the mean is taken over the whole chain.
  const timestampOf = async (n: number): Promise<number> =>
    Number(BigInt((await client.call<Block>('eth_getBlockByNumber', ['0x' + n.toString(16), false])).timestamp));
  const intervalS = ((await timestampOf(endHeight)) - (await timestampOf(1))) / Math.max(1, endHeight - 1);

  console.log('Cairn transaction ingestion benchmark');
  console.log(
    consensus === 'pow'
      ? `  genesis of its own: PoW, ${TARGET_MS} ms block target, retarget half-life ${HALF_LIFE_MS} ms, gas limit ${GAS_LIMIT} (does not bind)`
      : `  genesis of its own: PoS, one validator (this node), ${TARGET_MS} ms slots, gas limit ${GAS_LIMIT} (does not bind)`,
  );
  console.log(`  ${SENDERS} senders x ${PER_SENDER} pre-signed EIP-1559 transfers, ${IN_FLIGHT} HTTP requests in flight`);
  console.log(
    `  accepted:  ${hashes.length} in ${fmt(acceptedMs)} ms = ${fmt((hashes.length / acceptedMs) * 1000)} tx/s (rejected ${rejected}; ` +
      `the load generator used ${fmt((cpu.user + cpu.system) / 1000)} ms of CPU on the same cores)`,
  );
  console.log(
    `  included:  ${hashes.length - lost} in ${fmt(includedMs)} ms end to end = ${fmt(((hashes.length - lost) / includedMs) * 1000)} tx/s ` +
      `(${fmt(includedMs - acceptedMs)} ms of it waiting, after the last acceptance, for the block that carried it)`,
  );
  console.log(`  carried by blocks ${carriers.map((n) => `#${n} (${perBlock.get(n)})`).join(', ')}`);
  console.log(`  lost:      ${lost + rejected}`);
  console.log(
    `  block interval in force: ${fmt(intervalS, 2)} s mean over blocks 1..${endHeight} (target ${TARGET_MS / 1000} s)`,
  );
} finally {
  client.close();
  await node.stop();
  await dir.remove();
}

async function blockNumber(): Promise<number> {
  return Number(BigInt(await client.call<string>('eth_blockNumber')));
}
