#!/usr/bin/env node
// First: libp2p needs Promise.withResolvers, which Node 20 lacks.
import '../p2p/polyfill.js';
import { CairnError } from '../primitives/errors.js';
import { UsageError } from './errors.js';

const USAGE = `Cairn: a small, real proof-of-work / proof-of-stake blockchain node.

Usage: cairn <command> [options]   (cairn <command> --help for its options)

Commands:
  start     run a node (JSON-RPC on http://127.0.0.1:8545 by default)
  keys      create a key: cairn keys new [--out <file>]
  wallet    balance, nonce and transfers over JSON-RPC
  stake     bond stake on a proof-of-stake chain (cairn stake --amount <ether> --key <file>)
  unstake   start unbonding stake (cairn unstake --amount <ether> --key <file>)
  supply    supply-chain tracking: register, transfer, checkpoint, transform, close, history, proofs
  status    a running node's chain, head, consensus and peers
  verify    check a stopped node's chain from genesis to head`;

type Command = (argv: string[], print: (line: string) => void) => Promise<void>;

// Each command's module is loaded only when it runs: a node start need not load the supply CLI, nor a wallet call the node.
const COMMANDS: Record<string, () => Promise<Command>> = {
  start: async () => (await import('./commands/start.js')).startCommand,
  keys: async () => (await import('./commands/keys.js')).keysCommand,
  wallet: async () => (await import('./commands/wallet.js')).walletCommand,
  stake: async () => (await import('./commands/stake.js')).stakingCommand('stake'),
  unstake: async () => (await import('./commands/stake.js')).stakingCommand('unstake'),
  supply: async () => (await import('./commands/supply.js')).supplyCommand,
  status: async () => (await import('./commands/status.js')).statusCommand,
  verify: async () => (await import('./commands/verify.js')).verifyCommand,
};

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  const print = (line: string): void => void process.stdout.write(line + '\n');
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    print(USAGE);
    return;
  }
  // hasOwn: "toString" and the like are not commands.
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!load) throw new UsageError(`unknown command "${name}"\n\n${USAGE}`);
  await (await load())(rest, print);
}

// A reader that goes away (`cairn status | head`) is not an error of ours.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof CairnError) {
    process.stderr.write(`error: ${err.message}\n`);
    process.exitCode = err instanceof UsageError ? 2 : 1;
  } else {
    process.stderr.write(`unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  }
});
