import type { Checkpoints, ConsensusEngine } from '../consensus/engine.js';
import { encodedBlockSize } from '../ledger/block/block.js';
import { BlockErrorCode, InvalidBlockError } from '../ledger/block/errors.js';
import { hashHeader } from '../ledger/block/header.js';
import type { Block, BlockHeader, Receipt } from '../ledger/block/types.js';
import { BodyBuilder, checkExecution, executeBlock, type ExecutionResult, type RejectedTransaction } from '../ledger/execution.js';
import { nextBaseFee } from '../ledger/fees.js';
import { genesisHeader, genesisState, type Genesis } from '../ledger/genesis.js';
import type { SystemModule } from '../ledger/modules/module.js';
import { stateLtHash, type LtHash } from '../ledger/state/lthash.js';
import type { StateReader } from '../ledger/state/overlay.js';
import { EMPTY_ACCOUNT, type Account } from '../ledger/state/types.js';
import type { SenderRecovery } from '../ledger/tx/sender.js';
import type { SignedTransaction } from '../ledger/tx/types.js';
import { CairnError } from '../primitives/errors.js';
import { bytesToHex, equalBytes, hexToBytes } from '../primitives/hex.js';
import { rlpEncode } from '../primitives/rlp.js';
import { ChainClosedError, CorruptDataError } from './errors.js';
import { chainRules, checkIdentity } from './identity.js';
import { applyOverrides, PendingState, type HeadState } from './pending-state.js';
import { RecentMap } from './recent.js';
import type { ExecutedBlock } from './storage/batch.js';
import type { BlockMeta, UndoRecord } from './storage/codecs.js';
import type { MempoolJournal } from './storage/journal.js';
import { ChainStore } from './storage/store.js';
import { checkBody, checkHeader, isTooEarly } from './validation.js';

/** Invalid block hashes remembered, so a peer re-sending one costs a Set lookup. */
const INVALID_BLOCKS_REMEMBERED = 10_000;
/** Decoded blocks kept for RPC lookups (receipt polling reads the same block again and again). */
const RECENT_BLOCKS = 128;
/** Headers kept for reads that need only them (a supply history's timestamps): about 600 bytes each. */
const RECENT_HEADERS = 8192;
/**
 * Blocks whose decoded receipts are kept: a wallet polls the receipts of the
 * latest blocks, and a receipt is stored inside its block's list, so without
 * this every lookup would decode the whole list (quadratic in a full block).
 */
const RECENT_RECEIPTS = 16;

export interface ChainHead {
  readonly header: BlockHeader;
  readonly hash: Uint8Array;
  /** Fork-choice weight of the chain up to this block (ChainTip.totalWeight). */
  readonly totalWeight: bigint;
}

/**
 * A head change. `added` and `removed` are both ordered old → new; `removed`
 * is empty unless a reorg happened. The node hands removed blocks'
 * transactions back to the mempool.
 */
export interface HeadEvent {
  readonly head: ChainHead;
  readonly added: readonly Block[];
  readonly removed: readonly Block[];
}

export type ImportResult = 'imported-head' | 'imported-side' | 'known';

export interface BlockchainOptions {
  /** The node's data directory; the chain database is its `chaindata` subdirectory. */
  readonly dataDir: string;
  readonly genesis: Genesis;
  readonly engine: ConsensusEngine;
  /** Recovers (from its cache, normally) the sender of every transaction of an imported block. */
  readonly recovery: SenderRecovery;
  /** The local clock in ms for the future-timestamp rule; Date.now by default (tests pin it). */
  readonly now?: () => number;
  /** The chain's own system modules (supply); the engine adds its own (ConsensusEngine.modules). */
  readonly modules?: readonly SystemModule[];
}

export interface TransactionLookup {
  readonly tx: SignedTransaction;
  readonly blockHash: Uint8Array;
  readonly blockNumber: number;
  readonly index: number;
}

export interface ReceiptLookup extends TransactionLookup {
  readonly receipt: Receipt;
  /** Logs of the block's earlier transactions: the logIndex of this receipt's first log. */
  readonly logIndexStart: number;
  readonly header: BlockHeader;
}

export interface BuildBlockOptions {
  /** Candidates in the order to try them (mempool.selectForBlock). */
  readonly transactions: readonly SignedTransaction[];
  readonly coinbase: Uint8Array;
  /** ms; raised to parent + 1 if not after the head's timestamp. */
  readonly timestamp: number;
  readonly extraData?: Uint8Array;
}

