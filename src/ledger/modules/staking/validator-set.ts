import { bytesToHex, hexToBytes } from '../../../primitives/hex.js';
import { StakingError, StakingErrorCode } from './errors.js';

/**
 * The validator set and how staking changes it, as a pure reducer over
 * staking events, so the staking system module can feed it the operations it
 * accepted and every node derives the same set from the same chain.
 *
 * Rules (e = the epoch of the block that carries the event):
 * - stake(a, x): x > 0 is bonded from epoch e+1 on; a's stake after all its
 *   pending changes must be at least minStake.
 * - unstake(a, x): 0 < x <= a's bonded stake net of unstakes already
 *   pending; what remains must be 0 or at least minStake, and the next epoch
 *   must keep at least one validator. From epoch e+1 on x no longer counts;
 *   it unbonds until epoch e+1+unbondingEpochs, when it is released to a.
 * - slash(a, offence): at once, a's bonded stake, pending stake and
 *   unbonding funds are burned, a leaves the active set, its pending changes
 *   are dropped, and the offence key is recorded: an offence is punished at
 *   most once. Funds already released are out of reach. a may stake again
 *   later with new funds. Slashing may empty the set; the chain then halts
 *   (no proposer can be drawn), which is preferred to keeping an offender.
 * - The active set of a block is `activeSet(advanceToEpoch(state after its
 *   parent, epoch of its slot))`: it changes at epoch boundaries and, within
 *   an epoch, only by slashing.
 *
 * State keys addresses by lowercase 0x hex. Nothing here reads clocks, the
 * chain or storage: the staking module (module.ts) feeds it the operations
 * of transactions, the PoS engine the epoch boundaries and slashing, and the
 * state it returns is stored in the chain state (state.ts).
 */

export interface Validator {
  readonly address: Uint8Array;
  readonly stake: bigint;
}

export interface StakingRules {
  readonly minStake: bigint;
  readonly unbondingEpochs: number;
}

/** An immutable set of validators with positive stake, sorted by address (the order proposer sampling walks). */
export class ValidatorSet {
  readonly validators: readonly Validator[];
  readonly totalStake: bigint;
  readonly #stakes: ReadonlyMap<string, bigint>;

  constructor(validators: Iterable<Validator>) {
    const stakes = new Map<string, bigint>();
    const list: Validator[] = [];
    let total = 0n;
    for (const v of validators) {
      if (v.address.length !== 20) throw new RangeError(`a validator address is 20 bytes, got ${v.address.length}`);
      if (v.stake <= 0n) throw new RangeError(`validator ${bytesToHex(v.address)} has non-positive stake ${v.stake}`);
      const key = bytesToHex(v.address);
      if (stakes.has(key)) throw new RangeError(`validator ${key} appears twice`);
      stakes.set(key, v.stake);
      list.push(v);
      total += v.stake;
    }
    this.validators = list.sort((a, b) => compareBytes(a.address, b.address));
    this.totalStake = total;
    this.#stakes = stakes;
  }

  get size(): number {
    return this.validators.length;
  }

  /** The validator's stake, 0 when it is not in the set. */
  stakeOf(address: Uint8Array): bigint {
    return this.#stakes.get(bytesToHex(address)) ?? 0n;
  }

  has(address: Uint8Array): boolean {
    return this.#stakes.has(bytesToHex(address));
  }
}

export type PendingChange =
  | { readonly kind: 'stake'; readonly address: string; readonly amount: bigint; readonly effectiveEpoch: number }
  | {
      readonly kind: 'unstake';
      readonly address: string;
      readonly amount: bigint;
      readonly effectiveEpoch: number;
      /** Fixed when requested, so a later change of rules cannot move it. */
      readonly releaseEpoch: number;
    };

export interface UnbondingEntry {
  readonly address: string;
  readonly amount: bigint;
  readonly releaseEpoch: number;
}

export interface StakingState {
  /** The epoch whose boundary was processed last. */
  readonly epoch: number;
  /** Active stake per validator in `epoch`; every value is positive. */
  readonly bonded: ReadonlyMap<string, bigint>;
  /** Requests waiting for their epoch boundary, in the order they were made. */
  readonly pending: readonly PendingChange[];
  readonly unbonding: readonly UnbondingEntry[];
  /**
   * Offence keys already punished (consensus/pos/slashing.ts). Only grows,
   * but each entry cost its offender at least minStake, which bounds it.
   */
  readonly usedOffences: ReadonlySet<string>;
}

