import { execFile, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { MinerError } from '../../../../src/consensus/errors.js';
import { Miner, minerWorkerUrl } from '../../../../src/consensus/pow/miner.js';
import { MAX_DIFFICULTY } from '../../../../src/consensus/pow/retarget.js';
import { checkProof, targetBytes } from '../../../../src/consensus/pow/seal.js';

// Mining runs the compiled worker: build first (`npx tsc -p tsconfig.json`).

const SEAL_HASH = new Uint8Array(32).fill(0xab);
const NEVER = targetBytes(MAX_DIFFICULTY);

const miners: Miner[] = [];
function miner(threads?: number): Miner {
  const m = new Miner(threads);
  miners.push(m);
  return m;
}
afterEach(async () => {
  await Promise.all(miners.splice(0).map((m) => m.close()));
});

/** Resolves once the miner has started hashing, so an abort lands mid-search. */
async function hashing(m: Miner): Promise<void> {
  while (m.totalHashes === 0) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('Miner', () => {
  it('runs the compiled worker from dist/ when loaded from src/', () => {
    expect(fileURLToPath(minerWorkerUrl())).toMatch(/[/\\]dist[/\\]consensus[/\\]pow[/\\]miner-worker\.js$/);
  });

  it('rejects a thread count that is not a positive integer', () => {
    expect(() => new Miner(0)).toThrow(MinerError);
    expect(() => new Miner(1.5)).toThrow(/positive integer/);
  });

  it('finds a nonce that meets the target, on two threads', async () => {
    const m = miner(2);
    const difficulty = 5000n;
    const nonce = await m.mine(SEAL_HASH, targetBytes(difficulty), new AbortController().signal);
    expect(nonce).not.toBeNull();
    expect(checkProof(SEAL_HASH, nonce!, difficulty)).toBe(true);
    expect(m.totalHashes).toBeGreaterThan(0);
    expect(m.hashRate).toBeGreaterThan(0);
  });

  it('returns null at once for an already aborted signal', async () => {
    const m = miner();
    expect(await m.mine(SEAL_HASH, targetBytes(1n), AbortSignal.abort())).toBeNull();
    expect(m.totalHashes).toBe(0);
  });

  it('stops searching when the signal aborts, and mines again afterwards', async () => {
    const m = miner(2);
    const controller = new AbortController();
    const search = m.mine(SEAL_HASH, NEVER, controller.signal);
    await hashing(m);
    controller.abort();
    expect(await search).toBeNull();
    const after = m.totalHashes;
    // The stopped threads do no more work...
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(m.totalHashes).toBe(after);
    // ...and take the next job.
    const nonce = await m.mine(SEAL_HASH, targetBytes(100n), new AbortController().signal);
    expect(checkProof(SEAL_HASH, nonce!, 100n)).toBe(true);
  });

  it('runs queued jobs one after the other', async () => {
    const m = miner();
    const first = new AbortController();
    const a = m.mine(SEAL_HASH, NEVER, first.signal);
    const b = m.mine(SEAL_HASH, targetBytes(50n), new AbortController().signal);
    await hashing(m);
    first.abort();
    expect(await a).toBeNull();
    expect(checkProof(SEAL_HASH, (await b)!, 50n)).toBe(true);
  });

  it('resolves a running job with null on close() and refuses new ones', async () => {
    const m = miner(2);
    const search = m.mine(SEAL_HASH, NEVER, new AbortController().signal);
    await hashing(m);
    await m.close();
    expect(await search).toBeNull();
    await expect(m.mine(SEAL_HASH, NEVER, new AbortController().signal)).rejects.toThrow(/closed/);
  });

  it('does not keep the process alive, idle or closed mid-search', async () => {
    const url = new URL('../../../../dist/consensus/pow/miner.js', import.meta.url).href;
    const script = `
      import { Miner } from ${JSON.stringify(url)};
      const target = new Uint8Array(32).fill(0x10);
      const idle = new Miner(2);
      const nonce = await idle.mine(new Uint8Array(32), target, new AbortController().signal);
      const busy = new Miner(1);
      const search = busy.mine(new Uint8Array(32), new Uint8Array(32), new AbortController().signal);
      while (busy.totalHashes === 0) await new Promise((r) => setTimeout(r, 5));
      await busy.close();
      console.log(nonce !== null, await search);
    `;
    // `idle` is never closed: its threads must not hold the process open.
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--input-type=module', '-e', script], { timeout: 20_000 }, (error, out) =>
        error ? reject(error) : resolve(out),
      );
    });
    expect(stdout.trim()).toBe('true null');
  });

  it('mines on a thread of lowest priority, under SCHED_IDLE where chrt can set it, and leaves the others alone', async () => {
    const url = new URL('../../../../dist/consensus/pow/miner.js', import.meta.url).href;
    // In a process of its own, so that no other test's threads are counted.
    const script = `
      import { readdirSync, readFileSync } from 'node:fs';
      import { Miner } from ${JSON.stringify(url)};
      const m = new Miner(1);
      await m.mine(new Uint8Array(32), new Uint8Array(32).fill(0x10), new AbortController().signal);
      const threads = readdirSync('/proc/self/task').map((tid) => {
        const stat = readFileSync('/proc/self/task/' + tid + '/stat', 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return { main: Number(tid) === process.pid, nice: Number(fields[16]), policy: Number(fields[38]) };
      });
      await m.close();
      console.log(JSON.stringify(threads));
    `;
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--input-type=module', '-e', script], { timeout: 20_000 }, (error, out) =>
        error ? reject(error) : resolve(out),
      );
    });
    const threads = JSON.parse(stdout) as { main: boolean; nice: number; policy: number }[];
    const SCHED_OTHER = 0;
    const SCHED_IDLE = 5;
    const chrt = spawnSync('chrt', ['--version']).status === 0;
    const lowered = threads.filter((t) => t.nice === 19);
    expect(lowered).toHaveLength(1);
    expect(lowered[0]!.policy).toBe(chrt ? SCHED_IDLE : SCHED_OTHER);
    expect(threads.find((t) => t.main)).toEqual({ main: true, nice: 0, policy: SCHED_OTHER });
    expect(threads.filter((t) => t.policy === SCHED_IDLE)).toHaveLength(chrt ? 1 : 0);
  });
});
