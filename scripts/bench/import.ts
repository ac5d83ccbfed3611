/**
 * Block import: validate, execute and persist a pre-built chain of blocks full
 * of transfers. Prints import tx/s with new signatures (senders recovered
 * during import) and with signatures already verified (as when the mempool
 * admitted them), and in the same run the single-core sender-recovery rate of
 * the backend, for the native backend and the pure-JS one.
 *
 * Run: npm run bench:import   (CAIRN_BENCH_BLOCKS, CAIRN_BENCH_TXS_PER_BLOCK to resize)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Blockchain } from '../../src/chain/blockchain.js';
import { createEngine } from '../../src/consensus/index.js';
import { decodeBlock, decodeBlockUnrecovered, encodeBlock } from '../../src/ledger/block/block.js';
import { hashHeader } from '../../src/ledger/block/header.js';
import { parseGenesis, type Genesis } from '../../src/ledger/genesis.js';
import { signTransaction } from '../../src/ledger/tx/encode.js';
import { SenderRecovery } from '../../src/ledger/tx/sender.js';
import type { Transaction } from '../../src/ledger/tx/types.js';
import { DEV_ACCOUNTS } from '../../src/node/dev-accounts.js';
import { hexToBytes } from '../../src/primitives/hex.js';
import type { RecoveryBackend } from '../../src/primitives/recover/backend.js';
import { loadRecoveryBackend, recoverAddresses } from '../../src/primitives/recover/index.js';
import { signatureBytes } from '../../src/primitives/signature.js';
import { benchGenesis, fmt } from '../lib/bench.js';

const BLOCKS = Number(process.env.CAIRN_BENCH_BLOCKS ?? 20);
const TXS_PER_BLOCK = Number(process.env.CAIRN_BENCH_TXS_PER_BLOCK ?? 1000);
const SENDERS = 20;

// Difficulty 1: every nonce seals, so building the chain costs no mining; import still checks the seal.
const genesis: Genesis = parseGenesis({
  ...benchGenesis({ targetBlockTimeMs: 1000, initialDifficulty: '1', gasLimit: '1000000000' }),
  consensus: { type: 'pow', pow: { targetBlockTimeMs: 1000, initialDifficulty: '1', minDifficulty: '1' } },
});

async function withChain<T>(backend: RecoveryBackend, run: (chain: Blockchain, recovery: SenderRecovery) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-bench-import-'));
  const engine = createEngine(genesis.consensus);
  const recovery = new SenderRecovery(backend, BLOCKS * TXS_PER_BLOCK * 2);
  const chain = await Blockchain.open({ dataDir: dir, genesis, engine, recovery });
  try {
    return await run(chain, recovery);
  } finally {
    await chain.close();
    await engine.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Builds the chain once: signed transfers, sealed blocks, returned as encoded bytes. */
async function buildChain(backend: RecoveryBackend): Promise<Uint8Array[]> {
  return withChain(backend, async (chain, recovery) => {
    const engine = createEngine(genesis.consensus);
    const keys = DEV_ACCOUNTS.slice(0, SENDERS).map((a) => hexToBytes(a.privateKey));
    const nonces = new Array<bigint>(SENDERS).fill(0n);
    const encoded: Uint8Array[] = [];
    try {
      for (let b = 0; b < BLOCKS; b++) {
        const txs: Transaction[] = [];
        for (let i = 0; i < TXS_PER_BLOCK; i++) {
          const s = i % SENDERS;
          txs.push(
            signTransaction(
              {
                type: 2,
                chainId: genesis.chainId,
                nonce: nonces[s]!++,
                gasPrice: null,
                maxFeePerGas: 100_000_000_000n,
                maxPriorityFeePerGas: 1_000_000_000n,
                gasLimit: 21_000n,
                to: recipient(b * TXS_PER_BLOCK + i),
                value: 1n,
                data: new Uint8Array(0),
                accessList: [],
              },
              keys[s]!,
            ),
          );
        }
        const signed = await recovery.recover(txs);
        const { block, rejected } = await chain.buildBlock({ transactions: signed, coinbase: new Uint8Array(20), timestamp: chain.head.header.timestamp + 1000 });
        if (rejected.length > 0) throw new Error(`template rejected ${rejected.length} txs: ${rejected[0]!.error.message}`);
        const sealed = await engine.seal(block.header, new AbortController().signal);
        if (!sealed) throw new Error('sealing was aborted');
        const final = { ...block, header: sealed, hash: hashHeader(sealed) };
        await chain.importBlock(final);
        encoded.push(encodeBlock(final));
      }
    } finally {
      await engine.close();
    }
    return encoded;
  });
}

