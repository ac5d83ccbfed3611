import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseGenesis } from '../../ledger/genesis.js';
import { verifyChain } from '../../node/verify.js';
import { defaultDataDir } from '../../node/config.js';
import { parse } from '../args.js';
import { UsageError } from '../errors.js';

export const VERIFY_USAGE = `Usage: cairn verify [--genesis <file>] [--datadir <dir>]

Checks a stopped node's data directory: re-imports every block of its chain,
from genesis to head, into a scratch store, re-checking seals, Merkle roots,
signatures and the state root of each block.
  --genesis <file>   genesis file (default ./genesis.json)
  --datadir <dir>    data directory (default ~/.cairn/<chain id>)`;

export async function verifyCommand(argv: string[], print: (line: string) => void): Promise<void> {
  const { values } = parse(argv, { genesis: { type: 'string' }, datadir: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, VERIFY_USAGE);
  if (values.help) return print(VERIFY_USAGE);
  const genesisPath = resolve(values.genesis ?? 'genesis.json');
  let json: unknown;
  try {
    json = JSON.parse(await readFile(genesisPath, 'utf8'));
  } catch (err) {
    throw new UsageError(`cannot read genesis file ${genesisPath}: ${(err as Error).message}`);
  }
  const genesis = parseGenesis(json);
  const dataDir = values.datadir ? resolve(values.datadir) : defaultDataDir(genesis.chainId);
  // Progress goes to stderr, so stdout holds only the verdict.
  const result = await verifyChain(dataDir, genesis, (n, of) => {
    if (n % 1000 === 0) process.stderr.write(`verified ${n}/${of} blocks\n`);
  });
  print(`chain is valid: ${result.blocks} blocks and ${result.transactions} transactions from genesis to head ${result.headHash}`);
}
