import { DEFAULT_RPC_URL, parse } from '../args.js';
import { UsageError } from '../errors.js';
import { RpcClient } from '../rpc-client.js';

export const STATUS_USAGE = `Usage: cairn status [--rpc <url>] [--json]

Shows a running node's chain, head block, consensus, peers and sync state.
  --rpc <url>   the node's JSON-RPC endpoint (default ${DEFAULT_RPC_URL})
  --json        print the raw cairn_nodeInfo answer`;

export async function statusCommand(argv: string[], print: (line: string) => void): Promise<void> {
  const { values, positionals } = parse(argv, { rpc: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, STATUS_USAGE);
  if (values.help) return print(STATUS_USAGE);
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"\n\n${STATUS_USAGE}`);
  const client = new RpcClient(values.rpc ?? DEFAULT_RPC_URL);
  const [info, consensus, syncing, peers] = await Promise.all([
    client.call<Record<string, unknown>>('cairn_nodeInfo'),
    client.call<Record<string, unknown>>('cairn_consensus'),
    client.call<unknown>('eth_syncing'),
    client.call<string>('net_peerCount'),
  ]);
  if (values.json) return print(JSON.stringify({ info, consensus, syncing, peers }, null, 2));
  for (const [key, value] of Object.entries(info)) print(`${key.padEnd(18)} ${format(value)}`);
  for (const [key, value] of Object.entries(consensus)) print(`${('consensus.' + key).padEnd(18)} ${format(value)}`);
  print(`${'peers'.padEnd(18)} ${Number(BigInt(peers))}`);
  print(`${'syncing'.padEnd(18)} ${syncing === false ? 'no' : JSON.stringify(syncing)}`);
}

function format(value: unknown): string {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}
