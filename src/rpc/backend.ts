import type { Checkpoints, JsonRecord } from '../consensus/engine.js';
import type { Block, BlockHeader, Receipt } from '../ledger/block/types.js';
import type { RecordScanner } from '../ledger/modules/supply/index.js';
import type { ProofSource } from '../node/provenance/index.js';
import type { Account, RecordReader } from '../ledger/state/types.js';
import type { AccessListEntry, SignedTransaction } from '../ledger/tx/types.js';

/**
 * Everything the JSON-RPC layer reads from or hands to the node. The node
 * adapts its Blockchain, Mempool, engine and p2p service to this interface;
 * the RPC never sees them, so it can be tested against an in-memory fake.
 *
 * Synchronous members must be cheap (they serve the hot methods:
 * eth_chainId, eth_blockNumber, eth_getBalance, eth_getTransactionCount).
 * Everything a block makes visible (head, accounts, blocks, receipts, tx
 * lookups) must change atomically (WALLET-RPC.md §1, ethers' replacement check).
 */
export interface HeadViews {
  validators(): JsonRecord;
  finality(): JsonRecord;
  staking(address: Uint8Array): JsonRecord;
}

export interface RpcBackend {
  /** EIP-155 chain id from genesis. */
  readonly chainId: bigint;
  readonly genesisHash: Uint8Array;
  /** web3_clientVersion, e.g. "Cairn/v0.1.0/node-v20.20.2". */
  readonly clientVersion: string;

  /** The canonical head ("latest", "pending"). */
  head(): ChainPointer;
  /** The blocks the tags "safe" and "finalized" name (ConsensusEngine.checkpoints of the head). */
  checkpoints(): Checkpoints;

  /** The head state's system-module records (the supply_ namespace reads them). */
  headState(): RecordReader & RecordScanner;
  /**
   * The engine's JSON views of the head (cairn_validators, cairn_finality,
   * cairn_staking); undefined when the engine has no validators (PoW).
   */
  consensusViews(): HeadViews | undefined;
  /** What provenance proofs are built from (supply_getProof). */
  proofSource(): ProofSource;

  /** Canonical block at height `n`; undefined above the head. */
  getBlockByNumber(n: number): Promise<Block | undefined>;
  /** encodeBlock() of canonical block `n` / of any stored block, straight from storage; undefined if unknown. */
  getEncodedBlockByNumber(n: number): Promise<Uint8Array | undefined>;
  getEncodedBlockByHash(hash: Uint8Array): Promise<Uint8Array | undefined>;
  /** Any stored block (canonical or side chain); undefined if unknown. */
  getBlockByHash(hash: Uint8Array): Promise<Block | undefined>;
  /** Canonical header at height `n`, without the body (eth_getLogs skips empty blocks with it). */
  getHeaderByNumber(n: number): Promise<BlockHeader | undefined>;
  /** Receipts of a canonical block in tx order; undefined for an unknown or side-chain (never executed) block. */
  getBlockReceipts(blockHash: Uint8Array): Promise<readonly Receipt[] | undefined>;
  /**
   * A mined transaction on the canonical chain with its receipt and block
   * header: serves both eth_getTransactionByHash and eth_getTransactionReceipt.
   */
  getReceipt(txHash: Uint8Array): Promise<MinedTransaction | undefined>;

  /** Latest state; an unknown address is EMPTY_ACCOUNT. */
  getAccount(address: Uint8Array): Account;
  /** Account nonce plus the sender's contiguous pooled transactions ("pending" nonce). */
  pendingNonce(address: Uint8Array): bigint;
  /** A transaction waiting in the mempool, if any. */
  getPendingTransaction(txHash: Uint8Array): SignedTransaction | undefined;
  /** Every pooled transaction, split as the mempool splits them (the txpool_ namespace). */
  mempoolContent(): PoolContent;
  /** How many pooled transactions are pending and queued, without copying them (txpool_status). */
  mempoolCounts(): { readonly pending: number; readonly queued: number };
  /**
   * Decodes, validates, recovers and admits a raw transaction, resolving once
   * it is journaled. Throws InvalidTransactionError (geth wording) on refusal.
   */
  submitRawTransaction(raw: Uint8Array): Promise<SignedTransaction>;

