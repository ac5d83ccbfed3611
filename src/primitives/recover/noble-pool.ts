import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { RecoverRequest, RecoveryBackend } from './backend.js';
import { compiledWorkerPath, packRequests, unpackKeys, type WorkerMessage, type WorkerRequest, type WorkerResult } from './worker-protocol.js';

/**
 * @noble/secp256k1 recovery spread over worker threads: pure JS recovers
 * ~400/s per core (STACK.md), so a block's worth of senders must not run on
 * the main thread.
 */

// Large enough that postMessage overhead (tens of µs) is noise next to
// ~2.5 ms per recovery, small enough that two concurrent callers interleave.
const MAX_CHUNK = 64;

function workerScriptPath(): string {
  const path = compiledWorkerPath('noble-worker');
  if (path === undefined) {
    throw new Error(`compiled recovery worker noble-worker.js not found; build first with \`npx tsc -p tsconfig.json\` (npm run build)`);
  }
  return path;
}

interface Job {
  readonly count: number;
  readonly resolve: (result: WorkerResult) => void;
  readonly reject: (err: Error) => void;
}

class PoolWorker {
  readonly jobs = new Map<number, Job>();
  /** Signatures queued on this worker, for least-loaded dispatch. */
  load = 0;
  failed: Error | undefined;

  constructor(readonly worker: Worker) {
    worker.on('message', (msg: WorkerMessage) => {
      if (msg.type !== 'result') return;
      const job = this.jobs.get(msg.id);
      if (job === undefined) return;
      this.jobs.delete(msg.id);
      this.load -= job.count;
      if (this.jobs.size === 0) worker.unref();
      job.resolve(msg);
    });
    const fail = (err: Error): void => {
      this.failed = err;
      for (const job of this.jobs.values()) job.reject(err);
      this.jobs.clear();
      this.load = 0;
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`recovery worker exited with code ${code}`)));
    // Idle workers must not keep the process alive; busy ones must, or a
    // script awaiting a recovery could exit before the answer arrives.
    // After the listeners: adding a 'message' listener refs the worker again.
    worker.unref();
  }

  submit(req: WorkerRequest): Promise<WorkerResult> {
    return new Promise<WorkerResult>((resolve, reject) => {
      if (this.jobs.size === 0) this.worker.ref();
      this.jobs.set(req.id, { count: req.count, resolve, reject });
      this.load += req.count;
      this.worker.postMessage(req, [req.digests.buffer, req.signatures.buffer, req.recoveryIds.buffer]);
    });
  }
}

function startWorker(script: string): Promise<PoolWorker> {
  return new Promise<PoolWorker>((resolve, reject) => {
    // The compiled worker needs no flags, and some parent flags (e.g.
    // --input-type, loader hooks) are refused in or slow down a worker.
    const worker = new Worker(script, { execArgv: [] });
    const detach = (): void => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const onMessage = (msg: WorkerMessage): void => {
      if (msg.type !== 'ready') return;
      detach();
      resolve(new PoolWorker(worker));
    };
    const onError = (err: Error): void => {
      detach();
      reject(new Error(`recovery worker ${script} failed to start: ${err.message}`, { cause: err }));
    };
    const onExit = (code: number): void => {
      detach();
      reject(new Error(`recovery worker ${script} exited with code ${code} before it was ready`));
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}

function defaultWorkerCount(): number {
  return Math.min(2, availableParallelism());
}

/** Starts `workers` threads and resolves once each has loaded noble. */
export async function createNoblePool(options: { workers?: number } = {}): Promise<RecoveryBackend> {
  const count = options.workers ?? defaultWorkerCount();
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`worker count must be a positive integer, got ${count}`);
  const script = workerScriptPath();
  const started = await Promise.allSettled(Array.from({ length: count }, () => startWorker(script)));
  const workers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failure = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failure !== undefined) {
    await Promise.all(workers.map((w) => w.worker.terminate()));
    throw failure.reason;
  }
  return new NoblePool(workers);
}

class NoblePool implements RecoveryBackend {
  readonly name = 'noble-workers' as const;
  private nextId = 0;
  private closed = false;

  constructor(private readonly workers: PoolWorker[]) {}

  async recoverPublicKeys(requests: readonly RecoverRequest[]): Promise<(Uint8Array | null)[]> {
    if (this.closed) throw new Error('recovery pool is closed');
    for (const req of requests) {
      // Checked up front so a bad request fails the call before any chunk is in flight.
      if (req.msgHash.length !== 32 || req.signature.length !== 64) {
        throw new RangeError('recovery request needs a 32-byte digest and a 64-byte signature');
      }
    }
    const alive = this.workers.filter((w) => w.failed === undefined);
    if (alive.length === 0) throw new Error(`all recovery workers have failed: ${this.workers[0]?.failed?.message ?? 'unknown'}`);
    // Spread a batch evenly, but in chunks of at most MAX_CHUNK.
    const chunk = Math.max(1, Math.min(MAX_CHUNK, Math.ceil(requests.length / alive.length)));
    const pending: Promise<void>[] = [];
    const out: (Uint8Array | null)[] = new Array<Uint8Array | null>(requests.length).fill(null);
    for (let start = 0; start < requests.length; start += chunk) {
      const end = Math.min(start + chunk, requests.length);
      const target = alive.reduce((a, b) => (b.load < a.load ? b : a));
      pending.push(target.submit(packRequests(this.nextId++, requests, start, end)).then((res) => unpackKeys(res, out, start)));
    }
    await Promise.all(pending);
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }
}
