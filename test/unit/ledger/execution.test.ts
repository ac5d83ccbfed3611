import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../../../src/primitives/hex.js';
import { addressOfPrivateKey } from '../../../src/primitives/keys.js';
import { txRoot } from '../../../src/ledger/block/block.js';
import { BlockErrorCode, InvalidBlockError } from '../../../src/ledger/block/errors.js';
import { receiptsRoot } from '../../../src/ledger/block/receipt.js';
import type { BlockHeader } from '../../../src/ledger/block/types.js';
import {
  requiredGas,
  BodyBuilder,
  buildBlockBody,
  checkExecution,
  executeBlock,
  type ExecutionHeader,
  type ExecutionInput,
  type ExecutionResult,
} from '../../../src/ledger/execution.js';
import { recordKey, type SystemModule } from '../../../src/ledger/modules/module.js';
import { stateLtHash } from '../../../src/ledger/state/lthash.js';
import type { StateReader } from '../../../src/ledger/state/overlay.js';
import { EMPTY_ACCOUNT, type Account } from '../../../src/ledger/state/types.js';
import { signTransaction } from '../../../src/ledger/tx/encode.js';
import { InvalidTransactionError, TxErrorCode } from '../../../src/ledger/tx/errors.js';
import type { SignedTransaction, UnsignedTransaction } from '../../../src/ledger/tx/types.js';

const GWEI = 10n ** 9n;
const ETHER = 10n ** 18n;
const CHAIN_ID = 1337n;
const REWARD = 2n * ETHER;

const ALICE_KEY = hexToBytes('0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318');
const BOB_KEY = hexToBytes('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');
const ALICE = addressOfPrivateKey(ALICE_KEY);
const BOB = addressOfPrivateKey(BOB_KEY);
const CAROL = hexToBytes('0x3535353535353535353535353535353535353535');
const MINER = hexToBytes('0xc0ffee0000000000000000000000000000000001');

const header: ExecutionHeader = { number: 5, coinbase: MINER, gasLimit: 30_000_000n, baseFee: 10n * GWEI };

type Overrides = Partial<Omit<UnsignedTransaction, 'type' | 'gasPrice'>>;

/** A signed EIP-1559 transfer; `from` as recovery would give it. */
function dynamicTx(key: Uint8Array, fields: Overrides = {}): SignedTransaction {
  const tx: UnsignedTransaction = {
    type: 2,
    chainId: CHAIN_ID,
    nonce: 0n,
    gasPrice: null,
    maxFeePerGas: 30n * GWEI,
    maxPriorityFeePerGas: 2n * GWEI,
    gasLimit: 21_000n,
    to: CAROL,
    value: ETHER,
    data: new Uint8Array(0),
    accessList: [],
    ...fields,
  };
  return { ...signTransaction(tx, key), from: addressOfPrivateKey(key) };
}

function legacyTx(key: Uint8Array, gasPrice: bigint, fields: Overrides = {}): SignedTransaction {
  const tx: UnsignedTransaction = {
    type: 0,
    chainId: CHAIN_ID,
    nonce: 0n,
    gasLimit: 21_000n,
    to: CAROL,
    value: ETHER,
    data: new Uint8Array(0),
    accessList: [],
    ...fields,
    gasPrice,
    maxFeePerGas: gasPrice,
    maxPriorityFeePerGas: gasPrice,
  };
  return { ...signTransaction(tx, key), from: addressOfPrivateKey(key) };
}

function genesisState(): Map<string, Account> {
  return new Map([
    [bytesToHex(ALICE), { nonce: 0n, balance: 10n * ETHER }],
    [bytesToHex(BOB), { nonce: 4n, balance: 5n * ETHER }],
  ]);
}

function reader(accounts: Map<string, Account>): StateReader {
  return { getAccount: (address) => accounts.get(bytesToHex(address)) ?? EMPTY_ACCOUNT, getRecord: () => undefined };
}

function input(transactions: SignedTransaction[], accounts = genesisState(), overrides: Partial<ExecutionInput> = {}): ExecutionInput {
  return {
    header,
    transactions,
    parentState: reader(accounts),
    parentLtHash: stateLtHash(accounts),
    chainId: CHAIN_ID,
    blockReward: REWARD,
    ...overrides,
  };
}

/** The post-block state: the parent with the changes applied. */
function applied(parent: Map<string, Account>, result: ExecutionResult): Map<string, Account> {
  const next = new Map(parent);
  for (const [key, account] of result.changes) {
    if (account === EMPTY_ACCOUNT) next.delete(key);
    else next.set(key, account);
  }
  return next;
}

