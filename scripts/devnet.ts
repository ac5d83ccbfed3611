/**
 * A local multi-node network in one command: N `cairn start` processes on
 * loopback, one genesis, one folder holding the genesis, every node's data
 * directory and log, connected through bootstrap addresses. Prints the nodes
 * and the funded development keys, then a live line of every node's height,
 * head and peer count. Ctrl-C stops all nodes cleanly.
 *
 * The folder is kept: running the command again with the same --datadir
 * reuses its genesis, so every node resumes its chain and its peer id.
 *
 * Run: npm run devnet -- --nodes 3 --miners 1   (--help for every option)
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatEther } from '../src/cli/units.js';
import { DEV_ACCOUNTS } from '../src/node/dev-accounts.js';
import { Devnet, type DevnetNode } from './lib/devnet.js';
import { createValidatorKeys, DEFAULT_POS, posGenesis, type PosSettings } from './lib/pos-genesis.js';
import { REPO, rpcCall } from './lib/node-process.js';

const USAGE = `Usage: npm run devnet -- [options]

Starts a network of Cairn nodes on 127.0.0.1, each in its own process.
  --nodes <n>           how many nodes (default 3)
  --consensus <kind>    pow (default) or pos
  --miners <k>          pow: how many nodes mine: nodes 0..k-1 (default 1; 0 = none)
  --validators <k>      pos: how many nodes validate, each with its own key and
                        an equal genesis stake: nodes 0..k-1 (default: all)
  --slot-ms <ms>        pos: slot duration (default ${DEFAULT_POS.slotDurationMs})
  --epoch <slots>       pos: slots per epoch (default ${DEFAULT_POS.epochLength})
  --datadir <dir>       devnet folder: genesis, data directories, logs
                        (default ./data/devnet); kept across runs, so chains resume
  --fresh               wipe the folder first: new genesis, new chains, new peer ids
  --rpc-port <port>     node i serves JSON-RPC on port+i (default: free ports)
  --log-level <level>   the nodes' log level: error, warn, info (default) or debug
  -h, --help            this text`;

const DEFAULT_DIR = 'data/devnet';
const STATUS_INTERVAL_MS = 1000;

interface CliOptions {
  readonly nodes: number;
  readonly consensus: 'pow' | 'pos';
  /** pow: miners; pos: validators. */
  readonly miners: number;
  readonly validators: number;
  readonly pos: PosSettings;
  readonly dir: string;
  readonly fresh: boolean;
  readonly rpcPort: number | undefined;
  readonly logLevel: string;
}

class UsageError extends Error {
  constructor(
    message: string,
    readonly showUsage = false,
  ) {
    super(message);
  }
}

function parseOptions(argv: string[]): CliOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        nodes: { type: 'string' },
        miners: { type: 'string' },
        validators: { type: 'string' },
        'slot-ms': { type: 'string' },
        epoch: { type: 'string' },
        consensus: { type: 'string' },
        datadir: { type: 'string' },
        fresh: { type: 'boolean' },
        'rpc-port': { type: 'string' },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message, true);
  }
  const { values } = parsed;
  if (values.help) return 'help';
  const consensus = values.consensus ?? 'pow';
  if (consensus !== 'pow' && consensus !== 'pos') throw new UsageError(`--consensus must be pow or pos, got "${consensus}"`);
  const nodes = wholeNumber(values.nodes ?? '3', '--nodes', 1, 64);
  if (consensus === 'pow' && (values.validators ?? values['slot-ms'] ?? values.epoch) !== undefined) {
    throw new UsageError('--validators, --slot-ms and --epoch are for --consensus pos');
  }
  if (consensus === 'pos' && values.miners !== undefined) throw new UsageError('--miners is for --consensus pow; proof of stake has --validators');
  const miners = consensus === 'pow' ? wholeNumber(values.miners ?? '1', '--miners', 0, nodes) : 0;
  const validators = consensus === 'pos' ? wholeNumber(values.validators ?? String(nodes), '--validators', 1, nodes) : 0;
  const pos: PosSettings = {
    ...DEFAULT_POS,
    slotDurationMs: wholeNumber(values['slot-ms'] ?? String(DEFAULT_POS.slotDurationMs), '--slot-ms', 100, 60_000),
    epochLength: wholeNumber(values.epoch ?? String(DEFAULT_POS.epochLength), '--epoch', 1, 1024),
  };
  const rpcPort = values['rpc-port'] === undefined ? undefined : wholeNumber(values['rpc-port'], '--rpc-port', 1, 65535 - nodes + 1);
  const logLevel = values['log-level'] ?? 'info';
  if (!['error', 'warn', 'info', 'debug'].includes(logLevel)) throw new UsageError(`--log-level must be error, warn, info or debug, got "${logLevel}"`);
  return { nodes, consensus, miners, validators, pos, dir: resolve(values.datadir ?? join(REPO, DEFAULT_DIR)), fresh: values.fresh === true, rpcPort, logLevel };
}

