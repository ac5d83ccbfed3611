import type { LightQuery } from '../../consensus/light/index.js';
import type { BlockHeader, Receipt } from '../../ledger/block/types.js';
import type { ConsensusConfig } from '../../ledger/genesis.js';
import type { Transaction } from '../../ledger/tx/types.js';

/**
 * What buildProof reads from a node. The node implements it over its
 * Blockchain and engine; every lookup is of the canonical chain except
 * blockByHash. Inherited from LightQuery: headerByNumber (canonical),
 * votesFor and validatorSet (PoS only: the light client asks for them).
 */
export interface ProofSource extends LightQuery {
  /** The chain's identity from genesis.json. */
  identity(): ChainIdentity;
  /** The head's number and the finalized block's number (ConsensusEngine.checkpoints of the head). */
  checkpoints(): { readonly head: number; readonly finalized: number };
  /** A stored block by hash (Blockchain.getBlockByHash); only its header and raw transactions are read. */
  blockByHash(hash: Uint8Array): Promise<SourceBlock | undefined>;
  /** A canonical block's receipts in transaction order (Blockchain.getBlockReceipts). */
  receipts(blockHash: Uint8Array): Promise<readonly Receipt[] | undefined>;
  /** Where a mined transaction sits on the canonical chain (Blockchain.getTransaction). */
  txLocation(txHash: Uint8Array): Promise<TxLocation | undefined>;
}

export interface ChainIdentity {
  readonly chainId: bigint;
  readonly genesisHash: Uint8Array;
  /** genesis.json `blockReward`: the genesis hash commits to it with the consensus rules. */
  readonly blockReward: bigint;
  /** genesis.json `consensus`: the engine's type and its parameters as the file gives them. */
  readonly consensus: ConsensusConfig;
}

export interface SourceBlock {
  readonly header: BlockHeader;
  readonly transactions: readonly Pick<Transaction, 'raw'>[];
}

export interface TxLocation {
  readonly blockHash: Uint8Array;
  readonly blockNumber: number;
  readonly index: number;
}

/** One event to prove: the transaction that made it and the item whose history holds it (a SupplyEvent fits). */
export interface ProofEventRef {
  readonly txHash: Uint8Array;
  /** The item id. */
  readonly id: string;
}
