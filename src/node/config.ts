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
    /** Host names the JSON-RPC endpoint answers to besides IP addresses; "*" for any. */
    readonly vhosts: readonly string[];
  };
  readonly p2p: NetworkConfig;
  readonly mine: boolean;
  /** Proof of stake: the validator's private key (32 bytes); the node then proposes and votes. */
  readonly validatorKey: Uint8Array | undefined;
  /** Receives block rewards and tips; undefined = the zero address (rewards burned). */
  readonly coinbase: Uint8Array | undefined;
  readonly minerThreads: number;
  readonly recovery: 'auto' | 'native' | 'noble';
  readonly logLevel: LogLevel;
}

/** The p2p edge's settings (src/p2p/service.ts). */
export interface NetworkConfig {
  /** Listen address: an IPv4 or IPv6 literal; 127.0.0.1 keeps the node off the network. */
  readonly host: string;
  /** TCP port; 0 picks a free one. */
  readonly port: number;
  /** Multiaddrs ending in /p2p/<peer id>, connected at start and redialled while missing. */
  readonly bootstrap: readonly string[];
  /** Find and dial peers on the local network with multicast DNS. */
  readonly mdns: boolean;
}

export const DEFAULT_RPC_HOST = '127.0.0.1';
export const DEFAULT_RPC_PORT = 8545;
export const DEFAULT_P2P_HOST = '127.0.0.1';
export const DEFAULT_P2P_PORT = 30333;

export function defaultDataDir(chainId: bigint): string {
  return join(homedir(), '.cairn', chainId.toString());
}
