/** Arrivals must pause this long before the template is rebuilt: a burst is taken whole, not one rebuild per transaction. */
export const QUIET_MS = 20;
/** Rebuilds are at least this far apart: each one executes the template again on the main thread. */
export const MIN_GAP_MS = 100;
/**
 * The longest a template stays stale while arrivals go on without a pause:
 * a steady stream is taken in at this interval (geth's miner "recommit").
 */
export const RECOMMIT_MS = 500;

/**
 * Says when a block in the making should take in the transactions that
 * arrived since it was built, so that a transaction waits for the next
 * block, not also for the producer's next recommit. `fire` runs once
 * arrivals have paused for QUIET_MS and at least MIN_GAP_MS have passed
 * since the last build; the producer then rebuilds and calls built(). It
 * also asks rebuildDue() between its sealing rounds, which are shorter.
 */
export class RebuildTrigger {
  #lastBuild = Date.now();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stale = false;
  #due = false;

  constructor(private readonly fire: () => void) {}

  /** The template should be rebuilt now: arrivals paused (fire ran), or it has been stale for RECOMMIT_MS. */
  rebuildDue(): boolean {
    return this.#due || (this.#stale && Date.now() - this.#lastBuild >= RECOMMIT_MS);
  }

  /** A (re)build of the template begins: it takes in what was admitted so far. */
  built(): void {
    this.#lastBuild = Date.now();
    this.#stale = false;
    this.#due = false;
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
      this.#due = true;
      this.fire();
    }, due - now);
  }

  /** Drops a pending fire (the block is done); `stale` is left as it is. */
  cancel(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
