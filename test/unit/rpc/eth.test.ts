import { Transaction as EthersTransaction } from 'ethers';
import { beforeEach, describe, expect, it } from 'vitest';
import { encodeBlock } from '../../../src/ledger/block/block.js';
import type { Log } from '../../../src/ledger/block/types.js';
import { toChecksumAddress } from '../../../src/primitives/address.js';
import { bytesToHex, hexToBytes } from '../../../src/primitives/hex.js';
import type { RpcDispatcher } from '../../../src/rpc/dispatch.js';
import { createRpcDispatcher } from '../../../src/rpc/server.js';
import { ALICE, BOB, COINBASE, DIFFICULTY, FakeBackend, GWEI, signed } from './fake-backend.js';
import { ADDRESS, DATA, expectQuantities, failure, HASH, QUANTITY, result } from './helpers.js';

const TOPIC_A = hexToBytes('0x' + 'aa'.repeat(32));
const TOPIC_B = hexToBytes('0x' + 'bb'.repeat(32));
const TOPIC_C = hexToBytes('0x' + 'cc'.repeat(32));
const EMITTER = hexToBytes('0x' + '11'.repeat(20));
const OTHER_EMITTER = hexToBytes('0x' + '22'.repeat(20));
const ZERO_BLOOM = '0x' + '00'.repeat(256);

type Json = Record<string, unknown>;

let backend: FakeBackend;
let rpc: RpcDispatcher;
const errors: string[] = [];

/** Block 1: type 2, legacy and type 1 txs; block 2 empty; block 3: two txs with logs; pool: nonce 5. */
function setup(): void {
  backend = new FakeBackend();
  errors.length = 0;
  rpc = createRpcDispatcher({ backend, log: { error: (m) => errors.push(m) } });
  backend.mine([
    signed({ nonce: 0n, type: 2, data: Uint8Array.of(0, 1, 2) }),
    signed({ nonce: 1n, type: 0, gasPrice: 2n * GWEI }),
    signed({ nonce: 2n, type: 1, gasPrice: 2n * GWEI, accessList: [{ address: EMITTER, storageKeys: [TOPIC_A] }] }),
  ]);
  backend.mine([]);
  const logs: Log[][] = [
    [
      { address: EMITTER, topics: [TOPIC_A, TOPIC_B], data: Uint8Array.of(1) },
      { address: OTHER_EMITTER, topics: [TOPIC_A], data: new Uint8Array(0) },
    ],
    [{ address: EMITTER, topics: [TOPIC_C, TOPIC_B], data: Uint8Array.of(2, 3) }],
  ];
  const tipping = (nonce: bigint, tip: bigint) => signed({ nonce, maxPriorityFeePerGas: tip, maxFeePerGas: 10n * GWEI });
  backend.mine([tipping(3n, 2n * GWEI), tipping(4n, 3n * GWEI)], (i) => logs[i]!);
  const pending = signed({ nonce: 5n });
  backend.pool.set(bytesToHex(pending.hash), pending);
}

beforeEach(setup);

