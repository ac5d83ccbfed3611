import { bytesToHex } from '../../../primitives/hex.js';
import type { RecordReader } from '../module.js';
import { readStakingState } from './state.js';

/** One account's side of the staking state, for `cairn_staking`. Amounts in wei. */
export interface StakingView {
  /** The epoch of the state read (the epoch of its latest block). */
  readonly epoch: number;
  /** Stake that counts in the active set now. */
  readonly bonded: bigint;
  /** Requests that take effect at their epoch boundary. */
  readonly pending: readonly {
    readonly kind: 'stake' | 'unstake';
    readonly amount: bigint;
    readonly effectiveEpoch: number;
    /** Unstakes: when the funds return. */
    readonly releaseEpoch?: number;
  }[];
  /** Unstaked funds still slashable, paid back at the boundary of `releaseEpoch`. */
  readonly unbonding: readonly { readonly amount: bigint; readonly releaseEpoch: number }[];
}

export function stakingView(state: RecordReader, address: Uint8Array): StakingView {
  const staking = readStakingState(state);
  const who = bytesToHex(address);
  return {
    epoch: staking.epoch,
    bonded: staking.bonded.get(who) ?? 0n,
    pending: staking.pending
      .filter((change) => change.address === who)
      .map((change) =>
        change.kind === 'stake'
          ? { kind: 'stake' as const, amount: change.amount, effectiveEpoch: change.effectiveEpoch }
          : { kind: 'unstake' as const, amount: change.amount, effectiveEpoch: change.effectiveEpoch, releaseEpoch: change.releaseEpoch },
      ),
    unbonding: staking.unbonding.filter((entry) => entry.address === who).map(({ amount, releaseEpoch }) => ({ amount, releaseEpoch })),
  };
}
