import { parentPort } from 'node:worker_threads';
import { recoverPublicKey } from '@noble/secp256k1';

/**
 * Worker side of the noble recovery pool. Requests arrive packed into flat
 * buffers (32-byte digests, 64-byte signatures, 1-byte recovery ids) so one
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

function recoverChunk(req: WorkerRequest): WorkerResult {
  const keys = new Uint8Array(req.count * 65);
  const found = new Uint8Array(req.count);
  const sig65 = new Uint8Array(65);
  for (let i = 0; i < req.count; i++) {
    // noble's 'recovered' format puts the recovery id first.
    sig65[0] = req.recoveryIds[i]!;
    sig65.set(req.signatures.subarray(i * 64, i * 64 + 64), 1);
    try {
      const key = recoverPublicKey(sig65, req.digests.subarray(i * 32, i * 32 + 32), { prehash: false, isCompressed: false });
      keys.set(key, i * 65);
      found[i] = 1;
    } catch {
      // noble throws for every "no key" case (r not an x coordinate, point at
      // infinity, r or s out of range); each means no sender.
    }
  }
  return { type: 'result', id: req.id, keys, found };
}

const port = parentPort;
if (port === null) throw new Error('noble-worker.js must run as a worker thread');
port.on('message', (req: WorkerRequest) => {
  const reply = recoverChunk(req);
  port.postMessage(reply, [reply.keys.buffer, reply.found.buffer]);
});
port.postMessage({ type: 'ready' } satisfies WorkerMessage);