describe('chain and account reads', () => {
  it('eth_chainId, eth_blockNumber, net_version, web3_clientVersion', async () => {
    expect(await result(rpc, 'eth_chainId')).toBe('0x539');
    expect(await result(rpc, 'eth_blockNumber')).toBe('0x3');
    expect(await result(rpc, 'net_version')).toBe('1337');
    expect(await result(rpc, 'net_listening')).toBe(true);
    expect(await result(rpc, 'net_peerCount')).toBe('0x1');
    expect(await result(rpc, 'web3_clientVersion')).toBe('Cairn/v0.1.0/test');
    expect(await result(rpc, 'eth_accounts')).toEqual([]);
  });

  it('web3_sha3 hashes the bytes', async () => {
    expect(await result(rpc, 'web3_sha3', ['0x68656c6c6f20776f726c64'])).toBe('0x47173285a8d7341e5e972fc677286384f802f8ef42a5ec5f03bbfa254cb01fad');
  });

  it('eth_getBalance takes checksummed and lowercase addresses alike', async () => {
    const expected = '0x' + backend.getAccount(BOB).balance.toString(16);
    expect(await result(rpc, 'eth_getBalance', [toChecksumAddress(BOB), 'latest'])).toBe(expected);
    expect(await result(rpc, 'eth_getBalance', [bytesToHex(BOB), 'latest'])).toBe(expected);
    expect(await result(rpc, 'eth_getBalance', [bytesToHex(BOB).toUpperCase().replace('0X', '0x')])).toBe(expected);
    expect(await result(rpc, 'eth_getBalance', ['0x' + '00'.repeat(20), 'latest'])).toBe('0x0');
  });

  it('refuses a mixed-case address with a wrong checksum, naming the argument', async () => {
    const good = toChecksumAddress(BOB);
    const i = good.slice(2).search(/[a-f]/i) + 2;
    const c = good[i]!;
    const bad = good.slice(0, i) + (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) + good.slice(i + 1);
    const err = await failure(rpc, 'eth_getBalance', [bad, 'latest']);
    expect(err.code).toBe(-32602);
    expect(err.message).toMatch(/invalid argument 0 \(address\).*checksum/);
  });

  it('rejects malformed params with -32602', async () => {
    expect((await failure(rpc, 'eth_getBalance', ['0x1234', 'latest'])).code).toBe(-32602);
    expect((await failure(rpc, 'eth_getBalance', [bytesToHex(BOB), 'newest'])).message).toMatch(/invalid argument 1/);
    expect((await failure(rpc, 'eth_getBalance', [bytesToHex(BOB), '0x01'])).message).toMatch(/leading zeros/);
    expect((await failure(rpc, 'eth_getBalance', [])).message).toMatch(/missing value for required argument 0/);
    expect((await failure(rpc, 'eth_blockNumber', [1])).message).toMatch(/too many arguments/);
    expect((await failure(rpc, 'eth_getTransactionByHash', ['0x1234'])).code).toBe(-32602);
    expect((await failure(rpc, 'eth_getBlockByNumber', ['latest', 'yes'])).code).toBe(-32602);
  });

  it('eth_getTransactionCount: "pending" counts pooled txs, "latest" does not', async () => {
    expect(await result(rpc, 'eth_getTransactionCount', [toChecksumAddress(ALICE), 'pending'])).toBe('0x6');
    expect(await result(rpc, 'eth_getTransactionCount', [bytesToHex(ALICE), 'latest'])).toBe('0x5');
  });

  it('serves state for the head block by any name and refuses older blocks', async () => {
    const addr = bytesToHex(ALICE);
    expect(await result(rpc, 'eth_getTransactionCount', [addr, '0x3'])).toBe('0x5');
    expect(await result(rpc, 'eth_getTransactionCount', [addr, { blockNumber: '0x3' }])).toBe('0x5');
    expect(await result(rpc, 'eth_getTransactionCount', [addr, { blockHash: bytesToHex(backend.head().hash) }])).toBe('0x5');
    backend.finalized = 3;
    expect(await result(rpc, 'eth_getBalance', [addr, 'finalized'])).toMatch(QUANTITY);

    for (const ref of ['earliest', '0x1', { blockHash: bytesToHex(backend.blocks[1]!.hash) }]) {
      const err = await failure(rpc, 'eth_getBalance', [addr, ref]);
      expect(err.code).toBe(-32000);
      expect(err.message).toMatch(/^historical state is not available: this node keeps only the latest state/);
    }
    expect((await failure(rpc, 'eth_getBalance', [addr, '0x9'])).message).toMatch(/header not found/);
    expect((await failure(rpc, 'eth_getBalance', [addr, { blockHash: '0x' + '12'.repeat(32) }])).message).toMatch(/header for hash not found/);
  });

  it('eth_getCode, eth_getStorageAt and eth_call answer as for plain accounts', async () => {
    expect(await result(rpc, 'eth_getCode', [bytesToHex(BOB), 'latest'])).toBe('0x');
    expect(await result(rpc, 'eth_getStorageAt', [bytesToHex(BOB), '0x0', 'latest'])).toBe('0x' + '0'.repeat(64));
    expect(await result(rpc, 'eth_call', [{ to: bytesToHex(BOB), data: '0x12345678' }, 'latest'])).toBe('0x');
    expect((await failure(rpc, 'eth_call', [{ to: bytesToHex(BOB), data: '0x12', input: '0x34' }])).code).toBe(-32602);
    // A sender that could not pay is refused, as geth does (viem: InsufficientFundsError); one that can gets "0x".
    expect(await result(rpc, 'eth_call', [{ from: bytesToHex(ALICE), to: bytesToHex(BOB), value: '0x1' }])).toBe('0x');
    const poor = await failure(rpc, 'eth_call', [{ from: bytesToHex(BOB), to: bytesToHex(ALICE), value: '0xffffffffffffffff' }]);
    expect(poor.code).toBe(-32000);
    expect(poor.message).toMatch(/^insufficient funds for transfer: balance \d+, value 18446744073709551615$/);
    const fees = await failure(rpc, 'eth_call', [{ from: bytesToHex(BOB), to: bytesToHex(ALICE), gas: '0x5208', maxFeePerGas: '0xffffffffffff' }]);
    expect(fees.message).toMatch(/^insufficient funds for gas \* price \+ value: balance \d+, tx cost 5910974510923755000$/);
  });

  it('eth_syncing: false, then the progress as quantities', async () => {
    expect(await result(rpc, 'eth_syncing')).toBe(false);
    backend.sync = { startingBlock: 0, currentBlock: 3, highestBlock: 100 };
    expect(await result(rpc, 'eth_syncing')).toEqual({ startingBlock: '0x0', currentBlock: '0x3', highestBlock: '0x64' });
  });
});