function wholeNumber(text: string, flag: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got "${text}"`);
  return n;
}

type GenesisJson = Record<string, unknown> & { alloc: Record<string, { balance: string }> };

interface Folder {
  readonly genesisPath: string;
  readonly genesis: GenesisJson;
  readonly resumed: boolean;
  /** pos: node i's validator key file, for nodes 0..validators-1. */
  readonly validatorKeys: string[];
}

/**
 * The folder's genesis: reused when the folder has one (so the nodes' data
 * directories still match it), otherwise the repo's genesis.json with the
 * current time and every development account funded; for proof of stake,
 * with new validator keys (validator-<i>.json) as its genesis validators.
 */
async function prepareFolder(options: CliOptions): Promise<Folder> {
  if (options.fresh) await rm(options.dir, { recursive: true, force: true });
  await mkdir(options.dir, { recursive: true });
  const genesisPath = join(options.dir, 'genesis.json');
  const existing = await readFile(genesisPath, 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (existing !== undefined) {
    let genesis: GenesisJson;
    try {
      genesis = JSON.parse(existing) as GenesisJson;
    } catch (err) {
      throw new UsageError(`${genesisPath} is not valid JSON (${(err as Error).message}); fix it or start over with --fresh`);
    }
    const kind = (genesis['consensus'] as { type?: string } | undefined)?.type;
    if (kind !== options.consensus) throw new UsageError(`${genesisPath} is a "${kind}" genesis, not ${options.consensus}; start over with --fresh`);
    const validatorKeys = Array.from({ length: options.validators }, (_, i) => join(options.dir, `validator-${i}.json`));
    return { genesisPath, genesis, resumed: true, validatorKeys };
  }
  const base = JSON.parse(await readFile(join(REPO, 'genesis.json'), 'utf8')) as GenesisJson;
  const alloc = { ...base.alloc };
  for (const account of DEV_ACCOUNTS) alloc[account.address] ??= { balance: '10000000000000000000000' };
  const funded: GenesisJson = { ...base, timestamp: Date.now(), alloc };
  const keys = options.consensus === 'pos' ? await createValidatorKeys(options.dir, options.validators) : [];
  const genesis = options.consensus === 'pos' ? posGenesis(funded, keys.map((key) => key.address), options.pos) : funded;
  await writeFile(genesisPath, JSON.stringify(genesis, null, 2) + '\n');
  return { genesisPath, genesis, resumed: false, validatorKeys: keys.map((key) => key.path) };
}

interface NodeStatus {
  head: { number: number; hash: string };
  peerCount: number;
  syncing: boolean;
}

/** The live line: every second on a terminal; otherwise whenever it changes, at most once a second. */
class StatusLine {
  #timer: NodeJS.Timeout | undefined;
  #last = '';
  #stopped = false;

  constructor(private readonly nodes: () => readonly DevnetNode[]) {}

  start(): void {
    const tick = async (): Promise<void> => {
      const text = (await Promise.all(this.nodes().map((node) => nodeStatus(node)))).join(' | ');
      if (this.#stopped) return;
      if (process.stdout.isTTY) {
        const width = process.stdout.columns > 1 ? process.stdout.columns - 1 : text.length;
        process.stdout.write(`\r\x1b[2K${text.slice(0, width)}`);
      } else if (text !== this.#last) {
        console.log(`${new Date().toISOString().slice(11, 19)} ${text}`);
      }
      this.#last = text;
      this.#timer = setTimeout(() => void tick(), STATUS_INTERVAL_MS);
    };
    void tick();
  }

  /** Clears the line on a terminal, so whatever is printed next starts at column 0. */
  clear(): void {
    if (process.stdout.isTTY && this.#last !== '') process.stdout.write('\r\x1b[2K');
    this.#last = '';
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.clear();
  }
}

async function nodeStatus(node: DevnetNode): Promise<string> {
  const name = `n${node.index}`;
  if (node.exitCode !== undefined) return `${name} exited(${node.exitCode})`;
  if (node.process === undefined) return `${name} -`;
  try {
    const info = await rpcCall<NodeStatus>(node.process.url, 'cairn_nodeInfo', [], STATUS_INTERVAL_MS - 100);
    return `${name} #${info.head.number} ${info.head.hash.slice(2, 6)} ${info.peerCount}p${info.syncing ? ' sync' : ''}`;
  } catch {
    return `${name} ?`;
  }
}

