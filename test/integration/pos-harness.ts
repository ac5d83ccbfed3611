import { chainDomain, parsePosParams } from '../../src/consensus/pos/params.js';
import { decodeSection } from '../../src/consensus/pos/seal.js';
import type { ChainDomain } from '../../src/consensus/pos/signing.js';
import { decodeBlockUnrecovered } from '../../src/ledger/block/block.js';
import { toChecksumAddress } from '../../src/primitives/address.js';
import { hexToBytes } from '../../src/primitives/hex.js';
import { rpc, waitFor, type Network, type NodeProcess } from './harness.js';

/** Proof-of-stake views of a node over JSON-RPC, and the chain's epochs and signing domain from its genesis. */

export interface Checkpoint {
  number: number;
  hash: string;
}

export interface Finality {
  head: Checkpoint;
  safe: Checkpoint;
  finalized: Checkpoint;
  tallies: { target: Checkpoint; stake: string; totalStake: string; voters: number }[];
}

export interface Validators {
  epoch: number;
  slot: number;
  totalStake: string;
  validators: { address: string; stake: string }[];
  nextProposers: { slot: number; proposer: string }[];
}

export interface Staking {
  address: string;
  bonded: string;
  pending: { kind: 'stake' | 'unstake'; amount: string; effectiveEpoch: number }[];
  unbonding: { amount: string; releaseEpoch: number }[];
  slashed: boolean;
}

export const finality = (node: NodeProcess): Promise<Finality> => rpc<Finality>(node.url, 'cairn_finality');

export const validators = (node: NodeProcess): Promise<Validators> => rpc<Validators>(node.url, 'cairn_validators');

export const staking = (node: NodeProcess, address: string): Promise<Staking> => rpc<Staking>(node.url, 'cairn_staking', [address]);

export const sameAddress = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** Waits until `node` has finalized block `height` or a later one; resolves its finalized checkpoint. */
export async function waitForFinalized(node: NodeProcess, height: number, timeoutMs = 60_000): Promise<Checkpoint> {
  return waitFor(
    `${node.url} to finalize block ${height}`,
    async () => {
      const { finalized } = await finality(node);
      return finalized.number >= height ? finalized : undefined;
    },
    timeoutMs,
    100,
  );
}

/** What tests need of genesis.json's PoS section: epochs, and the domain validators sign in (src/consensus/pos/params.ts). */
export interface PosChain {
  readonly epochLength: number;
  readonly domain: ChainDomain;
}

export function posChain(net: Network): PosChain {
  const consensus = net.genesis['consensus'] as { type: string; pos?: Record<string, unknown> };
  if (consensus.type !== 'pos' || consensus.pos === undefined) throw new Error(`network ${net.dir} is not a proof-of-stake chain`);
  const params = parsePosParams(consensus.pos);
  const genesisTime = net.genesis['timestamp'] as number;
  return {
    epochLength: params.epochLength,
    domain: chainDomain(BigInt(net.genesis['chainId'] as number), genesisTime, params),
  };
}

export interface SlotBlock {
  readonly number: number;
  readonly slot: number;
  readonly epoch: number;
  /** Checksummed. */
  readonly proposer: string;
}

/**
 * Canonical block `n` of `node` with its slot, read from the block's own
 * bytes (debug_getRawBlock): JSON-RPC's timestamp is in whole seconds, too
 * coarse for short slots.
 */
export async function slotBlock(node: NodeProcess, chain: PosChain, n: number): Promise<SlotBlock> {
  const raw = await rpc<string | null>(node.url, 'debug_getRawBlock', ['0x' + n.toString(16)]);
  if (raw === null) throw new Error(`${node.url} has no block ${n}`);
  const { header } = decodeBlockUnrecovered(hexToBytes(raw));
  const { slot } = decodeSection(header);
  return { number: n, slot, epoch: Math.floor(slot / chain.epochLength), proposer: toChecksumAddress(header.coinbase) };
}