function balanceOf(state: Map<string, Account>, address: Uint8Array): bigint {
  return state.get(bytesToHex(address))?.balance ?? 0n;
}

function invalidBlock(fn: () => unknown): InvalidBlockError {
  try {
    fn();
  } catch (err) {
    if (err instanceof InvalidBlockError) return err;
    throw err;
  }
  throw new Error('expected an InvalidBlockError');
}

describe('executeBlock: balance arithmetic (WALLET-RPC.md §4)', () => {
  it('an EIP-1559 transfer: gasUsed 21000, price = min(maxFee, baseFee + tip), sender pays value + gasUsed * price', () => {
    const parent = genesisState();
    const tx = dynamicTx(ALICE_KEY);
    const result = executeBlock(input([tx], parent));
    const price = 12n * GWEI; // min(30 gwei, 10 gwei + 2 gwei)
    expect(result.receipts).toEqual([{ status: 1, gasUsed: 21_000n, cumulativeGasUsed: 21_000n, effectiveGasPrice: price, logs: [] }]);
    expect(result.gasUsed).toBe(21_000n);
    const after = applied(parent, result);
    expect(after.get(bytesToHex(ALICE))).toEqual({ nonce: 1n, balance: 10n * ETHER - ETHER - 21_000n * price });
    expect(balanceOf(after, CAROL)).toBe(ETHER);
    expect(balanceOf(after, MINER)).toBe(21_000n * 2n * GWEI + REWARD);
  });

  it('burns the base fee: supply grows by the reward minus gasUsed * baseFee', () => {
    const parent = genesisState();
    const result = executeBlock(input([dynamicTx(ALICE_KEY), dynamicTx(BOB_KEY, { nonce: 4n, value: 3n })], parent));
    const supply = (state: Map<string, Account>): bigint => [...state.values()].reduce((sum, a) => sum + a.balance, 0n);
    expect(supply(applied(parent, result))).toBe(supply(parent) + REWARD - result.gasUsed * header.baseFee);
  });

  it('caps the price at maxFeePerGas, the producer getting only what exceeds the base fee', () => {
    const parent = genesisState();
    const tx = dynamicTx(ALICE_KEY, { maxFeePerGas: 11n * GWEI, maxPriorityFeePerGas: 5n * GWEI });
    const result = executeBlock(input([tx], parent));
    expect(result.receipts[0]!.effectiveGasPrice).toBe(11n * GWEI);
    const after = applied(parent, result);
    expect(balanceOf(after, ALICE)).toBe(9n * ETHER - 21_000n * 11n * GWEI);
    expect(balanceOf(after, MINER)).toBe(21_000n * GWEI + REWARD);
  });

  it('a legacy transfer pays its gas price', () => {
    const parent = genesisState();
    const result = executeBlock(input([legacyTx(ALICE_KEY, 15n * GWEI)], parent));
    expect(result.receipts[0]!.effectiveGasPrice).toBe(15n * GWEI);
    const after = applied(parent, result);
    expect(balanceOf(after, ALICE)).toBe(9n * ETHER - 21_000n * 15n * GWEI);
    expect(balanceOf(after, MINER)).toBe(21_000n * 5n * GWEI + REWARD);
  });

  it('charges intrinsic gas for data and access lists', () => {
    const data = Uint8Array.of(0, 1, 2, 0); // 2 zero bytes * 4 + 2 non-zero * 16 = 40
    const accessList = [{ address: CAROL, storageKeys: [new Uint8Array(32)] }]; // 2400 + 1900
    const result = executeBlock(input([dynamicTx(ALICE_KEY, { data, accessList, gasLimit: 50_000n })]));
    expect(result.receipts[0]!.gasUsed).toBe(21_000n + 40n + 2_400n + 1_900n);
  });

  it('a transfer to oneself costs only the fee', () => {
    const parent = genesisState();
    const result = executeBlock(input([dynamicTx(ALICE_KEY, { to: ALICE })], parent));
    expect(applied(parent, result).get(bytesToHex(ALICE))).toEqual({ nonce: 1n, balance: 10n * ETHER - 21_000n * 12n * GWEI });
  });

  it('applies transactions in order: cumulative gas, nonces, spending what an earlier one received', () => {
    const parent = genesisState();
    const carolKey = hexToBytes('0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a');
    const carol = addressOfPrivateKey(carolKey);
    const txs = [
      dynamicTx(ALICE_KEY, { to: carol, value: 2n * ETHER }),
      dynamicTx(ALICE_KEY, { nonce: 1n, value: 1n }),
      dynamicTx(carolKey, { to: BOB, value: ETHER }),
    ];
    const result = executeBlock(input(txs, parent));
    expect(result.receipts.map((r) => r.cumulativeGasUsed)).toEqual([21_000n, 42_000n, 63_000n]);
    expect(result.receiptsRoot).toEqual(receiptsRoot(result.receipts));
    const after = applied(parent, result);
    expect(after.get(bytesToHex(ALICE))!.nonce).toBe(2n);
    expect(after.get(bytesToHex(carol))).toEqual({ nonce: 1n, balance: ETHER - 21_000n * 12n * GWEI });
    expect(balanceOf(after, BOB)).toBe(6n * ETHER);
  });

  it('the state root is the LtHash of the whole new state, and undo restores the parent', () => {
    const parent = genesisState();
    const result = executeBlock(input([dynamicTx(ALICE_KEY), dynamicTx(BOB_KEY, { nonce: 4n })], parent));
    const after = applied(parent, result);
    expect(result.stateRoot).toEqual(stateLtHash(after).digest());
    expect(result.ltHash.digest()).toEqual(result.stateRoot);
    expect(result.undo).toEqual(
      new Map<string, Account | null>([
        [bytesToHex(ALICE), { nonce: 0n, balance: 10n * ETHER }],
        [bytesToHex(CAROL), null],
        [bytesToHex(MINER), null],
        [bytesToHex(BOB), { nonce: 4n, balance: 5n * ETHER }],
      ]),
    );
    const restored = new Map(after);
    for (const [key, account] of result.undo) {
      if (account === null) restored.delete(key);
      else restored.set(key, account);
    }
    expect(restored).toEqual(parent);
  });

  it('an empty block pays the reward; with no reward it changes nothing', () => {
    const parent = genesisState();
    const rewarded = executeBlock(input([], parent));
    expect(rewarded.changes).toEqual(new Map([[bytesToHex(MINER), { nonce: 0n, balance: REWARD }]]));
    const nothing = executeBlock(input([], parent, { blockReward: 0n }));
    expect(nothing.changes.size).toBe(0);
    expect(nothing.stateRoot).toEqual(stateLtHash(parent).digest());
    expect(nothing.receiptsRoot).toEqual(receiptsRoot([]));
  });
});

