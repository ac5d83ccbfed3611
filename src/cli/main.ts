#!/usr/bin/env node
// First: libp2p needs Promise.withResolvers, which Node 20 lacks.
import '../p2p/polyfill.js';
import { CairnError } from '../primitives/errors.js';
import { keysCommand } from './commands/keys.js';
import { stakingCommand } from './commands/stake.js';
import { startCommand } from './commands/start.js';
import { statusCommand } from './commands/status.js';
import { supplyCommand } from './commands/supply.js';
import { verifyCommand } from './commands/verify.js';
import { walletCommand } from './commands/wallet.js';
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

const COMMANDS: Record<string, Command> = {
  start: startCommand,
  keys: keysCommand,
  wallet: walletCommand,
  stake: stakingCommand('stake'),
  unstake: stakingCommand('unstake'),
  supply: supplyCommand,
  status: statusCommand,
  verify: verifyCommand,
};

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  const print = (line: string): void => void process.stdout.write(line + '\n');
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    print(USAGE);
    return;
  }
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`unknown command "${name}"\n\n${USAGE}`);
  await command(rest, print);
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
