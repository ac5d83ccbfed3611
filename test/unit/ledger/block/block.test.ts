import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../../../../src/primitives/hex.js';
import { addressOfPrivateKey } from '../../../../src/primitives/keys.js';
import { merkleProof, merkleRoot, verifyMerkleProof } from '../../../../src/primitives/merkle.js';
import { loadRecoveryBackend } from '../../../../src/primitives/recover/index.js';
import type { RecoveryBackend } from '../../../../src/primitives/recover/backend.js';
import { rlpDecode, rlpEncode, type RlpValue } from '../../../../src/primitives/rlp.js';
import { decodeBlock, decodeBlockUnrecovered, encodeBlock, encodedBlockSize, txRoot } from '../../../../src/ledger/block/block.js';
import { BlockErrorCode, InvalidBlockError } from '../../../../src/ledger/block/errors.js';
import { hashHeader, headerFields } from '../../../../src/ledger/block/header.js';
import type { BlockHeader } from '../../../../src/ledger/block/types.js';
import { signTransaction } from '../../../../src/ledger/tx/encode.js';
import { SenderRecovery } from '../../../../src/ledger/tx/sender.js';
import type { SignedTransaction, UnsignedTransaction } from '../../../../src/ledger/tx/types.js';

const KEY = hexToBytes('0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318');
const FROM = addressOfPrivateKey(KEY);
const TO = hexToBytes('0x3535353535353535353535353535353535353535');
const GWEI = 10n ** 9n;

const common = { chainId: 1337n, gasLimit: 21_000n, to: TO, value: 1n, data: new Uint8Array(0) };
const unsigned: UnsignedTransaction[] = [
  { ...common, type: 0, nonce: 0n, gasPrice: 2n * GWEI, maxFeePerGas: 2n * GWEI, maxPriorityFeePerGas: 2n * GWEI, accessList: [] },
  { ...common, type: 1, nonce: 1n, gasPrice: 2n * GWEI, maxFeePerGas: 2n * GWEI, maxPriorityFeePerGas: 2n * GWEI, accessList: [{ address: TO, storageKeys: [] }], gasLimit: 23_400n },
  { ...common, type: 2, nonce: 2n, gasPrice: null, maxFeePerGas: 3n * GWEI, maxPriorityFeePerGas: GWEI, accessList: [] },
];
const txs: SignedTransaction[] = unsigned.map((tx) => ({ ...signTransaction(tx, KEY), from: FROM }));

const header: BlockHeader = {
  parentHash: new Uint8Array(32).fill(9),
  number: 7,
  timestamp: 1_764_028_800_000,
  coinbase: new Uint8Array(20).fill(0xcb),
  txRoot: txRoot(txs),
  receiptsRoot: new Uint8Array(32).fill(1),
  stateRoot: new Uint8Array(32).fill(2),
  gasLimit: 30_000_000n,
  gasUsed: 65_400n,
  baseFee: GWEI,
  extraData: new Uint8Array(0),
  consensus: [Uint8Array.of(0x10), new Uint8Array(8)],
};
const consensusBody: RlpValue[] = [[Uint8Array.of(1, 2, 3)]];
const block = { header, hash: hashHeader(header), transactions: txs, consensusBody };

let backend: RecoveryBackend;
beforeAll(async () => {
  backend = await loadRecoveryBackend();
});
afterAll(async () => {
  await backend.close();
});