describe('executeBlock: invalid transactions make the block invalid', () => {
  it.each([
    ['nonce too low', () => [dynamicTx(BOB_KEY, { nonce: 3n })], TxErrorCode.NonceTooLow, 'nonce too low: next nonce 4, tx nonce 3'],
    ['nonce too high', () => [dynamicTx(BOB_KEY, { nonce: 5n })], TxErrorCode.NonceTooHigh, 'nonce too high: next nonce 4, tx nonce 5'],
    ['a replayed nonce', () => [dynamicTx(ALICE_KEY), dynamicTx(ALICE_KEY, { value: 2n })], TxErrorCode.NonceTooLow, 'nonce too low: next nonce 1, tx nonce 0'],
    [
      'fee cap below the base fee',
      () => [dynamicTx(ALICE_KEY, { maxFeePerGas: 9n * GWEI, maxPriorityFeePerGas: GWEI })],
      TxErrorCode.FeeCapTooLow,
      'max fee per gas less than block base fee',
    ],
    ['a legacy gas price below the base fee', () => [legacyTx(ALICE_KEY, 9n * GWEI)], TxErrorCode.FeeCapTooLow, 'maxFeePerGas: 9000000000, baseFee: 10000000000'],
    ['a value above the balance', () => [dynamicTx(ALICE_KEY, { value: 10n * ETHER })], TxErrorCode.InsufficientFunds, 'insufficient funds for gas * price + value'],
    [
      // 100k gas at 30 gwei reserves 0.003 ETH up front, although 21000 gas would be used.
      'a balance that covers the fee used but not gasLimit * maxFeePerGas + value',
      () => [dynamicTx(BOB_KEY, { nonce: 4n, value: 5n * ETHER - 21_000n * 12n * GWEI, gasLimit: 100_000n })],
      TxErrorCode.InsufficientFunds,
      `balance ${5n * ETHER}, tx cost ${100_000n * 30n * GWEI + 5n * ETHER - 21_000n * 12n * GWEI}`,
    ],
    ['a wrong chain id', () => [dynamicTx(ALICE_KEY, { chainId: 1n })], TxErrorCode.WrongChainId, 'invalid chain id: have 1, want 1337'],
    ['a gas limit below intrinsic gas', () => [dynamicTx(ALICE_KEY, { gasLimit: 20_999n })], TxErrorCode.IntrinsicGas, 'intrinsic gas too low'],
  ])('%s', (_name, txs, code, message) => {
    const transactions = txs();
    const error = invalidBlock(() => executeBlock(input(transactions)));
    const index = transactions.length - 1;
    expect(error.code).toBe(BlockErrorCode.BadTransaction);
    expect(error.message).toContain(`block 5: transaction ${index} (${bytesToHex(transactions[index]!.hash)}) is invalid: `);
    expect(error.message).toContain(message);
    expect(error.cause).toBeInstanceOf(InvalidTransactionError);
    expect((error.cause as InvalidTransactionError).code).toBe(code);
  });

  it('enforces the block gas limit over the cumulative gas, reserving each gas limit', () => {
    const small = { ...header, gasLimit: 50_000n };
    const fits = [dynamicTx(ALICE_KEY), dynamicTx(BOB_KEY, { nonce: 4n })];
    expect(executeBlock(input(fits, genesisState(), { header: small })).gasUsed).toBe(42_000n);
    const third = [...fits, dynamicTx(ALICE_KEY, { nonce: 1n })];
    const error = invalidBlock(() => executeBlock(input(third, genesisState(), { header: small })));
    expect(error.message).toContain('transaction 2');
    expect(error.message).toContain('gas limit reached: transaction gas limit 21000, block gas left 8000');
    // 21000 used so far; a 30000 limit does not fit in the 29000 left even though it would use 21000.
    const reserved = [dynamicTx(ALICE_KEY), dynamicTx(BOB_KEY, { nonce: 4n, gasLimit: 30_000n })];
    expect(() => executeBlock(input(reserved, genesisState(), { header: small }))).toThrow(/block gas left 29000/);
    const tooBig = [dynamicTx(ALICE_KEY, { gasLimit: 50_001n })];
    expect(() => executeBlock(input(tooBig, genesisState(), { header: small }))).toThrow(/exceeds block gas limit/);
  });

  it('does not modify the parent state or LtHash when it fails', () => {
    const parent = genesisState();
    const snapshot = new Map(parent);
    const ltHash = stateLtHash(parent);
    const digest = ltHash.digest();
    expect(() => executeBlock({ ...input([dynamicTx(ALICE_KEY), dynamicTx(BOB_KEY)], parent), parentLtHash: ltHash })).toThrow(InvalidBlockError);
    expect(parent).toEqual(snapshot);
    expect(ltHash.digest()).toEqual(digest);
  });
});

