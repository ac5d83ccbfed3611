import { describe, expect, it } from 'vitest';
import type { ModuleCall } from '../../../../../src/ledger/modules/module.js';
import {
  STAKED_TOPIC,
  STAKING_ADDRESS,
  STAKING_STATE_KEY,
  StakingModule,
  UNSTAKED_TOPIC,
  activeSet,
  advanceToEpoch,
  burnStake,
  decodeStakingState,
  encodeStakingState,
  genesisStakingState,
  payOut,
  readStakingState,
  stakingView,
  writeStakingState,
  type StakingState,
} from '../../../../../src/ledger/modules/staking/index.js';
import { signTransaction } from '../../../../../src/ledger/tx/encode.js';
import { bigintToFixedBytes, concatBytes, utf8ToBytes } from '../../../../../src/primitives/hex.js';
import { address, key } from './fixtures.js';
import { MemoryState } from './memory-state.js';

const rules = { minStake: 100n, unbondingEpochs: 2 };
const [A, B, C] = [address(0), address(1), address(2)];

/** Genesis: A and B bonded 100 and 300 in epoch `epoch`, C funded; the escrow holds the 400. */
function genesis(epoch = 3): MemoryState {
  const state = new MemoryState();
  writeStakingState(state, { ...genesisStakingState([{ address: A, stake: 100n }, { address: B, stake: 300n }]), epoch });
  state.setAccount(STAKING_ADDRESS, { nonce: 0n, balance: 400n });
  state.setAccount(C, { nonce: 0n, balance: 1000n });
  return state;
}

/** A call as execution makes it: the value has moved to the module before `call` runs. */
function call(state: MemoryState, who: number, data: string, value = 0n): ReturnType<StakingModule['call']> {
  const unsigned = { type: 2 as const, chainId: 1n, nonce: 0n, gasPrice: null, maxFeePerGas: 1n, maxPriorityFeePerGas: 0n, gasLimit: 50_000n };
  const tx = signTransaction({ ...unsigned, to: STAKING_ADDRESS, value, data: utf8ToBytes(data), accessList: [] }, key(who));
  const from = address(who);
  state.setAccount(from, { nonce: 0n, balance: state.getAccount(from).balance - value });
  state.setAccount(STAKING_ADDRESS, { nonce: 0n, balance: state.getAccount(STAKING_ADDRESS).balance + value });
  const moduleCall: ModuleCall = { tx: { ...tx, from }, txIndex: 0, blockNumber: 42 };
  return new StakingModule(rules).call(state, moduleCall);
}

const word = (n: bigint): Uint8Array => bigintToFixedBytes(n, 32);

