import { readFile } from 'node:fs/promises';
import { DataDirUnavailableError } from '../../chain/errors.js';
import { ChainStore } from '../../chain/storage/store.js';
import { parseGenesis } from '../../ledger/genesis.js';
import { verifyChain } from '../../node/verify.js';
import { defaultDataDir } from '../../node/config.js';
import { parse, pathArg } from '../args.js';
import { UsageError } from '../errors.js';

export const VERIFY_USAGE = `Usage: cairn verify [--genesis <file>] [--datadir <dir>]

Checks a stopped node's data directory: re-imports every block of its chain,
from genesis to head, into a scratch store, re-checking seals, Merkle roots,
signatures and the state root of each block.
  --genesis <file>   genesis file (default ./genesis.json)
  --datadir <dir>    data directory (default ~/.cairn/<chain id>)`;

export async function verifyCommand(argv: string[], print: (line: string) => void): Promise<void> {
  const { values, positionals } = parse(argv, { genesis: { type: 'string' }, datadir: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, VERIFY_USAGE);
  if (values.help) return print(VERIFY_USAGE);
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"\n\n${VERIFY_USAGE}`);
  const genesisPath = pathArg(values.genesis ?? 'genesis.json', '--genesis');
  let json: unknown;
  try {
    json = JSON.parse(await readFile(genesisPath, 'utf8'));
  } catch (err) {
    throw new UsageError(`cannot read genesis file ${genesisPath}: ${(err as Error).message}`);
  }
  const genesis = parseGenesis(json, genesisPath);
  const dataDir = values.datadir === undefined ? defaultDataDir(genesis.chainId) : pathArg(values.datadir, '--datadir');
  // Opening the chain would create one: a mistyped --datadir would be "verified" as a fresh genesis and left behind.
  if (!(await ChainStore.exists(dataDir))) {
    throw new DataDirUnavailableError(`${dataDir} holds no chain database: pass the --datadir of a node that has run (cairn start --datadir <dir>)`);
  }
  // Progress goes to stderr, so stdout holds only the verdict.
  const result = await verifyChain(dataDir, genesis, (n, of) => {
    if (n % 1000 === 0) process.stderr.write(`verified ${n}/${of} blocks\n`);
  });
  print(`chain is valid: ${result.blocks} blocks and ${result.transactions} transactions from genesis to head ${result.headHash}`);
}
