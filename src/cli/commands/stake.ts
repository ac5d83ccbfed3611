import { accountRefusal, STAKED_TOPIC, STAKING_ADDRESS, UNSTAKED_TOPIC } from '../../ledger/modules/staking/index.js';
import { toChecksumAddress } from '../../primitives/address.js';
import { CairnError } from '../../primitives/errors.js';
import { bytesToHex, hexToBytes, parseQuantity, utf8ToBytes } from '../../primitives/hex.js';
import { addressOfPrivateKey } from '../../primitives/keys.js';
import { DEFAULT_RPC_URL, parse } from '../args.js';
import { UsageError } from '../errors.js';
import { RpcClient, RpcClientError } from '../rpc-client.js';
import { loadSigningKey, signAndSubmit, waitOptions, type CliReceipt } from '../submit.js';
import { formatEther, parseEther } from '../units.js';

export const STAKE_USAGE = `Usage:
  cairn stake --amount <ether> (--key <file> | --private-key <hex>) [--no-wait] [--timeout <s>] [--rpc <url>]
  cairn unstake --amount <ether> (--key <file> | --private-key <hex>) [--no-wait] [--timeout <s>] [--rpc <url>]

Proof-of-stake chains only. Signs an ordinary transaction to the staking
module (${bytesToHex(STAKING_ADDRESS)}) and waits for its receipt.
  stake     bonds <amount> ether from the key's account; it counts from the next epoch.
            The account is then a validator: run a node with its key
            ("cairn start --validator-key <file>"), or its slots stay empty
  unstake   stops <amount> ether of the key's bonded stake counting from the next
            epoch; it returns to the account after the unbonding delay
An operation the staking module would refuse (below the minimum stake, more
than is bonded, more than the account holds) is refused before anything is
sent; see "cairn_staking" for an account's stake and pending changes.`;

