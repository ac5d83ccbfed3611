/**
 * genesis.json, parsed and checked (CONTRACT: owner = ledger helper).
 *
 * Format (integers above 2^53 as decimal strings or 0x hex):
 * {
 *   "chainId": 13370,
 *   "timestamp": 1764028800000,            // ms
 *   "gasLimit": "30000000",
 *   "baseFee": "1000000000",               // wei, base fee of block 1's parent
 *   "blockReward": "2000000000000000000",  // wei to the producer per block
 *   "extraData": "0x",                     // optional
 *   "consensus": { "type": "pow", "pow": { ...engine params } },
 *   "alloc": { "0xf39F...": { "balance": "10000000000000000000000" } }
 * }
 */
import type { Account } from './state/types.js';

export interface ConsensusConfig {
  readonly type: string;
  /** The engine's own section, e.g. genesis.consensus.pow; the engine parses it. */
  readonly params: Readonly<Record<string, unknown>>;
}

export interface Genesis {
  readonly chainId: bigint;
  readonly timestamp: number;
  readonly gasLimit: bigint;
  readonly baseFee: bigint;
  readonly blockReward: bigint;
  readonly extraData: Uint8Array;
  readonly consensus: ConsensusConfig;
  /** Lowercase 0x address → account. */
  readonly alloc: ReadonlyMap<string, Account>;
}
