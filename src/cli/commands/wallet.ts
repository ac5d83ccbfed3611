import type { TxType } from '../../ledger/tx/types.js';
import { toChecksumAddress } from '../../primitives/address.js';
import { hexToBytes, isHexData, parseQuantity } from '../../primitives/hex.js';
import { addressArg, DEFAULT_RPC_URL, parse } from '../args.js';
import { UsageError } from '../errors.js';
import { RpcClient } from '../rpc-client.js';
import { loadSigningKey, signAndSubmit, waitOptions } from '../submit.js';
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

export async function walletCommand(argv: string[], print: (line: string) => void): Promise<void> {
  const { values, positionals } = parse(argv, OPTIONS, WALLET_USAGE);
  if (values.help) return print(WALLET_USAGE);
  const client = new RpcClient(values.rpc ?? DEFAULT_RPC_URL);
  const [sub, arg] = positionals;
  const expected = sub === 'balance' || sub === 'nonce' ? 2 : 1;
  if (positionals.length > expected) throw new UsageError(`unexpected argument "${positionals[expected]}"\n\n${WALLET_USAGE}`);
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
  const privateKey = await loadSigningKey(values);
  const to = addressArg(values.to, '--to');
  if (values.value === undefined) throw new UsageError('--value is required (in ether, e.g. --value 1.5)');
  const value = parseEther(values.value);
  const type = parseType(values.type);
  if (values.data !== undefined && !isHexData(values.data)) throw new UsageError('--data must be 0x-prefixed hex with an even number of digits');
  const data = values.data ? hexToBytes(values.data) : new Uint8Array(0);
  await signAndSubmit(client, privateKey, { to, value, data, type }, waitOptions(values), print);
}

function parseType(text: string | undefined): TxType {
  if (text === undefined || text === '2') return 2;
  if (text === '0') return 0;
  if (text === '1') return 1;
  throw new UsageError(`--type must be 0 (legacy), 1 (EIP-2930) or 2 (EIP-1559), got "${text}"`);
}