export type StakingEvent =
  | { readonly kind: 'stake'; readonly epoch: number; readonly address: Uint8Array; readonly amount: bigint }
  | { readonly kind: 'unstake'; readonly epoch: number; readonly address: Uint8Array; readonly amount: bigint }
  | { readonly kind: 'slash'; readonly epoch: number; readonly address: Uint8Array; readonly offence: string };

export interface Release {
  readonly address: Uint8Array;
  readonly amount: bigint;
}

export function genesisStakingState(validators: readonly Validator[]): StakingState {
  return {
    epoch: 0,
    bonded: new Map(validators.map((v) => [bytesToHex(v.address), v.stake])),
    pending: [],
    unbonding: [],
    usedOffences: new Set(),
  };
}

export function activeSet(state: StakingState): ValidatorSet {
  return new ValidatorSet([...state.bonded].map(([address, stake]) => ({ address: hexToBytes(address), stake })));
}

/**
 * Processes the epoch boundaries up to `epoch`: pending changes take effect,
 * unstaked amounts start unbonding, and unbonding entries due by `epoch` are
 * released (returned, for the staking module to credit). Same epoch: no-op.
 */
export function advanceToEpoch(state: StakingState, epoch: number): { state: StakingState; released: Release[] } {
  if (epoch < state.epoch) {
    throw new StakingError(StakingErrorCode.EpochOrder, `cannot move staking state back from epoch ${state.epoch} to ${epoch}`);
  }
  if (epoch === state.epoch) return { state, released: [] };
  const bonded = new Map(state.bonded);
  const unbonding = [...state.unbonding];
  const pending: PendingChange[] = [];
  for (const change of state.pending) {
    if (change.effectiveEpoch > epoch) {
      pending.push(change);
      continue;
    }
    const before = bonded.get(change.address) ?? 0n;
    if (change.kind === 'stake') {
      bonded.set(change.address, before + change.amount);
    } else {
      const after = before - change.amount;
      if (after === 0n) bonded.delete(change.address);
      else bonded.set(change.address, after);
      unbonding.push({ address: change.address, amount: change.amount, releaseEpoch: change.releaseEpoch });
    }
  }
  const released: Release[] = [];
  const kept: UnbondingEntry[] = [];
  for (const entry of unbonding) {
    if (entry.releaseEpoch <= epoch) released.push({ address: hexToBytes(entry.address), amount: entry.amount });
    else kept.push(entry);
  }
  return { state: { ...state, epoch, bonded, pending, unbonding: kept }, released };
}

/**
 * Applies one event made in `state.epoch` (advance the state to the event's
 * epoch first). Refusals are StakingError; the state given is never modified.
 */
export function applyStakingEvent(state: StakingState, event: StakingEvent, rules: StakingRules): StakingState {
  if (event.epoch !== state.epoch) {
    throw new StakingError(
      StakingErrorCode.EpochOrder,
      `a ${event.kind} event of epoch ${event.epoch} applied to the staking state of epoch ${state.epoch}; advance the state first`,
    );
  }
  const address = bytesToHex(event.address);
  switch (event.kind) {
    case 'stake':
      return stake(state, address, event.amount, rules);
    case 'unstake':
      return unstake(state, address, event.amount, rules);
    case 'slash':
      return slash(state, address, event.offence);
  }
}

/** What a slash would burn now: bonded stake, stake waiting to bond, and unbonding funds. */
export function slashableAmount(state: StakingState, address: Uint8Array): bigint {
  const key = bytesToHex(address);
  let total = state.bonded.get(key) ?? 0n;
  for (const change of state.pending) if (change.address === key && change.kind === 'stake') total += change.amount;
  for (const entry of state.unbonding) if (entry.address === key) total += entry.amount;
  return total;
}

/** One account's stake: what `cairn_staking` shows of it. */
export interface AccountStake {
  readonly bonded: bigint;
  readonly pending: readonly { readonly kind: 'stake' | 'unstake'; readonly amount: bigint }[];
}

/** Why the account rules refuse a stake or an unstake; the figures, for the caller's wording. */
export type AccountRefusal =
  /** Bonded stake once every pending change has taken effect would be `after`: positive but below the minimum. */
  | { readonly rule: 'below-min'; readonly after: bigint }
  /** An unstake of more than `available`: bonded and not already unstaking. */
  | { readonly rule: 'insufficient'; readonly available: bigint };

