/**
 * PoW difficulty retarget: a per-block exponential rule in the style of
 * Bitcoin Cash's ASERT (aserti3-2d), in integer arithmetic only, because every
 * node must compute the same bits and floating point need not agree across
 * platforms.
 *
 * With T = targetBlockTimeMs and H = halfLifeMs, for a child of `parent` that
 * carries `timestamp` (all times in ms):
 *
 *   solveTime = clamp(timestamp - parent.timestamp, 0, 6 * T)
 *   next      = parent.difficulty * 2^((T - solveTime) / H)
 *   next      = clamp(next, minDifficulty, 2^256 - 1)
 *
 * and block 1 keeps the genesis difficulty, since the genesis timestamp is a
 * date written in genesis.json, not the moment mining began.
 *
 * 2^x is computed as aserti3-2d does: x in 16.16 fixed point, truncated
 * toward zero; its integer part is a bit shift and its fractional part f uses
 * the cubic 2^f ≈ 1 + 0.695502049 f + 0.2262698 f² + 0.0782318 f³ (error
 * below 0.013 %), rounded down at the end. Difficulties below about
 * 1.44 · H/T (23 at the default half-life) cannot rise at all, since even the
 * largest one-block increase rounds down to zero; keep minDifficulty well
 * above that.
 *
 * Why the child's own timestamp: the engine sees a header and its parent
 * only, so the rule compares the two, as Ethereum's Homestead rule does. A
 * producer that re-stamps its template while it mines (src/node/producer.ts
 * does so every 100 ms) carries a timestamp close to the moment the block was
 * found, so timestamp − parent.timestamp is about the block's own solve time,
 * and a block that is slow to find gets easier with each re-stamp, down to the
 * clamp. The trade-off: a producer picks its own timestamp within the chain's
 * bounds (above the parent's, at most now + 15 s), so it can stamp ahead for
 * an easier block: ×2^(−min(15 s, 6T) / H) at most, ×0.77 at the defaults.
 * The gain is lent, not kept: without the clamp the factors telescope,
 * difficulty at height n = D₁ · 2^(((n−1)·T − (tₙ − t₁)) / H),
 * a function of the latest timestamp alone (ASERT anchored at block 1), so
 * time claimed early by one block is charged to the next.
 *
 * Why the clamp: it bounds how fast a chain can lose difficulty, ×2^(−5T/H)
 * per block (×0.81 at the default H), so a side chain stamped with stretched
 * timestamps cannot cheaply collect blocks, and a long pause (miners gone for
 * a day) lowers the next block's difficulty by that factor only; the
 * following blocks continue the descent one factor each. The lower bound 0
 * only matters for timestamps the chain rejects anyway (not above the parent).
 */

export interface RetargetParams {
  readonly targetBlockTimeMs: number;
  readonly halfLifeMs: number;
  readonly minDifficulty: bigint;
}

/** What the rule reads from the parent header. */
export interface RetargetParent {
  readonly number: number;
  readonly timestamp: number;
  readonly difficulty: bigint;
}

/** Solve times above this many target intervals count as this many. */
export const MAX_SOLVE_TIME_TARGETS = 6n;
/** The largest difficulty a 32-byte section field holds; its target is 1. */
export const MAX_DIFFICULTY = (1n << 256n) - 1n;

const FIXED_ONE = 65536n;

/** The difficulty a child of `parent` stamped `timestamp` must carry. */
export function nextDifficulty(parent: RetargetParent, timestamp: number, params: RetargetParams): bigint {
  if (parent.number === 0) return parent.difficulty;
  const target = BigInt(params.targetBlockTimeMs);
  const elapsed = BigInt(timestamp - parent.timestamp);
  const maxSolve = MAX_SOLVE_TIME_TARGETS * target;
  const solveTime = elapsed < 0n ? 0n : elapsed > maxSolve ? maxSolve : elapsed;
  // BigInt division truncates toward zero, like aserti3-2d's int64 division.
  const exponent = ((target - solveTime) * FIXED_ONE) / BigInt(params.halfLifeMs);
  const next = mulPow2(parent.difficulty, exponent);
  if (next < params.minDifficulty) return params.minDifficulty;
  return next > MAX_DIFFICULTY ? MAX_DIFFICULTY : next;
}

/**
 * floor(value · 2^(exponent / 65536)) with aserti3-2d's cubic approximation of
 * the fractional power; `exponent` is a 16.16 fixed-point number.
 */
export function mulPow2(value: bigint, exponent: bigint): bigint {
  // BigInt >> floors, so the fraction is always in [0, 65536) even for negative exponents.
  const shifts = exponent >> 16n;
  const frac = exponent - (shifts << 16n);
  const factor =
    FIXED_ONE +
    ((195766423245049n * frac + 971821376n * frac * frac + 5127n * frac * frac * frac + (1n << 47n)) >> 48n);
  const scaled = value * factor;
  const shift = shifts - 16n;
  return shift >= 0n ? scaled << shift : scaled >> -shift;
}
