import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { DEFAULT_P2P_HOST, DEFAULT_P2P_PORT, DEFAULT_RPC_HOST, DEFAULT_RPC_PORT, type NodeConfig } from '../../node/config.js';
import { DEV_ACCOUNTS } from '../../node/dev-accounts.js';
import { createLogger, isLogLevel } from '../../node/log.js';
import { CairnNode } from '../../node/node.js';
import { CairnError } from '../../primitives/errors.js';
import { createNodeBackend, type NetworkView } from '../../rpc/node-backend.js';
import { DEFAULT_VHOSTS, startRpcServer } from '../../rpc/server.js';
import { addressArg, parse, parsePort, parsePositiveInt, pathArg } from '../args.js';
import { UsageError } from '../errors.js';
import { readKeyFile } from '../keyfile.js';
import { formatEther } from '../units.js';
import { hexToBytes } from '../../primitives/hex.js';

export const START_USAGE = `Usage: cairn start [options]

Runs a node. With no options: the genesis.json in the current directory, data in
~/.cairn/<chain id>, JSON-RPC on http://${DEFAULT_RPC_HOST}:${DEFAULT_RPC_PORT}, no block production.
  --genesis <file>        genesis file (default ./genesis.json)
  --datadir <dir>         data directory (default ~/.cairn/<chain id>)
  --rpc-host <host>       JSON-RPC listen address (default ${DEFAULT_RPC_HOST}; anything else exposes the node)
  --rpc-port <port>       JSON-RPC port (default ${DEFAULT_RPC_PORT}; 0 picks a free one)
  --cors <origin>         allow browser dapps from this origin, over HTTP and WebSocket (repeatable; "*" for any)
  --rpc-vhost <name>      a host name JSON-RPC answers to besides IP addresses (repeatable; default localhost;
                          "*" for any): guards a local node against DNS rebinding, as geth's --http.vhosts
  --p2p-host <ip>         peer-to-peer listen address (default ${DEFAULT_P2P_HOST}; 0.0.0.0 to accept other machines)
  --p2p-port <port>       peer-to-peer TCP port (default ${DEFAULT_P2P_PORT}; 0 picks a free one)
  --bootstrap <multiaddr> a peer to connect to and stay connected to, as another node prints it:
                          /ip4/127.0.0.1/tcp/30333/p2p/12D3KooW... (repeatable)
  --mdns                  find peers on the local network with multicast DNS
  --mine                  produce blocks (proof of work)
  --validator-key <file>  proof of stake: this validator's key file ("cairn keys new"); the node
                          proposes on its slots and votes; its slashing protection lives in the data directory
  --coinbase <address>    receives block rewards and tips (default: the zero address, rewards burned)
  --miner-threads <n>     proof-of-work worker threads (default 1, at most one per CPU)
  --recovery <backend>    sender recovery: auto (default), native or noble
  --log-level <level>     error, warn, info (default) or debug`;

