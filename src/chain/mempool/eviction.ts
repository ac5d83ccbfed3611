import { effectiveTip } from '../../ledger/fees.js';
import { BinaryHeap } from './heap.js';
import type { PoolEntry, SenderQueue } from './sender-queue.js';

/** A sender's last transaction, ranked for eviction when the pool is full. */
export interface EvictionCandidate {
  readonly entry: PoolEntry;
  /** Behind a nonce gap: not executable until the gap fills. */
  readonly queued: boolean;
  /** Effective tip at the base fee the ranking was made for (negative if it cannot pay it). */
  readonly tip: bigint;
}

/**
 * True if `a` goes before `b`: queued before pending, then lower effective
 * tip, then the later arrival (the pool keeps whoever came first at a price).
 */
export function evictsBefore(a: EvictionCandidate, b: EvictionCandidate): boolean {
  if (a.queued !== b.queued) return a.queued;
  if (a.tip !== b.tip) return a.tip < b.tip;
  return a.entry.seq > b.entry.seq;
}

/**
 * Finds the cheapest eviction candidate in O(log n) when the pool is full and
 * every admission must push one transaction out (a scan of 8,192 senders per
 * admission would cost more than the admission itself).
 *
 * Candidates are only the senders' tails (highest nonces), so an eviction
 * never opens a nonce gap under a sender's remaining transactions.
 *
 * The heap is lazy: after every change to a queue the pool calls track(),
 * which pushes the queue's current tail with its current rank; records that
 * are no longer a tail, or whose class changed, are discarded or re-ranked
 * when they reach the top. Tips depend on the base fee, so a new base fee
 * rebuilds the heap. Past `maxRecords` (stale records pile up while the pool
 * is not full and nothing pops them) the heap is dropped, and rebuilt from
 * the queues when next needed.
 */
export class EvictionIndex {
  private readonly heap = new BinaryHeap<EvictionCandidate>(evictsBefore);
  /** The base fee the records were ranked at; undefined while there is no heap. */
  private feeBasis: bigint | undefined;

  constructor(private readonly maxRecords: number) {}

  track(queue: SenderQueue): void {
    const tail = queue.tail;
    if (tail === undefined || this.feeBasis === undefined) return;
    if (this.heap.size >= this.maxRecords) {
      this.heap.reset([]);
      this.feeBasis = undefined;
      return;
    }
    this.heap.push(rank(queue, tail, this.feeBasis));
  }

  /** The current cheapest tail, or undefined if the pool is empty. */
  cheapest(queues: ReadonlyMap<string, SenderQueue>, baseFee: bigint): EvictionCandidate | undefined {
    if (baseFee !== this.feeBasis) this.rebuild(queues, baseFee);
    for (;;) {
      const top = this.heap.peek();
      if (top === undefined) return undefined;
      const queue = queues.get(top.entry.senderKey);
      if (queue === undefined || queue.tail !== top.entry) {
        this.heap.pop();
        continue;
      }
      const queued = !queue.isPending(top.entry.tx.nonce);
      if (queued === top.queued) return top;
      this.heap.pop();
      this.heap.push({ ...top, queued });
    }
  }

  private rebuild(queues: ReadonlyMap<string, SenderQueue>, baseFee: bigint): void {
    this.feeBasis = baseFee;
    const records: EvictionCandidate[] = [];
    for (const queue of queues.values()) {
      const tail = queue.tail;
      if (tail !== undefined) records.push(rank(queue, tail, baseFee));
    }
    this.heap.reset(records);
  }
}

function rank(queue: SenderQueue, entry: PoolEntry, baseFee: bigint): EvictionCandidate {
  return { entry, queued: !queue.isPending(entry.tx.nonce), tip: effectiveTip(entry.tx, baseFee) };
}
