import { signTransaction } from '../../ledger/tx/encode.js';
import type { TxType, UnsignedTransaction } from '../../ledger/tx/types.js';
import { toChecksumAddress } from '../../primitives/address.js';
import { bytesToHex, hexToBytes, isHexData, parseQuantity, toQuantity } from '../../primitives/hex.js';
import { addressOfPrivateKey } from '../../primitives/keys.js';
import { addressArg, DEFAULT_RPC_URL, parse, parsePositiveInt } from '../args.js';
import { UsageError } from '../errors.js';
import { parsePrivateKey, readKeyFile } from '../keyfile.js';
import { RpcClient } from '../rpc-client.js';
import { formatEther, parseEther } from '../units.js';

export const WALLET_USAGE = `Usage:
  cairn wallet balance <address> [--rpc <url>]
  cairn wallet nonce <address> [--rpc <url>]
  cairn wallet send --to <address> --value <ether> (--key <file> | --private-key <hex>)
                    [--type 0|1|2] [--data <0x…>] [--no-wait] [--timeout <s>] [--rpc <url>]

Talks to a node over JSON-RPC only (default ${DEFAULT_RPC_URL}); keys never leave this process.
  balance   the account's balance in ether (and wei)
  nonce     the next nonce: latest, and pending (counting pooled transactions)
  send      signs a transfer (type 2 EIP-1559 by default; 0 legacy EIP-155, 1 EIP-2930),
            submits it and waits for its receipt (up to --timeout seconds, default 60)`;

const OPTIONS = {
  rpc: { type: 'string' },
  to: { type: 'string' },
  value: { type: 'string' },
  key: { type: 'string' },
  'private-key': { type: 'string' },
  type: { type: 'string' },
  data: { type: 'string' },
  'no-wait': { type: 'boolean' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

interface RpcReceipt {
  status: string;
  blockNumber: string;
  gasUsed: string;
  effectiveGasPrice: string;
}

export async function walletCommand(argv: string[], print: (line: string) => void): Promise<void> {
  const { values, positionals } = parse(argv, OPTIONS, WALLET_USAGE);
  if (values.help) return print(WALLET_USAGE);
  const client = new RpcClient(values.rpc ?? DEFAULT_RPC_URL);
  const [sub, arg] = positionals;
  switch (sub) {
    case 'balance': {
      const address = toChecksumAddress(addressArg(arg, 'the address to look up'));
      const wei = parseQuantity(await client.call<string>('eth_getBalance', [address, 'latest']));
      return print(`${formatEther(wei)} ETH (${wei} wei)`);
    }
    case 'nonce': {
      const address = toChecksumAddress(addressArg(arg, 'the address to look up'));
      const [latest, pending] = await Promise.all([
        client.call<string>('eth_getTransactionCount', [address, 'latest']),
        client.call<string>('eth_getTransactionCount', [address, 'pending']),
      ]);
      return print(`latest ${parseQuantity(latest)}, pending ${parseQuantity(pending)}`);
    }
    case 'send':
      return send(client, values, print);
    default:
      throw new UsageError(sub ? `unknown wallet command "${sub}"\n\n${WALLET_USAGE}` : WALLET_USAGE);
  }
}

type SendValues = ReturnType<typeof parse<typeof OPTIONS>>['values'];

async function send(client: RpcClient, values: SendValues, print: (line: string) => void): Promise<void> {
  const privateKey = await loadKey(values);
  const to = addressArg(values.to, '--to');
  if (values.value === undefined) throw new UsageError('--value is required (in ether, e.g. --value 1.5)');
  const value = parseEther(values.value);
  const type = parseType(values.type);
  if (values.data !== undefined && !isHexData(values.data)) throw new UsageError('--data must be 0x-prefixed hex with an even number of digits');
  const data = values.data ? hexToBytes(values.data) : new Uint8Array(0);
  const from = toChecksumAddress(addressOfPrivateKey(privateKey));

  const [chainId, nonce, gas, latest] = await Promise.all([
    client.call<string>('eth_chainId'),
    client.call<string>('eth_getTransactionCount', [from, 'pending']),
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
    nonce: parseQuantity(nonce),
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
  print(`sent ${hash} from ${from} (nonce ${unsigned.nonce})`);
  if (values['no-wait']) return;

  const timeoutS = values.timeout ? parsePositiveInt(values.timeout, '--timeout') : 60;
  const deadline = Date.now() + timeoutS * 1000;
  while (Date.now() < deadline) {
    const receipt = await client.call<RpcReceipt | null>('eth_getTransactionReceipt', [hash]);
    if (receipt) {
      const fee = parseQuantity(receipt.gasUsed) * parseQuantity(receipt.effectiveGasPrice);
      const ok = receipt.status === '0x1';
      print(`${ok ? 'included' : 'FAILED'} in block ${parseQuantity(receipt.blockNumber)}, gas used ${parseQuantity(receipt.gasUsed)}, fee ${formatEther(fee)} ETH`);
      if (!ok) process.exitCode = 1;
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new UsageError(`no receipt for ${hash} after ${timeoutS} s: it is still in the pool; check later with eth_getTransactionReceipt`);
}

async function loadKey(values: SendValues): Promise<Uint8Array> {
  if (values.key && values['private-key']) throw new UsageError('give either --key <file> or --private-key <hex>, not both');
  if (values.key) return readKeyFile(values.key);
  if (values['private-key']) return parsePrivateKey(values['private-key'], '--private-key');
  throw new UsageError('a signing key is required: --key <file> (see "cairn keys new") or --private-key <hex>');
}

function parseType(text: string | undefined): TxType {
  if (text === undefined || text === '2') return 2;
  if (text === '0') return 0;
  if (text === '1') return 1;
  throw new UsageError(`--type must be 0 (legacy), 1 (EIP-2930) or 2 (EIP-1559), got "${text}"`);
}