const OPTIONS = {
  genesis: { type: 'string' },
  datadir: { type: 'string' },
  'rpc-host': { type: 'string' },
  'rpc-port': { type: 'string' },
  cors: { type: 'string', multiple: true },
  'rpc-vhost': { type: 'string', multiple: true },
  'p2p-host': { type: 'string' },
  'p2p-port': { type: 'string' },
  bootstrap: { type: 'string', multiple: true },
  mdns: { type: 'boolean' },
  mine: { type: 'boolean' },
  'validator-key': { type: 'string' },
  coinbase: { type: 'string' },
  'miner-threads': { type: 'string' },
  recovery: { type: 'string' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function startCommand(argv: string[], print: (line: string) => void): Promise<void> {
  const { values, positionals } = parse(argv, OPTIONS, START_USAGE);
  if (values.help) return print(START_USAGE);
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"\n\n${START_USAGE}`);
  const logLevel = values['log-level'] ?? 'info';
  if (!isLogLevel(logLevel)) throw new UsageError(`--log-level must be error, warn, info or debug, got "${logLevel}"`);
  const recovery = values.recovery ?? 'auto';
  if (recovery !== 'auto' && recovery !== 'native' && recovery !== 'noble') {
    throw new UsageError(`--recovery must be auto, native or noble, got "${recovery}"`);
  }
  const config: NodeConfig = {
    genesisPath: pathArg(values.genesis ?? 'genesis.json', '--genesis'),
    dataDir: values.datadir === undefined ? undefined : pathArg(values.datadir, '--datadir'),
    rpc: {
      host: values['rpc-host'] ?? DEFAULT_RPC_HOST,
      port: values['rpc-port'] === undefined ? DEFAULT_RPC_PORT : parsePort(values['rpc-port'], '--rpc-port'),
      corsOrigins: values.cors ?? [],
      vhosts: values['rpc-vhost'] ?? DEFAULT_VHOSTS,
    },
    p2p: {
      host: values['p2p-host'] === undefined ? DEFAULT_P2P_HOST : ipArg(values['p2p-host'], '--p2p-host'),
      port: values['p2p-port'] === undefined ? DEFAULT_P2P_PORT : parsePort(values['p2p-port'], '--p2p-port'),
      bootstrap: await bootstrapArgs(values.bootstrap ?? []),
      mdns: values.mdns === true,
    },
    mine: values.mine === true,
    coinbase: values.coinbase === undefined ? undefined : addressArg(values.coinbase, '--coinbase'),
    validatorKey: values['validator-key'] === undefined ? undefined : await readKeyFile(pathArg(values['validator-key'], '--validator-key')),
    minerThreads: values['miner-threads'] === undefined ? 1 : minerThreadsArg(values['miner-threads']),
    recovery,
    logLevel,
  };

  // Listen for signals before starting anything: a stop requested during
  // start-up waits for it to finish, then shuts down cleanly.
  const stopRequested = new Promise<string>((requested) => {
    process.once('SIGINT', () => requested('SIGINT'));
    process.once('SIGTERM', () => requested('SIGTERM'));
  });
  const log = createLogger(config.logLevel);
  const node = await CairnNode.start(config, log);
  let network: NetworkView | undefined;
  let server;
  try {
    server = await startRpcServer({
      backend: createNodeBackend(node, () => network),
      host: config.rpc.host,
      port: config.rpc.port,
      corsOrigins: config.rpc.corsOrigins,
      vhosts: config.rpc.vhosts,
      log: log.child('rpc'),
    });
  } catch (err) {
    await node.stop();
    throw err;
  }
  printDevAccounts(node, print);
  print(`JSON-RPC listening on ${server.url} (WebSocket ${server.wsUrl})  chain id ${node.genesis.chainId}  ${node.mining ? 'producing blocks' : 'not producing blocks (pass --mine, or --validator-key on proof of stake)'}`);

  // libp2p is loaded only now: importing it takes most of a start-up, and
  // wallets can be served meanwhile (the producer waits for the network).
  let p2p;
  try {
    const { P2PService } = await import('../../p2p/service.js');
    p2p = await P2PService.start(node, config.p2p, log.child('p2p'));
  } catch (err) {
    await server.close();
    await node.stop();
    throw err;
  }
  network = p2p;
  for (const address of p2p.listenAddresses()) print(`P2P listening on ${address}`);

  const signal = await stopRequested;
  log.info(`${signal}: shutting down`);
  // RPC first (no new submissions), then the network (no new blocks), then the chain.
  try {
    await server.close();
    await p2p.stop();
    await node.stop();
  } catch (err) {
    log.error(`error while stopping: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Each thread is a worker with its own heap: more than the CPUs only slows hashing and the node down. */
function minerThreadsArg(text: string): number {
  const cpus = availableParallelism();
  return parsePositiveInt(text, '--miner-threads', { value: cpus, why: `this machine runs ${cpus} threads at once` });
}

function ipArg(text: string, flag: string): string {
  if (isIP(text) === 0) throw new UsageError(`${flag} must be an IPv4 or IPv6 address such as 127.0.0.1 or 0.0.0.0, got "${text}"`);
  return text;
}

async function bootstrapArgs(texts: readonly string[]): Promise<string[]> {
  if (texts.length === 0) return [];
  const { parseBootstrapAddress } = await import('../../p2p/bootstrap.js');
  return texts.map((text) => bootstrapArg(text, parseBootstrapAddress));
}

function bootstrapArg(text: string, parseBootstrapAddress: (text: string) => unknown): string {
  try {
    parseBootstrapAddress(text);
  } catch (err) {
    if (err instanceof CairnError) throw new UsageError(`--bootstrap: ${err.message}`);
    throw err;
  }
  return text;
}

/** The public test keys the genesis funds, so a developer can paste one into a wallet. */
function printDevAccounts(node: CairnNode, print: (line: string) => void): void {
  const funded = DEV_ACCOUNTS.filter((a) => node.genesis.alloc.has(a.address.toLowerCase()));
  if (funded.length === 0) return;
  print('');
  print('WARNING: these development accounts are funded by this genesis. Their private keys are PUBLIC');
  print('(the Hardhat/Anvil test mnemonic "test test … junk"): never send real funds to them.');
  print('');
  for (const [i, account] of funded.entries()) {
    const balance = node.chain.getAccount(hexToBytes(account.address)).balance;
    print(`(${i}) ${account.address} (${formatEther(balance)} ETH)  key ${account.privateKey}`);
  }
  print('');
}
