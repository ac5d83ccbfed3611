import { STAKING_ADDRESS } from '../../ledger/modules/staking/index.js';
import { bytesToHex, utf8ToBytes } from '../../primitives/hex.js';
import { DEFAULT_RPC_URL, parse } from '../args.js';
import { UsageError } from '../errors.js';
import { RpcClient, RpcClientError } from '../rpc-client.js';
import { loadSigningKey, signAndSubmit, waitOptions } from '../submit.js';
import { parseEther } from '../units.js';

export const STAKE_USAGE = `Usage:
  cairn stake --amount <ether> (--key <file> | --private-key <hex>) [--no-wait] [--timeout <s>] [--rpc <url>]
  cairn unstake --amount <ether> (--key <file> | --private-key <hex>) [--no-wait] [--timeout <s>] [--rpc <url>]

Proof-of-stake chains only. Signs an ordinary transaction to the staking
module (${bytesToHex(STAKING_ADDRESS)}) and waits for its receipt.
  stake     bonds <amount> ether from the key's account; it counts from the next epoch
  unstake   stops <amount> ether of the key's bonded stake counting from the next
            epoch; it returns to the account after the unbonding delay
A refused operation (below the minimum stake, more than is bonded...) fails
with its reason; see "cairn_staking" for an account's stake and pending changes.`;

const OPTIONS = {
  rpc: { type: 'string' },
  amount: { type: 'string' },
  key: { type: 'string' },
  'private-key': { type: 'string' },
  'no-wait': { type: 'boolean' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

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
    const client = new RpcClient(values.rpc ?? DEFAULT_RPC_URL);
    // On a chain without validators the staking address is an ordinary account: the value would be lost there.
    await client.call('cairn_validators').catch((err: unknown) => {
      if (err instanceof RpcClientError && err.rpcCode !== undefined) {
        throw new UsageError(`the node at ${client.url} has no staking: ${err.message.replace(/^cairn_validators: /, '')}`);
      }
      throw err;
    });
    const document = op === 'stake' ? { op } : { op, amount: amount.toString() };
    await signAndSubmit(
      client,
      privateKey,
      { to: STAKING_ADDRESS, value: op === 'stake' ? amount : 0n, data: utf8ToBytes(JSON.stringify(document)) },
      waitOptions(values),
      print,
    );
  };
}
