import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { Blockchain, type BlockchainOptions } from '../../../src/chain/blockchain.js';
import type { ChainTip, Checkpoints, ConsensusEngine, GenesisContribution, ProductionPlan } from '../../../src/consensus/engine.js';
import { BlockErrorCode, InvalidBlockError } from '../../../src/ledger/block/errors.js';
import { hashHeader } from '../../../src/ledger/block/header.js';
import type { Block, BlockHeader } from '../../../src/ledger/block/types.js';
import type { Genesis } from '../../../src/ledger/genesis.js';
import { signTransaction } from '../../../src/ledger/tx/encode.js';
import { SenderRecovery } from '../../../src/ledger/tx/sender.js';
import type { SignedTransaction } from '../../../src/ledger/tx/types.js';
import { bytesToBigint, bytesToHex, hexToBytes } from '../../../src/primitives/hex.js';
import { addressOfPrivateKey } from '../../../src/primitives/keys.js';
import type { RecoveryBackend } from '../../../src/primitives/recover/backend.js';
import { loadRecoveryBackend } from '../../../src/primitives/recover/index.js';
import type { RlpValue } from '../../../src/primitives/rlp.js';

/**
 * A consensus engine for chain tests: every empty consensus section is
 * valid (no mining), and a block weighs 1 unless its extraData holds a
 * number (the genesis block always weighs 1), so a test makes a short branch heavier than a long one.
 */
export class FakeEngine implements ConsensusEngine {
  readonly kind = 'fake';
  /** Absolute by default, so the chain's finality rules can be tested; `finalized` says where. */
  finality: 'absolute' | 'probabilistic' = 'absolute';
  readonly modules = [];
  readonly gossip = undefined;
  readonly views = undefined;
  /** What checkpoints() reports as finalized; tests raise it to exercise the finality rules. */
  finalized = 0;

  genesisSection(): RlpValue[] {
    return [];
  }

  genesisState(): GenesisContribution {
    return { records: [], balances: [] };
  }

  async verifyBody(block: Block): Promise<void> {
    if (block.consensusBody.length > 0) throw new InvalidBlockError(BlockErrorCode.BadBody, `block ${block.header.number}: fake body refused`);
  }

  beginBlock(): void {}

  buildBody(): RlpValue[] {
    return [];
  }

  planProduction(head: BlockHeader, _state: unknown, now: number): ProductionPlan {
    return { at: now, timestamp: Math.max(now, head.timestamp + 1), refreshTimestamp: true };
  }

  prepareSection(): RlpValue[] {
    return [];
  }

  /** A non-empty section stands for a bad seal. */
  verifyHeader(header: BlockHeader): void {
    if (header.consensus.length > 0) throw new InvalidBlockError(BlockErrorCode.BadSeal, `block ${header.number}: fake seal refused`);
  }

  weight(header: BlockHeader): bigint {
    return header.number > 0 && header.extraData.length > 0 ? bytesToBigint(header.extraData) : 1n;
  }

  isBetter(candidate: ChainTip, current: ChainTip): boolean {
    return candidate.totalWeight > current.totalWeight;
  }

  checkpoints(): Checkpoints {
    return { safe: this.finalized, finalized: this.finalized };
  }

  sealFields(): { difficulty: bigint; nonce: Uint8Array } {
    return { difficulty: 0n, nonce: new Uint8Array(8) };
  }

  async seal(header: BlockHeader): Promise<BlockHeader> {
    return header;
  }

  status(): Record<string, string | number | boolean | null> {
    return {};
  }

  async ready(): Promise<void> {}
  async close(): Promise<void> {}
}

export const ETHER = 10n ** 18n;
export const GWEI = 10n ** 9n;
export const T0 = 1_764_028_800_000;
/** The pinned clock: far enough after T0 that test blocks are never "in the future". */
export const NOW = T0 + 86_400_000;

export const ALICE_KEY = hexToBytes('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80');
export const BOB_KEY = hexToBytes('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');
export const ALICE = addressOfPrivateKey(ALICE_KEY);
export const BOB = addressOfPrivateKey(BOB_KEY);
export const CAROL = hexToBytes('0x3535353535353535353535353535353535353535');
export const MINER_A = hexToBytes('0xa0000000000000000000000000000000000000a0');
export const MINER_B = hexToBytes('0xb0000000000000000000000000000000000000b0');

export function testGenesis(overrides: Partial<Genesis> = {}): Genesis {
  return {
    chainId: 1337n,
    timestamp: T0,
    gasLimit: 30_000_000n,
    baseFee: GWEI,
    blockReward: 2n * ETHER,
    extraData: new Uint8Array(0),
    consensus: { type: 'fake', params: {} },
    alloc: new Map([
      [bytesToHex(ALICE), { nonce: 0n, balance: 100n * ETHER }],
      [bytesToHex(BOB), { nonce: 0n, balance: 100n * ETHER }],
    ]),
    ...overrides,
  };
}

