import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { MinerError } from '../errors.js';
import type { MinerJob, MinerResult } from './miner-worker.js';

/**
 * Runs the PoW nonce search on N worker threads (miner-worker.ts) with
 * disjoint nonce ranges, so the main thread stays free for RPC and gossip.
 * Threads start on the first job (a node that only verifies never spawns
 * any) and are unref'd while idle, so they never keep the process alive;
 * close() terminates them.
 */

const NONCE_SPACE = 1n << 64n;
/** The hash rate is measured over this many recent jobs plus the running one. */
const RATE_WINDOW_JOBS = 16;

/**
 * The compiled worker script. Worker threads run JavaScript only: when this
 * module is itself loaded from src/*.ts (vitest), the worker comes from dist/,
 * which `npx tsc -p tsconfig.json` produces.
 */
export function minerWorkerUrl(): URL {
  const fromSource = import.meta.url.endsWith('.ts');
  const url = fromSource
    ? new URL('../../../dist/consensus/pow/miner-worker.js', import.meta.url)
    : new URL('./miner-worker.js', import.meta.url);
  if (!existsSync(url)) {
    throw new MinerError(
      `PoW miner worker not found at ${fileURLToPath(url)}: build it with \`npx tsc -p tsconfig.json\` ` +
        '(mining runs compiled JavaScript in worker threads)',
    );
  }
  return url;
}

/** One worker thread and the job it is running, if any. */
class MinerThread {
  readonly #worker: Worker;
  #pending: { resolve(result: MinerResult): void; reject(error: Error): void } | null = null;
  #failure: Error | null = null;
  #terminating = false;

  constructor(url: URL) {
    // The worker is plain compiled JavaScript; the parent's flags (--input-type, loaders) may not apply to it.
    this.#worker = new Worker(url, { execArgv: [] });
    this.#worker.unref();
    this.#worker.on('message', (result: MinerResult) => this.#settle()?.resolve(result));
    this.#worker.on('error', (error: Error) =>
      this.#fail(new MinerError(`PoW miner thread failed: ${error.message}`, { cause: error })),
    );
    this.#worker.on('exit', (code: number) => this.#fail(new MinerError(`PoW miner thread exited with code ${code}`)));
  }

  run(job: MinerJob): Promise<MinerResult> {
    if (this.#failure !== null) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      this.#pending = { resolve, reject };
      this.#worker.ref();
      this.#worker.postMessage(job);
    });
  }

  terminate(): Promise<number> {
    // Held until it has exited: the caller awaits that, and an unref'd
    // worker's exit would not keep the process alive meanwhile (nor may the
    // last result, arriving during termination, unref it again).
    this.#terminating = true;
    this.#worker.ref();
    return this.#worker.terminate();
  }

  #settle(): { resolve(result: MinerResult): void; reject(error: Error): void } | null {
    const pending = this.#pending;
    this.#pending = null;
    if (!this.#terminating) this.#worker.unref();
    return pending;
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    this.#settle()?.reject(error);
  }
}

interface RunningJob {
  readonly stop: Int32Array<SharedArrayBuffer>;
  readonly hashes: BigInt64Array<SharedArrayBuffer>;
  readonly startedAt: number;
}

export class Miner {
  readonly threads: number;
  #pool: MinerThread[] | null = null;
  /** Jobs run one at a time; a new one waits for the previous (normally aborted) one to wind down. */
  #queue: Promise<unknown> = Promise.resolve();
  #running: RunningJob | null = null;
  #recent: { hashes: number; ms: number }[] = [];
  #totalHashes = 0;
  #closed = false;

  constructor(threads = 1) {
    if (!Number.isSafeInteger(threads) || threads < 1) {
      throw new MinerError(`minerThreads must be a positive integer, got ${threads}`);
    }
    this.threads = threads;
  }

  /**
   * Searches a nonce with sha256(sealHash ‖ nonce) ≤ target (32 big-endian
   * bytes). Resolves null when `signal` aborts before a nonce is found, or
   * when it was aborted by the time the search stopped.
   */
  mine(sealHash: Uint8Array, target: Uint8Array, signal: AbortSignal): Promise<Uint8Array | null> {
    const job = this.#queue.then(() => this.#run(sealHash, target, signal));
    this.#queue = job.catch(() => undefined);
    return job;
  }

  /** Hashes per second over the recent jobs, 0 before any mining. */
  get hashRate(): number {
    let hashes = 0;
    let ms = 0;
    for (const sample of this.#recent) {
      hashes += sample.hashes;
      ms += sample.ms;
    }
    const running = this.#running;
    if (running !== null) {
      hashes += sumCounters(running.hashes);
      ms += performance.now() - running.startedAt;
    }
    return ms > 0 ? Math.round((hashes * 1000) / ms) : 0;
  }

  get totalHashes(): number {
    return this.#totalHashes + (this.#running === null ? 0 : sumCounters(this.#running.hashes));
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#running !== null) Atomics.store(this.#running.stop, 0, 1);
    await this.#discardPool();
  }

  async #run(sealHash: Uint8Array, target: Uint8Array, signal: AbortSignal): Promise<Uint8Array | null> {
    if (this.#closed) throw new MinerError('the PoW miner is closed');
    if (signal.aborted) return null;
    const pool = (this.#pool ??= this.#spawn());
    const job: RunningJob = {
      stop: new Int32Array(new SharedArrayBuffer(4)),
      hashes: new BigInt64Array(new SharedArrayBuffer(8 * pool.length)),
      startedAt: performance.now(),
    };
    const onAbort = (): void => {
      Atomics.store(job.stop, 0, 1);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    this.#running = job;
    // A random start, so that restarts and other miners of the same template do not retrace the same nonces.
    const start = randomBytes(8).readBigUInt64BE();
    const span = NONCE_SPACE / BigInt(pool.length);
    try {
      const results = await Promise.all(
        pool.map((thread, slot) =>
          thread.run({
            sealHash,
            target,
            startNonce: (start + span * BigInt(slot)) % NONCE_SPACE,
            count: slot === pool.length - 1 ? NONCE_SPACE - span * BigInt(slot) : span,
            stop: job.stop.buffer,
            hashes: job.hashes.buffer,
            slot,
          }),
        ),
      );
      const hashes = results.reduce((sum, result) => sum + result.hashes, 0);
      this.#totalHashes += hashes;
      this.#recent.push({ hashes, ms: performance.now() - job.startedAt });
      if (this.#recent.length > RATE_WINDOW_JOBS) this.#recent.shift();
      if (signal.aborted) return null;
      return results.find((result) => result.nonce !== null)?.nonce ?? null;
    } catch (error) {
      // close() terminating the threads mid-job is an abort, not a failure.
      if (this.#closed) return null;
      await this.#discardPool();
      throw error;
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.#running = null;
    }
  }

  #spawn(): MinerThread[] {
    const url = minerWorkerUrl();
    return Array.from({ length: this.threads }, () => new MinerThread(url));
  }

  async #discardPool(): Promise<void> {
    const pool = this.#pool;
    this.#pool = null;
    if (pool !== null) await Promise.all(pool.map((thread) => thread.terminate()));
  }
}

function sumCounters(counters: BigInt64Array): number {
  let sum = 0;
  for (let i = 0; i < counters.length; i++) sum += Number(Atomics.load(counters, i));
  return sum;
}
