import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signTransaction } from '../../src/ledger/tx/encode.js';
import type { Transaction } from '../../src/ledger/tx/types.js';
import { DEV_ACCOUNTS } from '../../src/node/dev-accounts.js';

/** Shared pieces of the benchmarks in scripts/bench/. */

export interface BenchGenesisOptions {
  readonly targetBlockTimeMs: number;
  readonly initialDifficulty: string;
  readonly gasLimit: string;
  /** PoW retarget half-life; the genesis default (16 x target) when absent. */
  readonly halfLifeMs?: number;
}

/** A genesis of the benchmark's own: every dev account funded. */
export function benchGenesis(options: BenchGenesisOptions): Record<string, unknown> {
  return {
    chainId: 13370,
    timestamp: 1764028800000,
    gasLimit: options.gasLimit,
    baseFee: '1000000000',
    blockReward: '2000000000000000000',
    consensus: {
      type: 'pow',
      pow: {
        targetBlockTimeMs: options.targetBlockTimeMs,
        initialDifficulty: options.initialDifficulty,
        minDifficulty: '1000',
        confirmations: 32,
        ...(options.halfLifeMs === undefined ? {} : { halfLifeMs: options.halfLifeMs }),
      },
    },
    alloc: Object.fromEntries(DEV_ACCOUNTS.map((a) => [a.address, { balance: '1000000000000000000000000' }])),
  };
}

export interface BenchDir {
  readonly dir: string;
  readonly genesisPath: string;
  readonly dataDir: string;
  remove(): Promise<void>;
}

export async function benchDir(genesis: Record<string, unknown>): Promise<BenchDir> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-bench-'));
  const genesisPath = join(dir, 'genesis.json');
  await writeFile(genesisPath, JSON.stringify(genesis));
  return { dir, genesisPath, dataDir: join(dir, 'data'), remove: () => rm(dir, { recursive: true, force: true }) };
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface BenchTxFields {
  readonly nonce: bigint;
  readonly to: Uint8Array;
  readonly value?: bigint;
  readonly data?: Uint8Array;
  readonly gasLimit?: bigint;
  /** The benchmarks' genesis chain id (benchGenesis) unless given. */
  readonly chainId?: bigint;
}

/** A pre-signed EIP-1559 transaction with fees well above any base fee a benchmark reaches: 100 gwei cap, 1 gwei tip. */
export function benchTx(key: Uint8Array, fields: BenchTxFields): Transaction {
  return signTransaction(
    {
      type: 2,
      chainId: fields.chainId ?? 13370n,
      nonce: fields.nonce,
      gasPrice: null,
      maxFeePerGas: 100_000_000_000n,
      maxPriorityFeePerGas: 1_000_000_000n,
      gasLimit: fields.gasLimit ?? 21_000n,
      to: fields.to,
      value: fields.value ?? 0n,
      data: fields.data ?? new Uint8Array(0),
      accessList: [],
    },
    key,
  );
}
