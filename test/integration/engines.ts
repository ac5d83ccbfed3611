import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createValidatorKeys, DEFAULT_POS, posGenesis } from '../../scripts/lib/pos-genesis.js';

/**
 * The consensus engines the shared integration suite runs under, as profiles:
 * everything a test needs that differs between proof of work and proof of
 * stake (the genesis, how a node is told to produce blocks, what `cairn
 * status` prints) lives here, so test bodies never ask which engine runs.
 *
 *   describe.each(ENGINE_CASES)('%s', (_kind, engine) => { ... })
 *
 * names the suites "pow" and "pos", so `vitest -t '^pos '` picks one engine.
 */

export const CHAIN_ID = 13370;
export const DEV_ADDRESSES = [
  '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
  '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
  '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
] as const;
const DEV_BALANCE = '10000000000000000000000';

/** A node that produces blocks, declared when its chain is made. */
export interface Producer {
  readonly name: string;
  /** The `miner` (coinbase) of its blocks; compare without regard to case. */
  readonly address: string;
  /** PoS: its validator key file (cairn keys new format). */
  readonly keyPath?: string;
}

export interface ChainOptions {
  /** Blocks as fast as the engine allows on this machine: a sync test's backlog. */
  readonly fast?: boolean;
  /** More accounts funded like the dev accounts. */
  readonly fund?: readonly string[];
}

export interface EngineProfile {
  readonly kind: 'pow' | 'pos';
  /** The identities of the nodes that will produce blocks on a new chain; PoS writes their key files under `dir`. */
  producers(dir: string, names: readonly string[]): Promise<Producer[]>;
  /** genesis.json of a chain whose blocks come from `producers` (PoS: its genesis validators, equal stakes). */
  genesis(producers: readonly Producer[], options?: ChainOptions): Record<string, unknown>;
  /** `cairn start` arguments that make a node produce blocks as `producer`. */
  produceArgs(producer: Producer): string[];
  /** A line `cairn status` prints for this engine's consensus. */
  readonly statusLine: RegExp;
  /** What `cairn stake --amount 1` answers (exit code, stdout or stderr): PoW has no staking; PoS refuses 1 ether, below its minimum stake. */
  readonly smallStake: { readonly code: number; readonly output: RegExp };
}

/** Short slots keep the tests fast. `fast`: 100 ms (50 ms built the sync backlog hardly sooner on 2 cores). */
const POS_SLOT_MS = 250;
const POS_FAST_SLOT_MS = 100;
/** 2 s epochs at 250 ms slots: a stake change takes effect within seconds. */
const POS_EPOCH_LENGTH = 8;

/** A recognisable coinbase per node name, so a PoW block's `miner` field says which node mined it. */
function coinbaseOf(name: string): string {
  return '0x' + Buffer.from(name.padStart(20, '\0')).toString('hex');
}

function baseGenesis(options: ChainOptions): Record<string, unknown> {
  const alloc: Record<string, { balance: string }> = {};
  for (const address of [...DEV_ADDRESSES, ...(options.fund ?? [])]) alloc[address] = { balance: DEV_BALANCE };
  return {
    chainId: CHAIN_ID,
    timestamp: 1764028800000,
    gasLimit: '30000000',
    baseFee: '1000000000',
    blockReward: '2000000000000000000',
    alloc,
  };
}

export const POW: EngineProfile = {
  kind: 'pow',
  producers: async (_dir, names) => names.map((name) => ({ name, address: coinbaseOf(name) })),
  genesis: (_producers, options = {}) => ({
    ...baseGenesis(options),
    consensus: {
      type: 'pow',
      // Fast blocks at a low difficulty; `fast` mines at the lowest difficulty, about every 50 ms.
      pow: {
        targetBlockTimeMs: options.fast ? 50 : 500,
        initialDifficulty: options.fast ? '1000' : '20000',
        minDifficulty: '1000',
        confirmations: 4,
      },
    },
  }),
  produceArgs: (producer) => ['--mine', '--coinbase', producer.address],
  statusLine: /consensus\.difficulty\s+\d+/,
  smallStake: { code: 2, output: /has no staking: this chain runs pow/ },
};

export const POS: EngineProfile = {
  kind: 'pos',
  producers: async (dir, names) => {
    const keysDir = join(dir, 'validator-keys');
    await mkdir(keysDir, { recursive: true });
    const keys = await createValidatorKeys(keysDir, names.length);
    return names.map((name, i) => ({ name, address: keys[i]!.address, keyPath: keys[i]!.path }));
  },
  genesis: (producers, options = {}) =>
    posGenesis(
      // Slots count from the genesis time: a recent one keeps slot and epoch numbers small and readable in logs.
      { ...baseGenesis(options), timestamp: Date.now() },
      producers.map((p) => p.address),
      {
        ...DEFAULT_POS,
        slotDurationMs: options.fast ? POS_FAST_SLOT_MS : POS_SLOT_MS,
        epochLength: POS_EPOCH_LENGTH,
      },
    ),
  produceArgs: (producer) => {
    if (producer.keyPath === undefined) throw new Error(`producer ${producer.name} has no validator key file`);
    return ['--validator-key', producer.keyPath];
  },
  statusLine: /consensus\.epoch\s+\d+/,
  smallStake: { code: 1, output: /stake refused, nothing sent: .*below the minimum stake/ },
};

export const ENGINES: readonly EngineProfile[] = [POW, POS];

/** [kind, profile] pairs for describe.each('%s'), which prints a string without quotes. */
export const ENGINE_CASES: readonly (readonly [string, EngineProfile])[] = ENGINES.map((engine) => [engine.kind, engine] as const);
