import { keccak256 } from '../../../primitives/hash.js';
import { bigintToFixedBytes, bytesToUtf8, concatBytes, utf8ToBytes } from '../../../primitives/hex.js';
import type { Log } from '../../block/types.js';
import type { ModuleCall, ModuleOutcome, SystemModule, SystemState } from '../module.js';
import { StakingError } from './errors.js';
import { STAKING_ADDRESS, STAKING_MODULE, readStakingState, writeStakingState } from './state.js';
import { applyStakingEvent, type PendingChange, type StakingEvent, type StakingRules, type StakingState } from './validator-set.js';

/**
 * The staking system module (DESIGN.md "State and system modules"), at
 * STAKING_ADDRESS = 0x…1000. A transaction to it carries a JSON document in
 * `data`, so any wallet can sign one:
 *
 *   {"op":"stake"}                       value = the wei to bond (> 0)
 *   {"op":"unstake","amount":"<wei>"}    value = 0; amount as a decimal or 0x hex string
 *
 * Both take effect at the next epoch boundary (the PoS engine advances the
 * staking state in beginBlock); unstaked funds unbond for `unbondingEpochs`
 * more epochs, still slashable, and are then paid back to the staker. The
 * rules are validator-set.ts's; the current epoch is the one stored in the
 * staking state, which the engine has advanced to this block's epoch before
 * any transaction runs.
 *
 * A refusal is an `ok: false` outcome whose reason starts with "staking:":
 * malformed data, a stake without value, an unstake with value, below the
 * minimum stake, more than is bonded, or the last validator leaving.
 * Execution then reverts the value transfer, so the module's account keeps
 * holding exactly what the staking state owes (state.ts).
 *
 * Logs, at STAKING_ADDRESS, Ethereum-style (32-byte topics and words):
 *   Staked:   topics [keccak256("Staked"),   staker], data amount ‖ effectiveEpoch
 *   Unstaked: topics [keccak256("Unstaked"), staker], data amount ‖ effectiveEpoch ‖ releaseEpoch
 */

/** Gas of every staking operation above its intrinsic gas. */
export const STAKING_CALL_GAS = 20_000n;

export const STAKED_TOPIC = keccak256(utf8ToBytes('Staked'));
export const UNSTAKED_TOPIC = keccak256(utf8ToBytes('Unstaked'));

const OPS = ['stake', 'unstake'];

type Operation = { readonly op: 'stake' } | { readonly op: 'unstake'; readonly amount: bigint };

export class StakingModule implements SystemModule {
  readonly name = STAKING_MODULE;
  readonly address = STAKING_ADDRESS;
  /** Above intrinsic gas, for its record reads and writes (DESIGN.md: a fixed cost per operation). */
  readonly callGas = STAKING_CALL_GAS;
  readonly #rules: StakingRules;

  constructor(rules: StakingRules) {
    this.#rules = rules;
  }

  call(state: SystemState, { tx }: ModuleCall): ModuleOutcome {
    const parsed = parseOperation(tx.data);
    if (typeof parsed === 'string') return refuse(parsed);
    if (parsed.op === 'stake' && tx.value === 0n) return refuse('stake needs the amount to bond as the transaction value');
    if (parsed.op === 'unstake' && tx.value !== 0n) return refuse('unstake carries no value; give the amount to unbond in "amount"');
    const before = readStakingState(state);
    const amount = parsed.op === 'stake' ? tx.value : parsed.amount;
    const after = apply(before, { kind: parsed.op, epoch: before.epoch, address: tx.from, amount }, this.#rules);
    if (typeof after === 'string') return refuse(after);
    writeStakingState(state, after);
    return { ok: true, logs: [changeLog(tx.from, after.pending.at(-1)!)] };
  }
}

function apply(state: StakingState, event: StakingEvent, rules: StakingRules): StakingState | string {
  try {
    return applyStakingEvent(state, event, rules);
  } catch (error) {
    if (error instanceof StakingError) return error.message;
    throw error;
  }
}

/** The operation in `data`, or why it is not one. */
function parseOperation(data: Uint8Array): Operation | string {
  let json: unknown;
  try {
    json = JSON.parse(bytesToUtf8(data));
  } catch {
    return 'data must be a JSON document such as {"op":"stake"}';
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return 'data must be a JSON object such as {"op":"stake"}';
  const fields = json as Record<string, unknown>;
  const op = fields['op'];
  if (typeof op !== 'string' || !OPS.includes(op)) return `unknown op ${JSON.stringify(op)}; known ops: ${OPS.join(', ')}`;
  const allowed = op === 'stake' ? ['op'] : ['op', 'amount'];
  const extra = Object.keys(fields).find((key) => !allowed.includes(key));
  if (extra !== undefined) return `${op}: unknown field "${extra}"; fields: ${allowed.join(', ')}`;
  if (op === 'stake') return { op: 'stake' };
  const amount = fields['amount'];
  if (typeof amount !== 'string' || !/^(0|[1-9][0-9]{0,77}|0x[0-9a-fA-F]{1,64})$/.test(amount)) {
    return 'unstake: "amount" must be a wei amount as a decimal or 0x hex string';
  }
  return { op: 'unstake', amount: BigInt(amount) };
}

function refuse(reason: string): ModuleOutcome {
  return { ok: false, reason: `staking: ${reason}` };
}

function changeLog(staker: Uint8Array, change: PendingChange): Log {
  const words = [change.amount, BigInt(change.effectiveEpoch)];
  if (change.kind === 'unstake') words.push(BigInt(change.releaseEpoch));
  return {
    address: STAKING_ADDRESS,
    topics: [change.kind === 'stake' ? STAKED_TOPIC : UNSTAKED_TOPIC, concatBytes(new Uint8Array(12), staker)],
    data: concatBytes(...words.map((word) => bigintToFixedBytes(word, 32))),
  };
}
