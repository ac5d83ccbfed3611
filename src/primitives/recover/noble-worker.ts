import { parentPort } from 'node:worker_threads';
import { recoverPublicKey } from '@noble/secp256k1';
import type { WorkerMessage, WorkerRequest, WorkerResult } from './worker-protocol.js';

/**
 * Worker side of the noble recovery pool, speaking the packed protocol of
 * worker-protocol.ts.
 */

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
