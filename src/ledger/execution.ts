import { bytesToHex, equalBytes } from '../primitives/hex.js';
import { MerkleAccumulator } from '../primitives/merkle.js';
import { BlockErrorCode, InvalidBlockError } from './block/errors.js';
import { encodeReceipt } from './block/receipt.js';
import type { BlockHeader, Receipt } from './block/types.js';
import { effectiveGasPrice } from './fees.js';
import type { ModuleCall, ModuleOutcome, SystemModule, SystemState } from './modules/module.js';
import type { LtHash } from './state/lthash.js';
import { StateOverlay, type StateDiff, type StateReader } from './state/overlay.js';
import { InvalidTransactionError, TxErrorCode } from './tx/errors.js';
import type { SignedTransaction, UnsignedTransaction } from './tx/types.js';
import { intrinsicGas, validateTransaction } from './tx/validate.js';

/**
 * Block execution: applies a block's transactions to its parent's state.
 *
 * Per transaction, in block order (geth's checks, same wording):
 * - stateless rules: chain id, gas limit covers intrinsic gas, fee cap >= tip,
 *   gas limit <= block gas limit;
 * - the transaction's gas limit fits in the block gas still unused (geth's gas
 *   pool: the limit is reserved, not just the gas used);
 * - nonce == sender's nonce; maxFeePerGas >= block base fee;
 * - balance >= gasLimit * maxFeePerGas + value (the up-front check geth makes).
 * Then gasUsed = intrinsic gas (no EVM), plus the module's fixed `callGas`
 * for a system-module call; the
 * sender pays gasUsed * effectiveGasPrice and its nonce rises by one; the
 * value moves to the recipient; the producer (coinbase) gets gasUsed *
 * (effective price - base fee); gasUsed * baseFee is burned.
 * A transaction to a system module's address is a call of that module after
 * the value moved; if the module refuses it, the value transfer and the
 * module's writes are reverted, and the receipt has status 0 and the reason.
 * Before the first transaction the consensus engine's `beginBlock` runs;
 * after the last one the coinbase gets the block reward.
 */

/** The header fields execution reads; a full BlockHeader fits. */
export type ExecutionHeader = Pick<BlockHeader, 'number' | 'coinbase' | 'gasLimit' | 'baseFee'>;

/** The consensus engine's part of a block, run on the parent state before the transactions (ConsensusEngine.beginBlock). */
export type BeginBlock = (state: SystemState) => void;

export interface ExecutionInput {
  readonly header: ExecutionHeader;
  /** With senders recovered, in block order. */
  readonly transactions: readonly SignedTransaction[];
  readonly parentState: StateReader;
  /** The parent block's LtHash (not modified). */
  readonly parentLtHash: LtHash;
  readonly chainId: bigint;
  /** Wei credited to the coinbase per block (genesis.blockReward). */
  readonly blockReward: bigint;
  /** The system modules, called by transactions to their addresses; none by default. */
  readonly modules?: readonly SystemModule[];
  readonly beginBlock?: BeginBlock;
}

/**
 * Everything a block did. From StateDiff: `changes` (post-block accounts,
 * EMPTY_ACCOUNT = delete), `undo` (pre-block accounts, null = was absent) and
 * `ltHash` (new), all keyed by lowercase 0x-hex address.
 */
export interface ExecutionResult extends StateDiff {
  /** One per transaction, in order. */
  readonly receipts: Receipt[];
  /** encodeReceipt() of each receipt: the receiptsRoot's leaves, kept so storage does not encode them again. */
  readonly encodedReceipts: Uint8Array[];
  /** Sum of the receipts' gasUsed: the header's gasUsed. */
  readonly gasUsed: bigint;
  readonly receiptsRoot: Uint8Array;
  /** ltHash.digest(): the header's stateRoot. */
  readonly stateRoot: Uint8Array;
}

