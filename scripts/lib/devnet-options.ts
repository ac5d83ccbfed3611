import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_POS, type PosSettings } from './pos-genesis.js';

/** The devnet command's options: parsed and checked here, without I/O, so a test can run every refusal. */

/**
 * One default folder per consensus, so a proof-of-work and a proof-of-stake
 * devnet run side by side (a class comparing them) without either refusing
 * the other's folder, or --fresh wiping a running one.
 */
export const DEFAULT_DIRS = { pow: 'data/devnet', pos: 'data/devnet-pos' } as const;

export const USAGE = `Usage: npm run devnet -- [options]

Starts a network of Cairn nodes on 127.0.0.1, each in its own process.
  --nodes <n>           how many nodes (default 3)
  --consensus <kind>    pow (default) or pos
  --miners <k>          pow: how many nodes mine: nodes 0..k-1 (default 1; 0 = none)
  --validators <k>      pos: how many nodes validate, each with its own key and
                        an equal genesis stake: nodes 0..k-1 (default: all)
  --slot-ms <ms>        pos: slot duration (default ${DEFAULT_POS.slotDurationMs})
  --epoch <slots>       pos: slots per epoch (default ${DEFAULT_POS.epochLength})
  --datadir <dir>       devnet folder: genesis, data directories, logs (default
                        ./${DEFAULT_DIRS.pow}, with --consensus pos ./${DEFAULT_DIRS.pos});
                        kept across runs, so chains resume; one devnet at a time each
  --fresh               wipe the folder first: new genesis, new chains, new peer ids
  --rpc-port <port>     node i serves JSON-RPC on port+i (default: free ports)
  --log-level <level>   the nodes' log level: error, warn, info (default) or debug
  -h, --help            this text`;

export interface DevnetOptions {
  readonly nodes: number;
  readonly consensus: 'pow' | 'pos';
  readonly miners: number;
  readonly validators: number;
  readonly pos: PosSettings;
  /** Absolute. */
  readonly dir: string;
  readonly fresh: boolean;
  readonly rpcPort: number | undefined;
  readonly logLevel: string;
}

export class UsageError extends Error {
  constructor(
    message: string,
    readonly showUsage = false,
  ) {
    super(message);
  }
}

/** `repo` anchors the default folder, so the devnet finds its chains whatever the current directory. */
export function parseDevnetOptions(argv: readonly string[], repo: string): DevnetOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        nodes: { type: 'string' },
        miners: { type: 'string' },
        validators: { type: 'string' },
        'slot-ms': { type: 'string' },
        epoch: { type: 'string' },
        consensus: { type: 'string' },
        datadir: { type: 'string' },
        fresh: { type: 'boolean' },
        'rpc-port': { type: 'string' },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message, true);
  }
  const { values } = parsed;
  if (values.help) return 'help';
  const consensus = values.consensus ?? 'pow';
  if (consensus !== 'pow' && consensus !== 'pos') throw new UsageError(`--consensus must be pow or pos, got "${consensus}"`);
  const nodes = wholeNumber(values.nodes ?? '3', '--nodes', 1, 64);
  if (consensus === 'pow' && (values.validators ?? values['slot-ms'] ?? values.epoch) !== undefined) {
    throw new UsageError('--validators, --slot-ms and --epoch are for --consensus pos');
  }
  if (consensus === 'pos' && values.miners !== undefined) throw new UsageError('--miners is for --consensus pow; proof of stake has --validators');
  const miners = consensus === 'pow' ? wholeNumber(values.miners ?? '1', '--miners', 0, nodes) : 0;
  const validators = consensus === 'pos' ? wholeNumber(values.validators ?? String(nodes), '--validators', 1, nodes) : 0;
  const pos: PosSettings = {
    ...DEFAULT_POS,
    slotDurationMs: wholeNumber(values['slot-ms'] ?? String(DEFAULT_POS.slotDurationMs), '--slot-ms', 100, 60_000),
    epochLength: wholeNumber(values.epoch ?? String(DEFAULT_POS.epochLength), '--epoch', 1, 1024),
  };
  const rpcPort = values['rpc-port'] === undefined ? undefined : wholeNumber(values['rpc-port'], '--rpc-port', 1, 65535 - nodes + 1);
  const logLevel = values['log-level'] ?? 'info';
  if (!['error', 'warn', 'info', 'debug'].includes(logLevel)) throw new UsageError(`--log-level must be error, warn, info or debug, got "${logLevel}"`);
  const dir = resolve(values.datadir ?? join(repo, DEFAULT_DIRS[consensus]));
  return { nodes, consensus, miners, validators, pos, dir, fresh: values.fresh === true, rpcPort, logLevel };
}

function wholeNumber(text: string, flag: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${flag} must be a whole number from ${min} to ${max}, got "${text}"`);
  return n;
}
