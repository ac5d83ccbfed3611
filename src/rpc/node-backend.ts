import { requiredGas } from '../ledger/execution.js';
import type { CairnNode } from '../node/node.js';
import { chainProofSource } from '../node/provenance/index.js';
import { CLIENT_VERSION } from '../node/version.js';
import type { PeerInfo, RpcBackend } from './backend.js';

/**
 * What the RPC reads of the node's network: the p2p edge (P2PService)
 * provides it; the CLI, which builds both, hands it over, so the RPC never
 * imports the p2p layer.
 */
export interface NetworkView {
  readonly peerId: string;
  listenAddresses(): readonly string[];
  peers(): readonly PeerInfo[];
  peerCount(): number;
}

/**
 * Adapts a running node (chain, mempool, engine, sync) and its network to
 * what the JSON-RPC layer reads. `network` is read on every call: the RPC
 * answers before the p2p edge has started, and until then (or without a
 * network) the networking fields stay empty. Raw transactions go through the node, which tells the network
 * to gossip them.
 */
export function createNodeBackend(node: CairnNode, network: () => NetworkView | undefined): RpcBackend {
  const { chain, mempool, engine } = node;
  const proofSource = chainProofSource(chain, node.genesis);
  return {
    chainId: node.genesis.chainId,
    genesisHash: chain.genesisHash,
    clientVersion: CLIENT_VERSION,
    head: () => chain.head,
    checkpoints: () => chain.checkpoints(),
    headState: () => chain,
    proofSource: () => proofSource,
    consensusViews: () => {
      const { views } = engine;
      if (views === undefined) return undefined;
      return {
        validators: () => views.validators(chain.head.header, chain, Date.now()),
        finality: () => views.finality(chain.head.header, chain),
        staking: (address) => views.staking(chain, address),
      };
    },
    getBlockByNumber: (n) => chain.getBlockByNumber(n),
    getBlockByHash: (hash) => chain.getBlockByHash(hash),
    getEncodedBlockByNumber: (n) => chain.getEncodedBlockByNumber(n),
    getEncodedBlockByHash: (hash) => chain.getEncodedBlockByHash(hash),
    getHeaderByNumber: (n) => chain.getHeaderByNumber(n),
    getBlockReceipts: (hash) => chain.getBlockReceipts(hash),
    getReceipt: (hash) => chain.getReceipt(hash),
    getAccount: (address) => chain.getAccount(address),
    pendingNonce: (address) => mempool.pendingNonce(address),
    getPendingTransaction: (hash) => mempool.get(hash),
    mempoolContent: () => mempool.content(),
    mempoolCounts: () => mempool.stats(),
    submitRawTransaction: (raw) => node.submitTransaction(raw),
    onHeadChange: (listener) => {
      chain.on('head', listener);
      return () => {
        chain.off('head', listener);
      };
    },
    onPendingTransactions: (listener) => mempool.onAdmitted(listener),
    nextBaseFee: () => chain.nextBaseFee(),
    estimateGas: (call) => requiredGas(call, chain.modules),
    sealFields: (header) => engine.sealFields(header),
    nodeInfo: () => ({
      dataDir: node.dataDir,
      recoveryBackend: node.backend.name,
      peerId: network()?.peerId ?? null,
      listenAddresses: network()?.listenAddresses() ?? [],
      producing: node.mining,
      mempoolSize: mempool.size,
    }),
    consensusStatus: () => ({ kind: engine.kind, details: engine.status(chain.head.header, chain) }),
    peers: () => network()?.peers() ?? [],
    peerCount: () => network()?.peerCount() ?? 0,
    syncing: () => node.sync.progress(),
  };
}