/** A transaction left out of a block being built, and why. */
export interface RejectedTransaction {
  readonly tx: SignedTransaction;
  readonly error: InvalidTransactionError;
}

export interface BuildResult extends ExecutionResult {
  /** The transactions that made it in, in order: the block body. */
  readonly included: SignedTransaction[];
  readonly rejected: RejectedTransaction[];
  /** txRoot(included). */
  readonly txRoot: Uint8Array;
}

/**
 * Executes a block for import. The first transaction that breaks a rule makes
 * the whole block invalid: InvalidBlockError(BadTransaction) naming the block,
 * the transaction's index and hash, and the reason (the InvalidTransactionError
 * is the `cause`). The caller compares the result with the header (checkExecution).
 */
export function executeBlock(input: ExecutionInput): ExecutionResult {
  const body = new BodyBuilder(input);
  body.add(input.transactions, (tx, index, error) => {
    throw new InvalidBlockError(
      BlockErrorCode.BadTransaction,
      `block ${input.header.number}: transaction ${index} (${bytesToHex(tx.hash)}) is invalid: ${error.message}`,
      { cause: error },
    );
  });
  return body.result();
}

/**
 * Executes candidate transactions for a new block on top of the parent,
 * leaving out (and reporting) each one that breaks a rule instead of failing,
 * so the template is always a valid block. A sender's later transactions
 * after a rejected one are rejected too (their nonce no longer matches).
 */
export function buildBlockBody(input: ExecutionInput): BuildResult {
  const body = new BodyBuilder(input);
  const rejected = body.take(input.transactions);
  return { ...body.result(), included: [...body.included], rejected, txRoot: body.txRoot };
}

/**
 * A block body in the making that can take more transactions later: a
 * producer extends its template with what arrived since it was built,
 * instead of executing everything again. `input.transactions` is ignored;
 * transactions come through take(), in block order.
 */
export class BodyBuilder {
  readonly #input: ExecutionInput;
  readonly #state: StateOverlay;
  readonly #modules: Map<string, SystemModule>;
  readonly #receipts: Receipt[] = [];
  /** encodeReceipt of each receipt, kept so a result after more transactions does not encode them again. */
  readonly #encodedReceipts: Uint8Array[] = [];
  readonly #included: SignedTransaction[] = [];
  /** The txRoot and receiptsRoot trees, grown with each transaction taken. */
  readonly #txTree = new MerkleAccumulator();
  readonly #receiptTree = new MerkleAccumulator();
  #gasUsed = 0n;