/**
 * The candidates to append to `building` (those not in it yet), or undefined
 * when the template must be built afresh: another head, coinbase, timestamp
 * or consensus body; a transaction in it is no longer a candidate (replaced,
 * or gone from the pool); or the new ones might not all fit, since then a
 * full rebuild's best-tip-first order decides which get in.
 */
function newCandidates(
  building: Building,
  parentHash: Uint8Array,
  options: BuildBlockOptions,
  timestamp: number,
  bodyKey: string,
  gasLimit: bigint,
): SignedTransaction[] | undefined {
  if (!equalBytes(building.parentHash, parentHash) || !equalBytes(building.coinbase, options.coinbase)) return undefined;
  if (building.timestamp !== timestamp || building.bodyKey !== bodyKey) return undefined;
  const taken = new Set(building.body.included.map((tx) => bytesToHex(tx.hash)));
  const fresh: SignedTransaction[] = [];
  let gasNeeded = building.body.gasUsed;
  for (const tx of options.transactions) {
    if (taken.delete(bytesToHex(tx.hash))) continue;
    fresh.push(tx);
    gasNeeded += tx.gasLimit;
  }
  return taken.size === 0 && gasNeeded <= gasLimit ? fresh : undefined;
}

/** A body being built on the head, and what it was started with. */
interface Building {
  readonly parentHash: Uint8Array;
  readonly coinbase: Uint8Array;
  readonly timestamp: number;
  /** The consensus body's encoding, hex. */
  readonly bodyKey: string;
  readonly body: BodyBuilder;
  /** The template the body last gave and its execution, for the sealed block's import (#templateExecution). */
  latest?: { readonly block: Block; readonly result: ExecutionResult };
}

export interface BuiltBlock {
  /** Unsealed: header.consensus from engine.prepareSection, hash of that header. */
  readonly block: Block;
  readonly included: SignedTransaction[];
  readonly rejected: RejectedTransaction[];
}

/**
 * The chain: stores blocks, executes them, chooses the head with the
 * engine's fork choice, and reorganises with undo data.
 *
 * The head state (all accounts and system-module records) is held in memory, so reads are synchronous;
 * every head change is one LevelDB batch, after which the in-memory state and
 * head are replaced synchronously, so readers see a block's effects all at
 * once. Imports run one at a time.
 */
