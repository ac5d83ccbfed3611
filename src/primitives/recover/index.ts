import { addressOfPublicKey } from '../keys.js';
import type { RecoverRequest, RecoveryBackend } from './backend.js';
import { loadNativeBackend } from './native.js';
import { createNoblePool } from './noble-pool.js';

export type { RecoverRequest, RecoveryBackend, RecoveryBackendName } from './backend.js';

/**
 * Native libsecp256k1 unless `prefer: 'noble'` or the binding does not load
 * (an optional dependency; no prebuilt for this platform), in which case the
 * noble worker pool. Logs nothing: the caller reports `backend.name`.
 */
export async function loadRecoveryBackend(options: { prefer?: 'native' | 'noble'; workers?: number } = {}): Promise<RecoveryBackend> {
  if (options.prefer !== 'noble') {
    try {
      return loadNativeBackend();
    } catch {
      // Fall through to the pure-JS pool, which recovers the same keys.
    }
  }
  return createNoblePool({ workers: options.workers });
}

/** Recovers senders' 20-byte addresses, in order; null where none recovers. */
export async function recoverAddresses(backend: RecoveryBackend, requests: readonly RecoverRequest[]): Promise<(Uint8Array | null)[]> {
  const keys = await backend.recoverPublicKeys(requests);
  return keys.map((key) => (key === null ? null : addressOfPublicKey(key)));
}
