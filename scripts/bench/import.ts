/**
 * Block import: validate, execute and persist a pre-built chain of blocks full
 * of transfers. Prints import tx/s with new signatures (senders recovered
 * during import) and with signatures already verified (as when the mempool
 * admitted them), and in the same run the sender-recovery rate of the backend
 * (as configured: native recovers half of a block on a helper thread, noble
 * uses a worker pool) and on one thread, for the native backend and the
 * pure-JS one.
 *
 * Run: npm run bench:import   (CAIRN_BENCH_BLOCKS, CAIRN_BENCH_TXS_PER_BLOCK to resize)
 */
import { decodeBlockUnrecovered } from '../../src/ledger/block/block.js';
import { signingHash } from '../../src/ledger/tx/encode.js';
import type { RecoveryBackend } from '../../src/primitives/recover/backend.js';
import { loadRecoveryBackend, recoverAddresses } from '../../src/primitives/recover/index.js';
import { loadNativeBackend } from '../../src/primitives/recover/native.js';
import { signatureBytes } from '../../src/primitives/signature.js';
import { fmt } from '../lib/bench.js';
import { buildTransferChain, instantGenesis, SENDERS, timeImport } from '../lib/transfer-chain.js';

const BLOCKS = Number(process.env.CAIRN_BENCH_BLOCKS ?? 20);
const TXS_PER_BLOCK = Number(process.env.CAIRN_BENCH_TXS_PER_BLOCK ?? 1000);

const genesis = instantGenesis();

async function recoveryRate(backend: RecoveryBackend, blocks: readonly Uint8Array[]): Promise<number> {
  const requests = blocks.flatMap((b) =>
    decodeBlockUnrecovered(b).transactions.map((tx) => ({ msgHash: signingHash(tx), signature: signatureBytes(tx.r, tx.s), recoveryId: tx.yParity })),
  );
  const started = performance.now();
  await recoverAddresses(backend, requests);
  return (requests.length / (performance.now() - started)) * 1000;
}

const native = await loadRecoveryBackend({ prefer: 'native' });
const noble = await loadRecoveryBackend({ prefer: 'noble' });
const nobleOneThread = await loadRecoveryBackend({ prefer: 'noble', workers: 1 });
const nativeOneThread = native.name === 'native-libsecp256k1' ? loadNativeBackend({ helperThread: false }) : nobleOneThread;
const oneThread = new Map<RecoveryBackend, RecoveryBackend>([
  [native, nativeOneThread],
  [noble, nobleOneThread],
]);
try {
  console.log(`Cairn block import benchmark: ${BLOCKS} blocks x ${TXS_PER_BLOCK} EIP-1559 transfers from ${SENDERS} senders to fresh accounts`);
  const buildStarted = performance.now();
  const blocks = await buildTransferChain({ genesis, blocks: BLOCKS, txsPerBlock: TXS_PER_BLOCK, backend: native });
  console.log(`  chain built in ${fmt(performance.now() - buildStarted)} ms (${fmt(blocks.reduce((n, b) => n + b.length, 0) / 1024)} KiB)`);
  if (native.name !== 'native-libsecp256k1') console.log('  native libsecp256k1 did not load: the first rows ran on the noble fallback');

  for (const backend of [native, noble]) {
    const recover = await recoveryRate(backend, blocks);
    const fresh = (await timeImport(genesis, backend, blocks, false)).txsPerSecond;
    const warm = (await timeImport(genesis, backend, blocks, true)).txsPerSecond;
    console.log(`  [${backend.name}]`);
    console.log(`    sender recovery alone, this backend:   ${fmt(recover).padStart(7)} recoveries/s`);
    console.log(`    sender recovery alone, one thread:     ${fmt(await recoveryRate(oneThread.get(backend)!, blocks)).padStart(7)} recoveries/s`);
    console.log(`    import, new signatures:                ${fmt(fresh).padStart(7)} tx/s (${fmt((fresh / recover) * 100)}% of this backend's recovery rate)`);
    console.log(`    import, verified at mempool admission: ${fmt(warm).padStart(7)} tx/s`);
  }
} finally {
  await Promise.all([native.close(), noble.close(), nobleOneThread.close(), nativeOneThread.close()]);
}
