import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * One devnet per folder: a second one would find every data directory
 * locked, and its --fresh would wipe the folder under the running nodes.
 * The lock is a file holding the devnet's process id; a file whose process
 * is gone (a devnet killed with SIGKILL) is taken over.
 */

export const LOCK_FILE = 'devnet.lock';

export class FolderInUseError extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(
      `${dir} is in use by another devnet (process ${pid}): stop it first (Ctrl-C in its terminal, or kill -INT ${pid}), ` +
        `or give this one another folder with --datadir (if process ${pid} is no devnet, delete ${join(dir, LOCK_FILE)})`,
    );
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The process id in a lock file's text, if it names a process that still runs. */
export function lockHolder(text: string, alive: (pid: number) => boolean = isAlive): number | undefined {
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid) ? pid : undefined;
}

/** Takes the folder (which must exist) for this process; returns the release. Throws FolderInUseError when a live devnet holds it. */
export function lockFolder(dir: string): () => void {
  const path = join(dir, LOCK_FILE);
  for (;;) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    const holder = lockHolder(text);
    if (holder !== undefined) throw new FolderInUseError(dir, holder);
    // A stale lock: removed, then taken with 'wx' like a new one.
    try {
      unlinkSync(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return () => {
    try {
      if (readFileSync(path, 'utf8').trim() === String(process.pid)) unlinkSync(path);
    } catch {
      // Already gone (the folder was removed): nothing to release.
    }
  };
}
