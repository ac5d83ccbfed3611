import { Transaction as EthersTransaction } from 'ethers';
import type { Checkpoints } from '../../../src/consensus/engine.js';
import type { ProofSource } from '../../../src/node/provenance/index.js';
import { FakeState } from '../ledger/modules/supply/fake-state.js';
import { encodeBlock, txRoot } from '../../../src/ledger/block/block.js';
import { hashHeader } from '../../../src/ledger/block/header.js';
import { receiptsRoot } from '../../../src/ledger/block/receipt.js';
import type { Block, BlockHeader, Log, Receipt } from '../../../src/ledger/block/types.js';
import { effectiveGasPrice, nextBaseFee } from '../../../src/ledger/fees.js';
import { EMPTY_ACCOUNT, type Account } from '../../../src/ledger/state/types.js';
import { decodeTransaction } from '../../../src/ledger/tx/decode.js';
import { signTransaction } from '../../../src/ledger/tx/encode.js';
import { InvalidTransactionError, TxErrorCode } from '../../../src/ledger/tx/errors.js';
import type { SignedTransaction, UnsignedTransaction } from '../../../src/ledger/tx/types.js';
import { intrinsicGas } from '../../../src/ledger/tx/validate.js';
import { addressOfPrivateKey } from '../../../src/primitives/keys.js';
import { bigintToFixedBytes, bytesToHex, hexToBytes } from '../../../src/primitives/hex.js';
import type {
  ChainChange,
  ChainPointer,
  HeadViews,
  ConsensusStatus,
  GasEstimateRequest,
  MinedTransaction,
  NodeInfo,
  PeerInfo,
  PoolContent,
  RpcBackend,
  SealFields,
  SyncProgress,
} from '../../../src/rpc/backend.js';

/**
 * An in-memory chain behind the RpcBackend interface: real signed
 * transactions, real block hashes and roots, fee rules from src/ledger, but
 * no storage, consensus or networking. `mine()` turns the pool into a block.
 */

export const CHAIN_ID = 1337n;
export const GWEI = 1_000_000_000n;
export const DIFFICULTY = 131_072n;
const GENESIS_TIME_MS = 1_764_028_800_000;
const BLOCK_TIME_MS = 1_500;
const GAS_LIMIT = 30_000_000n;

/** Two Hardhat dev keys (public test keys). */
export const KEYS = [
  hexToBytes('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'),
  hexToBytes('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d'),
] as const;
export const ALICE = addressOfPrivateKey(KEYS[0]);
export const BOB = addressOfPrivateKey(KEYS[1]);
export const COINBASE = hexToBytes('0x00000000000000000000000000000000c0ffee00');

export function signed(tx: Partial<UnsignedTransaction> & { nonce: bigint }, key: Uint8Array = KEYS[0]): SignedTransaction {
  const type = tx.type ?? 2;
  const maxFee = tx.maxFeePerGas ?? 3n * GWEI;
  const full: UnsignedTransaction = {
    type,
    chainId: CHAIN_ID,
    gasPrice: type === 2 ? null : (tx.gasPrice ?? 2n * GWEI),
    maxFeePerGas: type === 2 ? maxFee : (tx.gasPrice ?? 2n * GWEI),
    maxPriorityFeePerGas: type === 2 ? (tx.maxPriorityFeePerGas ?? GWEI) : (tx.gasPrice ?? 2n * GWEI),
    gasLimit: 21_000n,
    to: BOB,
    value: 1000n,
    data: new Uint8Array(0),
    accessList: [],
    ...tx,
  };
  return { ...signTransaction(full, key), from: addressOfPrivateKey(key) };
}

export class FakeBackend implements RpcBackend {
  readonly chainId = CHAIN_ID;
  readonly clientVersion = 'Cairn/v0.1.0/test';
  readonly genesisHash: Uint8Array;
  readonly blocks: Block[] = [];
  /** Stored but not canonical, so never executed: no receipts, as in the Blockchain. */
  readonly sideBlocks: Block[] = [];
  readonly pool = new Map<string, SignedTransaction>();
  finalized = 0;
  sync: false | SyncProgress = false;
  /** Makes the next backend read fail with this error (to test the error mapping). */
  failNext: Error | undefined;
  /** The head state's system-module records. */
  readonly records = new FakeState();
  private readonly headListeners = new Set<(change: ChainChange) => void>();
  private readonly pendingListeners = new Set<(txs: readonly SignedTransaction[]) => void>();
  private readonly receipts = new Map<string, Receipt[]>();
  private readonly accounts = new Map<string, Account>();

  constructor() {
    this.accounts.set(bytesToHex(ALICE), { nonce: 0n, balance: 10n ** 21n });
    const header: BlockHeader = {
      parentHash: new Uint8Array(32),
      number: 0,
      timestamp: GENESIS_TIME_MS,
      coinbase: new Uint8Array(20),
      txRoot: txRoot([]),
      receiptsRoot: receiptsRoot([]),
      stateRoot: new Uint8Array(32),
      gasLimit: GAS_LIMIT,
      gasUsed: 0n,
      baseFee: GWEI,
      extraData: new Uint8Array(0),
      consensus: [bigintToFixedBytes(DIFFICULTY, 3), new Uint8Array(8)],
    };
    const genesis: Block = { header, hash: hashHeader(header), transactions: [], consensusBody: [] };
    this.genesisHash = genesis.hash;
    this.blocks.push(genesis);
    this.receipts.set(bytesToHex(genesis.hash), []);
  }

