import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { RecoverRequest, RecoveryBackend } from './backend.js';
import { compiledWorkerPath, packRequests, unpackKeys, type WorkerMessage, type WorkerRequest, type WorkerResult } from './worker-protocol.js';

/** The part of the `secp256k1` package's native binding that Cairn uses. */
export interface NativeSecp256k1 {
  ecdsaRecover(signature: Uint8Array, recoveryId: number, msg32: Uint8Array, compressed: boolean): Uint8Array;
}

// Messages of the binding's two "no key" outcomes (secp256k1/lib/index.js):
// r or s >= n, and no curve point / point at infinity. Anything else it
// throws is an argument error, i.e. a bug here, and is rethrown.
const NO_KEY_ERRORS = new Set(['Signature could not be parsed', 'Public key could not be recover']);

// libsecp256k1 takes ~60 µs per recovery; yielding between slices keeps a
// large block from stalling the event loop (RPC, gossip) for long.
const SLICE = 256;

/**
 * Batches at least this large give half to the helper thread: a block's
 * worth, not the handful a mempool admission brings, for which the round
 * trip would cost more than it saves.
 */
export const HELPER_MIN_BATCH = 128;

function hasRecover(value: unknown): value is NativeSecp256k1 {
  return typeof value === 'object' && value !== null && typeof (value as { ecdsaRecover?: unknown }).ecdsaRecover === 'function';
}

/**
 * Loads libsecp256k1 through `secp256k1/bindings` only: the package's main
 * entry silently falls back to pure-JS elliptic, which would be both slow and
 * a third implementation outside the differential test. Throws if the
 * prebuilt binary does not load on this platform.
 */
export function loadNativeBinding(): NativeSecp256k1 {
  const binding: unknown = createRequire(import.meta.url)('secp256k1/bindings');
  if (!hasRecover(binding)) throw new Error('secp256k1/bindings loaded but has no ecdsaRecover function');
  return binding;
}

/** The 65-byte uncompressed public key, or null where none recovers. */
export function recoverWithBinding(binding: NativeSecp256k1, signature: Uint8Array, recoveryId: number, msgHash: Uint8Array): Uint8Array | null {
  try {
    return binding.ecdsaRecover(signature, recoveryId, msgHash, false);
  } catch (err) {
    if (err instanceof Error && NO_KEY_ERRORS.has(err.message)) return null;
    throw err;
  }
}

export interface NativeBackendOptions {
  /**
   * Recover half of each large batch (HELPER_MIN_BATCH or more) on a second
   * thread, started on the first such batch (default true). Block import and
   * sync recover whole blocks at once, and on two cores this nearly halves
   * their wait; a mempool admission never reaches the helper.
   */
  readonly helperThread?: boolean;
}

/** libsecp256k1 on the calling thread, with an optional helper thread (see NativeBackendOptions). Throws if the binding does not load. */
export function loadNativeBackend(options: NativeBackendOptions = {}): RecoveryBackend {
  return new NativeBackend(loadNativeBinding(), options.helperThread ?? true);
}

class NativeBackend implements RecoveryBackend {
  readonly name = 'native-libsecp256k1' as const;
  /** undefined: not started yet; null: not available (not built, failed), so every batch stays here. */
  #helper: Promise<HelperThread | null> | null | undefined;
  #closed = false;

  constructor(
    private readonly binding: NativeSecp256k1,
    helperThread: boolean,
  ) {
    if (!helperThread) this.#helper = null;
  }

  async recoverPublicKeys(requests: readonly RecoverRequest[]): Promise<(Uint8Array | null)[]> {
    const out: (Uint8Array | null)[] = new Array<Uint8Array | null>(requests.length);
    const helper = requests.length >= HELPER_MIN_BATCH ? await this.#startHelper() : null;
    // The helper takes the second half while this thread does the first.
    const split = helper === null ? requests.length : requests.length - Math.floor(requests.length / 2);
    const remote = helper === null ? undefined : this.#remote(helper, requests, split, out);
    for (let i = 0; i < split; i++) {
      if (i > 0 && i % SLICE === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      out[i] = this.recoverOne(requests[i]!);
    }
    const failure = await remote;
    if (failure !== undefined) throw failure;
    return out;
  }

  private recoverOne(req: RecoverRequest): Uint8Array | null {
    return recoverWithBinding(this.binding, req.signature, req.recoveryId, req.msgHash);
  }

  /**
   * Recovers requests[start...] on the helper; if the helper fails, here
   * instead, and it is given up. Never rejects, since the caller yields to
   * the event loop before awaiting it: resolves with the error to throw (a
   * malformed request) or undefined.
   */
  async #remote(helper: HelperThread, requests: readonly RecoverRequest[], start: number, out: (Uint8Array | null)[]): Promise<unknown> {
    try {
      const packed = packRequests(helper.nextId(), requests, start, requests.length);
      try {
        unpackKeys(await helper.submit(packed), out, start);
      } catch {
        this.#helper = null;
        void helper.terminate();
        for (let i = start; i < requests.length; i++) out[i] = this.recoverOne(requests[i]!);
      }
      return undefined;
    } catch (err) {
      return err;
    }
  }

  #startHelper(): Promise<HelperThread | null> {
    if (this.#closed || this.#helper === null) return Promise.resolve(null);
    this.#helper ??= HelperThread.start().then((helper) => {
      if (helper === null) this.#helper = null;
      return helper;
    });
    return this.#helper;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const helper = await this.#helper;
    this.#helper = null;
    await helper?.terminate();
  }
}

/** The helper thread: one worker running native-worker.js, unref'd while idle so it never keeps the process alive. */
class HelperThread {
  readonly #jobs = new Map<number, { resolve(result: WorkerResult): void; reject(err: Error): void }>();
  #nextId = 0;
  #failure: Error | undefined;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (msg: WorkerMessage) => {
      if (msg.type !== 'result') return;
      const job = this.#jobs.get(msg.id);
      if (job === undefined) return;
      this.#jobs.delete(msg.id);
      if (this.#jobs.size === 0) worker.unref();
      job.resolve(msg);
    });
    const fail = (err: Error): void => {
      this.#failure ??= err;
      for (const job of this.#jobs.values()) job.reject(err);
      this.#jobs.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`native recovery helper exited with code ${code}`)));
    // After the listeners: adding a 'message' listener refs the worker again.
    worker.unref();
  }

  /** Resolves once the worker has loaded the binding; null if it is not built or cannot start. */
  static start(): Promise<HelperThread | null> {
    const script = compiledWorkerPath('native-worker');
    if (script === undefined) return Promise.resolve(null);
    return new Promise((resolve) => {
      // The compiled worker needs no flags, and some parent flags (loaders) are refused in a worker.
      const worker = new Worker(script, { execArgv: [] });
      const settle = (helper: HelperThread | null): void => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        resolve(helper);
      };
      const onMessage = (msg: WorkerMessage): void => {
        if (msg.type === 'ready') settle(new HelperThread(worker));
      };
      const onError = (): void => {
        settle(null);
        void worker.terminate();
      };
      const onExit = (): void => settle(null);
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
    });
  }

  nextId(): number {
    return this.#nextId++;
  }

  submit(req: WorkerRequest): Promise<WorkerResult> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      if (this.#jobs.size === 0) this.worker.ref();
      this.#jobs.set(req.id, { resolve, reject });
      this.worker.postMessage(req, [req.digests.buffer, req.signatures.buffer, req.recoveryIds.buffer]);
    });
  }

  async terminate(): Promise<void> {
    await this.worker.terminate();
  }
}