describe('fees and gas', () => {
  it('eth_maxPriorityFeePerGas suggests from recent tips; eth_gasPrice adds the next base fee', async () => {
    // Samples, lowest first: 1 gwei (type 2), 2 gwei - base fee twice (legacy, type 1) in block 1;
    // 2 and 3 gwei in block 3. The 60th percentile of five is the third.
    const tip = BigInt(await result<string>(rpc, 'eth_maxPriorityFeePerGas'));
    expect(tip).toBe(2n * GWEI - backend.blocks[1]!.header.baseFee);
    expect(BigInt(await result<string>(rpc, 'eth_gasPrice'))).toBe(backend.nextBaseFee() + tip);
  });

  it('suggests 1 gwei when no block holds a transaction', async () => {
    const empty = new FakeBackend();
    empty.mine([]);
    const d = createRpcDispatcher({ backend: empty });
    expect(await result(d, 'eth_maxPriorityFeePerGas')).toBe('0x3b9aca00');
  });

  it("never suggests less than the pool's minimum tip", async () => {
    const cheap = new FakeBackend();
    cheap.mine([signed({ nonce: 0n, type: 0, gasPrice: cheap.nextBaseFee() })]);
    expect(await result(createRpcDispatcher({ backend: cheap, fees: { minTip: 5n } }), 'eth_maxPriorityFeePerGas')).toBe('0x5');
  });

  it('eth_feeHistory: oldest block, blockCount+1 base fees, ratios and rewards', async () => {
    const h = await result<Json>(rpc, 'eth_feeHistory', ['0x3', 'latest', [0, 50, 100]]);
    expect(h['oldestBlock']).toBe('0x1');
    const baseFees = h['baseFeePerGas'] as string[];
    expect(baseFees).toHaveLength(4);
    baseFees.forEach((f) => expect(f).toMatch(QUANTITY));
    expect(baseFees[3]).toBe('0x' + backend.nextBaseFee().toString(16));
    expect(baseFees[0]).toBe('0x' + backend.blocks[1]!.header.baseFee.toString(16));
    const ratios = h['gasUsedRatio'] as number[];
    expect(ratios).toHaveLength(3);
    expect(ratios[1]).toBe(0);
    expect(ratios[0]).toBeCloseTo(Number(backend.blocks[1]!.header.gasUsed) / 30_000_000);
    const reward = h['reward'] as string[][];
    expect(reward).toHaveLength(3);
    expect(reward[1]).toEqual(['0x0', '0x0', '0x0']);
    // Block 3: tips 2 and 3 gwei, 21000 gas each: p0 → 2 gwei, p50 → 2 gwei, p100 → 3 gwei.
    expect(reward[2]).toEqual(['0x' + (2n * GWEI).toString(16), '0x' + (2n * GWEI).toString(16), '0x' + (3n * GWEI).toString(16)]);
  });

  it('eth_feeHistory: decimal count, a numbered newest block, no percentiles, count clipped at genesis', async () => {
    const h = await result<Json>(rpc, 'eth_feeHistory', [10, '0x1']);
    expect(h['oldestBlock']).toBe('0x0');
    expect(h['baseFeePerGas']).toHaveLength(3);
    expect(h['baseFeePerGas'] as string[]).toContain('0x' + backend.blocks[2]!.header.baseFee.toString(16));
    expect(h['reward']).toBeUndefined();
    expect((await failure(rpc, 'eth_feeHistory', ['0x1', '0x9'])).message).toMatch(/beyond head block/);
    expect((await failure(rpc, 'eth_feeHistory', ['0x1', 'latest', [50, 10]])).code).toBe(-32602);
  });

  it('eth_estimateGas: 21000 for a transfer, more for data; fee and nonce fields ignored', async () => {
    const from = toChecksumAddress(ALICE);
    const to = toChecksumAddress(BOB);
    expect(await result(rpc, 'eth_estimateGas', [{ from, to, value: '0x1' }])).toBe('0x5208');
    expect(await result(rpc, 'eth_estimateGas', [{ from, to, value: '0x1', nonce: '0x5', maxFeePerGas: '0x77359400', maxPriorityFeePerGas: '0x3b9aca00' }])).toBe(
      '0x5208',
    );
    // 21000 + 4 (zero byte) + 16 (non-zero byte)
    expect(await result(rpc, 'eth_estimateGas', [{ to, data: '0x0001' }])).toBe('0x' + (21_020).toString(16));
  });

  it('eth_estimateGas refuses contract creation, unaffordable calls and too little gas', async () => {
    const creation = await failure(rpc, 'eth_estimateGas', [{ from: bytesToHex(ALICE), data: '0x00' }]);
    expect(creation.code).toBe(-32000);
    expect(creation.message).toMatch(/contract creation is not supported/);
    const poor = await failure(rpc, 'eth_estimateGas', [{ from: bytesToHex(BOB), to: bytesToHex(ALICE), value: '0xffffffffffffffff' }]);
    expect(poor.code).toBe(-32000);
    expect(poor.message).toMatch(/insufficient funds/);
    const fees = await failure(rpc, 'eth_estimateGas', [{ from: bytesToHex(BOB), to: bytesToHex(ALICE), value: '0x0', maxFeePerGas: '0xffffffffffffffff' }]);
    expect(fees.message).toMatch(/^insufficient funds for gas \* price \+ value/);
    expect((await failure(rpc, 'eth_estimateGas', [{ to: bytesToHex(BOB), gas: '0x100' }])).message).toBe('gas required exceeds allowance (256)');
  });
});

