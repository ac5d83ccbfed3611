import { parentPort } from 'node:worker_threads';
import { loadNativeBinding, recoverWithBinding } from './native.js';
import type { WorkerMessage, WorkerRequest, WorkerResult } from './worker-protocol.js';

/**
 * The native backend's helper thread (native.ts): libsecp256k1 on a second
 * core for the other half of a large batch. Same packed protocol as the
 * noble pool's workers (noble-worker.ts).
 */

const binding = loadNativeBinding();

function recoverChunk(req: WorkerRequest): WorkerResult {
  const keys = new Uint8Array(req.count * 65);
  const found = new Uint8Array(req.count);
  for (let i = 0; i < req.count; i++) {
    const key = recoverWithBinding(binding, req.signatures.subarray(i * 64, i * 64 + 64), req.recoveryIds[i]!, req.digests.subarray(i * 32, i * 32 + 32));
    if (key !== null) {
      keys.set(key, i * 65);
      found[i] = 1;
    }
  }
  return { type: 'result', id: req.id, keys, found };
}

const port = parentPort;
if (port === null) throw new Error('native-worker.js must run as a worker thread');
port.on('message', (req: WorkerRequest) => {
  const reply = recoverChunk(req);
  port.postMessage(reply, [reply.keys.buffer, reply.found.buffer]);
});
port.postMessage({ type: 'ready' } satisfies WorkerMessage);