  /** Puts the given txs (default: the whole pool) in a new head block; `logs` adds logs per tx index. */
  mine(txs: SignedTransaction[] = [...this.pool.values()], logs: (index: number) => Log[] = () => []): Block {
    const parent = this.blocks[this.blocks.length - 1]!.header;
    const baseFee = nextBaseFee(parent);
    let cumulative = 0n;
    const receipts = txs.map((tx, i): Receipt => {
      const gasUsed = intrinsicGas(tx);
      cumulative += gasUsed;
      const price = effectiveGasPrice(tx, baseFee);
      const sender = this.getAccount(tx.from);
      this.accounts.set(bytesToHex(tx.from), { nonce: sender.nonce + 1n, balance: sender.balance - tx.value - gasUsed * price });
      const recipient = this.getAccount(tx.to);
      this.accounts.set(bytesToHex(tx.to), { ...recipient, balance: recipient.balance + tx.value });
      this.pool.delete(bytesToHex(tx.hash));
      return { status: 1, gasUsed, cumulativeGasUsed: cumulative, effectiveGasPrice: price, logs: logs(i) };
    });
    const header: BlockHeader = {
      parentHash: this.head().hash,
      number: parent.number + 1,
      timestamp: parent.timestamp + BLOCK_TIME_MS,
      coinbase: COINBASE,
      txRoot: txRoot(txs),
      receiptsRoot: receiptsRoot(receipts),
      stateRoot: new Uint8Array(32).fill(parent.number + 1),
      gasLimit: GAS_LIMIT,
      gasUsed: cumulative,
      baseFee,
      extraData: new Uint8Array(0),
      consensus: [bigintToFixedBytes(DIFFICULTY, 3), bigintToFixedBytes(BigInt(parent.number + 1) * 7919n, 8)],
    };
    const block: Block = { header, hash: hashHeader(header), transactions: txs, consensusBody: [] };
    this.blocks.push(block);
    this.receipts.set(bytesToHex(block.hash), receipts);
    for (const listener of this.headListeners) listener({ added: [block], removed: [] });
    return block;
  }

  /**
   * A reorganisation: the top `depth` blocks leave the chain (their receipts
   * with them, as in the Blockchain; accounts are not rolled back) and
   * `replace` builds the new branch with mine(); listeners hear of it once.
   */
  reorg(depth: number, replace: () => void): void {
    const removed = this.blocks.splice(this.blocks.length - depth, depth);
    for (const block of removed) this.receipts.delete(bytesToHex(block.hash));
    const listeners = [...this.headListeners];
    this.headListeners.clear();
    const from = this.blocks.length;
    try {
      replace();
    } finally {
      for (const listener of listeners) this.headListeners.add(listener);
    }
    const added = this.blocks.slice(from);
    for (const listener of this.headListeners) listener({ added, removed });
  }

  /** How many head listeners are registered (subscriptions release theirs). */
  get headListenerCount(): number {
    return this.headListeners.size;
  }

  onHeadChange(listener: (change: ChainChange) => void): () => void {
    this.headListeners.add(listener);
    return () => {
      this.headListeners.delete(listener);
    };
  }

  onPendingTransactions(listener: (txs: readonly SignedTransaction[]) => void): () => void {
    this.pendingListeners.add(listener);
    return () => {
      this.pendingListeners.delete(listener);
    };
  }

  private read<T>(value: T): T {
    const err = this.failNext;
    if (err === undefined) return value;
    this.failNext = undefined;
    throw err;
  }

  head(): ChainPointer {
    const b = this.blocks[this.blocks.length - 1]!;
    return { header: b.header, hash: b.hash };
  }

  headState(): FakeState {
    return this.records;
  }

  /** Set by a test to stand for an engine with validators (PoS); undefined like PoW. */
  views: HeadViews | undefined;

  consensusViews(): HeadViews | undefined {
    return this.views;
  }

  /** No test here builds proofs through the fake (test/unit/node/provenance does, over a real chain source). */
  proofSource(): ProofSource {
    throw new Error('FakeBackend serves no provenance proofs');
  }

  checkpoints(): Checkpoints {
    return { safe: this.finalized, finalized: this.finalized };
  }

  async getBlockByNumber(n: number): Promise<Block | undefined> {
    return this.read(this.blocks[n]);
  }

  async getBlockByHash(hash: Uint8Array): Promise<Block | undefined> {
    return this.read([...this.blocks, ...this.sideBlocks].find((b) => bytesToHex(b.hash) === bytesToHex(hash)));
  }

  async getEncodedBlockByNumber(n: number): Promise<Uint8Array | undefined> {
    const block = await this.getBlockByNumber(n);
    return block === undefined ? undefined : encodeBlock(block);
  }

