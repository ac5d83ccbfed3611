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
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { formatEther } from '../src/cli/units.js';
import { DEV_ACCOUNTS } from '../src/node/dev-accounts.js';
import { Devnet, type DevnetNode } from './lib/devnet.js';
import { FolderInUseError, LOCK_FILE, lockFolder } from './lib/devnet-lock.js';
import { parseDevnetOptions, UsageError, USAGE, type DevnetOptions } from './lib/devnet-options.js';
import { restartArgs, startCommand, statusCell, statusLegend, type NodeInfoView } from './lib/devnet-status.js';
import { createValidatorKeys, posGenesis } from './lib/pos-genesis.js';
import { REPO, rpcCall } from './lib/node-process.js';

const STATUS_INTERVAL_MS = 1000;

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
async function prepareFolder(options: DevnetOptions): Promise<Folder> {
  if (options.fresh) {
    // Everything but the lock this devnet already holds.
    const entries = await readdir(options.dir);
    await Promise.all(entries.filter((name) => name !== LOCK_FILE).map((name) => rm(join(options.dir, name), { recursive: true, force: true })));
  }
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
    if (kind !== options.consensus) {
      throw new UsageError(`${genesisPath} is a "${kind}" genesis, not ${options.consensus}: choose another folder with --datadir, or add --fresh to wipe this one`);
    }
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

/** The live line: every second on a terminal; otherwise whenever it changes, at most once a second. */
class StatusLine {
  #timer: NodeJS.Timeout | undefined;
  #last = '';
  #stopped = false;

  constructor(
    private readonly nodes: () => readonly DevnetNode[],
    private readonly finality: boolean,
  ) {}

  start(): void {
    const tick = async (): Promise<void> => {
      const cells = this.nodes().map(async (node) => statusCell({ ...node, started: node.process !== undefined, info: await nodeInfo(node) }, this.finality));
      const text = (await Promise.all(cells)).join(' | ');
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

/**
 * The node's cairn_nodeInfo, if it answers. Asked even after the devnet's
 * process of it exited: the same node started again by hand on the same port
 * (as printed) answers with the same peer id.
 */
async function nodeInfo(node: DevnetNode): Promise<NodeInfoView | undefined> {
  if (node.process === undefined) return undefined;
  try {
    const info = await rpcCall<NodeInfoView>(node.process.url, 'cairn_nodeInfo', [], STATUS_INTERVAL_MS - 100);
    return node.exitCode === undefined || info.peerId === node.process.peerId ? info : undefined;
  } catch {
    return undefined;
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
    String(node.process?.child.pid ?? '-'),
    node.process?.url ?? '-',
    role(node),
    shown(node.logPath),
    node.process?.p2pAddresses[0] ?? '-',
  ]);
  const header = ['#', 'pid', 'JSON-RPC', 'role', 'log', 'P2P address (peer id at the end)'];
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
    options = parseDevnetOptions(process.argv.slice(2), REPO);
    if (options === 'help') {
      console.log(USAGE);
      return 0;
    }
    await mkdir(options.dir, { recursive: true });
    // Before --fresh wipes anything: the folder may be a running devnet's.
    const release = lockFolder(options.dir);
    process.on('exit', release);
    folder = await prepareFolder(options);
  } catch (err) {
    if (err instanceof FolderInUseError) {
      console.error(`error: ${err.message}`);
      return 2;
    }
    if (!(err instanceof UsageError)) throw err;
    console.error(err.showUsage ? `error: ${err.message}\n\n${USAGE}` : `error: ${err.message} (--help lists the options)`);
    return 2;
  }
  const { genesisPath, genesis, resumed, validatorKeys } = folder;
  const status = new StatusLine(() => devnet.nodes, options.consensus === 'pos');
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
      console.log(`node ${node.index} ${code === null ? 'was killed' : `exited with code ${code}`}; its log: ${shown(node.logPath)}`);
      const address = node.process?.p2pAddresses[0];
      if (node.process !== undefined && address !== undefined) {
        console.log(`To start it again (same ports, so its peers and this status line find it; Ctrl-C here does not stop it), from the repo folder:`);
        console.log(`  ${startCommand(restartArgs(node.args, node.process.url, address), REPO)}`);
      }
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
    console.log(`Another node joins with: npx cairn start --genesis ${shown(genesisPath)} --datadir <its own folder> --rpc-port 0 --p2p-port 0 --bootstrap ${devnet.running[0]!.p2pAddresses[0]}`);
    console.log(statusLegend(options.consensus === 'pos'));
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
