import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RecoverRequest } from './backend.js';

/**
 * What recovery worker threads (the noble pool's, the native backend's
 * helper) exchange with the main thread: requests packed into flat buffers
 * (32-byte digests, 64-byte signatures, 1-byte recovery ids) so one
 * postMessage carries a whole chunk without per-item structured cloning.
 */
export interface WorkerRequest {
  readonly id: number;
  readonly count: number;
  readonly digests: Uint8Array<ArrayBuffer>;
  readonly signatures: Uint8Array<ArrayBuffer>;
  readonly recoveryIds: Uint8Array<ArrayBuffer>;
}

/** keys holds count × 65 bytes; found[i] is 1 where key i recovered. */
export interface WorkerResult {
  readonly type: 'result';
  readonly id: number;
  readonly keys: Uint8Array<ArrayBuffer>;
  readonly found: Uint8Array<ArrayBuffer>;
}

export type WorkerMessage = { readonly type: 'ready' } | WorkerResult;

/** Packs requests[start, end); throws RangeError for a digest or signature of the wrong size. */
export function packRequests(id: number, requests: readonly RecoverRequest[], start: number, end: number): WorkerRequest {
  const count = end - start;
  const digests = new Uint8Array(count * 32);
  const signatures = new Uint8Array(count * 64);
  const recoveryIds = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const req = requests[start + i]!;
    if (req.msgHash.length !== 32 || req.signature.length !== 64) {
      throw new RangeError('recovery request needs a 32-byte digest and a 64-byte signature');
    }
    digests.set(req.msgHash, i * 32);
    signatures.set(req.signature, i * 64);
    recoveryIds[i] = req.recoveryId;
  }
  return { id, count, digests, signatures, recoveryIds };
}

/** Writes a result's keys into out[start...], null where none recovered. */
export function unpackKeys(result: WorkerResult, out: (Uint8Array | null)[], start: number): void {
  for (let i = 0; i < result.found.length; i++) {
    out[start + i] = result.found[i] === 1 ? result.keys.slice(i * 65, i * 65 + 65) : null;
  }
}

/**
 * Worker threads do not inherit the vitest/tsx TypeScript loader, so a
 * worker always runs compiled JS: next to this file in dist/, or, when this
 * file is the .ts source (tests, tsx), the compiled copy in dist/ that
 * tsconfig's rootDir src → outDir dist puts at the mirrored path. Undefined
 * if it is not there (not built).
 */
export function compiledWorkerPath(name: string): string | undefined {
  const here = fileURLToPath(import.meta.url);
  const path = here.endsWith('.ts')
    ? fileURLToPath(new URL(`../../../dist/primitives/recover/${name}.js`, import.meta.url))
    : fileURLToPath(new URL(`./${name}.js`, import.meta.url));
  return existsSync(path) ? path : undefined;
}
