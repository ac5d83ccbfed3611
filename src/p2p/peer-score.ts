/**
 * Cairn's own score per peer (Lodestar's network/peers/score, simplified):
 * each offence subtracts points, scores decay back toward zero with a
 * half-life, and a peer whose score falls to BAN_THRESHOLD is disconnected
 * and refused for BAN_MS. The ban is kept in memory only: a restart forgives.
 * Gossipsub keeps its own router score beside this one (invalid deliveries
 * lower it too); this table is what decides bans.
 */

export type Offence =
  /** A gossip message that failed validation (the router rejected it). */
  | 'invalid-message'
  /** A block served in response to a request that failed import. */
  | 'invalid-block'
  /** A response that does not answer the request: malformed, wrong numbers or hashes, missing blocks. */
  | 'wrong-response'
  /** A request that got no answer in time. */
  | 'timeout'
  /** Requests beyond this node's rate limit. */
  | 'rate-limit'
  /** The peer runs another genesis: no reason to ever talk to it again soon. */
  | 'other-genesis';

/**
 * Points per offence. Four invalid gossip messages or wrong responses in a
 * row cross the ban threshold, two invalid blocks, nine timeouts. The values
 * do not divide 100, so decay between offences cannot leave a peer a hair
 * above the threshold after the offence that was meant to ban it.
 */
export const PENALTY: Readonly<Record<Offence, number>> = {
  'invalid-message': 30,
  'invalid-block': 60,
  'wrong-response': 30,
  timeout: 12,
  'rate-limit': 6,
  'other-genesis': Infinity,
};

export const BAN_THRESHOLD = -100;
export const BAN_MS = 10 * 60_000;
const HALF_LIFE_MS = 10 * 60_000;
/** Scores this close to zero are forgotten by prune(). */
const NEGLIGIBLE = 0.5;

interface Entry {
  score: number;
  at: number;
  bannedUntil: number;
}

export interface PenaltyResult {
  readonly score: number;
  /** True when this penalty crossed the threshold (the caller disconnects). */
  readonly banned: boolean;
}

export class PeerScores {
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  score(peerId: string): number {
    const entry = this.#entries.get(peerId);
    return entry === undefined ? 0 : this.#decayed(entry);
  }

  isBanned(peerId: string): boolean {
    const entry = this.#entries.get(peerId);
    return entry !== undefined && entry.bannedUntil > this.#now();
  }

  penalize(peerId: string, offence: Offence): PenaltyResult {
    const now = this.#now();
    const entry = this.#entries.get(peerId) ?? { score: 0, at: now, bannedUntil: 0 };
    const wasBanned = entry.bannedUntil > now;
    const raw = this.#decayed(entry) - PENALTY[offence];
    const banned = !wasBanned && raw <= BAN_THRESHOLD;
    // Floored at the threshold: a ban's score then decays like any other (and -Infinity never would).
    entry.score = Math.max(raw, BAN_THRESHOLD);
    entry.at = now;
    if (banned) entry.bannedUntil = now + BAN_MS;
    this.#entries.set(peerId, entry);
    return { score: entry.score, banned };
  }

  /** Forgets peers whose score has decayed to nothing and whose ban is over, so the table stays small. */
  prune(): void {
    const now = this.#now();
    for (const [id, entry] of this.#entries) {
      if (entry.bannedUntil <= now && Math.abs(this.#decayed(entry)) < NEGLIGIBLE) this.#entries.delete(id);
    }
  }

  #decayed(entry: Entry): number {
    return entry.score * 0.5 ** ((this.#now() - entry.at) / HALF_LIFE_MS);
  }
}
