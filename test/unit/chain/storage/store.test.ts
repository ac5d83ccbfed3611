import { mkdir, mkdtemp, readdir, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CorruptDataError, DataDirUnavailableError } from '../../../../src/chain/errors.js';
import { describeOpenError } from '../../../../src/chain/storage/schema.js';
import { ChainStore } from '../../../../src/chain/storage/store.js';
import { utf8ToBytes } from '../../../../src/primitives/hex.js';

let dataDir: string;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'cairn-store-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const chaindata = (): string => join(dataDir, 'chaindata');

/**
 * A LevelDB with records in a table file (.ldb): written, closed and opened
 * once more, which moves the write-ahead log into a table.
 */
async function storeWithTable(): Promise<string> {
  for (let round = 0; round < 2; round++) {
    const db = new Level<Uint8Array, Uint8Array>(chaindata(), { keyEncoding: 'view', valueEncoding: 'view' });
    await db.open();
    if (round === 0) {
      await db.batch(
        Array.from({ length: 200 }, (_, i) => ({ type: 'put' as const, key: utf8ToBytes(`!meta!key${i}`), value: new Uint8Array(100).fill(i) })),
      );
    }
    await db.close();
  }
  const table = (await readdir(chaindata())).find((name) => name.endsWith('.ldb'));
  if (table === undefined) throw new Error('LevelDB wrote no table file');
  return join(chaindata(), table);
}

/** Every file of the directory with its contents, to show nothing changed. */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const name of await readdir(dir)) {
    if (name === 'LOG' || name === 'LOG.old' || name === 'LOCK') continue;
    files.set(name, (await readFile(join(dir, name))).toString('base64'));
  }
  return files;
}

async function openError(): Promise<Error> {
  return ChainStore.open(dataDir).then(
    async (store) => {
      try {
        await store.readIdentity();
        return new Error('opened and read');
      } catch (err) {
        return err as Error;
      } finally {
        await store.close();
      }
    },
    (err: unknown) => err as Error,
  );
}

describe('ChainStore.open: a damaged or unusable data directory', () => {
  it('creates a store where there is none, or only an empty directory', async () => {
    const fresh = await ChainStore.open(dataDir);
    await expect(fresh.readIdentity()).resolves.toBeUndefined();
    await fresh.close();

    await rm(chaindata(), { recursive: true });
    await mkdir(chaindata());
    const empty = await ChainStore.open(dataDir);
    await expect(empty.readIdentity()).resolves.toBeUndefined();
    await empty.close();
  });

  it('refuses a store whose CURRENT file is gone, and leaves its tables alone', async () => {
    // LevelDB asked to create a database here would start an empty one and delete the tables as obsolete.
    const table = await storeWithTable();
    await unlink(join(chaindata(), 'CURRENT'));
    const before = await snapshot(chaindata());

    const err = await openError();
    expect(err).toBeInstanceOf(CorruptDataError);
    expect(err.message).toMatch(new RegExp(`^the chain database in ${dataDir} is damaged: its CURRENT file is missing but .*\\.ldb`));
    expect(err.message).toContain('nothing was changed: restore a backup');
    expect(await snapshot(chaindata())).toEqual(before);
    expect((await stat(table)).size).toBeGreaterThan(0);
  });

  it('reports a table file that is garbage or truncated as CorruptDataError saying what to do', async () => {
    const table = await storeWithTable();
    const size = (await stat(table)).size;
    await writeFile(table, new Uint8Array(size).fill(0x41));
    const garbage = await openError();
    expect(garbage).toBeInstanceOf(CorruptDataError);
    expect(garbage.message).toMatch(
      new RegExp(`^the chain database in ${dataDir} cannot be read \\(Corruption: .*\\): its files are damaged or the disk is failing; restore a backup or start over with an empty --datadir$`),
    );

    await writeFile(table, new Uint8Array(0));
    const truncated = await openError();
    expect(truncated).toBeInstanceOf(CorruptDataError);
    expect(truncated.message).toMatch(new RegExp(`^the chain database in ${dataDir} cannot be read \\(IO error: .*\\.ldb.*\\): its files are damaged`));
  });

  it('says to use a directory when a file stands where the data directory or chaindata should be', async () => {
    await writeFile(chaindata(), 'not a directory');
    const chaindataFile = await openError();
    expect(chaindataFile).toBeInstanceOf(DataDirUnavailableError);
    expect(chaindataFile.message).toMatch(/^cannot open the chain database in .*: ENOTDIR.*; a file stands where a directory should be: use a directory for --datadir$/);

    const plainFile = join(dataDir, 'file');
    await writeFile(plainFile, 'x');
    const err = await ChainStore.open(plainFile).then(
      () => new Error('opened'),
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(DataDirUnavailableError);
    expect(err.message).toContain('use a directory for --datadir');
    expect(await readFile(plainFile, 'utf8')).toBe('x');
  });

  it('says to fix permissions when the directory cannot be written', () => {
    // Synthetic errors: the tests may run as root, for whom permissions do not apply.
    const denied = Object.assign(new Error("EACCES: permission denied, mkdir '/d/chaindata'"), { code: 'EACCES' });
    const lock = new Error('Database failed to open', {
      cause: Object.assign(new Error('IO error: /d/chaindata/LOCK: Permission denied'), { code: 'LEVEL_IO_ERROR' }),
    });
    for (const err of [denied, lock]) {
      const described = describeOpenError(err, '/d');
      expect(described).toBeInstanceOf(DataDirUnavailableError);
      expect(described.message).toMatch(/^cannot open the chain database in \/d: .*[Pp]ermission denied.*; the node must be able to write there: fix the directory's owner or permissions, or use another --datadir$/);
    }
  });
});
