import { bytesToHex } from '../../primitives/hex.js';
import type { RecoverRequest, RecoveryBackend, RecoveryBackendName } from '../../primitives/recover/backend.js';
import { recoverAddresses } from '../../primitives/recover/index.js';
import { signatureBytes } from '../../primitives/signature.js';
import { signingHash } from './encode.js';
import { InvalidTransactionError, TxErrorCode } from './errors.js';
import type { SignedTransaction, Transaction } from './types.js';

/**
 * Recovers senders through a backend and remembers them by transaction hash,
 * so a transaction is verified once: at mempool admission, after which block
 * import hits the cache (STACK.md, "Signatures"). The hash covers the raw
 * bytes, signature included, so one hash always has one sender.
 *
 * Transactions must come from decodeTransaction or signTransaction, which
 * range-check signatures as the backends require.
 */
export class SenderRecovery {
  readonly #backend: RecoveryBackend;
  readonly #cacheSize: number;
  /**
   * Insertion-ordered, so the first key is the oldest to evict. Each sender
   * array is handed out as `from` itself, never copied: a transaction whose
   * `from` is the very array cached for its hash came from here, and is
   * handed back as it is.
   */
  readonly #cache = new Map<string, Uint8Array>();

  constructor(backend: RecoveryBackend, cacheSize = 100_000) {
    if (!Number.isSafeInteger(cacheSize) || cacheSize < 0) throw new RangeError(`cacheSize must be a non-negative integer, got ${cacheSize}`);
    this.#backend = backend;
    this.#cacheSize = cacheSize;
  }

  get backendName(): RecoveryBackendName {
    return this.#backend.name;
  }

  /**
   * Returns each transaction with its sender, in order; one this instance
   * returned before comes back as it is while its sender is cached (a block
   * is recovered twice on import: when decoded, and again by the chain, which
   * trusts no sender handed in). Uncached ones go to the backend in one
   * batch, each distinct hash once. Throws
   * InvalidTransactionError(InvalidSignature) naming the first transaction
   * whose signature recovers no sender.
   */
  async recover(txs: readonly Transaction[]): Promise<SignedTransaction[]> {
    const out = new Array<SignedTransaction>(txs.length);
    /** Indexes still without a sender, and their cache keys. */
    const missing: number[] = [];
    const missingKeys: string[] = [];
    for (let i = 0; i < txs.length; i++) {
      const tx = txs[i]!;
      const key = bytesToHex(tx.hash);
      const cached = this.#cache.get(key);
      if (cached === undefined) {
        missing.push(i);
        missingKeys.push(key);
      } else if ((tx as Partial<SignedTransaction>).from === cached) {
        out[i] = tx as SignedTransaction;
      } else {
        out[i] = { ...tx, from: cached };
      }
    }
    if (missing.length === 0) return out;

    // This call's answers, kept apart from the cache, which may evict them
    // before the call returns when a batch outgrows it.
    const senders = new Map<string, Uint8Array | null>();
    const requests: RecoverRequest[] = [];
    missing.forEach((index, j) => {
      const key = missingKeys[j]!;
      if (senders.has(key)) return;
      senders.set(key, null);
      requests.push(recoverRequest(txs[index]!));
    });
    const addresses = await recoverAddresses(this.#backend, requests);
    let next = 0;
    for (const key of senders.keys()) {
      const address = addresses[next++] ?? null;
      senders.set(key, address === null ? null : this.#remember(key, address));
    }
    missing.forEach((index, j) => {
      const key = missingKeys[j]!;
      const from = senders.get(key);
      if (!from) {
        throw new InvalidTransactionError(TxErrorCode.InvalidSignature, `invalid signature: no sender recovers from transaction ${key}`);
      }
      out[index] = { ...txs[index]!, from };
    });
    return out;
  }

  /** Caches a sender; returns the array to hand out as `from`, the cached one if a concurrent call got there first. */
  #remember(key: string, address: Uint8Array): Uint8Array {
    const known = this.#cache.get(key);
    if (known !== undefined) return known;
    if (this.#cacheSize === 0) return address;
    if (this.#cache.size >= this.#cacheSize) {
      const oldest = this.#cache.keys().next();
      if (!oldest.done) this.#cache.delete(oldest.value);
    }
    this.#cache.set(key, address);
    return address;
  }
}

function recoverRequest(tx: Transaction): RecoverRequest {
  return { msgHash: signingHash(tx), signature: signatureBytes(tx.r, tx.s), recoveryId: tx.yParity };
}
