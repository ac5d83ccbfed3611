/**
 * Token buckets per peer and protocol (Lodestar's reqresp/rateLimit): a
 * request costs tokens (a range request one per block asked for), a bucket
 * holds at most `capacity` and refills at `perSecond`. A request that finds
 * too few tokens is refused and costs nothing.
 */
export interface BucketRule {
  readonly capacity: number;
  readonly perSecond: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter<K extends string> {
  readonly #rules: Readonly<Record<K, BucketRule>>;
  readonly #buckets = new Map<string, Bucket>();
  readonly #now: () => number;

  constructor(rules: Readonly<Record<K, BucketRule>>, now: () => number = Date.now) {
    this.#rules = rules;
    this.#now = now;
  }

  /** Takes `cost` tokens from the peer's bucket for `kind`; false (and nothing taken) if there are too few. */
  allow(peerId: string, kind: K, cost = 1): boolean {
    const rule = this.#rules[kind];
    const key = `${kind} ${peerId}`;
    const now = this.#now();
    const bucket = this.#buckets.get(key) ?? { tokens: rule.capacity, at: now };
    bucket.tokens = Math.min(rule.capacity, bucket.tokens + ((now - bucket.at) / 1000) * rule.perSecond);
    bucket.at = now;
    this.#buckets.set(key, bucket);
    if (bucket.tokens < cost) return false;
    bucket.tokens -= cost;
    return true;
  }

  /**
   * Drops buckets that have refilled: they hold no memory of the peer, so
   * the table stays small without letting a peer reset its bucket by
   * reconnecting.
   */
  prune(): void {
    const now = this.#now();
    for (const [key, bucket] of this.#buckets) {
      const rule = this.#rules[key.slice(0, key.indexOf(' ')) as K];
      if (bucket.tokens + ((now - bucket.at) / 1000) * rule.perSecond >= rule.capacity) this.#buckets.delete(key);
    }
  }
}