describe('buildBlockBody', () => {
  it('leaves out and reports failing transactions, producing a valid block', () => {
    const parent = genesisState();
    const candidates = [
      dynamicTx(ALICE_KEY),
      dynamicTx(BOB_KEY, { nonce: 9n }), // nonce gap
      dynamicTx(ALICE_KEY, { nonce: 1n, maxFeePerGas: GWEI, maxPriorityFeePerGas: GWEI }), // below base fee
      dynamicTx(ALICE_KEY, { nonce: 2n }), // follows a rejected one: nonce too high now
      dynamicTx(BOB_KEY, { nonce: 4n }),
    ];
    const built = buildBlockBody(input(candidates, parent));
    expect(built.included.map((tx) => bytesToHex(tx.hash))).toEqual([candidates[0]!, candidates[4]!].map((tx) => bytesToHex(tx.hash)));
    expect(built.rejected.map((r) => [bytesToHex(r.tx.hash), r.error.code])).toEqual([
      [bytesToHex(candidates[1]!.hash), TxErrorCode.NonceTooHigh],
      [bytesToHex(candidates[2]!.hash), TxErrorCode.FeeCapTooLow],
      [bytesToHex(candidates[3]!.hash), TxErrorCode.NonceTooHigh],
    ]);
    expect(built.txRoot).toEqual(txRoot(built.included));
    const verified = executeBlock(input(built.included, parent));
    expect(verified.stateRoot).toEqual(built.stateRoot);
    expect(verified.receiptsRoot).toEqual(built.receiptsRoot);
    expect(verified.gasUsed).toBe(built.gasUsed);
  });

  it('skips what does not fit in the block gas left and still fills it with what does', () => {
    const small = { ...header, gasLimit: 60_000n };
    const candidates = [dynamicTx(ALICE_KEY), dynamicTx(BOB_KEY, { nonce: 4n, gasLimit: 40_000n }), dynamicTx(ALICE_KEY, { nonce: 1n })];
    const built = buildBlockBody(input(candidates, genesisState(), { header: small }));
    expect(built.included.length).toBe(2);
    expect(built.rejected.map((r) => r.error.code)).toEqual([TxErrorCode.GasLimitExceedsBlock]);
    expect(built.gasUsed).toBe(42_000n);
  });
});