/**
 * The rules of stake(a, x) and unstake(a, x) that depend on a's stake alone
 * (see the list at the top; x > 0 and the last-validator rule are checked
 * by applyStakingEvent): undefined when they allow it. Shared with the CLI,
 * which checks an operation before paying for it.
 */
export function accountRefusal(op: 'stake' | 'unstake', amount: bigint, account: AccountStake, minStake: bigint): AccountRefusal | undefined {
  let projected = account.bonded;
  let available = account.bonded;
  for (const change of account.pending) {
    projected += change.kind === 'stake' ? change.amount : -change.amount;
    if (change.kind === 'unstake') available -= change.amount;
  }
  if (op === 'stake') return projected + amount < minStake ? { rule: 'below-min', after: projected + amount } : undefined;
  if (amount > available) return { rule: 'insufficient', available };
  const after = projected - amount;
  return after !== 0n && after < minStake ? { rule: 'below-min', after } : undefined;
}

function accountOf(state: StakingState, address: string): AccountStake {
  return { bonded: state.bonded.get(address) ?? 0n, pending: state.pending.filter((change) => change.address === address) };
}

function positive(amount: bigint, what: string, address: string): void {
  if (amount <= 0n) throw new StakingError(StakingErrorCode.BadAmount, `${what} of ${address}: amount must be positive, got ${amount}`);
}

function stake(state: StakingState, address: string, amount: bigint, rules: StakingRules): StakingState {
  positive(amount, 'stake', address);
  const refusal = accountRefusal('stake', amount, accountOf(state, address), rules.minStake);
  if (refusal?.rule === 'below-min') {
    throw new StakingError(
      StakingErrorCode.BelowMinStake,
      `stake of ${address}: ${refusal.after} wei bonded in total would be below the minimum stake of ${rules.minStake}`,
    );
  }
  const change: PendingChange = { kind: 'stake', address, amount, effectiveEpoch: state.epoch + 1 };
  return { ...state, pending: [...state.pending, change] };
}

function unstake(state: StakingState, address: string, amount: bigint, rules: StakingRules): StakingState {
  positive(amount, 'unstake', address);
  const refusal = accountRefusal('unstake', amount, accountOf(state, address), rules.minStake);
  if (refusal?.rule === 'insufficient') {
    throw new StakingError(
      StakingErrorCode.InsufficientStake,
      `unstake of ${address}: ${amount} wei requested, ${refusal.available} wei bonded and not already unstaking`,
    );
  }
  if (refusal?.rule === 'below-min') {
    throw new StakingError(
      StakingErrorCode.BelowMinStake,
      `unstake of ${address}: ${refusal.after} wei would stay bonded, below the minimum stake of ${rules.minStake}; ` +
        'unstake all or keep at least the minimum',
    );
  }
  if (projectedTotal(state) - amount === 0n) {
    throw new StakingError(StakingErrorCode.LastValidator, `unstake of ${address}: the last validator cannot leave, the chain would halt`);
  }
  const effectiveEpoch = state.epoch + 1;
  const change: PendingChange = { kind: 'unstake', address, amount, effectiveEpoch, releaseEpoch: effectiveEpoch + rules.unbondingEpochs };
  return { ...state, pending: [...state.pending, change] };
}

function projectedTotal(state: StakingState): bigint {
  let total = 0n;
  for (const value of state.bonded.values()) total += value;
  for (const change of state.pending) total += change.kind === 'stake' ? change.amount : -change.amount;
  return total;
}

function slash(state: StakingState, address: string, offence: string): StakingState {
  if (state.usedOffences.has(offence)) {
    throw new StakingError(StakingErrorCode.AlreadyPunished, `offence ${offence} was already punished on this chain`);
  }
  if (slashableAmount(state, hexToBytes(address)) === 0n) {
    throw new StakingError(StakingErrorCode.NothingToSlash, `${address} holds no stake, pending stake or unbonding funds to slash`);
  }
  const bonded = new Map(state.bonded);
  bonded.delete(address);
  return {
    ...state,
    bonded,
    pending: state.pending.filter((change) => change.address !== address),
    unbonding: state.unbonding.filter((entry) => entry.address !== address),
    usedOffences: new Set([...state.usedOffences, offence]),
  };
}

/** Unsigned big-endian byte order; on addresses, the order of the validator list. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!;
  }
  return a.length - b.length;
}