  async getEncodedBlockByHash(hash: Uint8Array): Promise<Uint8Array | undefined> {
    const block = await this.getBlockByHash(hash);
    return block === undefined ? undefined : encodeBlock(block);
  }

  async getHeaderByNumber(n: number): Promise<BlockHeader | undefined> {
    return this.blocks[n]?.header;
  }

  async getBlockReceipts(blockHash: Uint8Array): Promise<readonly Receipt[] | undefined> {
    return this.receipts.get(bytesToHex(blockHash));
  }

  async getReceipt(txHash: Uint8Array): Promise<MinedTransaction | undefined> {
    const key = bytesToHex(txHash);
    for (const block of this.read(this.blocks)) {
      const index = block.transactions.findIndex((tx) => bytesToHex(tx.hash) === key);
      if (index < 0) continue;
      const receipts = this.receipts.get(bytesToHex(block.hash))!;
      const logIndexStart = receipts.slice(0, index).reduce((n, r) => n + r.logs.length, 0);
      return { tx: block.transactions[index]!, receipt: receipts[index]!, blockHash: block.hash, blockNumber: block.header.number, index, logIndexStart, header: block.header };
    }
    return undefined;
  }

  getAccount(address: Uint8Array): Account {
    return this.read(this.accounts.get(bytesToHex(address)) ?? EMPTY_ACCOUNT);
  }

  pendingNonce(address: Uint8Array): bigint {
    let nonce = this.getAccount(address).nonce;
    const mine = [...this.pool.values()].filter((tx) => bytesToHex(tx.from) === bytesToHex(address));
    while (mine.some((tx) => tx.nonce === nonce)) nonce++;
    return nonce;
  }

  getPendingTransaction(txHash: Uint8Array): SignedTransaction | undefined {
    return this.pool.get(bytesToHex(txHash));
  }

  /** As the Mempool splits it: per sender (in order of first arrival), nonces consecutive from the account's are pending, the rest queued. */
  mempoolContent(): PoolContent {
    const bySender = new Map<string, SignedTransaction[]>();
    for (const tx of this.pool.values()) bySender.set(bytesToHex(tx.from), [...(bySender.get(bytesToHex(tx.from)) ?? []), tx]);
    const pending: SignedTransaction[] = [];
    const queued: SignedTransaction[] = [];
    for (const txs of bySender.values()) {
      let next = this.getAccount(txs[0]!.from).nonce;
      for (const tx of txs.sort((a, b) => (a.nonce < b.nonce ? -1 : 1))) {
        if (tx.nonce === next) {
          pending.push(tx);
          next++;
        } else queued.push(tx);
      }
    }
    return { pending, queued };
  }

  mempoolCounts(): { pending: number; queued: number } {
    const { pending, queued } = this.mempoolContent();
    return { pending: pending.length, queued: queued.length };
  }

  /** Decodes with the real decoder; the sender comes from ethers (the fake has no recovery backend). */
  async submitRawTransaction(raw: Uint8Array): Promise<SignedTransaction> {
    this.read(undefined);
    const decoded = decodeTransaction(raw);
    const tx: SignedTransaction = { ...decoded, from: hexToBytes(EthersTransaction.from(bytesToHex(raw)).from!) };
    const next = this.pendingNonce(tx.from);
    if (tx.nonce < this.getAccount(tx.from).nonce) {
      throw new InvalidTransactionError(TxErrorCode.NonceTooLow, `nonce too low: next nonce ${next}, tx nonce ${tx.nonce}`);
    }
    if (this.pool.has(bytesToHex(tx.hash))) throw new InvalidTransactionError(TxErrorCode.AlreadyKnown, 'already known');
    this.pool.set(bytesToHex(tx.hash), tx);
    for (const listener of this.pendingListeners) listener([tx]);
    return tx;
  }

  nextBaseFee(): bigint {
    return nextBaseFee(this.head().header);
  }

  estimateGas(call: GasEstimateRequest): bigint {
    return intrinsicGas(call);
  }

  sealFields(header: BlockHeader, hash: Uint8Array): SealFields {
    const number = this.blocks.findIndex((b) => bytesToHex(b.hash) === bytesToHex(hash));
    return { difficulty: DIFFICULTY, nonce: header.consensus[1] as Uint8Array, totalDifficulty: DIFFICULTY * BigInt(number + 1) };
  }

  nodeInfo(): NodeInfo {
    return { dataDir: '/tmp/cairn-test', recoveryBackend: 'native', peerId: null, listenAddresses: [], producing: false, mempoolSize: this.pool.size };
  }

  consensusStatus(): ConsensusStatus {
    return { kind: 'pow', details: { difficulty: DIFFICULTY.toString(), targetBlockTimeMs: BLOCK_TIME_MS } };
  }

  peers(): readonly PeerInfo[] {
    return [{ id: '12D3KooWTest', addresses: ['/ip4/127.0.0.1/tcp/30333'], headNumber: 3, score: -25 }];
  }

  peerCount(): number {
    return 1;
  }

  syncing(): false | SyncProgress {
    return this.sync;
  }
}