describe('checkExecution', () => {
  const result = executeBlock(input([dynamicTx(ALICE_KEY)]));
  const full: BlockHeader = {
    ...header,
    parentHash: new Uint8Array(32),
    timestamp: 1,
    txRoot: new Uint8Array(32),
    receiptsRoot: result.receiptsRoot,
    stateRoot: result.stateRoot,
    gasUsed: result.gasUsed,
    extraData: new Uint8Array(0),
    consensus: [],
  };

  it('accepts a header that matches its execution', () => {
    expect(() => checkExecution(full, result)).not.toThrow();
  });

  it.each([
    [{ gasUsed: 21_001n }, BlockErrorCode.BadGas, 'header gasUsed 21001, execution used 21000'],
    [{ receiptsRoot: new Uint8Array(32) }, BlockErrorCode.BadReceiptsRoot, 'header receiptsRoot 0x0000'],
    [{ stateRoot: new Uint8Array(32) }, BlockErrorCode.BadStateRoot, 'header stateRoot 0x0000'],
  ])('rejects %o', (patch, code, message) => {
    const error = invalidBlock(() => checkExecution({ ...full, ...patch }, result));
    expect(error.code).toBe(code);
    expect(error.message).toContain(`block 5: ${message}`);
  });
});

describe('executeBlock: system modules and the engine hook', () => {
  const NOTES = hexToBytes('0x000000000000000000000000000000000000abcd');
  const topic = new Uint8Array(32).fill(7);
  /** Stores tx.data under `notes/<sender>`; refuses an empty note after writing, so the revert is observable. */
  const notes: SystemModule = {
    name: 'notes',
    address: NOTES,
    callGas: 5_000n,
    call(state, { tx, txIndex, blockNumber }) {
      const key = recordKey('notes', bytesToHex(tx.from));
      state.setRecord(key, tx.data);
      if (tx.data.length === 0) return { ok: false, reason: `an empty note (tx ${txIndex} of block ${blockNumber})` };
      return { ok: true, logs: [{ address: NOTES, topics: [topic], data: tx.data }] };
    },
  };
  const noteKey = recordKey('notes', bytesToHex(ALICE));

  it('a call stores its record, emits its logs, and the value reaches the module account', () => {
    const tx = dynamicTx(ALICE_KEY, { to: NOTES, value: 5n, data: Uint8Array.of(1, 2), gasLimit: 30_000n });
    const result = executeBlock(input([tx], genesisState(), { modules: [notes] }));
    // Intrinsic 21,000 + 2 x 16 for the data, plus the module's 5,000.
    expect(requiredGas(tx, [notes])).toBe(26_032n);
    expect(result.receipts[0]).toMatchObject({ status: 1, gasUsed: 26_032n, logs: [{ address: NOTES, topics: [topic], data: Uint8Array.of(1, 2) }] });
    expect(result.receipts[0]!.reason).toBeUndefined();
    expect(result.records.get(bytesToHex(noteKey))).toEqual(Uint8Array.of(1, 2));
    expect(result.recordUndo.get(bytesToHex(noteKey))).toBeNull();
    expect(result.changes.get(bytesToHex(NOTES))).toEqual({ nonce: 0n, balance: 5n });
  });

  it('a refused call keeps only the fees and the nonce: status 0, the reason, no record, no value moved', () => {
    const parent = genesisState();
    const tx = dynamicTx(ALICE_KEY, { to: NOTES, value: 5n, gasLimit: 30_000n });
    const result = executeBlock(input([tx], parent, { modules: [notes] }));
    expect(result.receipts[0]).toEqual({
      status: 0,
      gasUsed: 26_000n,
      cumulativeGasUsed: 26_000n,
      effectiveGasPrice: 12n * GWEI,
      logs: [],
      reason: 'an empty note (tx 0 of block 5)',
    });
    expect(result.records.size).toBe(0);
    expect(result.changes.has(bytesToHex(NOTES))).toBe(false);
    const after = applied(parent, result);
    expect(balanceOf(after, ALICE)).toBe(balanceOf(parent, ALICE) - 26_000n * 12n * GWEI);
    expect(after.get(bytesToHex(ALICE))!.nonce).toBe(1n);
  });

  it("a call whose gas limit does not cover the module's cost uses its whole limit and does nothing", () => {
    const parent = genesisState();
    const tx = dynamicTx(ALICE_KEY, { to: NOTES, value: 5n, data: Uint8Array.of(1), gasLimit: 25_000n });
    const result = executeBlock(input([tx], parent, { modules: [notes] }));
    expect(result.receipts[0]).toMatchObject({
      status: 0,
      gasUsed: 25_000n,
      reason: "out of gas: a notes operation needs 26016 gas, the transaction's gas limit is 25000",
    });
    expect(result.records.size).toBe(0);
    expect(balanceOf(applied(parent, result), ALICE)).toBe(balanceOf(parent, ALICE) - 25_000n * 12n * GWEI);
  });

  it('without the module, a transfer to its address is a plain transfer', () => {
    const tx = dynamicTx(ALICE_KEY, { to: NOTES, value: 5n });
    const result = executeBlock(input([tx]));
    expect(result.receipts[0]!.status).toBe(1);
    expect(result.changes.get(bytesToHex(NOTES))).toEqual({ nonce: 0n, balance: 5n });
  });

  it('the engine hook runs before the first transaction, and its writes are in the state root', () => {
    const seen: bigint[] = [];
    const hookKey = recordKey('consensus', 'epoch');
    const parent = genesisState();
    const result = executeBlock(
      input([dynamicTx(ALICE_KEY)], parent, {
        beginBlock: (state) => {
          seen.push(state.getAccount(ALICE).nonce);
          state.setRecord(hookKey, Uint8Array.of(1));
        },
      }),
    );
    expect(seen).toEqual([0n]);
    expect(result.records.get(bytesToHex(hookKey))).toEqual(Uint8Array.of(1));
    expect(result.stateRoot).toEqual(stateLtHash(applied(parent, result), [[bytesToHex(hookKey), Uint8Array.of(1)]]).digest());
  });
});