const OPTIONS = {
  rpc: { type: 'string' },
  amount: { type: 'string' },
  key: { type: 'string' },
  'private-key': { type: 'string' },
  'no-wait': { type: 'boolean' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * An operation the staking module would refuse, caught before sending: it
 * exits 1, as a refusal in a receipt does, not 2 as wrong flags do.
 */
export class StakingRefusedError extends CairnError {
  constructor(message: string) {
    super('STAKING_REFUSED', message);
  }
}

/** The fields of `cairn_consensus` on a proof-of-stake node that staking needs. */
export interface PosConsensusJson {
  readonly kind: string;
  readonly currentSlot?: number;
  readonly slotDurationMs?: number;
  readonly epochLength?: number;
  /** wei, decimal (proof of stake). */
  readonly minStake?: string;
}

/** `cairn_staking(address)`: amounts in wei as decimal strings. */
export interface StakingJson {
  readonly bonded: string;
  readonly pending: readonly { readonly kind: 'stake' | 'unstake'; readonly amount: string; readonly effectiveEpoch: number }[];
}

/** `cairn stake` and `cairn unstake`: `op` says which. */
export function stakingCommand(op: 'stake' | 'unstake') {
  return async (argv: string[], print: (line: string) => void): Promise<void> => {
    const { values, positionals } = parse(argv, OPTIONS, STAKE_USAGE);
    if (values.help) return print(STAKE_USAGE);
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"\n\n${STAKE_USAGE}`);
    if (values.amount === undefined) throw new UsageError(`--amount is required (in ether, e.g. --amount 32)\n\n${STAKE_USAGE}`);
    const amount = parseEther(values.amount);
    if (amount === 0n) throw new UsageError('--amount must be more than 0');
    const privateKey = await loadSigningKey(values);
    const from = toChecksumAddress(addressOfPrivateKey(privateKey));
    const client = new RpcClient(values.rpc ?? DEFAULT_RPC_URL);
    // On a chain without validators the staking address is an ordinary account: the value would be lost there.
    const consensus = await client.call<PosConsensusJson>('cairn_consensus');
    if (consensus.kind !== 'pos') {
      throw new UsageError(`the node at ${client.url} has no staking: this chain runs ${consensus.kind}, and staking is for proof of stake`);
    }
    const [staking, balance] = await Promise.all([
      client.call<StakingJson>('cairn_staking', [from]).catch((err: unknown) => {
        if (err instanceof RpcClientError && err.rpcCode !== undefined) {
          throw new UsageError(`the node at ${client.url} has no staking: ${err.message.replace(/^cairn_staking: /, '')}`);
        }
        throw err;
      }),
      client.call<string>('eth_getBalance', [from, 'latest']),
    ]);
    const refusal = stakingRefusal(op, amount, { address: from, balance: parseQuantity(balance), staking }, BigInt(consensus.minStake ?? 0));
    if (refusal !== undefined) throw new StakingRefusedError(`${op} refused, nothing sent: ${refusal}`);
    const document = op === 'stake' ? { op } : { op, amount: amount.toString() };
    const receipt = await signAndSubmit(
      client,
      privateKey,
      { to: STAKING_ADDRESS, value: op === 'stake' ? amount : 0n, data: utf8ToBytes(JSON.stringify(document)) },
      waitOptions(values),
      print,
    );
    if (receipt === undefined || receipt.status !== '0x1') return;
    const now = await client.call<PosConsensusJson>('cairn_consensus');
    for (const line of stakingOutcome(receipt, from, now)) print(line);
  };
}

/**
 * Why the staking module would refuse this operation, judged from the
 * account's staking record and balance at the node's head; undefined when
 * it may pass. The account rules are the module's own (accountRefusal),
 * checked here so a refusal does not cost a transaction's fee, and worded
 * in ether with what to do instead; the module still decides.
 */
export function stakingRefusal(
  op: 'stake' | 'unstake',
  amount: bigint,
  account: { readonly address: string; readonly balance: bigint; readonly staking: StakingJson },
  minStake: bigint,
): string | undefined {
  const { address, balance, staking } = account;
  if (op === 'stake' && balance < amount) {
    return `${address} holds ${formatEther(balance)} ETH, less than the ${formatEther(amount)} ETH to stake (plus gas); fund it first`;
  }
  const stake = { bonded: BigInt(staking.bonded), pending: staking.pending.map((change) => ({ kind: change.kind, amount: BigInt(change.amount) })) };
  const refusal = accountRefusal(op, amount, stake, minStake);
  if (refusal === undefined) return undefined;
  if (refusal.rule === 'insufficient') {
    if (refusal.available > 0n) return `${address} has ${formatEther(refusal.available)} ETH bonded and not already unstaking; unstake at most that`;
    const joining = staking.pending.find((change) => change.kind === 'stake');
    if (joining === undefined) return `${address} has no bonded stake to unstake`;
    return `${address} has no bonded stake yet: its stake counts from epoch ${joining.effectiveEpoch}, and can be unstaked from then on`;
  }
  const { after } = refusal;
  if (op === 'stake') {
    return (
      `${address} would have ${formatEther(after)} ETH staked, below the minimum stake of ${formatEther(minStake)} ETH; ` +
      `stake at least ${formatEther(minStake - (after - amount))} ETH`
    );
  }
  const projected = after + amount;
  return (
    `unstaking ${formatEther(amount)} ETH would leave ${formatEther(after)} ETH staked, below the minimum stake of ${formatEther(minStake)} ETH; ` +
    `unstake at most ${formatEther(projected > minStake ? projected - minStake : 0n)} ETH, or all ${formatEther(projected)} ETH`
  );
}

/**
 * What an included stake or unstake did, from its Staked / Unstaked log
 * (data: amount ‖ effective epoch [‖ release epoch], 32-byte words), with
 * the time to that epoch from the node's current slot.
 */
export function stakingOutcome(receipt: CliReceipt, address: string, consensus: PosConsensusJson): string[] {
  const inWords = (data: string): bigint[] => {
    const bytes = hexToBytes(data);
    return Array.from({ length: bytes.length / 32 }, (_, i) => BigInt(bytesToHex(bytes.subarray(32 * i, 32 * (i + 1)))));
  };
  const staked = bytesToHex(STAKED_TOPIC);
  const unstaked = bytesToHex(UNSTAKED_TOPIC);
  const lines: string[] = [];
  for (const log of receipt.logs) {
    const topic = log.topics[0];
    if (topic !== staked && topic !== unstaked) continue;
    const [amount = 0n, effective = 0n, release = 0n] = inWords(log.data);
    if (topic === staked) {
      lines.push(`staked ${formatEther(amount)} ETH: it counts from epoch ${effective}${untilEpoch(Number(effective), consensus)}`);
      lines.push(`${address} proposes and votes only while a node runs with its key: cairn start --validator-key <its key file>`);
    } else {
      lines.push(
        `unstaked ${formatEther(amount)} ETH: it stops counting at epoch ${effective}${untilEpoch(Number(effective), consensus)}, ` +
          `and returns to ${address} at epoch ${release}${untilEpoch(Number(release), consensus)}; slashable until then`,
      );
    }
  }
  return lines;
}

function untilEpoch(epoch: number, consensus: PosConsensusJson): string {
  const { currentSlot, slotDurationMs, epochLength } = consensus;
  if (currentSlot === undefined || slotDurationMs === undefined || epochLength === undefined) return '';
  const seconds = Math.max(0, Math.ceil(((epoch * epochLength - currentSlot) * slotDurationMs) / 1000));
  return ` (in about ${seconds} s)`;
}