export class Blockchain implements StateReader {
  readonly genesisHash: Uint8Array;
  readonly chainId: bigint;
  readonly #store: ChainStore;
  readonly #genesis: Genesis;
  readonly #engine: ConsensusEngine;
  readonly #recovery: SenderRecovery;
  readonly #now: () => number;
  readonly #modules: readonly SystemModule[];
  readonly #state: HeadState;
  /** The head state's record keys, sorted; rebuilt on demand after a block changed the records. */
  #sortedRecordKeys: string[] | undefined;
  #head: ChainHead;
  #headLtHash: LtHash;
  readonly #invalid = new RecentMap<true>(INVALID_BLOCKS_REMEMBERED);
  readonly #recentBlocks = new RecentMap<Block>(RECENT_BLOCKS);
  readonly #recentHeaders = new RecentMap<BlockHeader>(RECENT_HEADERS);
  readonly #recentReceipts = new RecentMap<readonly Receipt[]>(RECENT_RECEIPTS);
  readonly #headListeners = new Set<(event: HeadEvent) => void>();
  /** The body being built on the head, which the next buildBlock may extend (newCandidates), and its latest template. */
  #building: Building | undefined;
  /** The last queued import; the next one starts when it settles. */
  #tail: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(init: {
    store: ChainStore;
    options: BlockchainOptions;
    genesisHash: Uint8Array;
    state: HeadState;
    head: ChainHead;
    headLtHash: LtHash;
  }) {
    this.#store = init.store;
    this.#genesis = init.options.genesis;
    this.#engine = init.options.engine;
    this.#recovery = init.options.recovery;
    this.#now = init.options.now ?? Date.now;
    this.genesisHash = init.genesisHash;
    this.chainId = init.options.genesis.chainId;
    this.#state = init.state;
    this.#modules = [...(init.options.modules ?? []), ...init.options.engine.modules];
    this.#head = init.head;
    this.#headLtHash = init.headLtHash;
  }

  /**
   * Opens the chain in `dataDir`: a new directory gets the genesis block; an
   * existing one must hold this genesis and chain rules (GenesisMismatchError)
   * at this schema version (SchemaMismatchError), and its head, head state
   * and state root must agree (CorruptDataError). Errors carry messages for
   * the operator.
   */
  static async open(options: BlockchainOptions): Promise<Blockchain> {
    const store = await ChainStore.open(options.dataDir);
    try {
      return await Blockchain.#load(store, options);
    } catch (err) {
      await store.close();
      if (err instanceof CairnError) throw err;
      const reason = err instanceof Error ? err.message : String(err);
      throw new CorruptDataError(`cannot read the chain database in ${options.dataDir}: ${reason}`, { cause: err });
    }
  }

  static async #load(store: ChainStore, options: BlockchainOptions): Promise<Blockchain> {
    const { genesis, engine, dataDir } = options;
    const genesis0 = genesisState(genesis, engine.genesisState());
    const header = genesisHeader(genesis, engine.genesisSection(), genesis0.ltHash.digest());
    const genesisBlock: Block = { header, hash: hashHeader(header), transactions: [], consensusBody: [] };

    let identity = await store.readIdentity();
    if (identity === undefined) {
      await store
        .batch()
        .storeBlock(genesisBlock, { number: 0, parentHash: header.parentHash, totalWeight: engine.weight(header) })
        .connect({ block: genesisBlock, encodedReceipts: [], undo: { accounts: new Map(), records: new Map() }, ltHash: genesis0.ltHash })
        .setAccounts(genesis0.accounts)
        .setRecords(genesis0.records)
        .setIdentity(genesisBlock.hash, chainRules(genesis))
        .setHead(genesisBlock.hash)
        .write();
      identity = await store.readIdentity();
      if (identity === undefined) throw new CorruptDataError(`the genesis block written to ${dataDir} cannot be read back`);
    }
    checkIdentity(identity, genesisBlock.hash, genesis, dataDir);

    // The head and the state must describe the same block: the startup check
    // that one batch per head change is meant to make always pass.
    const headHash = identity.head;
    const damaged = (what: string): CorruptDataError =>
      new CorruptDataError(`data directory ${dataDir}: ${what} of head block ${bytesToHex(headHash)}: the chain database is damaged`);
    const [headMeta, headBlock, headLtHash] = await Promise.all([
      store.getBlockMeta(headHash),
      store.getBlock(headHash),
      store.getLtHash(headHash),
    ]);
    if (!headMeta || !headBlock || !headLtHash) throw damaged('missing block, metadata or state hash');
    const canonical = await store.getCanonicalHash(headMeta.number);
    if (!canonical || !equalBytes(canonical, headHash)) throw damaged('canonical index disagrees with the head');
    if (!equalBytes(headLtHash.digest(), headBlock.header.stateRoot)) throw damaged('stored state hash disagrees with the stateRoot');
    const [accounts, records] = await Promise.all([store.loadAccounts(), store.loadRecords()]);
    if (!stateLtHash(accounts, records).equals(headLtHash)) throw damaged('stored accounts and records disagree with the state hash');
    await checkRecentChain(store, headMeta.number, headBlock.header.parentHash, dataDir);

    return new Blockchain({
      store,
      options,
      genesisHash: genesisBlock.hash,
      state: { accounts, records },
      head: { header: headBlock.header, hash: headHash, totalWeight: headMeta.totalWeight },
      headLtHash,
    });
  }

  get head(): ChainHead {
    return this.#head;
  }

  /** The mempool's journal; mined transactions leave it in their block's batch. */
  get mempoolJournal(): MempoolJournal {
    return this.#store.journal;
  }

  /** The account in the head state (synchronous: the state is in memory). */
  getAccount(address: Uint8Array): Account {
    return this.#state.accounts.get(bytesToHex(address)) ?? EMPTY_ACCOUNT;
  }

  /** A system-module record in the head state (synchronous, like accounts). */
  getRecord(key: Uint8Array): Uint8Array | undefined {
    return this.#state.records.get(bytesToHex(key));
  }

  /**
   * The head state's records whose key starts with `prefix`, in ascending
   * bytewise key order (lowercase hex sorts the same way). The sorted keys
   * are built once per head (on the first listing after a block) and then
   * searched, so a listing costs its own size.
   */
  recordsWithPrefix(prefix: Uint8Array): Array<readonly [Uint8Array, Uint8Array]> {
    const hexPrefix = bytesToHex(prefix);
    const keys = (this.#sortedRecordKeys ??= [...this.#state.records.keys()].sort());
    const matches: [Uint8Array, Uint8Array][] = [];
    for (let i = lowerBound(keys, hexPrefix); i < keys.length && keys[i]!.startsWith(hexPrefix); i++) {
      matches.push([hexToBytes(keys[i]!), this.#state.records.get(keys[i]!)!]);
    }
    return matches;
  }

  /** The finalized block the chain never leaves: none (0) when the engine's finality is only a confirmation depth. */
  #enforcedFinality(): number {
    return this.#engine.finality === 'absolute' ? this.checkpoints().finalized : 0;
  }

  /** The system modules blocks run: the chain's own and the engine's. */
  get modules(): readonly SystemModule[] {
    return this.#modules;
  }

  /** The safe and finalized block numbers of the head (ConsensusEngine.checkpoints). */
  checkpoints(): Checkpoints {
    return this.#engine.checkpoints(this.#head.header, this);
  }

  /** Base fee of the next block. */
  nextBaseFee(): bigint {
    return nextBaseFee(this.#head.header);
  }

  on(_event: 'head', listener: (event: HeadEvent) => void): this {
    this.#headListeners.add(listener);
    return this;
  }

  off(_event: 'head', listener: (event: HeadEvent) => void): this {
    this.#headListeners.delete(listener);
    return this;
  }

  /** Canonical block `number`, if it is at or below the head. */
  async getBlockByNumber(number: number): Promise<Block | undefined> {
    const hash = await this.#canonicalHash(number);
    return hash === undefined ? undefined : this.#readBlock(hash);
  }

  /** A canonical header; headers are cached apart from blocks, since history queries read many of them. */
  async getHeaderByNumber(number: number): Promise<BlockHeader | undefined> {
    const hash = await this.#canonicalHash(number);
    if (hash === undefined) return undefined;
    const key = bytesToHex(hash);
    const cached = this.#recentHeaders.get(key) ?? this.#recentBlocks.get(key)?.header;
    if (cached !== undefined) return cached;
    const header = await this.#store.getHeader(hash);
    if (header === undefined) throw this.#damaged(`canonical block ${number} (${key}) is missing`);
    this.#recentHeaders.set(key, header);
    return header;
  }

  /** Any stored block, canonical or side. */
  async getBlockByHash(hash: Uint8Array): Promise<Block | undefined> {
    this.#assertOpen();
    return this.#readBlock(hash);
  }

  /**
   * encodeBlock() of canonical block `number` (≤ head) or of any stored block
   * by hash, straight from storage: serving peers needs the bytes, and
   * decoding a block only to encode it again would cost two keccaks per
   * transaction.
   */
  async getEncodedBlockByNumber(number: number): Promise<Uint8Array | undefined> {
    const hash = await this.#canonicalHash(number);
    return hash === undefined ? undefined : this.#store.getBlockBytes(hash);
  }

  async getEncodedBlockByHash(hash: Uint8Array): Promise<Uint8Array | undefined> {
    this.#assertOpen();
    return this.#store.getBlockBytes(hash);
  }

  async getTransaction(hash: Uint8Array): Promise<TransactionLookup | undefined> {
    const found = await this.#locate(hash);
    if (found === undefined) return undefined;
    const { block, index } = found;
    return { tx: found.tx, blockHash: block.hash, blockNumber: block.header.number, index };
  }

  async getReceipt(hash: Uint8Array): Promise<ReceiptLookup | undefined> {
    const found = await this.#locate(hash);
    if (found === undefined) return undefined;
    const { block, index } = found;
    const receipts = await this.#requireReceipts(block.hash);
    const receipt = receipts[index];
    if (receipt === undefined) throw this.#damaged(`receipt ${index} of block ${bytesToHex(block.hash)} is missing`);
    let logIndexStart = 0;
    for (let i = 0; i < index; i++) logIndexStart += receipts[i]!.logs.length;
    return { receipt, tx: found.tx, blockHash: block.hash, blockNumber: block.header.number, index, logIndexStart, header: block.header };
  }

  /** Receipts of a canonical block (side blocks have none: they were never executed). */
  async getBlockReceipts(blockHash: Uint8Array): Promise<readonly Receipt[] | undefined> {
    this.#assertOpen();
    const meta = await this.#store.getBlockMeta(blockHash);
    if (meta === undefined) return undefined;
    const canonical = await this.#canonicalHash(meta.number);
    if (canonical === undefined || !equalBytes(canonical, blockHash)) return undefined;
    return this.#requireReceipts(blockHash);
  }

  /**
   * Validates and stores a block, and moves the head if fork choice says so.
   * 'known' for a block already stored. Throws InvalidBlockError for a block
   * that breaks a rule (UnknownParent when its parent is not stored: fetch
   * it and retry; KnownInvalid for a block already refused or a child of one).
   */
  importBlock(block: Block): Promise<ImportResult> {
    const result = this.#tail.then(() => this.#import(block));
    this.#tail = result.catch(() => undefined);
    return result;
  }

  /**
   * A block template on the current head: the candidates that apply, in the
   * given order, skipping (and reporting) those that do not; the roots,
   * gasUsed and base fee filled; the consensus section from the engine.
   * Called again on the same head, it extends the previous template with the
   * candidates not in it yet, without executing the others again, when that
   * gives the same block but for the order (newCandidates).
   */
  async buildBlock(options: BuildBlockOptions): Promise<BuiltBlock> {
    this.#assertOpen();
    const parent = this.#head;
    const timestamp = Math.max(options.timestamp, parent.header.timestamp + 1);
    const number = parent.header.number + 1;
    const gasLimit = this.#genesis.gasLimit;
    const baseFee = nextBaseFee(parent.header);
    const consensusBody = this.#engine.buildBody(parent.header, this);
    const context = {
      parentHash: parent.hash,
      number,
      timestamp,
      coinbase: options.coinbase,
      consensus: this.#engine.prepareSection(parent.header, timestamp, consensusBody),
    };
    const bodyKey = bytesToHex(rlpEncode(consensusBody));
    let building = this.#building;
    let candidates: readonly SignedTransaction[] | undefined = building === undefined ? undefined : newCandidates(building, parent.hash, options, timestamp, bodyKey, gasLimit);
    if (building === undefined || candidates === undefined) {
      candidates = options.transactions;
      building = {
        parentHash: parent.hash,
        coinbase: options.coinbase,
        timestamp,
        bodyKey,
        body: new BodyBuilder({
          header: { number, coinbase: options.coinbase, gasLimit, baseFee },
          transactions: [],
          parentState: this,
          parentLtHash: this.#headLtHash,
          chainId: this.chainId,
          blockReward: this.#genesis.blockReward,
          modules: this.#modules,
          beginBlock: (state) => this.#engine.beginBlock(context, consensusBody, state),
        }),
      };
      this.#building = building;
    }
    const rejected = building.body.take(candidates);
    const built = building.body.result();
    const included = [...building.body.included];
    const header: BlockHeader = {
      parentHash: parent.hash,
      number,
      timestamp,
      coinbase: options.coinbase,
      txRoot: building.body.txRoot,
      receiptsRoot: built.receiptsRoot,
      stateRoot: built.stateRoot,
      gasLimit,
      gasUsed: built.gasUsed,
      baseFee,
      extraData: options.extraData ?? new Uint8Array(0),
      consensus: context.consensus,
    };
    const block: Block = { header, hash: hashHeader(header), transactions: included, consensusBody };
    building.latest = { block, result: built };
    return { block, included, rejected };
  }

  /** Waits for a running import, then closes the database. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#tail;
    await this.#store.close();
  }

  async #import(input: Block): Promise<ImportResult> {
    this.#assertOpen();
    const { header } = input;
    const key = bytesToHex(input.hash);
    if (this.#invalid.has(key)) {
      throw new InvalidBlockError(BlockErrorCode.KnownInvalid, `block ${header.number} (${key}) was already found invalid`);
    }
    if (!equalBytes(hashHeader(header), input.hash)) {
      throw new InvalidBlockError(BlockErrorCode.Malformed, `block ${header.number}: hash ${key} is not the hash of its header`);
    }
    const parentKey = bytesToHex(header.parentHash);
    if (this.#invalid.has(parentKey)) {
      this.#invalid.set(key, true);
      throw new InvalidBlockError(BlockErrorCode.KnownInvalid, `block ${header.number} (${key}) descends from invalid block ${parentKey}`);
    }
    if ((await this.#store.getBlockMeta(input.hash)) !== undefined) return 'known';

    checkBody(input, encodedBlockSize(input), this.#genesis.gasLimit);
    const parentMeta = await this.#store.getBlockMeta(header.parentHash);
    if (parentMeta === undefined) {
      throw new InvalidBlockError(BlockErrorCode.UnknownParent, `block ${header.number} (${key}): parent ${parentKey} is not known`);
    }
    const extendsHead = equalBytes(header.parentHash, this.#head.hash);
    const parent = extendsHead ? this.#head.header : (await this.#requireBlock(header.parentHash)).header;
    const finalized = this.#enforcedFinality();
    if (header.number <= finalized) {
      // Not remembered as invalid: the block breaks no rule, it is on a branch this node can no longer take.
      throw new InvalidBlockError(
        BlockErrorCode.FinalityConflict,
        `block ${header.number} (${key}) conflicts with the finalized chain: block ${finalized} is final and this block is not on it`,
      );
    }
    const now = this.#now();
    try {
      checkHeader(header, parent, { gasLimit: this.#genesis.gasLimit, now, engine: this.#engine });
      await this.#engine.verifyBody(input);
    } catch (err) {
      // A bad body says nothing about the header (another body may match it), so only a bad header is remembered.
      if (err instanceof InvalidBlockError && !isTooEarly(header, now) && err.code !== BlockErrorCode.BadBody) this.#invalid.set(key, true);
      throw err;
    }
    const block = await this.#withRecoveredSenders(input);
    const meta: BlockMeta = {
      number: header.number,
      parentHash: header.parentHash,
      totalWeight: parentMeta.totalWeight + this.#engine.weight(header),
    };
    const head = this.#head;
    const becomesHead =
      extendsHead ||
      this.#engine.isBetter(
        { hash: block.hash, number: meta.number, totalWeight: meta.totalWeight },
        { hash: head.hash, number: head.header.number, totalWeight: head.totalWeight },
      );
    if (!becomesHead) {
      await this.#store.batch().storeBlock(block, meta).write();
      this.#recentBlocks.set(key, block);
      return 'imported-side';
    }
    await this.#switchHead(block, meta);
    return 'imported-head';
  }

  /**
   * The block with senders recovered here (from SenderRecovery's cache when
   * the mempool or the decoder saw them), so a sender handed in with the
   * block is never trusted: the store keeps senders and serves them later.
   */
  async #withRecoveredSenders(block: Block): Promise<Block> {
    try {
      return { ...block, transactions: await this.#recovery.recover(block.transactions) };
    } catch (err) {
      if (!(err instanceof CairnError)) throw err;
      this.#invalid.set(bytesToHex(block.hash), true);
      throw new InvalidBlockError(BlockErrorCode.BadTransaction, `block ${block.header.number}: ${err.message}`, { cause: err });
    }
  }

  /**
   * Makes `tip` (not yet stored) the head: finds where its branch leaves the
   * canonical chain, reverts the head's blocks down to there with their undo
   * data, executes the branch in order with full checks, and commits all of
   * it (the new block too) in ONE batch. If a branch block fails, it and its
   * descendants are dropped and remembered as invalid, and the head stays.
   * A child of the head is the one-block case of the same path.
   */
  async #switchHead(tip: Block, tipMeta: BlockMeta): Promise<void> {
    const { branch, ancestor } = await this.#branchOf(tip, tipMeta);
    const finalized = this.#enforcedFinality();
    if (ancestor.number < finalized) {
      throw new InvalidBlockError(
        BlockErrorCode.FinalityConflict,
        `block ${tip.header.number} (${bytesToHex(tip.hash)}) leaves the canonical chain at block ${ancestor.number}, below finalized block ${finalized}`,
      );
    }
    const removed = await this.#canonicalAbove(ancestor.number);
    const state = new PendingState(this.#state);
    for (let i = removed.length - 1; i >= 0; i--) {
      const undo = await this.#requireUndo(removed[i]!.hash);
      state.apply(undo.accounts, undo.records);
    }
    let ltHash = equalBytes(ancestor.hash, this.#head.hash) ? this.#headLtHash : await this.#requireLtHash(ancestor.hash);

    const executed: ExecutedBlock[] = [];
    const receipts: (readonly Receipt[])[] = [];
    for (const [i, block] of branch.entries()) {
      let result;
      try {
        result =
          (removed.length === 0 && branch.length === 1 ? this.#templateExecution(block) : undefined) ??
          executeBlock({
            header: block.header,
            transactions: block.transactions,
            parentState: state,
            parentLtHash: ltHash,
            chainId: this.chainId,
            blockReward: this.#genesis.blockReward,
            modules: this.#modules,
            beginBlock: (overlay) => this.#engine.beginBlock(block.header, block.consensusBody, overlay),
          });
        checkExecution(block.header, result);
      } catch (err) {
        if (err instanceof InvalidBlockError) await this.#rejectBranch(branch.slice(i));
        throw err;
      }
      state.apply(result.changes, result.records);
      ltHash = result.ltHash;
      executed.push({ block, encodedReceipts: result.encodedReceipts, undo: { accounts: result.undo, records: result.recordUndo }, ltHash });
      receipts.push(result.receipts);
    }

    const batch = this.#store.batch();
    for (const block of removed) batch.disconnect(block);
    batch.storeBlock(tip, tipMeta);
    for (const step of executed) batch.connect(step);
    const { overrides } = state;
    await batch.setAccounts(overrides.accounts).setRecords(overrides.records).setHead(tip.hash).write();

    // Committed: switch the in-memory view in one synchronous step.
    applyOverrides(this.#state, overrides);
    if (overrides.records.size > 0) this.#sortedRecordKeys = undefined;
    this.#head = { header: tip.header, hash: tip.hash, totalWeight: tipMeta.totalWeight };
    this.#headLtHash = ltHash;
    this.#recentBlocks.set(bytesToHex(tip.hash), tip);
    // Wallets ask for the new blocks' receipts next: keep them decoded already.
    branch.forEach((block, i) => this.#recentReceipts.set(bytesToHex(block.hash), receipts[i]!));
    this.#building = undefined;
    this.#emitHead({ head: this.#head, added: branch, removed });
  }

  /**
   * The execution of the latest template if `block` is that template sealed
   * on the current head, so a producer's own block is not executed twice
   * (about 50 ms for 2,000 transfers, on the path from seal to head).
   * Sealing changes only the header's timestamp (PoW re-stamps it) and its
   * consensus section, which execution does not read (ExecutionHeader;
   * ConsensusEngine.beginBlock); the producer relies on the same when it puts
   * the template's roots into the sealed header. The transactions are the
   * template's when the txRoot is, and the result still meets checkExecution.
   */
  #templateExecution(block: Block): ExecutionResult | undefined {
    const built = this.#building?.latest;
    if (built === undefined) return undefined;
    const a = built.block.header;
    const b = block.header;
    const same =
      equalBytes(b.parentHash, this.#head.hash) &&
      equalBytes(a.parentHash, b.parentHash) &&
      a.number === b.number &&
      equalBytes(a.coinbase, b.coinbase) &&
      a.gasLimit === b.gasLimit &&
      a.baseFee === b.baseFee &&
      equalBytes(a.txRoot, b.txRoot) &&
      block.consensusBody === built.block.consensusBody;
    return same ? built.result : undefined;
  }

  /** The blocks from just above the canonical chain up to `tip` (old → new), and where they leave it. */
  async #branchOf(tip: Block, tipMeta: BlockMeta): Promise<{ branch: Block[]; ancestor: { hash: Uint8Array; number: number } }> {
    const branch = [tip];
    let hash = tip.header.parentHash;
    let number = tipMeta.number - 1;
    while (!(await this.#isCanonical(hash, number))) {
      const block = await this.#requireBlock(hash);
      branch.push(block);
      hash = block.header.parentHash;
      number--;
    }
    return { branch: branch.reverse(), ancestor: { hash, number } };
  }

  async #isCanonical(hash: Uint8Array, number: number): Promise<boolean> {
    if (equalBytes(hash, this.#head.hash)) return true;
    if (number < 0) throw this.#damaged(`block ${bytesToHex(hash)} does not lead back to the genesis block`);
    if (number > this.#head.header.number) return false;
    const canonical = await this.#store.getCanonicalHash(number);
    return canonical !== undefined && equalBytes(canonical, hash);
  }

  /** Canonical blocks above `number` up to the head, old → new. */
  async #canonicalAbove(number: number): Promise<Block[]> {
    const blocks: Block[] = [];
    for (let n = number + 1; n <= this.#head.header.number; n++) {
      const hash = await this.#store.getCanonicalHash(n);
      if (hash === undefined) throw this.#damaged(`canonical block ${n} is missing`);
      blocks.push(await this.#requireBlock(hash));
    }
    return blocks;
  }

  /** Drops stored blocks found invalid (the new tip is not stored yet: deleting it is a no-op). */
  async #rejectBranch(blocks: readonly Block[]): Promise<void> {
    const batch = this.#store.batch();
    for (const block of blocks) {
      const key = bytesToHex(block.hash);
      this.#invalid.set(key, true);
      this.#recentBlocks.delete(key);
      batch.forgetBlock(block.hash);
    }
    await batch.write();
  }

  #emitHead(event: HeadEvent): void {
    for (const listener of this.#headListeners) {
      try {
        listener(event);
      } catch (err) {
        // The block is committed whatever a listener does, so its error must
        // not turn into a failed import; it surfaces as an uncaught exception.
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }

  /** Canonical hash at `number` if at or below the in-memory head (the store may be a batch ahead). */
  async #canonicalHash(number: number): Promise<Uint8Array | undefined> {
    this.#assertOpen();
    if (!Number.isSafeInteger(number) || number < 0 || number > this.#head.header.number) return undefined;
    return this.#store.getCanonicalHash(number);
  }

  async #locate(txHash: Uint8Array): Promise<{ block: Block; tx: SignedTransaction; index: number } | undefined> {
    this.#assertOpen();
    const location = await this.#store.getTxLocation(txHash);
    if (location === undefined || location.blockNumber > this.#head.header.number) return undefined;
    const block = await this.#requireBlock(location.blockHash);
    const tx = block.transactions[location.index];
    if (tx === undefined || !equalBytes(tx.hash, txHash)) {
      throw this.#damaged(`transaction index points to ${bytesToHex(location.blockHash)}[${location.index}], which does not hold ${bytesToHex(txHash)}`);
    }
    return { block, tx, index: location.index };
  }

  async #readBlock(hash: Uint8Array): Promise<Block | undefined> {
    const key = bytesToHex(hash);
    const cached = this.#recentBlocks.get(key);
    if (cached !== undefined) return cached;
    const block = await this.#store.getBlock(hash);
    if (block !== undefined) this.#recentBlocks.set(key, block);
    return block;
  }

  async #requireBlock(hash: Uint8Array): Promise<Block> {
    const block = await this.#readBlock(hash);
    if (block === undefined) throw this.#damaged(`block ${bytesToHex(hash)} is referenced but missing`);
    return block;
  }

  async #requireReceipts(blockHash: Uint8Array): Promise<readonly Receipt[]> {
    const key = bytesToHex(blockHash);
    const cached = this.#recentReceipts.get(key);
    if (cached !== undefined) return cached;
    const receipts = await this.#store.getReceipts(blockHash);
    if (receipts === undefined) throw this.#damaged(`receipts of canonical block ${bytesToHex(blockHash)} are missing`);
    this.#recentReceipts.set(key, receipts);
    return receipts;
  }

  async #requireUndo(blockHash: Uint8Array): Promise<UndoRecord> {
    const undo = await this.#store.getUndo(blockHash);
    if (undo === undefined) throw this.#damaged(`undo data of canonical block ${bytesToHex(blockHash)} is missing`);
    return undo;
  }

  async #requireLtHash(blockHash: Uint8Array): Promise<LtHash> {
    const ltHash = await this.#store.getLtHash(blockHash);
    if (ltHash === undefined) throw this.#damaged(`state hash of canonical block ${bytesToHex(blockHash)} is missing`);
    return ltHash;
  }

  #damaged(what: string): CorruptDataError {
    return new CorruptDataError(`data directory ${this.#store.dataDir}: ${what}: the chain database is damaged`);
  }

  #assertOpen(): void {
    if (this.#closed) throw new ChainClosedError();
  }
}

/** The index of the first key not below `key` in sorted `keys`. */
function lowerBound(keys: readonly string[], key: string): number {
  let low = 0;
  let high = keys.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (keys[mid]! < key) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * Blocks below the head that the start-up check walks, as Bitcoin Core
 * checks its last blocks (-checkblocks). LevelDB recovers a damaged
 * write-ahead log by skipping the records it cannot read, and that log holds
 * the latest writes: a store can open with a recent block gone from the
 * canonical chain. `cairn verify` checks the whole chain.
 */
export const STARTUP_CHECK_DEPTH = 64;

/**
 * The canonical chain below the head, STARTUP_CHECK_DEPTH blocks deep: each
 * number's index entry names the parent of the block above it, and that
 * block's header is stored.
 */
async function checkRecentChain(store: ChainStore, headNumber: number, headParent: Uint8Array, dataDir: string): Promise<void> {
  const damaged = (n: number, what: string): CorruptDataError =>
    new CorruptDataError(
      `data directory ${dataDir}: block #${n} ${what}: the chain database is damaged; ` +
        'restore a backup or start over with an empty --datadir (cairn verify checks the whole chain)',
    );
  let expected = headParent;
  for (let n = headNumber - 1; n >= Math.max(0, headNumber - STARTUP_CHECK_DEPTH); n--) {
    const canonical = await store.getCanonicalHash(n);
    if (!canonical) throw damaged(n, 'is missing from the canonical index');
    if (!equalBytes(canonical, expected)) {
      throw damaged(n, `in the canonical index is ${bytesToHex(canonical)}, but the block above it names ${bytesToHex(expected)} as its parent`);
    }
    const header = await store.getHeader(canonical);
    if (!header) throw damaged(n, `(${bytesToHex(canonical)}) is missing`);
    expected = header.parentHash;
  }
}
