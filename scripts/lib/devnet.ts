import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { spawnNode, type NodeProcess } from './node-process.js';

/**
 * N `cairn start` processes on loopback sharing one genesis, with data
 * directories and logs under one folder (node-<i>/, node-<i>.log), connected
 * through bootstrap addresses: the devnet command and the network benchmarks
 * run on it.
 */

/** A node that is stopping gets this long before SIGKILL; its state survives either way. */
const STOP_TIMEOUT_MS = 15_000;
/** Generous: a node resuming a long chain opens its database before it answers. */
const START_TIMEOUT_MS = 60_000;

export interface DevnetOptions {
  /** Holds node-<i>/ (data directories) and node-<i>.log. */
  readonly dir: string;
  readonly genesisPath: string;
  readonly nodes: number;
  /** Nodes 0..miners-1 mine (proof of work). */
  readonly miners: number;
  /** Proof of stake: node i runs with --validator-key validatorKeys[i] (a key file path) when given. */
  readonly validatorKeys?: readonly string[];
  /** Node i serves JSON-RPC on rpcPort + i; undefined = free ports. */
  readonly rpcPort?: number;
  readonly logLevel?: string;
  /** Keep every node's whole output in memory for NodeProcess.output() (a benchmark reads it); default false. */
  readonly keepOutput?: boolean;
  /** A node ended on its own, not through stop(). */
  readonly onUnexpectedExit?: (node: DevnetNode, code: number | null) => void;
  /** Progress lines while stopping; silent without it. */
  readonly report?: (line: string) => void;
}

export interface DevnetNode {
  readonly index: number;
  readonly coinbase: string | undefined;
  /** The validator key file it runs with (proof of stake). */
  readonly validatorKey: string | undefined;
  readonly dataDir: string;
  readonly logPath: string;
  readonly log: WriteStream;
  /** The `cairn start` arguments it was started with (free ports asked as 0); empty until then. */
  args: readonly string[];
  process: NodeProcess | undefined;
  /** Set once the process ended on its own (not stopped by the devnet). */
  exitCode: number | null | undefined;
}

/** Rewards of miner i go to an address anyone can recognise in a block's `miner` field. */
function minerCoinbase(index: number): string {
  return '0xc0ffee' + index.toString(16).padStart(34, '0');
}

export class Devnet {
  readonly nodes: DevnetNode[];
  #stopping: Promise<void> | undefined;
  #starting: Promise<void> | undefined;

  constructor(private readonly options: DevnetOptions) {
    this.nodes = Array.from({ length: options.nodes }, (_, index) => {
      const logPath = join(options.dir, `node-${index}.log`);
      return {
        index,
        coinbase: index < options.miners ? minerCoinbase(index) : undefined,
        validatorKey: options.validatorKeys?.[index],
        dataDir: join(options.dir, `node-${index}`),
        logPath,
        log: createWriteStream(logPath, { flags: 'a' }),
        args: [],
        process: undefined,
        exitCode: undefined,
      };
    });
  }

  get isStopping(): boolean {
    return this.#stopping !== undefined;
  }

  /** The nodes started so far, in order. */
  get running(): NodeProcess[] {
    return this.nodes.flatMap((n) => (n.process === undefined ? [] : [n.process]));
  }

  /**
   * One node after another: node i bootstraps to every node before it, so the
   * nodes form a full mesh whatever the peer discovery does. Rejects with the
   * node's error lines when one fails to start (the caller then stops the rest).
   */
  start(): Promise<void> {
    this.#starting ??= this.#startAll();
    return this.#starting;
  }

  async #startAll(): Promise<void> {
    const bootstrap: string[] = [];
    for (const node of this.nodes) {
      if (this.isStopping) return;
      node.log.write(`\n==== devnet: starting node ${node.index} at ${new Date().toISOString()} ====\n`);
      const args = [
        '--genesis', this.options.genesisPath,
        '--datadir', node.dataDir,
        '--rpc-port', String(this.options.rpcPort === undefined ? 0 : this.options.rpcPort + node.index),
        '--p2p-port', '0',
        '--log-level', this.options.logLevel ?? 'info',
        ...bootstrap.flatMap((address) => ['--bootstrap', address]),
        ...(node.coinbase === undefined ? [] : ['--mine', '--coinbase', node.coinbase]),
        ...(node.validatorKey === undefined ? [] : ['--validator-key', node.validatorKey]),
      ];
      node.args = args;
      const started = await spawnNode({
        args,
        waitForP2p: true,
        // Own process group: a Ctrl-C reaches the devnet only, which then stops every node in order.
        detached: true,
        startTimeoutMs: START_TIMEOUT_MS,
        stopTimeoutMs: STOP_TIMEOUT_MS,
        onOutput: (chunk) => node.log.write(chunk),
        keepOutput: this.options.keepOutput ?? false,
      }).catch((err: unknown) => {
        throw new Error(`node ${node.index} did not start (log: ${node.logPath}):\n${why((err as Error).message)}`);
      });
      node.process = started;
      void started.exited().then((code) => {
        if (this.isStopping) return;
        node.exitCode = code;
        this.options.onUnexpectedExit?.(node, code);
      });
      const address = started.p2pAddresses[0];
      if (address === undefined) throw new Error(`node ${node.index} printed no P2P address`);
      bootstrap.push(address);
    }
  }

  /** SIGTERM every node at once, wait (bounded per node), close the logs. Idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      // A node still coming up is stopped too: the start loop ends after it and starts no other.
      await this.#starting?.catch(() => undefined);
      const report = this.options.report ?? (() => undefined);
      const running = this.nodes.filter((n) => n.process !== undefined && n.exitCode === undefined);
      if (running.length > 0) report(`stopping ${running.length} node${running.length === 1 ? '' : 's'}…`);
      await Promise.all(
        running.map(async (node) => {
          const code = await node.process!.stop();
          report(`  node ${node.index} ${code === 0 ? 'stopped' : `exited with code ${code}`}`);
        }),
      );
      await Promise.all(this.nodes.map((node) => new Promise<void>((done) => node.log.end(done))));
    })();
    return this.#stopping;
  }

  /** Last resort on the way out of the process: the nodes are in their own process groups and would outlive it. */
  killAll(): void {
    for (const node of this.nodes) {
      const child = node.process?.child;
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }
}

/** From a failed start's message (reason, then the node's whole output): the reason and the node's error lines. */
function why(message: string): string {
  const [reason, ...output] = message.trimEnd().split('\n');
  const errors = output.filter((line) => /^(error|unexpected error):|\bERROR\b/.test(line));
  return [reason, ...(errors.length > 0 ? errors : output.slice(-10))].map((line) => `  ${line}`).join('\n');
}
