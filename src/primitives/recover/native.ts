import { createRequire } from 'node:module';
import type { RecoverRequest, RecoveryBackend } from './backend.js';

/** The part of the `secp256k1` package's native binding that Cairn uses. */
interface NativeSecp256k1 {
  ecdsaRecover(signature: Uint8Array, recoveryId: number, msg32: Uint8Array, compressed: boolean): Uint8Array;
}

// Messages of the binding's two "no key" outcomes (secp256k1/lib/index.js):
// r or s >= n, and no curve point / point at infinity. Anything else it
// throws is an argument error, i.e. a bug here, and is rethrown.
const NO_KEY_ERRORS = new Set(['Signature could not be parsed', 'Public key could not be recover']);

// libsecp256k1 takes ~60 µs per recovery; yielding between slices keeps a
// large block from stalling the event loop (RPC, gossip) for long.
const SLICE = 256;

function hasRecover(value: unknown): value is NativeSecp256k1 {
  return typeof value === 'object' && value !== null && typeof (value as { ecdsaRecover?: unknown }).ecdsaRecover === 'function';
}

/**
 * Loads libsecp256k1 through `secp256k1/bindings` only: the package's main
 * entry silently falls back to pure-JS elliptic, which would be both slow and
 * a third implementation outside the differential test. Throws if the
 * prebuilt binary does not load on this platform.
 */
export function loadNativeBackend(): RecoveryBackend {
  const binding: unknown = createRequire(import.meta.url)('secp256k1/bindings');
  if (!hasRecover(binding)) throw new Error('secp256k1/bindings loaded but has no ecdsaRecover function');
  return new NativeBackend(binding);
}

class NativeBackend implements RecoveryBackend {
  readonly name = 'native-libsecp256k1' as const;

  constructor(private readonly binding: NativeSecp256k1) {}

  async recoverPublicKeys(requests: readonly RecoverRequest[]): Promise<(Uint8Array | null)[]> {
    const out: (Uint8Array | null)[] = new Array<Uint8Array | null>(requests.length);
    for (let i = 0; i < requests.length; i++) {
      if (i > 0 && i % SLICE === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      out[i] = this.recoverOne(requests[i]!);
    }
    return out;
  }

  private recoverOne(req: RecoverRequest): Uint8Array | null {
    try {
      return this.binding.ecdsaRecover(req.signature, req.recoveryId, req.msgHash, false);
    } catch (err) {
      if (err instanceof Error && NO_KEY_ERRORS.has(err.message)) return null;
      throw err;
    }
  }

  async close(): Promise<void> {}
}