describe('staking module', () => {
  it('stakes the value sent, from the next epoch, and logs it', () => {
    const state = genesis();
    const outcome = call(state, 2, '{"op":"stake"}', 150n);
    expect(outcome).toEqual({
      ok: true,
      logs: [{ address: STAKING_ADDRESS, topics: [STAKED_TOPIC, concatBytes(new Uint8Array(12), C)], data: concatBytes(word(150n), word(4n)) }],
    });
    expect(stakingView(state, C)).toEqual({ epoch: 3, bonded: 0n, pending: [{ kind: 'stake', amount: 150n, effectiveEpoch: 4 }], unbonding: [] });
    expect(activeSet(advanceToEpoch(readStakingState(state), 4).state).stakeOf(C)).toBe(150n);
    expect(state.balanceOf(STAKING_ADDRESS)).toBe(550n);
  });

  it('unstakes a bonded amount and logs when it is released', () => {
    const state = genesis();
    const outcome = call(state, 1, '{"op":"unstake","amount":"0xc8"}');
    expect(outcome.ok && outcome.logs[0]).toEqual({
      address: STAKING_ADDRESS,
      topics: [UNSTAKED_TOPIC, concatBytes(new Uint8Array(12), B)],
      data: concatBytes(word(200n), word(4n), word(6n)),
    });
    expect(stakingView(state, B).pending).toEqual([{ kind: 'unstake', amount: 200n, effectiveEpoch: 4, releaseEpoch: 6 }]);
  });

  it('refuses malformed operations with a reason', () => {
    const reasons = [
      call(genesis(), 2, 'stake please', 150n),
      call(genesis(), 2, '["stake"]', 150n),
      call(genesis(), 2, '{"op":"delegate"}', 150n),
      call(genesis(), 2, '{"op":"stake","to":"me"}', 150n),
      call(genesis(), 2, '{"op":"stake"}'),
      call(genesis(), 1, '{"op":"unstake","amount":"100"}', 1n),
      call(genesis(), 1, '{"op":"unstake","amount":100}'),
      call(genesis(), 1, '{"op":"unstake","amount":"-5"}'),
    ].map((outcome) => (outcome.ok ? 'accepted' : outcome.reason));
    expect(reasons).toEqual([
      'staking: data must be a JSON document such as {"op":"stake"}',
      'staking: data must be a JSON object such as {"op":"stake"}',
      'staking: unknown op "delegate"; known ops: stake, unstake',
      'staking: stake: unknown field "to"; fields: op',
      'staking: stake needs the amount to bond as the transaction value',
      'staking: unstake carries no value; give the amount to unbond in "amount"',
      'staking: unstake: "amount" must be a wei amount as a decimal or 0x hex string',
      'staking: unstake: "amount" must be a wei amount as a decimal or 0x hex string',
    ]);
  });

  it('refuses what the staking rules forbid: below the minimum, more than bonded, the last validator leaving', () => {
    const below = call(genesis(), 2, '{"op":"stake"}', 99n);
    expect(below.ok || below.reason).toContain('below the minimum stake of 100');
    const more = call(genesis(), 1, '{"op":"unstake","amount":"301"}');
    expect(more.ok || more.reason).toContain('300 wei bonded');
    const state = genesis();
    expect(call(state, 0, '{"op":"unstake","amount":"100"}').ok).toBe(true);
    const last = call(state, 1, '{"op":"unstake","amount":"300"}');
    expect(last.ok || last.reason).toContain('the last validator cannot leave');
    const zero = call(genesis(), 1, '{"op":"unstake","amount":"0"}');
    expect(zero.ok || zero.reason).toContain('amount must be positive');
  });
});

describe('staking state record and funds', () => {
  it('round-trips the whole reducer state, in canonical order', () => {
    const state: StakingState = {
      ...genesisStakingState([{ address: B, stake: 300n }, { address: A, stake: 100n }]),
      pending: [
        { kind: 'stake', address: '0x' + '11'.repeat(20), amount: 5n, effectiveEpoch: 1 },
        { kind: 'unstake', address: '0x' + '22'.repeat(20), amount: 7n, effectiveEpoch: 1, releaseEpoch: 3 },
      ],
      unbonding: [{ address: '0x' + '33'.repeat(20), amount: 9n, releaseEpoch: 2 }],
      usedOffences: new Set(['vote:x:3', 'proposal:y:1']),
    };
    const bytes = encodeStakingState(state);
    const decoded = decodeStakingState(bytes);
    expect(decoded).toEqual(state);
    expect(encodeStakingState(decoded)).toEqual(bytes);
    expect(() => decodeStakingState(Uint8Array.of(0xc0))).toThrow(/staking\/state record does not decode/);
  });

  it('writes the record only when it changed', () => {
    const state = genesis();
    const before = state.getRecord(STAKING_STATE_KEY);
    writeStakingState(state, readStakingState(state));
    expect(state.getRecord(STAKING_STATE_KEY)).toBe(before);
    expect(() => readStakingState(new MemoryState())).toThrow(/no staking\/state record/);
  });

  it('pays releases out of the escrow and burns slashed funds from it, never more than it holds', () => {
    const state = genesis();
    payOut(state, [{ address: A, amount: 100n }]);
    expect(state.balanceOf(A)).toBe(100n);
    burnStake(state, 250n);
    expect(state.balanceOf(STAKING_ADDRESS)).toBe(50n);
    expect(() => burnStake(state, 51n)).toThrow(/holds 50 wei/);
  });
});