/** A distinct fresh account per transfer, so each block touches as many accounts as it has transactions. */
function recipient(n: number): Uint8Array {
  const address = new Uint8Array(20);
  address[0] = 0xbe;
  new DataView(address.buffer).setUint32(16, n);
  return address;
}

async function recoveryRate(backend: RecoveryBackend, blocks: readonly Uint8Array[]): Promise<number> {
  const requests = blocks.flatMap((b) =>
    decodeBlockUnrecovered(b).transactions.map((tx) => ({ msgHash: tx.signingHash, signature: signatureBytes(tx.r, tx.s), recoveryId: tx.yParity })),
  );
  const started = performance.now();
  await recoverAddresses(backend, requests);
  return (requests.length / (performance.now() - started)) * 1000;
}

/** Imports every block into a fresh chain; `preverified` recovers all senders first, outside the timing. */
async function importRate(backend: RecoveryBackend, blocks: readonly Uint8Array[], preverified: boolean): Promise<number> {
  return withChain(backend, async (chain, recovery) => {
    if (preverified) for (const bytes of blocks) await decodeBlock(bytes, recovery);
    const started = performance.now();
    for (const bytes of blocks) {
      const result = await chain.importBlock(await decodeBlock(bytes, recovery));
      if (result !== 'imported-head') throw new Error(`block was not imported as head: ${result}`);
    }
    return ((BLOCKS * TXS_PER_BLOCK) / (performance.now() - started)) * 1000;
  });
}

const native = await loadRecoveryBackend({ prefer: 'native' });
const noble = await loadRecoveryBackend({ prefer: 'noble' });
const nobleOneThread = await loadRecoveryBackend({ prefer: 'noble', workers: 1 });
try {
  console.log(`Cairn block import benchmark: ${BLOCKS} blocks x ${TXS_PER_BLOCK} EIP-1559 transfers from ${SENDERS} senders to fresh accounts`);
  const buildStarted = performance.now();
  const blocks = await buildChain(native);
  console.log(`  chain built in ${fmt(performance.now() - buildStarted)} ms (${fmt(blocks.reduce((n, b) => n + b.length, 0) / 1024)} KiB)`);
  if (native.name !== 'native-libsecp256k1') console.log('  native libsecp256k1 did not load: the first rows ran on the noble fallback');

  for (const backend of [native, noble]) {
    const recover = await recoveryRate(backend, blocks);
    const fresh = await importRate(backend, blocks, false);
    const warm = await importRate(backend, blocks, true);
    console.log(`  [${backend.name}]`);
    console.log(`    sender recovery alone, this backend:   ${fmt(recover).padStart(7)} recoveries/s`);
    if (backend === noble) console.log(`    sender recovery alone, one thread:     ${fmt(await recoveryRate(nobleOneThread, blocks)).padStart(7)} recoveries/s`);
    console.log(`    import, new signatures:                ${fmt(fresh).padStart(7)} tx/s (${fmt((fresh / recover) * 100)}% of this backend's recovery rate)`);
    console.log(`    import, verified at mempool admission: ${fmt(warm).padStart(7)} tx/s`);
  }
} finally {
  await Promise.all([native.close(), noble.close(), nobleOneThread.close()]);
}
