import { bytesToHex } from '../primitives/hex.js';

/**
 * Gossip topics and request/response protocol ids. Every name carries the
 * genesis hash, so nodes of different chains never mix messages even when
 * they happen to connect (DESIGN.md, "Networking").
 */

/** `votes` is reserved for proof of stake; the PoW node does not subscribe to it. */
export type TopicKind = 'blocks' | 'txs' | 'votes';

export type ProtocolKind = 'status' | 'blocks_by_range' | 'blocks_by_hash';

export function topicName(genesisHash: Uint8Array, kind: TopicKind): string {
  return `/cairn/${bytesToHex(genesisHash)}/${kind}`;
}

export function protocolId(genesisHash: Uint8Array, kind: ProtocolKind): string {
  return `/cairn/${bytesToHex(genesisHash)}/${kind}/1`;
}
