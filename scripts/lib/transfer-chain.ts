import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Blockchain } from '../../src/chain/blockchain.js';
import { createEngine } from '../../src/consensus/index.js';
import { decodeBlock, decodeBlockUnrecovered, encodeBlock } from '../../src/ledger/block/block.js';
import { hashHeader } from '../../src/ledger/block/header.js';
import { parseGenesis, type Genesis } from '../../src/ledger/genesis.js';
import { SenderRecovery } from '../../src/ledger/tx/sender.js';
import type { Transaction } from '../../src/ledger/tx/types.js';
import { DEV_ACCOUNTS } from '../../src/node/dev-accounts.js';
import { chainModules } from '../../src/node/modules.js';
import { hexToBytes } from '../../src/primitives/hex.js';
import type { RecoveryBackend } from '../../src/primitives/recover/backend.js';
import { benchGenesis, benchTx } from './bench.js';

/**
 * Chains of blocks full of transfers, built in-process without mining, and
 * the single-node import rate over them: shared by the import and sync
 * benchmarks so both measure the same blocks the same way.
 */

export const SENDERS = 20;

/**
 * Difficulty 1: every nonce seals, so building a chain costs no mining while
 * import still checks the seal. `timestamp` must lie far enough in the past
 * that the last block (one second per block) is not in the future.
 */
export function instantGenesisJson(timestamp = 1764028800000): Record<string, unknown> {
  return {
    ...benchGenesis({ targetBlockTimeMs: 1000, initialDifficulty: '1', gasLimit: '1000000000' }),
    timestamp,
    consensus: { type: 'pow', pow: { targetBlockTimeMs: 1000, initialDifficulty: '1', minDifficulty: '1' } },
  };
}

export function instantGenesis(timestamp?: number): Genesis {
  return parseGenesis(instantGenesisJson(timestamp));
}

export interface TransferChainOptions {
  readonly genesis: Genesis;
  readonly blocks: number;
  readonly txsPerBlock: number;
  readonly backend: RecoveryBackend;
  /** Write the chain into this data directory (a node can then serve it); a temporary one otherwise. */
  readonly dataDir?: string;
}

async function withChain<T>(
  genesis: Genesis,
  backend: RecoveryBackend,
  cacheSize: number,
  dataDir: string | undefined,
  run: (chain: Blockchain, recovery: SenderRecovery) => Promise<T>,
): Promise<T> {
  const dir = dataDir ?? (await mkdtemp(join(tmpdir(), 'cairn-bench-chain-')));
  const engine = createEngine(genesis.consensus);
  const recovery = new SenderRecovery(backend, cacheSize);
  // The node's modules, so a benchmark executes blocks exactly as a node does.
  const chain = await Blockchain.open({ dataDir: dir, genesis, engine, recovery, modules: chainModules() });
  try {
    return await run(chain, recovery);
  } finally {
    await chain.close();
    await engine.close();
    if (dataDir === undefined) await rm(dir, { recursive: true, force: true });
  }
}

/** Builds the chain once: signed transfers, sealed blocks, returned as encoded bytes. */
export async function buildTransferChain(options: TransferChainOptions): Promise<Uint8Array[]> {
  const { genesis, blocks, txsPerBlock, backend } = options;
  return withChain(genesis, backend, blocks * txsPerBlock * 2, options.dataDir, async (chain, recovery) => {
    const engine = createEngine(genesis.consensus);
    const keys = DEV_ACCOUNTS.slice(0, SENDERS).map((a) => hexToBytes(a.privateKey));
    const nonces = new Array<bigint>(SENDERS).fill(0n);
    const encoded: Uint8Array[] = [];
    try {
      for (let b = 0; b < blocks; b++) {
        const txs: Transaction[] = [];
        for (let i = 0; i < txsPerBlock; i++) {
          const s = i % SENDERS;
          txs.push(
            benchTx(keys[s]!, { chainId: genesis.chainId, nonce: nonces[s]!++, to: recipient(b * txsPerBlock + i), value: 1n }),
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

export interface ImportTiming {
  readonly ms: number;
  readonly blocksPerSecond: number;
  readonly txsPerSecond: number;
}

/**
 * Imports every block into a fresh chain; `preverified` recovers all senders
 * first, outside the timing (as when the mempool admitted them).
 */
export async function timeImport(genesis: Genesis, backend: RecoveryBackend, blocks: readonly Uint8Array[], preverified: boolean): Promise<ImportTiming> {
  const txs = blocks.reduce((n, bytes) => n + decodeBlockUnrecovered(bytes).transactions.length, 0);
  // The cache holds every sender, as the node's does for a chain of this size.
  return withChain(genesis, backend, txs * 2, undefined, async (chain, recovery) => {
    if (preverified) for (const bytes of blocks) await decodeBlock(bytes, recovery);
    const started = performance.now();
    for (const bytes of blocks) {
      const result = await chain.importBlock(await decodeBlock(bytes, recovery));
      if (result !== 'imported-head') throw new Error(`block was not imported as head: ${result}`);
    }
    const ms = performance.now() - started;
    return { ms, blocksPerSecond: (blocks.length / ms) * 1000, txsPerSecond: (txs / ms) * 1000 };
  });
}
