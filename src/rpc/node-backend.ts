import { intrinsicGas } from '../ledger/tx/validate.js';
import type { CairnNode } from '../node/node.js';
import { CLIENT_VERSION } from '../node/version.js';
import type { RpcBackend } from './backend.js';

/**
 * Adapts a running node (chain, mempool, engine) to what the JSON-RPC layer
 * reads. Networking fields stay empty until the node has a p2p service.
 */
export function createNodeBackend(node: CairnNode): RpcBackend {
  const { chain, mempool, engine } = node;
  return {
    chainId: node.genesis.chainId,
    genesisHash: chain.genesisHash,
    clientVersion: CLIENT_VERSION,
    head: () => chain.head,
    finalizedNumber: () => engine.finalizedNumber(chain.head.header),
    getBlockByNumber: (n) => chain.getBlockByNumber(n),
    getBlockByHash: (hash) => chain.getBlockByHash(hash),
    getHeaderByNumber: (n) => chain.getHeaderByNumber(n),
    getBlockReceipts: (hash) => chain.getBlockReceipts(hash),
    getReceipt: (hash) => chain.getReceipt(hash),
    getAccount: (address) => chain.getAccount(address),
    pendingNonce: (address) => mempool.pendingNonce(address),
    getPendingTransaction: (hash) => mempool.get(hash),
    submitRawTransaction: (raw) => mempool.add(raw),
    nextBaseFee: () => chain.nextBaseFee(),
    estimateGas: (call) => intrinsicGas(call),
    sealFields: (header) => engine.sealFields(header),
    nodeInfo: () => ({
      dataDir: node.dataDir,
      recoveryBackend: node.backend.name,
      peerId: null,
      listenAddresses: [],
      producing: node.mining,
      mempoolSize: mempool.size,
    }),
    consensusStatus: () => ({ kind: engine.kind, details: engine.status(chain.head.header) }),
    peers: () => [],
    peerCount: () => 0,
    syncing: () => false,
  };
}