function expectBlockError(fn: () => unknown, code: BlockErrorCode, message: RegExp): void {
  let error: unknown;
  try {
    fn();
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(InvalidBlockError);
  expect((error as InvalidBlockError).code).toBe(code);
  expect((error as InvalidBlockError).message).toMatch(message);
}

describe('block encoding', () => {
  it('is rlp([headerFields, [raw tx bytes...], consensusBody]) with each tx as one byte string', () => {
    expect(encodeBlock(block)).toEqual(rlpEncode([headerFields(header), txs.map((tx) => tx.raw), consensusBody]));
    const [, body] = rlpDecode(encodeBlock(block)) as RlpValue[];
    // The legacy transaction is itself an RLP list, embedded as bytes.
    expect((body as RlpValue[])[0]).toEqual(txs[0]!.raw);
  });

  it('decodes (unrecovered) to the same header, hash, transactions and body', () => {
    const decoded = decodeBlockUnrecovered(encodeBlock(block));
    expect(decoded.header).toEqual(header);
    expect(decoded.hash).toEqual(hashHeader(header));
    expect(decoded.transactions.map((tx) => bytesToHex(tx.hash))).toEqual(txs.map((tx) => bytesToHex(tx.hash)));
    expect(decoded.transactions.map((tx) => tx.type)).toEqual([0, 1, 2]);
    expect(decoded.consensusBody).toEqual(consensusBody);
  });

  it('decodeBlock recovers every sender', async () => {
    const decoded = await decodeBlock(encodeBlock(block), new SenderRecovery(backend));
    expect(decoded.hash).toEqual(block.hash);
    expect(decoded.transactions.map((tx) => bytesToHex(tx.from))).toEqual(txs.map(() => bytesToHex(FROM)));
    expect(encodeBlock(decoded)).toEqual(encodeBlock(block));
  });

  it('decodeBlock reports a transaction whose signature recovers no sender as BadTransaction', async () => {
    const noKeys: RecoveryBackend = {
      name: 'noble-workers',
      recoverPublicKeys: async (requests) => requests.map(() => null),
      close: async () => {},
    };
    const error = await decodeBlock(encodeBlock(block), new SenderRecovery(noKeys)).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(InvalidBlockError);
    expect((error as InvalidBlockError).code).toBe(BlockErrorCode.BadTransaction);
    expect((error as InvalidBlockError).message).toMatch(/^block 7 \(0x[0-9a-f]{64}\): invalid signature/);
  });

  it('rejects malformed bytes as Malformed, naming the part', () => {
    const good = [headerFields(header), txs.map((tx) => tx.raw), consensusBody];
    expectBlockError(() => decodeBlockUnrecovered(rlpEncode(good.slice(0, 2))), BlockErrorCode.Malformed, /^block: \[header, transactions, consensusBody\]: expected 3 fields, got 2/);
    expectBlockError(() => decodeBlockUnrecovered(Uint8Array.of(0xc3, 0x80)), BlockErrorCode.Malformed, /^block: RLP/);
    const badHeader = [[...headerFields(header).slice(0, 11)], [], []];
    expectBlockError(() => decodeBlockUnrecovered(rlpEncode(badHeader)), BlockErrorCode.Malformed, /block header: expected 12 fields/);
    const badTx = [headerFields(header), [txs[0]!.raw, Uint8Array.of(2, 0xc0)], consensusBody];
    expectBlockError(() => decodeBlockUnrecovered(rlpEncode(badTx)), BlockErrorCode.Malformed, /^block 7: transaction 1: /);
    const listTx = [headerFields(header), [[]], consensusBody];
    expectBlockError(() => decodeBlockUnrecovered(rlpEncode(listTx)), BlockErrorCode.Malformed, /block.transactions\[0\]: expected a byte string/);
  });
});

describe('encodedBlockSize', () => {
  it('equals the length of the encoding, for empty, small and long-prefixed blocks and bodies', () => {
    const many = Array.from({ length: 300 }, (_, i) => txs[i % txs.length]!);
    const bigData = { ...txs[0]!, raw: new Uint8Array(70_000).fill(0xaa) };
    const cases = [
      { header, transactions: [], consensusBody: [] },
      { header, transactions: txs, consensusBody: [] },
      { header, transactions: many, consensusBody: [new Uint8Array(100), [Uint8Array.of(1), Uint8Array.of(0x80)]] },
      { header: { ...header, extraData: new Uint8Array(60) }, transactions: [bigData], consensusBody: [] },
    ];
    for (const block of cases) expect(encodedBlockSize(block)).toBe(encodeBlock(block).length);
  });
});

describe('txRoot', () => {
  it('is the RFC 6962 root over the raw transactions, so a proof carries the transaction', () => {
    const raws = txs.map((tx) => tx.raw);
    expect(txRoot(txs)).toEqual(merkleRoot(raws));
    expect(verifyMerkleProof(raws[1]!, 1, raws.length, merkleProof(raws, 1), txRoot(txs))).toBe(true);
    expect(verifyMerkleProof(txs[1]!.hash, 1, raws.length, merkleProof(raws, 1), txRoot(txs))).toBe(false);
    expect(txRoot([])).toEqual(merkleRoot([]));
  });
});