  constructor(input: ExecutionInput) {
    this.#input = input;
    this.#state = new StateOverlay(input.parentState);
    input.beginBlock?.(this.#state);
    this.#modules = new Map((input.modules ?? []).map((module) => [bytesToHex(module.address), module]));
  }

  /** The transactions in the body so far, in order. */
  get included(): readonly SignedTransaction[] {
    return this.#included;
  }

  get gasUsed(): bigint {
    return this.#gasUsed;
  }

  /** txRoot(included). */
  get txRoot(): Uint8Array {
    return this.#txTree.root();
  }

  /** Appends each transaction that applies; returns the ones left out, and why. */
  take(txs: readonly SignedTransaction[]): RejectedTransaction[] {
    const rejected: RejectedTransaction[] = [];
    this.add(txs, (tx, _index, error) => rejected.push({ tx, error }));
    return rejected;
  }

  /** Appends `txs`; `onInvalid` decides what an invalid one means (its index is within `txs`). */
  add(txs: readonly SignedTransaction[], onInvalid: OnInvalid): void {
    txs.forEach((tx, index) => {
      try {
        checkTransaction(this.#state, this.#input, tx, this.#input.header.gasLimit - this.#gasUsed);
      } catch (err) {
        if (!(err instanceof InvalidTransactionError)) throw err;
        onInvalid(tx, index, err);
        return;
      }
      const receipt = applyTransaction(this.#state, this.#input, this.#modules, tx, this.#included.length, this.#gasUsed);
      this.#gasUsed = receipt.cumulativeGasUsed;
      const encoded = encodeReceipt(receipt);
      this.#receipts.push(receipt);
      this.#encodedReceipts.push(encoded);
      this.#receiptTree.append(encoded);
      this.#included.push(tx);
      this.#txTree.append(tx.raw);
    });
  }

  /**
   * The body as it stands, with the block reward paid: the reward is taken
   * back from the builder's state afterwards, so take() may go on.
   */
  result(): ExecutionResult {
    const state = this.#state;
    state.begin();
    credit(state, this.#input.header.coinbase, this.#input.blockReward);
    const diff = state.finish(this.#input.parentLtHash);
    state.revert();
    const encodedReceipts = [...this.#encodedReceipts];
    return {
      ...diff,
      receipts: [...this.#receipts],
      encodedReceipts,
      gasUsed: this.#gasUsed,
      receiptsRoot: this.#receiptTree.root(),
      stateRoot: diff.ltHash.digest(),
    };
  }
}

/**
 * Compares an imported header with its execution: gasUsed (BadGas),
 * receiptsRoot (BadReceiptsRoot), stateRoot (BadStateRoot).
 */
export function checkExecution(header: BlockHeader, result: ExecutionResult): void {
  if (header.gasUsed !== result.gasUsed) {
    throw new InvalidBlockError(BlockErrorCode.BadGas, `block ${header.number}: header gasUsed ${header.gasUsed}, execution used ${result.gasUsed}`);
  }
  if (!equalBytes(header.receiptsRoot, result.receiptsRoot)) {
    throw new InvalidBlockError(
      BlockErrorCode.BadReceiptsRoot,
      `block ${header.number}: header receiptsRoot ${bytesToHex(header.receiptsRoot)}, execution gives ${bytesToHex(result.receiptsRoot)}`,
    );
  }
  if (!equalBytes(header.stateRoot, result.stateRoot)) {
    throw new InvalidBlockError(
      BlockErrorCode.BadStateRoot,
      `block ${header.number}: header stateRoot ${bytesToHex(header.stateRoot)}, execution gives ${bytesToHex(result.stateRoot)}`,
    );
  }
}

/** What BodyBuilder.add does with a transaction that cannot apply: report it (a template) or throw (an imported block). */
export type OnInvalid = (tx: SignedTransaction, index: number, error: InvalidTransactionError) => void;

/** Applies a transaction that passed checkTransaction; returns its receipt. */
function applyTransaction(
  state: StateOverlay,
  input: ExecutionInput,
  modules: ReadonlyMap<string, SystemModule>,
  tx: SignedTransaction,
  txIndex: number,
  gasBefore: bigint,
): Receipt {
  const { header } = input;
  const module = modules.size === 0 ? undefined : modules.get(bytesToHex(tx.to));
  const needed = intrinsicGas(tx) + (module?.callGas ?? 0n);
  // Out of gas for the module's work: the whole limit is used up, as in Ethereum, and nothing happens.
  const txGas = needed <= tx.gasLimit ? needed : tx.gasLimit;
  const price = effectiveGasPrice(tx, header.baseFee);
  const sender = state.getAccount(tx.from);
  // A plain transfer pays value and fees in one write; a module call moves the value apart, so a refusal can take it back.
  const paid = module === undefined ? tx.value + txGas * price : txGas * price;
  state.setAccount(tx.from, { nonce: sender.nonce + 1n, balance: sender.balance - paid });
  const call = { tx, txIndex, blockNumber: header.number };
  const outcome =
    module === undefined ? plainTransfer(state, tx) : needed > tx.gasLimit ? outOfGas(module, needed, tx.gasLimit) : callModule(state, tx, module, call);
  credit(state, header.coinbase, txGas * (price - header.baseFee));
  const receipt = { gasUsed: txGas, cumulativeGasUsed: gasBefore + txGas, effectiveGasPrice: price };
  return outcome.ok ? { ...receipt, status: 1, logs: outcome.logs } : { ...receipt, status: 0, logs: [], reason: outcome.reason };
}

const NO_LOGS: ModuleOutcome = { ok: true, logs: [] };

function outOfGas(module: SystemModule, needed: bigint, gasLimit: bigint): ModuleOutcome {
  return { ok: false, reason: `out of gas: a ${module.name} operation needs ${needed} gas, the transaction's gas limit is ${gasLimit}` };
}

/** Gas a transaction needs: intrinsic gas, plus the fixed cost of the module at `to` if any (what eth_estimateGas answers). */
export function requiredGas(tx: Pick<UnsignedTransaction, 'to' | 'data' | 'accessList'>, modules: readonly SystemModule[]): bigint {
  const module = modules.find((m) => equalBytes(m.address, tx.to));
  return intrinsicGas(tx) + (module?.callGas ?? 0n);
}

/** A plain transfer's effect after the sender paid: the recipient gets the value (Cairn has no EVM). */
function plainTransfer(state: StateOverlay, tx: SignedTransaction): ModuleOutcome {
  credit(state, tx.to, tx.value);
  return NO_LOGS;
}

/**
 * A module call after the sender paid the fees: the value moves to the
 * module's address, then the module runs. A refusal takes back both.
 */
function callModule(state: StateOverlay, tx: SignedTransaction, module: SystemModule, call: ModuleCall): ModuleOutcome {
  state.begin();
  if (tx.value > 0n) {
    const sender = state.getAccount(tx.from);
    state.setAccount(tx.from, { nonce: sender.nonce, balance: sender.balance - tx.value });
    credit(state, tx.to, tx.value);
  }
  const outcome = module.call(state, call);
  if (outcome.ok) state.commit();
  else state.revert();
  return outcome;
}

function credit(state: StateOverlay, address: Uint8Array, amount: bigint): void {
  if (amount === 0n) return;
  const account = state.getAccount(address);
  state.setAccount(address, { nonce: account.nonce, balance: account.balance + amount });
}

/** Throws InvalidTransactionError if `tx` cannot be applied to `state` now. */
function checkTransaction(state: StateOverlay, input: ExecutionInput, tx: SignedTransaction, gasLeft: bigint): void {
  const { header } = input;
  validateTransaction(tx, { chainId: input.chainId, blockGasLimit: header.gasLimit });
  if (tx.gasLimit > gasLeft) {
    throw new InvalidTransactionError(
      TxErrorCode.GasLimitExceedsBlock,
      `gas limit reached: transaction gas limit ${tx.gasLimit}, block gas left ${gasLeft}`,
    );
  }
  const sender = state.getAccount(tx.from);
  if (tx.nonce < sender.nonce) {
    throw new InvalidTransactionError(TxErrorCode.NonceTooLow, `nonce too low: next nonce ${sender.nonce}, tx nonce ${tx.nonce}`);
  }
  if (tx.nonce > sender.nonce) {
    throw new InvalidTransactionError(TxErrorCode.NonceTooHigh, `nonce too high: next nonce ${sender.nonce}, tx nonce ${tx.nonce}`);
  }
  if (tx.maxFeePerGas < header.baseFee) {
    throw new InvalidTransactionError(
      TxErrorCode.FeeCapTooLow,
      `max fee per gas less than block base fee: address ${bytesToHex(tx.from)}, maxFeePerGas: ${tx.maxFeePerGas}, baseFee: ${header.baseFee}`,
    );
  }
  const cost = tx.gasLimit * tx.maxFeePerGas + tx.value;
  if (sender.balance < cost) {
    throw new InvalidTransactionError(
      TxErrorCode.InsufficientFunds,
      `insufficient funds for gas * price + value: address ${bytesToHex(tx.from)}, balance ${sender.balance}, tx cost ${cost}`,
    );
  }
}