describe('transactions', () => {
  it('eth_sendRawTransaction answers the lowercase hash and the tx shows as pending', async () => {
    const tx = signed({ nonce: 6n });
    const hash = await result<string>(rpc, 'eth_sendRawTransaction', [bytesToHex(tx.raw)]);
    expect(hash).toBe(bytesToHex(tx.hash));
    expect(hash).toMatch(HASH);
    const pending = await result<Json>(rpc, 'eth_getTransactionByHash', [hash]);
    expect(pending['blockHash']).toBeNull();
    expect(pending['blockNumber']).toBeNull();
    expect(pending['transactionIndex']).toBeNull();
    expect(pending['gasPrice']).toBe('0x' + tx.maxFeePerGas.toString(16));
    expect(await result(rpc, 'eth_getTransactionReceipt', [hash])).toBeNull();
  });

  it('maps a refused transaction to -32000 with geth wording', async () => {
    const err = await failure(rpc, 'eth_sendRawTransaction', [bytesToHex(signed({ nonce: 0n }).raw)]);
    expect(err.code).toBe(-32000);
    expect(err.message).toMatch(/^nonce too low: next nonce 6, tx nonce 0$/);
    const known = backend.pool.values().next().value!;
    expect((await failure(rpc, 'eth_sendRawTransaction', [bytesToHex(known.raw)])).message).toBe('already known');
  });

  it('garbage raw bytes are refused with a readable message, never -32603', async () => {
    for (const raw of ['0x', '0x02', '0xc0', '0x1234']) {
      const err = await failure(rpc, 'eth_sendRawTransaction', [raw]);
      expect([-32000, -32602]).toContain(err.code);
      expect(err.message.length).toBeGreaterThan(0);
    }
    expect(errors).toEqual([]);
  });

  it('unknown tx and receipt are null, not errors', async () => {
    const unknown = '0x' + '42'.repeat(32);
    expect(await result(rpc, 'eth_getTransactionByHash', [unknown])).toBeNull();
    expect(await result(rpc, 'eth_getTransactionReceipt', [unknown])).toBeNull();
  });

  it('mined txs of each type have every field, hex-clean, and re-serialise to their hash', async () => {
    const block = backend.blocks[1]!;
    for (const [index, tx] of block.transactions.entries()) {
      const json = await result<Json>(rpc, 'eth_getTransactionByHash', [bytesToHex(tx.hash)]);
      expect(json['hash']).toBe(bytesToHex(tx.hash));
      expect(json['blockHash']).toBe(bytesToHex(block.hash));
      expect(json['blockNumber']).toBe('0x1');
      expect(json['transactionIndex']).toBe('0x' + index.toString(16));
      expect(json['from']).toMatch(ADDRESS);
      expect(json['to']).toBe(bytesToHex(BOB));
      expect(json['input']).toMatch(DATA);
      expect(json['type']).toBe(['0x2', '0x0', '0x1'][index]);
      expectQuantities(json, ['nonce', 'gas', 'value', 'gasPrice', 'chainId', 'v', 'r', 's']);
      const rebuilt = EthersTransaction.from({
        type: tx.type,
        chainId: BigInt(json['chainId'] as string),
        nonce: Number(json['nonce']),
        gasLimit: BigInt(json['gas'] as string),
        to: json['to'] as string,
        value: BigInt(json['value'] as string),
        data: json['input'] as string,
        ...(tx.type === 2
          ? { maxFeePerGas: BigInt(json['maxFeePerGas'] as string), maxPriorityFeePerGas: BigInt(json['maxPriorityFeePerGas'] as string) }
          : { gasPrice: BigInt(json['gasPrice'] as string) }),
        ...(tx.type !== 0 ? { accessList: json['accessList'] as { address: string; storageKeys: string[] }[] } : {}),
        signature: { r: toBytes32(json['r'] as string), s: toBytes32(json['s'] as string), v: BigInt(json['v'] as string) },
      });
      expect(rebuilt.hash).toBe(json['hash']);
    }
    const [type2, legacy, type1] = await Promise.all(block.transactions.map((tx) => result<Json>(rpc, 'eth_getTransactionByHash', [bytesToHex(tx.hash)])));
    // A mined type-2 tx reports the price it paid; legacy carries its EIP-155 v.
    expect(type2!['gasPrice']).toBe('0x' + (block.header.baseFee + GWEI).toString(16));
    expect(type2!['yParity']).toBe(type2!['v']);
    expect(type2!['accessList']).toEqual([]);
    expect(BigInt(legacy!['v'] as string)).toBeGreaterThanOrEqual(1337n * 2n + 35n);
    expect(legacy!['accessList']).toBeUndefined();
    expect(type1!['accessList']).toEqual([{ address: bytesToHex(EMITTER), storageKeys: [bytesToHex(TOPIC_A)] }]);
  });

  it('receipts: status, type, gas, price, logs with block-wide indexes, bloom', async () => {
    const block1 = backend.blocks[1]!;
    const r = await result<Json>(rpc, 'eth_getTransactionReceipt', [bytesToHex(block1.transactions[1]!.hash)]);
    expect(r).toMatchObject({
      transactionHash: bytesToHex(block1.transactions[1]!.hash),
      transactionIndex: '0x1',
      blockHash: bytesToHex(block1.hash),
      blockNumber: '0x1',
      from: bytesToHex(ALICE),
      to: bytesToHex(BOB),
      gasUsed: '0x5208',
      cumulativeGasUsed: '0x' + (21_000 + 21_000 + 4 + 16 * 2).toString(16),
      effectiveGasPrice: '0x' + (2n * GWEI).toString(16),
      contractAddress: null,
      logs: [],
      logsBloom: ZERO_BLOOM,
      type: '0x0',
      status: '0x1',
    });
    const block3 = backend.blocks[3]!;
    const withLogs = await result<Json>(rpc, 'eth_getTransactionReceipt', [bytesToHex(block3.transactions[1]!.hash)]);
    const logs = withLogs['logs'] as Json[];
    expect(logs).toEqual([
      {
        address: bytesToHex(EMITTER),
        topics: [bytesToHex(TOPIC_C), bytesToHex(TOPIC_B)],
        data: '0x0203',
        blockNumber: '0x3',
        transactionHash: bytesToHex(block3.transactions[1]!.hash),
        transactionIndex: '0x1',
        blockHash: bytesToHex(block3.hash),
        logIndex: '0x2',
        removed: false,
      },
    ]);
    expect(withLogs['logsBloom']).toMatch(/^0x[0-9a-f]{512}$/);
    expect(withLogs['logsBloom']).not.toBe(ZERO_BLOOM);
  });
});

