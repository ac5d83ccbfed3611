/**
 * Transaction ingestion: 2,000 pre-signed transfers from 20 senders submitted
 * over HTTP with 32 requests in flight to one mining node; prints accepted
 * tx/s, end-to-end included tx/s (first submission to last inclusion), the
 * count lost (must be 0) and the block interval in force.
 *
 * Run: npm run bench:ingest
 */
import { signTransaction } from '../../src/ledger/tx/encode.js';
import { DEV_ACCOUNTS } from '../../src/node/dev-accounts.js';
import { bytesToHex, hexToBytes } from '../../src/primitives/hex.js';
import { benchDir, benchGenesis, fmt, sleep } from '../lib/bench.js';
import { HttpRpcClient } from '../lib/http-rpc.js';
import { spawnNode } from '../lib/node-process.js';

const SENDERS = 20;
const PER_SENDER = 100;
const IN_FLIGHT = 32;
const TARGET_MS = 1000;
// A gas limit that does not bind: 2,000 transfers need 42M gas, so one block can take them all.
const GAS_LIMIT = '1000000000';
const INITIAL_DIFFICULTY = process.env.CAIRN_BENCH_DIFFICULTY ?? '400000';

const dir = await benchDir(benchGenesis({ targetBlockTimeMs: TARGET_MS, initialDifficulty: INITIAL_DIFFICULTY, gasLimit: GAS_LIMIT }));
const node = await spawnNode({ args: ['--genesis', dir.genesisPath, '--datadir', dir.dataDir, '--rpc-port', '0', '--p2p-port', '0', '--mine', '--log-level', 'warn'] });
const client = new HttpRpcClient(node.url, IN_FLIGHT);
try {
  const raws: string[] = [];
  for (let i = 0; i < SENDERS; i++) {
    const key = hexToBytes(DEV_ACCOUNTS[i]!.privateKey);
    for (let nonce = 0; nonce < PER_SENDER; nonce++) {
      const tx = signTransaction(
        {
          type: 2,
          chainId: 13370n,
          nonce: BigInt(nonce),
          gasPrice: null,
          maxFeePerGas: 100_000_000_000n,
          maxPriorityFeePerGas: 1_000_000_000n,
          gasLimit: 21_000n,
          to: hexToBytes(DEV_ACCOUNTS[(i + 1) % SENDERS]!.address),
          value: 1n,
          data: new Uint8Array(0),
          accessList: [],
        },
        key,
      );
      raws.push(bytesToHex(tx.raw));
    }
  }
  // Interleave senders, as independent wallets would arrive.
  const order = raws.map((_, k) => raws[(k % SENDERS) * PER_SENDER + Math.floor(k / SENDERS)]!);

  // Let the difficulty settle toward the target before measuring.
  await sleep(8_000);
  const startHeight = Number(BigInt(await client.call<string>('eth_blockNumber')));

  const hashes: string[] = [];
  let next = 0;
  let rejected = 0;
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

  // Included = every sender's latest nonce has reached PER_SENDER.
  const deadline = Date.now() + 120_000;
  for (;;) {
    const counts = await Promise.all(
      DEV_ACCOUNTS.slice(0, SENDERS).map((a) => client.call<string>('eth_getTransactionCount', [a.address, 'latest'])),
    );
    if (counts.every((c) => Number(BigInt(c)) >= PER_SENDER)) break;
    if (Date.now() > deadline) throw new Error('not all transactions were included within 120 s');
    await sleep(20);
  }
  const includedMs = performance.now() - started;

  let lost = 0;
  for (const hash of hashes) {
    const receipt = await client.call<{ status: string } | null>('eth_getTransactionReceipt', [hash]);
    if (receipt?.status !== '0x1') lost++;
  }
  const endHeight = Number(BigInt(await client.call<string>('eth_blockNumber')));
  const first = await client.call<{ timestamp: string }>('eth_getBlockByNumber', ['0x1', false]);
  const last = await client.call<{ timestamp: string }>('eth_getBlockByNumber', ['0x' + endHeight.toString(16), false]);
  const intervalS = (Number(BigInt(last.timestamp)) - Number(BigInt(first.timestamp))) / Math.max(1, endHeight - 1);

  console.log('Cairn transaction ingestion benchmark');
  console.log(`  genesis of its own: ${TARGET_MS} ms block target, gas limit ${GAS_LIMIT} (does not bind), PoW`);
  console.log(`  ${SENDERS} senders x ${PER_SENDER} pre-signed EIP-1559 transfers, ${IN_FLIGHT} HTTP requests in flight`);
  console.log(`  accepted:  ${hashes.length} in ${fmt(acceptedMs)} ms = ${fmt((hashes.length / acceptedMs) * 1000)} tx/s (rejected ${rejected})`);
  console.log(`  included:  ${hashes.length - lost} in ${fmt(includedMs)} ms end to end = ${fmt(((hashes.length - lost) / includedMs) * 1000)} tx/s, in blocks #${startHeight + 1}..#${endHeight}`);
  console.log(`  lost:      ${lost + rejected}`);
  console.log(`  block interval in force: ${fmt(intervalS, 2)} s mean over blocks 1..${endHeight} (target ${TARGET_MS / 1000} s)`);
} finally {
  client.close();
  await node.stop();
  await dir.remove();
}
