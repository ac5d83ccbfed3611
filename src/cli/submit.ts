import { signTransaction } from '../ledger/tx/encode.js';
import type { TxType, UnsignedTransaction } from '../ledger/tx/types.js';
import { toChecksumAddress } from '../primitives/address.js';
import { bytesToHex, parseQuantity, toQuantity } from '../primitives/hex.js';
import { addressOfPrivateKey } from '../primitives/keys.js';
import { parsePositiveInt } from './args.js';
import { UsageError } from './errors.js';
import { parsePrivateKey, readKeyFile } from './keyfile.js';
import type { RpcClient } from './rpc-client.js';
import { formatEther } from './units.js';

/** The receipt fields the CLI reads (eth_getTransactionReceipt, plus Cairn's `reason` on status 0x0). */
export interface CliReceipt {
  readonly status: string;
  readonly blockNumber: string;
  readonly gasUsed: string;
  readonly effectiveGasPrice: string;
  readonly logs: readonly { readonly topics: readonly string[]; readonly data: string }[];
  readonly reason?: string;
}

export interface CallRequest {
  readonly to: Uint8Array;
  readonly value: bigint;
  readonly data: Uint8Array;
  /** 2 (EIP-1559) unless given. */
  readonly type?: TxType;
}

export interface WaitOptions {
  /** Return after submitting, without waiting for the receipt. */
  readonly noWait: boolean;
  readonly timeoutS: number;
}

/** The key flags every signing command takes: --key <file> or --private-key <hex>. */
export async function loadSigningKey(values: { readonly key?: string; readonly 'private-key'?: string }): Promise<Uint8Array> {
  if (values.key && values['private-key']) throw new UsageError('give either --key <file> or --private-key <hex>, not both');
  if (values.key) return readKeyFile(values.key);
  if (values['private-key']) return parsePrivateKey(values['private-key'], '--private-key');
  throw new UsageError('a signing key is required: --key <file> (see "cairn keys new") or --private-key <hex>');
}

/** --no-wait and --timeout <s> (default 60). */
export function waitOptions(values: { readonly 'no-wait'?: boolean; readonly timeout?: string }): WaitOptions {
  return { noWait: values['no-wait'] ?? false, timeoutS: values.timeout ? parsePositiveInt(values.timeout, '--timeout') : 60 };
}

/** A transaction submitted: its hash, sender and nonce. */
export interface Submitted {
  readonly hash: string;
  readonly from: string;
  readonly nonce: bigint;
}

/**
 * Signs a transaction with the node's chain id, its gas estimate and fees as
 * viem and ethers pick them, and submits it. The nonce is the node's
 * pending nonce unless given (a script sending several at once counts its own).
 */
export async function submitCall(client: RpcClient, privateKey: Uint8Array, request: CallRequest, nonce?: bigint): Promise<Submitted> {
  const { to, value, data } = request;
  const type = request.type ?? 2;
  const from = toChecksumAddress(addressOfPrivateKey(privateKey));
  const [chainId, pending, gas, latest] = await Promise.all([
    client.call<string>('eth_chainId'),
    nonce === undefined ? client.call<string>('eth_getTransactionCount', [from, 'pending']) : Promise.resolve(toQuantity(nonce)),
    client.call<string>('eth_estimateGas', [{ from, to: bytesToHex(to), value: toQuantity(value), data: bytesToHex(data) }]),
    client.call<{ baseFeePerGas: string }>('eth_getBlockByNumber', ['latest', false]),
  ]);
  let gasPrice: bigint | null = null;
  let maxFeePerGas: bigint;
  let maxPriorityFeePerGas: bigint;
  if (type === 2) {
    maxPriorityFeePerGas = parseQuantity(await client.call<string>('eth_maxPriorityFeePerGas'));
    // Twice the base fee leaves room for six full blocks of base-fee rises, as viem and ethers do.
    maxFeePerGas = 2n * parseQuantity(latest.baseFeePerGas) + maxPriorityFeePerGas;
  } else {
    gasPrice = parseQuantity(await client.call<string>('eth_gasPrice'));
    maxFeePerGas = maxPriorityFeePerGas = gasPrice;
  }
  const unsigned: UnsignedTransaction = {
    type,
    chainId: parseQuantity(chainId),
    nonce: parseQuantity(pending),
    gasPrice,
    maxFeePerGas,
    maxPriorityFeePerGas,
    gasLimit: parseQuantity(gas),
    to,
    value,
    data,
    accessList: [],
  };
  const tx = signTransaction(unsigned, privateKey);
  const hash = await client.call<string>('eth_sendRawTransaction', [bytesToHex(tx.raw)]);
  return { hash, from, nonce: unsigned.nonce };
}

/**
 * submitCall, then waits for the receipt (printing a line for each step).
 * Sets a failing exit code for a status-0 receipt, whose reason it prints.
 * Returns the receipt, or undefined with --no-wait.
 */
export async function signAndSubmit(
  client: RpcClient,
  privateKey: Uint8Array,
  request: CallRequest,
  wait: WaitOptions,
  print: (line: string) => void,
): Promise<CliReceipt | undefined> {
  const { hash, from, nonce } = await submitCall(client, privateKey, request);
  print(`sent ${hash} from ${from} (nonce ${nonce})`);
  if (wait.noWait) return undefined;

  const deadline = Date.now() + wait.timeoutS * 1000;
  while (Date.now() < deadline) {
    const receipt = await client.call<CliReceipt | null>('eth_getTransactionReceipt', [hash]);
    if (receipt) {
      const fee = parseQuantity(receipt.gasUsed) * parseQuantity(receipt.effectiveGasPrice);
      const ok = receipt.status === '0x1';
      print(`${ok ? 'included' : 'FAILED'} in block ${parseQuantity(receipt.blockNumber)}, gas used ${parseQuantity(receipt.gasUsed)}, fee ${formatEther(fee)} ETH`);
      if (!ok) {
        if (receipt.reason !== undefined) print(`refused: ${receipt.reason}`);
        process.exitCode = 1;
      }
      return receipt;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new UsageError(`no receipt for ${hash} after ${wait.timeoutS} s: it is still in the pool; check later with eth_getTransactionReceipt`);
}
