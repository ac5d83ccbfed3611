import { homedir } from 'node:os';
import { join } from 'node:path';
import type { LogLevel } from './log.js';

/** Everything a node needs to start; the CLI fills it from flags. */
export interface NodeConfig {
  readonly genesisPath: string;
  /** Undefined: ~/.cairn/<chain id>, decided once the genesis is read. */
  readonly dataDir: string | undefined;
  readonly rpc: {
    readonly host: string;
    readonly port: number;
    /** Origins allowed by CORS; empty = CORS off. */
    readonly corsOrigins: readonly string[];
  };
  readonly mine: boolean;
  /** Receives block rewards and tips; undefined = the zero address (rewards burned). */
  readonly coinbase: Uint8Array | undefined;
  readonly minerThreads: number;
  readonly recovery: 'auto' | 'native' | 'noble';
  readonly logLevel: LogLevel;
}

export const DEFAULT_RPC_HOST = '127.0.0.1';
export const DEFAULT_RPC_PORT = 8545;

export function defaultDataDir(chainId: bigint): string {
  return join(homedir(), '.cairn', chainId.toString());
}
