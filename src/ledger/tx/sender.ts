import { bytesToHex } from '../../primitives/hex.js';
import type { RecoverRequest, RecoveryBackend, RecoveryBackendName } from '../../primitives/recover/backend.js';
import { recoverAddresses } from '../../primitives/recover/index.js';
import { signatureBytes } from '../../primitives/signature.js';
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
  /** Insertion-ordered, so the first key is the oldest to evict. */
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
   * Returns each transaction with its sender, in order. Uncached ones go to
   * the backend in one batch, each distinct hash once. Throws
   * InvalidTransactionError(InvalidSignature) naming the first transaction
   * whose signature recovers no sender.
   */
  async recover(txs: readonly Transaction[]): Promise<SignedTransaction[]> {
    const keys = txs.map((tx) => bytesToHex(tx.hash));
    // This call's answers, kept apart from the cache, which may evict them
    // before the call returns when a batch outgrows it.
    const senders = new Map<string, Uint8Array | null>();
    const uncached: { key: string; tx: Transaction }[] = [];
    txs.forEach((tx, i) => {
      const key = keys[i]!;
      if (senders.has(key)) return;
      const cached = this.#cache.get(key);
      senders.set(key, cached ?? null);
      if (cached === undefined) uncached.push({ key, tx });
    });
    if (uncached.length > 0) {
      const addresses = await recoverAddresses(this.#backend, uncached.map(({ tx }) => recoverRequest(tx)));
      uncached.forEach(({ key }, j) => {
        const address = addresses[j] ?? null;
        senders.set(key, address);
        if (address !== null) this.#remember(key, address);
      });
    }
    return txs.map((tx, i) => {
      const from = senders.get(keys[i]!);
      if (!from) {
        throw new InvalidTransactionError(
          TxErrorCode.InvalidSignature,
          `invalid signature: no sender recovers from transaction ${keys[i]!}`,
        );
      }
      return { ...tx, from };
    });
  }

  #remember(key: string, address: Uint8Array): void {
    // A concurrent call may have recovered the same transaction meanwhile.
    if (this.#cacheSize === 0 || this.#cache.has(key)) return;
    if (this.#cache.size >= this.#cacheSize) {
      const oldest = this.#cache.keys().next();
      if (!oldest.done) this.#cache.delete(oldest.value);
    }
    this.#cache.set(key, address);
  }
}

function recoverRequest(tx: Transaction): RecoverRequest {
  return { msgHash: tx.signingHash, signature: signatureBytes(tx.r, tx.s), recoveryId: tx.yParity };
}
