import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FolderInUseError, LOCK_FILE, lockFolder, lockHolder } from '../../../../scripts/lib/devnet-lock.js';

const dirs: string[] = [];
const folder = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-devnet-lock-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('lockHolder', () => {
  it('names a live process other than this one', () => {
    expect(lockHolder('4242\n', () => true)).toBe(4242);
    expect(lockHolder('4242\n', () => false)).toBeUndefined();
    expect(lockHolder(`${process.pid}\n`, () => true)).toBeUndefined();
    expect(lockHolder('garbage', () => true)).toBeUndefined();
    expect(lockHolder('', () => true)).toBeUndefined();
  });
});

describe('lockFolder', () => {
  it('writes this process id and removes the file on release', () => {
    const dir = folder();
    const release = lockFolder(dir);
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8').trim()).toBe(String(process.pid));
    release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it('refuses a folder a live devnet holds, naming its process', () => {
    const dir = folder();
    // The parent process (vitest's runner) is alive and is not this one.
    writeFileSync(join(dir, LOCK_FILE), `${process.ppid}\n`);
    expect(() => lockFolder(dir)).toThrow(FolderInUseError);
    expect(() => lockFolder(dir)).toThrow(`is in use by another devnet (process ${process.ppid})`);
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8').trim()).toBe(String(process.ppid));
  });

  it('takes over the lock of a devnet that is gone', () => {
    const dir = folder();
    writeFileSync(join(dir, LOCK_FILE), '0\n');
    const release = lockFolder(dir);
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8').trim()).toBe(String(process.pid));
    release();
  });

  it('leaves a lock it does not hold in place on release', () => {
    const dir = folder();
    const release = lockFolder(dir);
    writeFileSync(join(dir, LOCK_FILE), `${process.ppid}\n`);
    release();
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8').trim()).toBe(String(process.ppid));
  });
});
