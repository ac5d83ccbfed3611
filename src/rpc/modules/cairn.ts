import { bytesToHex } from '../../primitives/hex.js';
import type { HeadViews, RpcBackend } from '../backend.js';
import type { MethodTable } from '../dispatch.js';
import { serverError } from '../errors.js';
import { address, arity } from '../params.js';

/**
 * cairn_: the node itself, for `cairn status` and operators. Unlike eth_,
 * these answers are for people and scripts rather than wallet libraries:
 * block numbers, counts and millisecond times are JSON numbers (always safe
 * integers), big integers such as the chain id are decimal strings, hashes
 * are 0x hex.
 */
export function cairnMethods(backend: RpcBackend): MethodTable {
  const chainId = backend.chainId.toString(10);
  const genesisHash = bytesToHex(backend.genesisHash);
  const views = (): HeadViews => {
    const engineViews = backend.consensusViews();
    if (engineViews === undefined) {
      throw serverError(`this chain runs ${backend.consensusStatus().kind}: it has no validators or stakes (those are proof-of-stake notions)`);
    }
    return engineViews;
  };
  const finalized = async (): Promise<{ number: number; hash: string | null }> => {
    const number = backend.checkpoints().finalized;
    const block = await backend.getBlockByNumber(number);
    return { number, hash: block === undefined ? null : bytesToHex(block.hash) };
  };
  return {
    cairn_nodeInfo: async (params) => {
      arity(params, 0, 0);
      const info = backend.nodeInfo();
      const head = backend.head();
      return {
        clientVersion: backend.clientVersion,
        chainId,
        genesisHash,
        consensus: backend.consensusStatus().kind,
        head: { number: head.header.number, hash: bytesToHex(head.hash), timestamp: head.header.timestamp },
        finalized: await finalized(),
        dataDir: info.dataDir,
        recoveryBackend: info.recoveryBackend,
        peerId: info.peerId,
        listenAddresses: info.listenAddresses,
        producing: info.producing,
        mempoolSize: info.mempoolSize,
        peerCount: backend.peerCount(),
        syncing: backend.syncing() !== false,
      };
    },

    // The engine's own fields (difficulty, target, validators...) follow kind and finalized.
    cairn_consensus: async (params) => {
      arity(params, 0, 0);
      const { kind, details } = backend.consensusStatus();
      return { kind, finalized: await finalized(), ...details };
    },

    /** The validator set, stakes and next proposers (proof of stake). */
    cairn_validators: (params) => {
      arity(params, 0, 0);
      return views().validators();
    },

    /** The head, safe and finalized blocks, and under PoS the vote tallies and the votes of recent heights. */
    cairn_finality: async (params) => {
      arity(params, 0, 0);
      const head = backend.head();
      const pointer = { number: head.header.number, hash: bytesToHex(head.hash) };
      const engineViews = backend.consensusViews();
      if (engineViews !== undefined) return { head: pointer, ...engineViews.finality() };
      const { safe } = backend.checkpoints();
      const safeBlock = await backend.getBlockByNumber(safe);
      return { head: pointer, safe: { number: safe, hash: safeBlock === undefined ? null : bytesToHex(safeBlock.hash) }, finalized: await finalized(), tallies: [], recent: [] };
    },

    /** An account's bonded stake, pending changes and unbonding funds (proof of stake). */
    cairn_staking: (params) => {
      arity(params, 1, 1);
      return views().staking(address(params[0], 0));
    },

    cairn_peers: (params) => {
      arity(params, 0, 0);
      return backend.peers().map((peer) => ({ id: peer.id, addresses: peer.addresses, headNumber: peer.headNumber, score: peer.score }));
    },

    cairn_syncStatus: (params) => {
      arity(params, 0, 0);
      const progress = backend.syncing();
      const head = backend.head().header.number;
      return progress === false
        ? { syncing: false, startingBlock: head, currentBlock: head, highestBlock: head, peerCount: backend.peerCount() }
        : { syncing: true, ...progress, peerCount: backend.peerCount() };
    },
  };
}