/** A signed EIP-1559 transfer of `value` wei. */
export function transfer(key: Uint8Array, nonce: bigint, to: Uint8Array = CAROL, value: bigint = ETHER, chainId = 1337n) {
  return signTransaction(
    {
      type: 2,
      chainId,
      nonce,
      gasPrice: null,
      maxFeePerGas: 10n * GWEI,
      maxPriorityFeePerGas: GWEI,
      gasLimit: 21_000n,
      to,
      value,
      data: new Uint8Array(0),
      accessList: [],
    },
    key,
  );
}

/**
 * The hooks every chain test file needs: one recovery backend for the file,
 * and each test's chains closed and directories removed after it. Returns
 * the function a test calls for its fresh TestEnv.
 */
export function useTestEnv(): () => TestEnv {
  let backend: RecoveryBackend | undefined;
  let env: TestEnv | undefined;
  beforeAll(async () => {
    backend = await loadRecoveryBackend({ workers: 1 });
  });
  afterAll(async () => {
    await backend?.close();
  });
  afterEach(async () => {
    await env?.cleanup();
    env = undefined;
  });
  return () => {
    if (backend === undefined) throw new Error('useTestEnv(): the backend is not loaded yet (call the returned function inside a test)');
    return (env = new TestEnv(backend));
  };
}

export class TestEnv {
  readonly recovery: SenderRecovery;
  readonly #dirs: string[] = [];
  readonly #chains = new Set<Blockchain>();

  constructor(backend: RecoveryBackend) {
    this.recovery = new SenderRecovery(backend);
  }

  async dir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'cairn-chain-'));
    this.#dirs.push(dir);
    return dir;
  }

  async open(dataDir: string, overrides: Partial<BlockchainOptions> = {}): Promise<Blockchain> {
    const chain = await Blockchain.open({
      dataDir,
      genesis: testGenesis(),
      engine: new FakeEngine(),
      recovery: this.recovery,
      now: () => NOW,
      ...overrides,
    });
    this.#chains.add(chain);
    return chain;
  }

  async close(chain: Blockchain): Promise<void> {
    await chain.close();
    this.#chains.delete(chain);
  }

  /** Builds a block on the chain's head with these transfers and imports it. */
  async mine(chain: Blockchain, txs: ReturnType<typeof transfer>[] = [], options: { coinbase?: Uint8Array; weight?: number } = {}): Promise<Block> {
    const signed: SignedTransaction[] = await this.recovery.recover(txs);
    const { block, rejected } = await chain.buildBlock({
      transactions: signed,
      coinbase: options.coinbase ?? MINER_A,
      timestamp: chain.head.header.timestamp + 1000,
      extraData: options.weight === undefined ? undefined : Uint8Array.of(options.weight),
    });
    if (rejected.length > 0) throw new Error(`test block left out a transaction: ${rejected[0]!.error.message}`);
    const result = await chain.importBlock(block);
    if (result !== 'imported-head') throw new Error(`test block was ${result}`);
    return block;
  }

  async cleanup(): Promise<void> {
    for (const chain of this.#chains) await chain.close();
    this.#chains.clear();
    for (const dir of this.#dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  }
}

/** The block with some header fields replaced and its hash recomputed. */
export function withHeader(block: Block, changes: Partial<BlockHeader>): Block {
  const header = { ...block.header, ...changes };
  return { ...block, header, hash: hashHeader(header) };
}

/** Every key and value of a closed chain's LevelDB, as hex, to compare stores byte for byte. */
export async function dumpStore(dataDir: string): Promise<Map<string, string>> {
  const db = new Level<Uint8Array, Uint8Array>(join(dataDir, 'chaindata'), { keyEncoding: 'view', valueEncoding: 'view' });
  await db.open();
  try {
    const out = new Map<string, string>();
    for await (const [key, value] of db.iterator()) out.set(bytesToHex(key), bytesToHex(value));
    return out;
  } finally {
    await db.close();
  }
}

/** Opens a closed chain's LevelDB raw, to damage it on purpose. */
export async function withRawStore(dataDir: string, edit: (db: Level<Uint8Array, Uint8Array>) => Promise<void>): Promise<void> {
  const db = new Level<Uint8Array, Uint8Array>(join(dataDir, 'chaindata'), { keyEncoding: 'view', valueEncoding: 'view' });
  await db.open();
  try {
    await edit(db);
  } finally {
    await db.close();
  }
}
