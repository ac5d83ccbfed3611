/**
 * Sender recovery is the hot path of accepting transactions (STACK.md): it
 * sits behind this one interface with two backends, native libsecp256k1 when
 * it loads and @noble/secp256k1 spread over worker threads otherwise.
 *
 * Callers must have range-checked every signature (see ../signature.ts)
 * before handing it to a backend: 1 <= r,s < n, s <= n/2, recovery id 0 or 1.
 */
export interface RecoverRequest {
  /** 32-byte digest that was signed (keccak256 of the signing payload). */
  readonly msgHash: Uint8Array;
  /** 64 bytes r ‖ s, big-endian. */
  readonly signature: Uint8Array;
  /** 0 or 1. */
  readonly recoveryId: number;
}

export type RecoveryBackendName = 'native-libsecp256k1' | 'noble-workers';

export interface RecoveryBackend {
  readonly name: RecoveryBackendName;
  /**
   * Recovers the 65-byte uncompressed public key (0x04 ‖ x ‖ y) of each
   * request, in order, or null where no key recovers.
   */
  recoverPublicKeys(requests: readonly RecoverRequest[]): Promise<(Uint8Array | null)[]>;
  /** Stops worker threads, if any. */
  close(): Promise<void>;
}
