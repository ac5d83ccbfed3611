import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataDirUnavailableError } from '../../../src/chain/errors.js';
import { verifyCommand } from '../../../src/cli/commands/verify.js';
import { UsageError } from '../../../src/cli/errors.js';
import { benchGenesis } from '../../../scripts/lib/bench.js';

let dir: string;
let genesisPath: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cairn-verify-cmd-'));
  genesisPath = join(dir, 'genesis.json');
  const genesis = benchGenesis({ targetBlockTimeMs: 2000, initialDifficulty: '1000', gasLimit: '30000000' });
  await writeFile(genesisPath, JSON.stringify(genesis));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('cairn verify', () => {
  it('refuses a data directory that holds no chain, and creates nothing there', async () => {
    const missing = join(dir, 'typo');
    await expect(verifyCommand(['--genesis', genesisPath, '--datadir', missing], () => undefined)).rejects.toThrow(
      new DataDirUnavailableError(`${missing} holds no chain database: pass the --datadir of a node that has run (cairn start --datadir <dir>)`),
    );
    expect(await readdir(dir)).toEqual(['genesis.json']);

    const empty = join(dir, 'empty');
    await mkdir(join(empty, 'chaindata'), { recursive: true });
    await expect(verifyCommand(['--genesis', genesisPath, '--datadir', empty], () => undefined)).rejects.toThrow(DataDirUnavailableError);
    expect(await readdir(join(empty, 'chaindata'))).toEqual([]);
  });

  it('refuses a stray argument', async () => {
    await expect(verifyCommand(['--genesis', genesisPath, 'now'], () => undefined)).rejects.toThrow(UsageError);
  });
});
