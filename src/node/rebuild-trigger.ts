/** Arrivals must pause this long before the template is rebuilt: a burst is taken whole, not one rebuild per transaction. */
export const QUIET_MS = 20;
/** Rebuilds are at least this far apart: each one executes the template again on the main thread. */
export const MIN_GAP_MS = 100;

/**
 * Says when a block in the making should take in the transactions that
 * arrived since it was built, so that a transaction waits for the next
 * block, not also for the producer's next recommit. `fire` runs once
 * arrivals have paused for QUIET_MS and at least MIN_GAP_MS have passed
 * since the last build; the producer then rebuilds and calls built().
 */
export class RebuildTrigger {
  #lastBuild = Date.now();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stale = false;

  constructor(private readonly fire: () => void) {}

  /** Transactions were admitted since the template's build began: the next round should rebuild it. */
  get stale(): boolean {
    return this.#stale;
  }

  /** A (re)build of the template begins: it takes in what was admitted so far. */
  built(): void {
    this.#lastBuild = Date.now();
    this.#stale = false;
    this.cancel();
  }

  /** New transactions were admitted: (re)start the quiet period. */
  changed(): void {
    this.#stale = true;
    this.cancel();
    const now = Date.now();
    const due = Math.max(now + QUIET_MS, this.#lastBuild + MIN_GAP_MS);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.fire();
    }, due - now);
  }

  /** Drops a pending fire (the block is done); `stale` is left as it is. */
  cancel(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