describe('BodyBuilder', () => {
  it('taking transactions in steps, with results in between, ends where executing them at once does', () => {
    const txs = [dynamicTx(ALICE_KEY), dynamicTx(BOB_KEY, { nonce: 4n, value: 3n }), dynamicTx(ALICE_KEY, { nonce: 1n }), legacyTx(BOB_KEY, 12n * GWEI, { nonce: 5n })];
    const whole = executeBlock(input(txs));
    const body = new BodyBuilder(input([]));
    expect(body.take(txs.slice(0, 1))).toEqual([]);
    const early = body.result();
    expect(early.stateRoot).toEqual(executeBlock(input(txs.slice(0, 1))).stateRoot);
    expect(early.receiptsRoot).toEqual(executeBlock(input(txs.slice(0, 1))).receiptsRoot);
    expect(body.txRoot).toEqual(txRoot(txs.slice(0, 1)));
    // The reward result() paid is taken back: the next transactions build on the state without it.
    expect(body.take(txs.slice(1, 3))).toEqual([]);
    expect(body.result().stateRoot).toEqual(executeBlock(input(txs.slice(0, 3))).stateRoot);
    expect(body.take(txs.slice(3))).toEqual([]);
    const stepped = body.result();
    expect(stepped.stateRoot).toEqual(whole.stateRoot);
    expect(stepped.receiptsRoot).toEqual(whole.receiptsRoot);
    expect(body.txRoot).toEqual(txRoot(txs));
    expect(stepped.gasUsed).toBe(whole.gasUsed);
    expect(stepped.changes).toEqual(whole.changes);
    expect(stepped.undo).toEqual(whole.undo);
    expect(body.included.map((tx) => tx.hash)).toEqual(txs.map((tx) => tx.hash));
    // Earlier results are snapshots: later transactions do not change them.
    expect(early.receipts).toHaveLength(1);
  });

  it('leaves out what does not apply yet, and takes it once its turn has come', () => {
    const body = new BodyBuilder(input([]));
    const gap = dynamicTx(ALICE_KEY, { nonce: 1n });
    expect(body.take([gap]).map((r) => r.error.code)).toEqual([TxErrorCode.NonceTooHigh]);
    expect(body.take([dynamicTx(ALICE_KEY), gap])).toEqual([]);
    expect(body.result().stateRoot).toEqual(executeBlock(input([dynamicTx(ALICE_KEY), gap])).stateRoot);
  });
});

