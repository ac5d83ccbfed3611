import { bytesToHex, bytesToUtf8, equalBytes, hexToBytes, utf8ToBytes } from '../../../primitives/hex.js';
import { asBigint, asBytes, asList, asNumber, rlpDecode, rlpEncode, type RlpInput, type RlpValue } from '../../../primitives/rlp.js';
import { recordKey, type RecordReader, type SystemState } from '../module.js';
import type { PendingChange, Release, StakingState, UnbondingEntry } from './validator-set.js';

/**
 * Where the staking state lives in the chain state, and the funds behind it.
 *
 * One record, `staking/state`, holds the whole reducer state
 * (validator-set.ts), so it is committed by the state root and undone on a
 * reorg like any account:
 *   rlp([epoch,
 *        [[address, stake], …]                                   bonded, by address
 *        [[1, address, amount, effectiveEpoch]                   pending stake
 *         | [2, address, amount, effectiveEpoch, releaseEpoch], …] pending unstake, in request order
 *        [[address, amount, releaseEpoch], …]                    unbonding, in order
 *        [offenceKey, …]])                                       punished offences, sorted
 * `epoch` is the epoch of the latest block executed: the PoS engine advances
 * it in beginBlock before the block's transactions run, so the staking
 * module reads the current epoch from here.
 *
 * Funds: the module's account STAKING_ADDRESS holds exactly what the state
 * owes: bonded + pending stake + unbonding amounts. Stake arrives as the
 * value of stake transactions (execution moves it before the call), genesis
 * stake as a genesis balance; releases pay it back out (payOut) and slashing
 * burns it (burnStake).
 */

export const STAKING_MODULE = 'staking';
export const STAKING_ADDRESS = hexToBytes('0x0000000000000000000000000000000000001000');
export const STAKING_STATE_KEY = recordKey(STAKING_MODULE, 'state');

const PENDING_STAKE = 1;
const PENDING_UNSTAKE = 2;

export function encodeStakingState(state: StakingState): Uint8Array {
  const bonded = [...state.bonded].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const pending = state.pending.map((change): RlpInput =>
    change.kind === 'stake'
      ? [PENDING_STAKE, hexToBytes(change.address), change.amount, change.effectiveEpoch]
      : [PENDING_UNSTAKE, hexToBytes(change.address), change.amount, change.effectiveEpoch, change.releaseEpoch],
  );
  return rlpEncode([
    state.epoch,
    bonded.map(([address, stake]) => [hexToBytes(address), stake]),
    pending,
    state.unbonding.map((entry) => [hexToBytes(entry.address), entry.amount, entry.releaseEpoch]),
    [...state.usedOffences].sort().map(utf8ToBytes),
  ]);
}

export function decodeStakingState(bytes: Uint8Array): StakingState {
  try {
    const [epoch, bonded, pending, unbonding, offences] = asList(rlpDecode(bytes), 'staking state', 5);
    return {
      epoch: asNumber(epoch, 'epoch'),
      bonded: new Map(
        asList(bonded!, 'bonded').map((entry) => {
          const [address, stake] = asList(entry, 'bonded entry', 2);
          return [addressHex(address), asBigint(stake, 'stake')] as const;
        }),
      ),
      pending: asList(pending!, 'pending').map(decodePending),
      unbonding: asList(unbonding!, 'unbonding').map((entry): UnbondingEntry => {
        const [address, amount, releaseEpoch] = asList(entry, 'unbonding entry', 3);
        return { address: addressHex(address), amount: asBigint(amount, 'amount'), releaseEpoch: asNumber(releaseEpoch, 'release epoch') };
      }),
      usedOffences: new Set(asList(offences!, 'offences').map((key) => bytesToUtf8(asBytes(key, 'offence key')))),
    };
  } catch (error) {
    // The record was written by encodeStakingState and committed by the state root: this is corruption, not input.
    throw new Error(`the ${bytesToUtf8(STAKING_STATE_KEY)} record does not decode: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
}

function decodePending(entry: RlpValue): PendingChange {
  const fields = asList(entry, 'pending change');
  const kind = asNumber(fields[0], 'pending kind');
  const address = addressHex(fields[1]);
  const amount = asBigint(fields[2], 'amount');
  const effectiveEpoch = asNumber(fields[3], 'effective epoch');
  if (kind === PENDING_STAKE && fields.length === 4) return { kind: 'stake', address, amount, effectiveEpoch };
  if (kind === PENDING_UNSTAKE && fields.length === 5) {
    return { kind: 'unstake', address, amount, effectiveEpoch, releaseEpoch: asNumber(fields[4], 'release epoch') };
  }
  throw new RangeError(`pending change of kind ${kind} with ${fields.length} fields`);
}

function addressHex(value: RlpValue | undefined): string {
  return bytesToHex(asBytes(value, 'address', 20));
}

/**
 * The staking state of a chain state. Every PoS chain has the record from
 * genesis (ConsensusEngine.genesisState); its absence is a wiring bug.
 */
export function readStakingState(reader: RecordReader): StakingState {
  const bytes = reader.getRecord(STAKING_STATE_KEY);
  if (bytes === undefined) {
    throw new Error(`the chain state has no ${bytesToUtf8(STAKING_STATE_KEY)} record: was genesis built with the PoS engine's genesisState?`);
  }
  return decodeStakingState(bytes);
}

/** Writes the record when its encoding changed (an unchanged record costs the state root nothing). */
export function writeStakingState(state: SystemState, staking: StakingState): void {
  const bytes = encodeStakingState(staking);
  const before = state.getRecord(STAKING_STATE_KEY);
  if (before !== undefined && equalBytes(before, bytes)) return;
  state.setRecord(STAKING_STATE_KEY, bytes);
}

/** Pays released unbonded funds from the module's account back to their owners. */
export function payOut(state: SystemState, releases: readonly Release[]): void {
  for (const release of releases) {
    takeFromModule(state, release.amount);
    const owner = state.getAccount(release.address);
    state.setAccount(release.address, { ...owner, balance: owner.balance + release.amount });
  }
}

/** Burns slashed funds held by the module's account. */
export function burnStake(state: SystemState, amount: bigint): void {
  takeFromModule(state, amount);
}

function takeFromModule(state: SystemState, amount: bigint): void {
  const account = state.getAccount(STAKING_ADDRESS);
  if (account.balance < amount) {
    // The account holds exactly what the staking state owes; less means a bug broke that invariant.
    throw new Error(`staking account holds ${account.balance} wei, cannot take ${amount}`);
  }
  state.setAccount(STAKING_ADDRESS, { ...account, balance: account.balance - amount });
}
