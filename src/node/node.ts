import { readFile } from 'node:fs/promises';
import { Blockchain } from '../chain/blockchain.js';
import { Mempool } from '../chain/mempool.js';
import type { ConsensusEngine } from '../consensus/engine.js';
import { createEngine } from '../consensus/index.js';
import type { Block } from '../ledger/block/types.js';
import { parseGenesis, type Genesis } from '../ledger/genesis.js';
import { SenderRecovery } from '../ledger/tx/sender.js';
import type { SignedTransaction } from '../ledger/tx/types.js';
import { CairnError } from '../primitives/errors.js';
import { loadRecoveryBackend } from '../primitives/recover/index.js';
import type { RecoveryBackend } from '../primitives/recover/backend.js';
import { defaultDataDir, type NodeConfig } from './config.js';
import { chainModules } from './modules.js';
import type { Logger } from './log.js';
import { Producer } from './producer.js';
import { Sync } from './sync.js';

const ZERO_ADDRESS = new Uint8Array(20);

export class ConfigError extends CairnError {
  constructor(message: string) {
    super('CONFIG', message);
  }
}

/**
 * A running node: the chain, its mempool, sync and (when mining) the
 * producer. Edges (RPC, CLI, p2p) are built on top of it and never reached
 * from it: they learn what happens here through the listeners below, and
 * the p2p edge plugs itself into `sync` as its network.
 */
export class CairnNode {
  readonly #produced = new Set<(block: Block) => void>();
  readonly #localTxs = new Set<(tx: SignedTransaction) => void>();

  private constructor(
    readonly genesis: Genesis,
    readonly dataDir: string,
    readonly engine: ConsensusEngine,
    readonly backend: RecoveryBackend,
    readonly recovery: SenderRecovery,
    readonly chain: Blockchain,
    readonly mempool: Mempool,
    readonly sync: Sync,
    private readonly producer: Producer | undefined,
    private readonly log: Logger,
  ) {}

  static async start(config: NodeConfig, log: Logger): Promise<CairnNode> {
    const genesis = await loadGenesis(config.genesisPath);
    checkProducerFlags(config, genesis.consensus.type);
    const dataDir = config.dataDir ?? defaultDataDir(genesis.chainId);
    const backend = await loadRecoveryBackend(config.recovery === 'auto' ? {} : { prefer: config.recovery });
    let engine: ConsensusEngine;
    try {
      engine = createEngine(genesis.consensus, {
        minerThreads: config.minerThreads,
        chainId: genesis.chainId,
        genesisTimestamp: genesis.timestamp,
        recovery: backend,
        dataDir,
        validatorKey: config.validatorKey,
      });
    } catch (err) {
      await backend.close();
      throw err;
    }
    try {
      await engine.ready();
    } catch (err) {
      await Promise.all([engine.close(), backend.close()]);
      throw err;
    }
    const recovery = new SenderRecovery(backend);
    let chain: Blockchain;
    try {
      chain = await Blockchain.open({ dataDir, genesis, engine, recovery, modules: chainModules() });
    } catch (err) {
      await Promise.all([engine.close(), backend.close()]);
      throw err;
    }
    const mempool = new Mempool({
      chainId: genesis.chainId,
      state: chain,
      baseFee: () => chain.nextBaseFee(),
      blockGasLimit: genesis.gasLimit,
      recovery,
      journal: chain.mempoolJournal,
    });
    const restored = await mempool.restore(await chain.mempoolJournal.loadAll());
    chain.on('head', (event) => {
      mempool.onHeadChange(event).catch((err: unknown) => {
        log.error(`mempool journal update after block #${event.head.header.number} failed: ${err instanceof Error ? err.message : String(err)}`);
      });
    });
    let finalized = chain.checkpoints().finalized;
    chain.on('head', () => {
      const now = chain.checkpoints().finalized;
      if (now <= finalized) return;
      finalized = now;
      log.info(`finalized block #${now}`);
    });
    const sync = new Sync({ chain, engine, recovery, log: log.child('sync') });
    // The producer reports its blocks through the node, built just below.
    let node: CairnNode | undefined;
    // A validator key makes a producer too: the engine's plan says when (its slots) and the node has no say.
    const producer =
      config.mine || config.validatorKey !== undefined
        ? new Producer({
            chain,
            mempool,
            engine,
            gate: sync,
            coinbase: config.coinbase ?? ZERO_ADDRESS,
            log: log.child('producer'),
            onProduced: (block) => {
              if (node !== undefined) node.#emit(node.#produced, block);
            },
          })
        : undefined;
    node = new CairnNode(genesis, dataDir, engine, backend, recovery, chain, mempool, sync, producer, log);
    log.info(`chain ${genesis.chainId} (${engine.kind}) at block #${chain.head.header.number}, data in ${dataDir}, ${restored} pooled txs restored, sender recovery: ${backend.name}`);
    producer?.start();
    return node;
  }

  get mining(): boolean {
    return this.producer !== undefined;
  }

  /**
   * Admits a transaction from a local client (the RPC) and tells the
   * listeners, so the p2p edge can gossip it. Rejects as Mempool.add does.
   */
  async submitTransaction(raw: Uint8Array): Promise<SignedTransaction> {
    const tx = await this.mempool.add(raw);
    this.#emit(this.#localTxs, tx);
    return tx;
  }

  /** Calls `listener` with every transaction submitted locally; returns the unsubscribe function. */
  onLocalTransaction(listener: (tx: SignedTransaction) => void): () => void {
    this.#localTxs.add(listener);
    return () => this.#localTxs.delete(listener);
  }

  /** Calls `listener` with every block this node produced, once imported; returns the unsubscribe function. */
  onBlockProduced(listener: (block: Block) => void): () => void {
    this.#produced.add(listener);
    return () => this.#produced.delete(listener);
  }

  async stop(): Promise<void> {
    await this.producer?.stop();
    await this.sync.stop();
    await this.chain.close();
    await Promise.all([this.engine.close(), this.backend.close()]);
    this.log.info('node stopped');
  }

  #emit<T>(listeners: ReadonlySet<(value: T) => void>, value: T): void {
    for (const listener of listeners) {
      try {
        listener(value);
      } catch (err) {
        this.log.error(`listener failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      }
    }
  }
}

/**
 * Each engine has its own way to produce: --mine would start a producer that
 * never produces on proof of stake, and --validator-key on proof of work
 * would mine with the rewards burned; both are refused with what to pass.
 */
function checkProducerFlags(config: NodeConfig, kind: string): void {
  if (config.mine && kind !== 'pow') {
    throw new ConfigError(`--mine is for proof-of-work chains, and ${config.genesisPath} runs ${kind}: a validator produces with --validator-key <its key file>`);
  }
  if (config.validatorKey !== undefined && kind !== 'pos') {
    throw new ConfigError(`--validator-key is for proof-of-stake chains, and ${config.genesisPath} runs ${kind}: produce blocks with --mine`);
  }
}

async function loadGenesis(path: string): Promise<Genesis> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read genesis file ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`genesis file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  return parseGenesis(json, path);
}