describe('eth_getBlockReceipts', () => {
  const receiptsOf = (block: unknown): Promise<Json[] | null> => result<Json[] | null>(rpc, 'eth_getBlockReceipts', [block]);

  it('each receipt as eth_getTransactionReceipt gives it, log indexes block-wide', async () => {
    const block3 = backend.blocks[3]!;
    const receipts = (await receiptsOf('0x3'))!;
    expect(receipts).toHaveLength(2);
    for (const [i, tx] of block3.transactions.entries()) {
      expect(receipts[i]).toEqual(await result(rpc, 'eth_getTransactionReceipt', [bytesToHex(tx.hash)]));
    }
    expect((receipts[1]!['logs'] as Json[]).map((l) => l['logIndex'])).toEqual(['0x2']);
    const block1 = (await receiptsOf('0x1'))!;
    expect(block1.map((r) => r['type'])).toEqual(['0x2', '0x0', '0x1']);
    expect(block1.map((r) => r['transactionIndex'])).toEqual(['0x0', '0x1', '0x2']);
  });

  it('names the block by tag, number, hash or EIP-1898 object', async () => {
    const head = await receiptsOf('0x3');
    const hash = bytesToHex(backend.blocks[3]!.hash);
    expect(await receiptsOf('latest')).toEqual(head);
    expect(await receiptsOf('pending')).toEqual(head);
    expect(await receiptsOf(hash)).toEqual(head);
    expect(await receiptsOf(hash.toUpperCase().replace('0X', '0x'))).toEqual(head);
    expect(await receiptsOf({ blockHash: hash })).toEqual(head);
    expect(await receiptsOf({ blockHash: hash, requireCanonical: true })).toEqual(head);
    expect(await receiptsOf({ blockNumber: '0x3' })).toEqual(head);
    backend.finalized = 1;
    expect((await receiptsOf('finalized'))!.map((r) => r['blockNumber'])).toEqual(['0x1', '0x1', '0x1']);
    expect((await receiptsOf('safe'))!).toHaveLength(3);
  });

  it('an empty block gives [], an unknown or side-chain block null', async () => {
    expect(await receiptsOf('0x2')).toEqual([]);
    expect(await receiptsOf('earliest')).toEqual([]);
    expect(await receiptsOf(bytesToHex(backend.blocks[2]!.hash))).toEqual([]);
    expect(await receiptsOf('0x4')).toBeNull();
    expect(await receiptsOf('0x' + '99'.repeat(32))).toBeNull();
    expect(await receiptsOf({ blockHash: '0x' + '99'.repeat(32) })).toBeNull();
    const canonical = backend.blocks[1]!;
    const side = { ...canonical, header: { ...canonical.header, extraData: Uint8Array.of(1) }, hash: hexToBytes('0x' + '5e'.repeat(32)) };
    backend.sideBlocks.push(side);
    expect(await receiptsOf(bytesToHex(side.hash))).toBeNull();
  });

  it('rejects malformed params with -32602 naming the argument', async () => {
    for (const bad of ['newest', '0x01', '0x' + 'zz'.repeat(32), null, 7, {}, { blockHash: '0x12' }]) {
      const err = await failure(rpc, 'eth_getBlockReceipts', [bad]);
      expect(err.code, JSON.stringify(bad)).toBe(-32602);
      expect(err.message, JSON.stringify(bad)).toMatch(/^invalid argument 0 \(block/);
    }
    expect((await failure(rpc, 'eth_getBlockReceipts', [])).message).toBe('missing value for required argument 0');
    expect((await failure(rpc, 'eth_getBlockReceipts', ['latest', true])).message).toBe('too many arguments, want at most 1');
  });

  it('receipts that do not match the block are an internal error, logged', async () => {
    backend.getBlockReceipts = async () => [];
    const err = await failure(rpc, 'eth_getBlockReceipts', ['0x3']);
    expect(err.code).toBe(-32603);
    expect(errors.join('\n')).toMatch(/eth_getBlockReceipts failed: .*receipts length mismatch: block 0x[0-9a-f]{64} has 2 transactions and 0 receipts/);
  });
});

describe('blocks', () => {
  const BLOCK_QUANTITIES = ['number', 'difficulty', 'totalDifficulty', 'size', 'gasLimit', 'gasUsed', 'timestamp', 'baseFeePerGas'];

  it('eth_getBlockByNumber("latest", false): every field well formed', async () => {
    const head = backend.blocks[3]!;
    const b = await result<Json>(rpc, 'eth_getBlockByNumber', ['latest', false]);
    expectQuantities(b, BLOCK_QUANTITIES);
    expect(b).toMatchObject({
      number: '0x3',
      hash: bytesToHex(head.hash),
      parentHash: bytesToHex(backend.blocks[2]!.hash),
      nonce: bytesToHex(head.header.consensus[1] as Uint8Array),
      sha3Uncles: '0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347',
      transactionsRoot: bytesToHex(head.header.txRoot),
      stateRoot: bytesToHex(head.header.stateRoot),
      receiptsRoot: bytesToHex(head.header.receiptsRoot),
      miner: bytesToHex(COINBASE),
      difficulty: '0x' + DIFFICULTY.toString(16),
      totalDifficulty: '0x' + (DIFFICULTY * 4n).toString(16),
      extraData: '0x',
      timestamp: '0x' + Math.floor(head.header.timestamp / 1000).toString(16),
      transactions: head.transactions.map((tx) => bytesToHex(tx.hash)),
      uncles: [],
      baseFeePerGas: '0x' + head.header.baseFee.toString(16),
      mixHash: '0x' + '00'.repeat(32),
    });
    expect(b['nonce']).toMatch(/^0x[0-9a-f]{16}$/);
    expect(b['logsBloom']).toMatch(/^0x[0-9a-f]{512}$/);
    expect(b['logsBloom']).not.toBe(ZERO_BLOOM);
  });

  it('full transactions, by number and by hash; tags; unknown blocks are null', async () => {
    const block1 = backend.blocks[1]!;
    const byNumber = await result<Json>(rpc, 'eth_getBlockByNumber', ['0x1', true]);
    const byHash = await result<Json>(rpc, 'eth_getBlockByHash', [bytesToHex(block1.hash), true]);
    expect(byHash).toEqual(byNumber);
    const txs = byNumber['transactions'] as Json[];
    expect(txs).toHaveLength(3);
    expect(txs[2]).toEqual(await result(rpc, 'eth_getTransactionByHash', [bytesToHex(block1.transactions[2]!.hash)]));
    expect(byNumber['logsBloom']).toBe(ZERO_BLOOM);
    expect((await result<Json>(rpc, 'eth_getBlockByNumber', ['earliest', false]))['hash']).toBe(bytesToHex(backend.genesisHash));
    backend.finalized = 2;
    expect((await result<Json>(rpc, 'eth_getBlockByNumber', ['finalized', false]))['number']).toBe('0x2');
    expect((await result<Json>(rpc, 'eth_getBlockByNumber', ['safe', false]))['number']).toBe('0x2');
    expect((await result<Json>(rpc, 'eth_getBlockByNumber', ['pending', false]))['number']).toBe('0x3');
    expect(await result(rpc, 'eth_getBlockByNumber', ['0x4', false])).toBeNull();
    expect(await result(rpc, 'eth_getBlockByHash', ['0x' + '99'.repeat(32), false])).toBeNull();
  });

  it('a side-chain block (no receipts) is served without a logs bloom', async () => {
    const canonical = backend.blocks[1]!;
    const header = { ...canonical.header, extraData: Uint8Array.of(1) };
    const side = { ...canonical, header, hash: hexToBytes('0x' + '5e'.repeat(32)) };
    backend.sideBlocks.push(side);
    const b = await result<Json>(rpc, 'eth_getBlockByHash', [bytesToHex(side.hash), true]);
    expect(b['logsBloom']).toBeUndefined();
    expect(b['extraData']).toBe('0x01');
    const txs = b['transactions'] as Json[];
    expect(txs[0]!['gasPrice']).toBe('0x' + (header.baseFee + GWEI).toString(16));
    expect(await result(rpc, 'eth_getTransactionByBlockHashAndIndex', [bytesToHex(side.hash), '0x0'])).toEqual(txs[0]);
  });

  it('debug_getRawBlock: the encoded block by number, tag or hash; null when unknown', async () => {
    const block1 = backend.blocks[1]!;
    const raw = await result<string>(rpc, 'debug_getRawBlock', ['0x1']);
    expect(raw).toBe(bytesToHex(encodeBlock(block1)));
    expect(await result(rpc, 'debug_getRawBlock', [bytesToHex(block1.hash)])).toBe(raw);
    expect(await result(rpc, 'debug_getRawBlock', ['latest'])).toBe(bytesToHex(encodeBlock(backend.blocks[3]!)));
    expect(await result(rpc, 'debug_getRawBlock', ['0x9'])).toBeNull();
    expect(await result(rpc, 'debug_getRawBlock', ['0x' + '99'.repeat(32)])).toBeNull();
    expect(await result(rpc, 'debug_getRawBlock', [{ blockHash: bytesToHex(block1.hash) }])).toBe(raw);
    const bad = await failure(rpc, 'debug_getRawBlock', ['nope']);
    expect(bad.code).toBe(-32602);
    expect(bad.message).toMatch(/invalid argument 0 \(block\): .*a hex block number or a 32-byte block hash, got "nope"/);
  });

  it('the latest block follows the head', async () => {
    await result(rpc, 'eth_getBlockByNumber', ['latest', false]);
    backend.mine([]);
    expect((await result<Json>(rpc, 'eth_getBlockByNumber', ['latest', false]))['number']).toBe('0x4');
  });

  it('transaction and uncle counts, transactions by block and index', async () => {
    const block1 = backend.blocks[1]!;
    expect(await result(rpc, 'eth_getBlockTransactionCountByNumber', ['0x1'])).toBe('0x3');
    expect(await result(rpc, 'eth_getBlockTransactionCountByHash', [bytesToHex(block1.hash)])).toBe('0x3');
    expect(await result(rpc, 'eth_getBlockTransactionCountByNumber', ['0x2'])).toBe('0x0');
    expect(await result(rpc, 'eth_getBlockTransactionCountByNumber', ['0x7'])).toBeNull();
    expect(await result(rpc, 'eth_getUncleCountByBlockNumber', ['latest'])).toBe('0x0');
    expect(await result(rpc, 'eth_getUncleCountByBlockHash', [bytesToHex(block1.hash)])).toBe('0x0');
    expect(await result(rpc, 'eth_getUncleCountByBlockNumber', ['0x7'])).toBeNull();
    const tx = await result<Json>(rpc, 'eth_getTransactionByBlockNumberAndIndex', ['0x1', '0x1']);
    expect(tx['hash']).toBe(bytesToHex(block1.transactions[1]!.hash));
    expect(await result(rpc, 'eth_getTransactionByBlockHashAndIndex', [bytesToHex(block1.hash), '0x2'])).toEqual(
      await result(rpc, 'eth_getTransactionByHash', [bytesToHex(block1.transactions[2]!.hash)]),
    );
    expect(await result(rpc, 'eth_getTransactionByBlockNumberAndIndex', ['0x1', '0x3'])).toBeNull();
  });
});

describe('eth_getLogs', () => {
  const logsOf = (filter: Json): Promise<Json[]> => result<Json[]>(rpc, 'eth_getLogs', [filter]);

  it('filters by range, address (one or many) and topics with wildcards and OR lists', async () => {
    expect(await logsOf({ fromBlock: '0x0', toBlock: 'latest' })).toHaveLength(3);
    expect(await logsOf({ fromBlock: '0x0', toBlock: '0x2' })).toEqual([]);
    expect(await logsOf({ fromBlock: '0x0', address: bytesToHex(EMITTER) })).toHaveLength(2);
    expect(await logsOf({ fromBlock: '0x0', address: [bytesToHex(OTHER_EMITTER), toChecksumAddress(EMITTER)] })).toHaveLength(3);
    // An empty address list is no restriction, as in geth.
    expect(await logsOf({ fromBlock: '0x0', address: [] })).toHaveLength(3);
    expect((await logsOf({ fromBlock: '0x0', topics: [bytesToHex(TOPIC_A)] })).map((l) => l['logIndex'])).toEqual(['0x0', '0x1']);
    expect((await logsOf({ fromBlock: '0x0', topics: [null, bytesToHex(TOPIC_B)] })).map((l) => l['logIndex'])).toEqual(['0x0', '0x2']);
    expect(await logsOf({ fromBlock: '0x0', topics: [[bytesToHex(TOPIC_A), bytesToHex(TOPIC_C)], bytesToHex(TOPIC_B)] })).toHaveLength(2);
    expect(await logsOf({ fromBlock: '0x0', topics: [[], [bytesToHex(TOPIC_B)]] })).toHaveLength(2);
    // A log with fewer topics than the filter's positions does not match.
    expect(await logsOf({ fromBlock: '0x0', address: bytesToHex(OTHER_EMITTER), topics: [null, null] })).toEqual([]);
    const [first] = await logsOf({ blockHash: bytesToHex(backend.blocks[3]!.hash), address: bytesToHex(OTHER_EMITTER) });
    expect(first).toMatchObject({ address: bytesToHex(OTHER_EMITTER), logIndex: '0x1', transactionIndex: '0x0', removed: false });
  });

  it('refuses bad ranges and conflicting filters', async () => {
    expect((await failure(rpc, 'eth_getLogs', [{ fromBlock: '0x3', toBlock: '0x1' }])).message).toMatch(/invalid block range/);
    expect((await failure(rpc, 'eth_getLogs', [{ blockHash: bytesToHex(backend.genesisHash), fromBlock: '0x0' }])).code).toBe(-32602);
    expect((await failure(rpc, 'eth_getLogs', [{ blockHash: '0x' + '77'.repeat(32) }])).message).toMatch(/unknown block/);
    const narrow = createRpcDispatcher({ backend, maxLogBlockRange: 2, maxLogs: 2 });
    expect((await failure(narrow, 'eth_getLogs', [{ fromBlock: '0x0', toBlock: '0x3' }])).message).toMatch(/block range too large/);
    expect((await failure(narrow, 'eth_getLogs', [{ fromBlock: '0x2', toBlock: '0x3' }])).message).toMatch(/more than 2 results/);
  });
});

describe('signing, unsupported methods and failures', () => {
  it('signing methods explain that the node holds no keys (-32004, not -32601)', async () => {
    for (const method of ['eth_sendTransaction', 'eth_signTransaction', 'eth_sign', 'personal_sign', 'eth_signTypedData_v4']) {
      const err = await failure(rpc, method, [{}]);
      expect(err.code).toBe(-32004);
      expect(err.message).toMatch(/^the node holds no keys: sign .* in your wallet/);
    }
  });

  it('eth_fillTransaction is -32601 so viem falls back', async () => {
    const err = await failure(rpc, 'eth_fillTransaction', [{}]);
    expect(err).toEqual({ code: -32601, message: 'the method eth_fillTransaction does not exist/is not available' });
  });

  it('an unexpected backend failure is -32603 with a generic message, and logged', async () => {
    backend.failNext = new Error('disk on fire');
    const err = await failure(rpc, 'eth_getBalance', [bytesToHex(ALICE), 'latest']);
    expect(err.code).toBe(-32603);
    expect(err.message).not.toMatch(/disk/);
    expect(errors.join('\n')).toMatch(/eth_getBalance failed: .*disk on fire/);
  });
});

describe('cairn_', () => {
  it('cairn_nodeInfo, cairn_consensus, cairn_peers, cairn_syncStatus', async () => {
    const info = await result<Json>(rpc, 'cairn_nodeInfo');
    expect(info).toMatchObject({
      clientVersion: 'Cairn/v0.1.0/test',
      chainId: '1337',
      genesisHash: bytesToHex(backend.genesisHash),
      consensus: 'pow',
      head: { number: 3, hash: bytesToHex(backend.head().hash), timestamp: backend.head().header.timestamp },
      finalized: { number: 0, hash: bytesToHex(backend.genesisHash) },
      dataDir: '/tmp/cairn-test',
      recoveryBackend: 'native',
      peerCount: 1,
      mempoolSize: 1,
      syncing: false,
    });
    expect(await result(rpc, 'cairn_consensus')).toEqual({
      kind: 'pow',
      finalized: { number: 0, hash: bytesToHex(backend.genesisHash) },
      difficulty: DIFFICULTY.toString(),
      targetBlockTimeMs: 1500,
    });
    expect(await result(rpc, 'cairn_peers')).toEqual([{ id: '12D3KooWTest', addresses: ['/ip4/127.0.0.1/tcp/30333'], headNumber: 3, score: -25 }]);
    expect(await result(rpc, 'cairn_syncStatus')).toEqual({ syncing: false, startingBlock: 3, currentBlock: 3, highestBlock: 3, peerCount: 1 });
    backend.sync = { startingBlock: 1, currentBlock: 3, highestBlock: 9 };
    expect(await result(rpc, 'cairn_syncStatus')).toEqual({ syncing: true, startingBlock: 1, currentBlock: 3, highestBlock: 9, peerCount: 1 });
  });
});

function toBytes32(quantity: string): string {
  return '0x' + BigInt(quantity).toString(16).padStart(64, '0');
}