  /**
   * Calls `listener` after every head change, once the change is visible to
   * the other methods; returns the unsubscribe function (eth_subscribe).
   */
  onHeadChange(listener: (change: ChainChange) => void): () => void;
  /** Calls `listener` with each batch of transactions the mempool admitted; returns the unsubscribe function. */
  onPendingTransactions(listener: (txs: readonly SignedTransaction[]) => void): () => void;

  /** Base fee of the next block (EIP-1559, from the head). */
  nextBaseFee(): bigint;
  /** Gas the call would use if sent as a transaction (intrinsic gas, plus module costs). */
  estimateGas(call: GasEstimateRequest): bigint;
  /**
   * The consensus values Ethereum tooling shows in a block: `difficulty`
   * (PoW difficulty; 0 under PoS), the 8-byte seal `nonce`, and
   * `totalDifficulty` when it is at hand. Missing → "0x0" / zero nonce / omitted.
   */
  sealFields(header: BlockHeader, hash: Uint8Array): SealFields;

  /** For cairn_nodeInfo. */
  nodeInfo(): NodeInfo;
  /** For cairn_consensus: the engine's kind and its status(head). */
  consensusStatus(): ConsensusStatus;
  /** Connected peers, for cairn_peers ([] without networking). */
  peers(): readonly PeerInfo[];
  /** Number of connected peers (net_peerCount). */
  peerCount(): number;
  /** False when following the network, else the range sync is working through. */
  syncing(): false | SyncProgress;
}

/** A head change: the blocks that joined the canonical chain and those a reorganisation took out, each list old → new. */
export interface ChainChange {
  readonly added: readonly Block[];
  readonly removed: readonly Block[];
}

/** The mempool's transactions, each list grouped by sender, each sender's in nonce order. */
export interface PoolContent {
  /** Executable now: consecutive nonces from the sender's account nonce. */
  readonly pending: readonly SignedTransaction[];
  /** Behind a nonce gap: waiting for the missing nonce. */
  readonly queued: readonly SignedTransaction[];
}

export interface ChainPointer {
  readonly header: BlockHeader;
  readonly hash: Uint8Array;
}

export interface MinedTransaction {
  readonly tx: SignedTransaction;
  readonly receipt: Receipt;
  readonly blockHash: Uint8Array;
  readonly blockNumber: number;
  /** Position of the tx in its block. */
  readonly index: number;
  /** Block-wide index of the receipt's first log (logs of earlier txs come before). */
  readonly logIndexStart: number;
  readonly header: BlockHeader;
}

/** The parts of an eth_estimateGas call object that decide its gas. */
export interface GasEstimateRequest {
  readonly to: Uint8Array;
  readonly data: Uint8Array;
  readonly accessList: readonly AccessListEntry[];
}

export interface SealFields {
  readonly difficulty?: bigint;
  /** 8 bytes. */
  readonly nonce?: Uint8Array;
  readonly totalDifficulty?: bigint;
}

export interface NodeInfo {
  readonly dataDir: string;
  /** Sender-recovery backend in use, e.g. "native" or "noble". */
  readonly recoveryBackend: string;
  /** libp2p peer id; null without networking. */
  readonly peerId: string | null;
  readonly listenAddresses: readonly string[];
  /** True when this node mines or proposes blocks. */
  readonly producing: boolean;
  /** Transactions in the mempool. */
  readonly mempoolSize: number;
}

export interface ConsensusStatus {
  /** Engine kind from genesis: "pow" or "pos". */
  readonly kind: string;
  /** ConsensusEngine.status(head): difficulty, target, validators... JSON-safe values. */
  readonly details: Readonly<Record<string, string | number | boolean | null>>;
}

export interface PeerInfo {
  readonly id: string;
  /** Multiaddrs of the open connections. */
  readonly addresses: readonly string[];
  /** The peer's head height from its last status message, if known. */
  readonly headNumber: number | null;
  /** The node's score of the peer (0 clean, negative after offences). */
  readonly score: number;
}

export interface SyncProgress {
  readonly startingBlock: number;
  readonly currentBlock: number;
  readonly highestBlock: number;
}
