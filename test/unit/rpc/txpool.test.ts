import { beforeEach, describe, expect, it } from 'vitest';
import type { SignedTransaction } from '../../../src/ledger/tx/types.js';
import { bytesToHex } from '../../../src/primitives/hex.js';
import type { RpcDispatcher } from '../../../src/rpc/dispatch.js';
import { createRpcDispatcher } from '../../../src/rpc/server.js';
import { ALICE, FakeBackend, GWEI, KEYS, signed } from './fake-backend.js';
import { failure, result } from './helpers.js';

/** The Hardhat dev accounts behind KEYS, in EIP-55 form (written out, not computed, so a checksum bug shows). */
const ALICE_KEY = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
const BOB_KEY = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';

type Json = Record<string, unknown>;
type Nested = Record<string, Record<string, unknown>>;

let backend: FakeBackend;
let rpc: RpcDispatcher;
let alice: Record<string, SignedTransaction>;
let bob: Record<string, SignedTransaction>;

function pool(tx: SignedTransaction): void {
  backend.pool.set(bytesToHex(tx.hash), tx);
}

/**
 * Alice (account nonce 1 after one mined tx): nonces 1, 2 pending; 4, 9, 10
 * queued behind the gap at 3. Bob (account nonce 0): 0 pending, 2 queued.
 * They arrive out of order, Alice first.
 */
beforeEach(() => {
  backend = new FakeBackend();
  rpc = createRpcDispatcher({ backend, log: { error: () => undefined } });
  backend.mine([signed({ nonce: 0n })]);
  alice = {
    '1': signed({ nonce: 1n, type: 2, value: 5n, maxFeePerGas: 7n * GWEI }),
    '2': signed({ nonce: 2n, type: 0, value: 0n, gasPrice: 2n * GWEI, gasLimit: 50_000n }),
    '4': signed({ nonce: 4n, type: 1, gasPrice: 3n * GWEI }),
    '9': signed({ nonce: 9n }),
    '10': signed({ nonce: 10n }),
  };
  bob = {
    '0': signed({ nonce: 0n, to: ALICE, value: 10n ** 18n }, KEYS[1]),
    '2': signed({ nonce: 2n, to: ALICE }, KEYS[1]),
  };
  for (const nonce of ['10', '2', '4', '1', '9']) pool(alice[nonce]!);
  for (const nonce of ['2', '0']) pool(bob[nonce]!);
});

const pendingJson = (tx: SignedTransaction): Promise<Json> => result<Json>(rpc, 'eth_getTransactionByHash', [bytesToHex(tx.hash)]);

describe('txpool_status', () => {
  it('counts pending and queued transactions as quantities', async () => {
    expect(await result(rpc, 'txpool_status')).toEqual({ pending: '0x3', queued: '0x4' });
    backend.pool.clear();
    expect(await result(rpc, 'txpool_status')).toEqual({ pending: '0x0', queued: '0x0' });
  });

  it('takes no arguments', async () => {
    const err = await failure(rpc, 'txpool_status', ['latest']);
    expect(err).toEqual({ code: -32602, message: 'too many arguments, want at most 0' });
  });
});

describe('txpool_content', () => {
  it('groups by EIP-55 sender (in key order) and decimal nonce (in nonce order)', async () => {
    const content = await result<{ pending: Nested; queued: Nested }>(rpc, 'txpool_content');
    expect(Object.keys(content)).toEqual(['pending', 'queued']);
    // Bob sorts first although Alice arrived first, as geth's JSON map encoding orders them.
    expect(Object.keys(content.pending)).toEqual([BOB_KEY, ALICE_KEY]);
    expect(Object.keys(content.queued)).toEqual([BOB_KEY, ALICE_KEY]);
    expect(Object.keys(content.pending[ALICE_KEY]!)).toEqual(['1', '2']);
    expect(Object.keys(content.queued[ALICE_KEY]!)).toEqual(['4', '9', '10']);
    expect(Object.keys(content.pending[BOB_KEY]!)).toEqual(['0']);
    expect(Object.keys(content.queued[BOB_KEY]!)).toEqual(['2']);
  });

  it('shows each transaction as eth_getTransactionByHash shows a pending one', async () => {
    const content = await result<{ pending: Nested; queued: Nested }>(rpc, 'txpool_content');
    for (const [nonce, tx] of Object.entries(alice)) {
      const group = Number(nonce) <= 2 ? content.pending : content.queued;
      expect(group[ALICE_KEY]![nonce]).toEqual(await pendingJson(tx));
    }
    expect(content.pending[BOB_KEY]!['0']).toEqual(await pendingJson(bob['0']!));
    expect(content.queued[BOB_KEY]!['2']).toEqual(await pendingJson(bob['2']!));
    const type2 = content.pending[ALICE_KEY]!['1'] as Json;
    expect(type2).toMatchObject({ blockHash: null, blockNumber: null, transactionIndex: null, from: bytesToHex(ALICE), nonce: '0x1', type: '0x2' });
    expect(type2['gasPrice']).toBe('0x' + (7n * GWEI).toString(16));
  });

  it('an empty pool gives empty maps', async () => {
    backend.pool.clear();
    expect(await result(rpc, 'txpool_content')).toEqual({ pending: {}, queued: {} });
  });

  it('takes no arguments', async () => {
    expect((await failure(rpc, 'txpool_content', [ALICE_KEY])).message).toBe('too many arguments, want at most 0');
  });
});

