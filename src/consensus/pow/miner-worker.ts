/**
 * PoW nonce search, run in a worker thread (miner.ts) so that mining never
 * blocks the node's event loop. Each job message searches one nonce range
 * synchronously and answers with one result message. The search loop cannot
 * receive messages, so the stop flag and the hash counter live in shared
 * memory: the loop polls the flag and publishes its count every batch.
 */
import { spawnSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { constants, setPriority } from 'node:os';
import { basename } from 'node:path';
import { parentPort } from 'node:worker_threads';
import { bigintToFixedBytes } from '../../primitives/hex.js';
import { bytesToWords, ProofHasher, wordsAtMost } from './proof-hasher.js';

// Mining is background work: it should take only the CPU that block import,
// gossip and JSON-RPC leave over. Both steps apply to this thread alone.
//
// The lowest nice value still leaves the miner an ordinary runnable thread,
// and on Linux a woken thread is placed on an idle core if one exists: the
// miner's core never counts as idle, so the node's main thread waited
// behind other threads (GC helpers, the thread pool, a local client) while
// the miner kept a whole core. SCHED_IDLE is the policy the kernel does count
// as idle. Node has no call for it, so util-linux's `chrt` sets it on this
// thread's id; measured on 2 cores under bench:ingest, the main thread's wait
// for a core fell from about 0.5 s to 0.35 s per 2,000 transactions and
// acceptance rose by about a tenth. Where either step is refused or missing
// (another OS, no chrt), mining runs with what succeeded.
try {
  setPriority(0, constants.priority.PRIORITY_LOW);
} catch {
  // Not permitted here: keep the default priority.
}
try {
  // "/proc/thread-self" links to "<pid>/task/<tid>" of the thread that reads it.
  const tid = basename(readlinkSync('/proc/thread-self'));
  spawnSync('chrt', ['--idle', '--pid', '0', tid], { stdio: 'ignore', timeout: 5000 });
} catch {
  // Not Linux: the nice value above is all there is.
}

export interface MinerJob {
  readonly sealHash: Uint8Array;
  /** 32 big-endian bytes; a proof at or below it seals the block. */
  readonly target: Uint8Array;
  readonly startNonce: bigint;
  /** Nonces to try from startNonce upwards (mod 2^64). */
  readonly count: bigint;
  /** Int32Array[1], shared by the job's workers: non-zero means stop. */
  readonly stop: SharedArrayBuffer;
  /** BigInt64Array, one slot per worker: hashes tried so far in this job. */
  readonly hashes: SharedArrayBuffer;
  readonly slot: number;
}

export interface MinerResult {
  /** The sealing nonce, or null when stopped or the range ran out. */
  readonly nonce: Uint8Array | null;
  readonly hashes: number;
}

/** Hashes between two looks at the stop flag: about 2 ms of work here, the most a stop waits. */
const BATCH = 4096;

function search(job: MinerJob): MinerResult {
  const stop = new Int32Array(job.stop);
  const counter = new BigInt64Array(job.hashes);
  const hasher = new ProofHasher(job.sealHash);
  const target = bytesToWords(job.target);
  // The 64-bit nonce as two 32-bit halves: bigint arithmetic in the loop would dominate the hashing.
  let hi = Number(job.startNonce >> 32n) >>> 0;
  let lo = Number(job.startNonce & 0xffffffffn) >>> 0;
  let remaining = job.count;
  let tried = 0;
  while (remaining > 0n && Atomics.load(stop, 0) === 0) {
    const batch = remaining < BigInt(BATCH) ? Number(remaining) : BATCH;
    for (let i = 0; i < batch; i++) {
      if (wordsAtMost(hasher.hash(hi, lo), target)) {
        // Stop the sibling workers at once rather than after a round trip through the main thread.
        Atomics.store(stop, 0, 1);
        Atomics.store(counter, job.slot, BigInt(tried + i + 1));
        return { nonce: bigintToFixedBytes((BigInt(hi) << 32n) | BigInt(lo), 8), hashes: tried + i + 1 };
      }
      lo = (lo + 1) >>> 0;
      if (lo === 0) hi = (hi + 1) >>> 0;
    }
    tried += batch;
    remaining -= BigInt(batch);
    Atomics.store(counter, job.slot, BigInt(tried));
  }
  return { nonce: null, hashes: tried };
}

const port = parentPort;
if (port === null) throw new Error('miner-worker.js runs as a worker thread (see miner.ts), not as a script');
port.on('message', (job: MinerJob) => port.postMessage(search(job)));