/** A path as short as it reads well: relative to the current directory when inside it. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') ? path : rel;
}

function role(node: DevnetNode): string {
  if (node.coinbase !== undefined) return `miner → ${node.coinbase.slice(0, 8)}…${node.coinbase.slice(-4)}`;
  if (node.validatorKey !== undefined) return `validator (${shown(node.validatorKey)})`;
  return 'follower';
}

function printNodes(devnet: Devnet): void {
  const rows = devnet.nodes.map((node) => [
    String(node.index),
    node.process?.url ?? '-',
    node.process?.peerId ?? '-',
    role(node),
    shown(node.logPath),
  ]);
  const header = ['#', 'JSON-RPC', 'peer id', 'role', 'log'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  console.log(line(header));
  for (const row of rows) console.log(line(row));
}

function printDevAccounts(genesis: GenesisJson): void {
  const funded = DEV_ACCOUNTS.flatMap((account) => {
    const entry = Object.entries(genesis.alloc).find(([address]) => address.toLowerCase() === account.address.toLowerCase());
    return entry === undefined ? [] : [{ ...account, balance: BigInt(entry[1].balance) }];
  });
  if (funded.length === 0) return;
  console.log('');
  console.log('WARNING: these development accounts are funded by this genesis. Their private keys are PUBLIC');
  console.log('(the Hardhat/Anvil test mnemonic "test test … junk"): never send real funds to them.');
  for (const [i, account] of funded.entries()) {
    console.log(`(${i}) ${account.address} (${formatEther(account.balance)} ETH at genesis)  key ${account.privateKey}`);
  }
  console.log('');
}

async function main(): Promise<number> {
  let options;
  let folder;
  try {
    options = parseOptions(process.argv.slice(2));
    if (options === 'help') {
      console.log(USAGE);
      return 0;
    }
    folder = await prepareFolder(options);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(err.showUsage ? `error: ${err.message}\n\n${USAGE}` : `error: ${err.message} (--help lists the options)`);
    return 2;
  }
  const { genesisPath, genesis, resumed, validatorKeys } = folder;
  const status = new StatusLine(() => devnet.nodes);
  const devnet = new Devnet({
    dir: options.dir,
    genesisPath,
    nodes: options.nodes,
    miners: options.miners,
    validatorKeys,
    rpcPort: options.rpcPort,
    logLevel: options.logLevel,
    onUnexpectedExit: (node, code) => {
      status.clear();
      console.log(`node ${node.index} exited with code ${code}; its log: ${shown(node.logPath)}`);
    },
    report: (line) => console.log(line),
  });
  // Installed before the first node starts, so no way out of this process leaves a node running.
  process.on('exit', () => devnet.killAll());
  let stopped!: () => void;
  const done = new Promise<void>((resolve) => (stopped = resolve));
  // Repeated signals (npm and tsx relay Ctrl-C too) join the same bounded stop.
  const onSignal = (): void => {
    status.stop();
    void devnet.stop().then(stopped);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);

  const chainId = String(genesis['chainId']);
  const roles =
    options.consensus === 'pow'
      ? `${options.miners} mining, proof of work`
      : `${options.validators} validating, proof of stake (${options.pos.slotDurationMs} ms slots, ${options.pos.epochLength}-slot epochs)`;
  console.log(`Cairn devnet: ${options.nodes} node${options.nodes === 1 ? '' : 's'}, ${roles}, chain id ${chainId}`);
  console.log(`folder ${shown(options.dir)} (${resumed ? 'resuming its chains; --fresh starts over' : 'new genesis'})`);
  try {
    await devnet.start();
  } catch (err) {
    console.error(`error: ${(err as Error).message}`);
    await devnet.stop();
    return 1;
  }
  if (!devnet.isStopping) {
    console.log('');
    printNodes(devnet);
    printDevAccounts(genesis);
    console.log(`Wallets: RPC URL ${devnet.running[0]!.url}, chain id ${chainId}. After --fresh, clear MetaMask's activity tab data (it caches nonces by chain id).`);
    console.log('Status: n<i> #height head-hash-prefix <peers>p; Ctrl-C stops every node.');
    status.start();
  }
  await done;
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