describe('txpool_contentFrom', () => {
  it("one sender's pending and queued transactions by nonce, whatever the address's case", async () => {
    const expected = {
      pending: { '1': await pendingJson(alice['1']!), '2': await pendingJson(alice['2']!) },
      queued: { '4': await pendingJson(alice['4']!), '9': await pendingJson(alice['9']!), '10': await pendingJson(alice['10']!) },
    };
    expect(await result(rpc, 'txpool_contentFrom', [ALICE_KEY])).toEqual(expected);
    expect(await result(rpc, 'txpool_contentFrom', [bytesToHex(ALICE)])).toEqual(expected);
    expect(await result(rpc, 'txpool_contentFrom', [BOB_KEY])).toEqual({
      pending: { '0': await pendingJson(bob['0']!) },
      queued: { '2': await pendingJson(bob['2']!) },
    });
  });

  it('a sender with nothing pooled gets empty maps', async () => {
    expect(await result(rpc, 'txpool_contentFrom', ['0x' + '00'.repeat(20)])).toEqual({ pending: {}, queued: {} });
    backend.pool.clear();
    expect(await result(rpc, 'txpool_contentFrom', [ALICE_KEY])).toEqual({ pending: {}, queued: {} });
  });

  it('rejects a missing or malformed address with -32602 naming the argument', async () => {
    expect(await failure(rpc, 'txpool_contentFrom', [])).toEqual({ code: -32602, message: 'missing value for required argument 0' });
    for (const bad of ['0x1234', 42, null, ALICE_KEY.toLowerCase().replace('f39f', 'F39f')]) {
      const err = await failure(rpc, 'txpool_contentFrom', [bad]);
      expect(err.code, String(bad)).toBe(-32602);
      expect(err.message, String(bad)).toMatch(/^invalid argument 0 \(address\): /);
    }
    expect((await failure(rpc, 'txpool_contentFrom', [ALICE_KEY, 'latest'])).message).toBe('too many arguments, want at most 1');
  });
});

describe('txpool_inspect', () => {
  it("geth's summary lines: recipient, value, gas limit and gas price (a type-2 tx's fee cap)", async () => {
    const inspect = await result<{ pending: Nested; queued: Nested }>(rpc, 'txpool_inspect');
    expect(inspect).toEqual({
      pending: {
        [BOB_KEY]: { '0': `${ALICE_KEY}: 1000000000000000000 wei + 21000 gas × 3000000000 wei` },
        [ALICE_KEY]: {
          '1': `${BOB_KEY}: 5 wei + 21000 gas × 7000000000 wei`,
          '2': `${BOB_KEY}: 0 wei + 50000 gas × 2000000000 wei`,
        },
      },
      queued: {
        [BOB_KEY]: { '2': `${ALICE_KEY}: 1000 wei + 21000 gas × 3000000000 wei` },
        [ALICE_KEY]: {
          '4': `${BOB_KEY}: 1000 wei + 21000 gas × 3000000000 wei`,
          '9': `${BOB_KEY}: 1000 wei + 21000 gas × 3000000000 wei`,
          '10': `${BOB_KEY}: 1000 wei + 21000 gas × 3000000000 wei`,
        },
      },
    });
    expect(Object.keys(inspect.pending)).toEqual([BOB_KEY, ALICE_KEY]);
  });

  it('an empty pool gives empty maps; no arguments taken', async () => {
    backend.pool.clear();
    expect(await result(rpc, 'txpool_inspect')).toEqual({ pending: {}, queued: {} });
    expect((await failure(rpc, 'txpool_inspect', [{}])).code).toBe(-32602);
  });
});

it('the pooled transactions follow the chain: mined ones leave, a filled gap promotes', async () => {
  backend.mine([alice['1']!, alice['2']!]);
  const gapFiller = signed({ nonce: 3n });
  pool(gapFiller);
  expect(await result(rpc, 'txpool_status')).toEqual({ pending: '0x3', queued: '0x3' });
  const content = await result<{ pending: Nested; queued: Nested }>(rpc, 'txpool_content');
  expect(Object.keys(content.pending[ALICE_KEY]!)).toEqual(['3', '4']);
  expect(Object.keys(content.queued[ALICE_KEY]!)).toEqual(['9', '10']);
});
