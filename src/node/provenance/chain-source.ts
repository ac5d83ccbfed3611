import type { Blockchain } from '../../chain/blockchain.js';
import type { Genesis } from '../../ledger/genesis.js';
import type { ProofSource } from './source.js';

/** The node's ProofSource: its chain, read at the head. */
export function chainProofSource(chain: Blockchain, genesis: Genesis): ProofSource {
  return {
    identity: () => ({ chainId: genesis.chainId, genesisHash: chain.genesisHash, blockReward: genesis.blockReward, consensus: genesis.consensus }),
    checkpoints: () => ({ head: chain.head.header.number, finalized: chain.checkpoints().finalized }),
    headerByNumber: (n) => chain.getHeaderByNumber(n),
    consensusBodyByNumber: async (n) => (await chain.getBlockByNumber(n))?.consensusBody,
    state: chain,
    blockByHash: (hash) => chain.getBlockByHash(hash),
    receipts: (blockHash) => chain.getBlockReceipts(blockHash),
    txLocation: async (txHash) => {
      const found = await chain.getTransaction(txHash);
      return found === undefined ? undefined : { blockHash: found.blockHash, blockNumber: found.blockNumber, index: found.index };
    },
  };
}
