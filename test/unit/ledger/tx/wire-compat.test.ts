import { Wallet } from 'ethers';
import { keccak256 as viemKeccak256, type Hex, type TransactionSerializable } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../../../../src/primitives/hex.js';
import type { RecoveryBackend } from '../../../../src/primitives/recover/backend.js';
import { loadRecoveryBackend } from '../../../../src/primitives/recover/index.js';
import { decodeTransaction } from '../../../../src/ledger/tx/decode.js';
import { signTransaction } from '../../../../src/ledger/tx/encode.js';
import { SenderRecovery } from '../../../../src/ledger/tx/sender.js';
import type { Transaction, TxType, UnsignedTransaction } from '../../../../src/ledger/tx/types.js';

// Transactions signed by the two wallet libraries Cairn's users have: Cairn
// must read them exactly and produce the same bytes itself.

const KEY: Hex = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';
const account = privateKeyToAccount(KEY);
const wallet = new Wallet(KEY);

interface Case {
  readonly name: string;
  readonly type: TxType;
  readonly chainId: number;
  readonly nonce: number;
  /** Type 0/1 gas price; type 2 max fee. */
  readonly fee: bigint;
  /** Type 2 only. */
  readonly tip: bigint;
  readonly gas: bigint;
  readonly to: Hex;
  readonly value: bigint;
  readonly data: Hex;
  readonly accessList: readonly { address: Hex; storageKeys: readonly Hex[] }[];
}

const ACCESS_LIST = [
  {
    address: '0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc',
    storageKeys: [
      '0x0000000000000000000000000000000000000000000000000000000000000000',
      '0x00000000000000000000000000000000000000000000000000000000000000ff',
    ],
  },
  { address: '0x0000000000000000000000000000000000000001', storageKeys: [] },
] as const satisfies Case['accessList'];

const CASES: readonly Case[] = [
  {
    name: 'legacy (EIP-155) with data',
    type: 0,
    chainId: 31337,
    nonce: 0,
    fee: 1_000_000_000n,
    tip: 0n,
    gas: 30_000n,
    to: '0x70997970c51812dc3a010c7d01b50e0d17dc79c8',
    value: 10n ** 18n,
    data: '0xa9059cbb000000000000000000000000',
    accessList: [],
  },
  {
    name: 'legacy on chain 1, zero value, no data',
    type: 0,
    chainId: 1,
    nonce: 1_000_000,
    fee: 7n,
    tip: 0n,
    gas: 21_000n,
    to: '0x90f79bf6eb2c4f870365e785982e1f101e93b906',
    value: 0n,
    data: '0x',
    accessList: [],
  },
  {
    name: 'EIP-2930 with data and an access list',
    type: 1,
    chainId: 31337,
    nonce: 5,
    fee: 3_000_000_000n,
    tip: 0n,
    gas: 80_000n,
    to: '0x70997970c51812dc3a010c7d01b50e0d17dc79c8',
    value: 123_456_789n,
    data: '0x00ff00ff',
    accessList: ACCESS_LIST,
  },
  {
    name: 'EIP-1559 with data and an access list',
    type: 2,
    chainId: 31337,
    nonce: 42,
    fee: 40_000_000_000n,
    tip: 1_500_000_000n,
    gas: 100_000n,
    to: '0x15d34aaf54267db7d7c367839aaf71a00a2c6a65',
    value: 2n ** 70n,
    data: '0xdeadbeef0000000000000000000000000000000000000000000000000000000000000001',
    accessList: ACCESS_LIST,
  },
  {
    name: 'EIP-1559 with an empty access list and zero tip',
    type: 2,
    chainId: 2024,
    nonce: 0,
    fee: 1n,
    tip: 0n,
    gas: 21_000n,
    to: '0x9965507d1a55bcc2695c58ba16fb37d819b0a4dc',
    value: 1n,
    data: '0x',
    accessList: [],
  },
];

function forViem(c: Case): TransactionSerializable {
  const accessList = c.accessList.map((e) => ({ address: e.address, storageKeys: [...e.storageKeys] }));
  const common = { chainId: c.chainId, nonce: c.nonce, gas: c.gas, to: c.to, value: c.value, data: c.data };
  if (c.type === 0) return { ...common, type: 'legacy', gasPrice: c.fee };
  if (c.type === 1) return { ...common, type: 'eip2930', gasPrice: c.fee, accessList };
  return { ...common, type: 'eip1559', maxFeePerGas: c.fee, maxPriorityFeePerGas: c.tip, accessList };
}

function signWithEthers(c: Case): Promise<string> {
  const accessList = c.accessList.map((e) => ({ address: e.address, storageKeys: [...e.storageKeys] }));
  const common = { type: c.type, chainId: c.chainId, nonce: c.nonce, gasLimit: c.gas, to: c.to, value: c.value, data: c.data };
  if (c.type === 0) return wallet.signTransaction({ ...common, gasPrice: c.fee });
  if (c.type === 1) return wallet.signTransaction({ ...common, gasPrice: c.fee, accessList });
  return wallet.signTransaction({ ...common, maxFeePerGas: c.fee, maxPriorityFeePerGas: c.tip, accessList });
}

function forCairn(c: Case): UnsignedTransaction {
  return {
    type: c.type,
    chainId: BigInt(c.chainId),
    nonce: BigInt(c.nonce),
    gasPrice: c.type === 2 ? null : c.fee,
    maxFeePerGas: c.fee,
    maxPriorityFeePerGas: c.type === 2 ? c.tip : c.fee,
    gasLimit: c.gas,
    to: hexToBytes(c.to),
    value: c.value,
    data: hexToBytes(c.data),
    accessList: c.accessList.map((e) => ({ address: hexToBytes(e.address), storageKeys: e.storageKeys.map(hexToBytes) })),
  };
}

function expectFields(tx: Transaction, c: Case): void {
  const want = forCairn(c);
  expect(tx.type).toBe(want.type);
  expect(tx.chainId).toBe(want.chainId);
  expect(tx.nonce).toBe(want.nonce);
  expect(tx.gasPrice).toBe(want.gasPrice);
  expect(tx.maxFeePerGas).toBe(want.maxFeePerGas);
  expect(tx.maxPriorityFeePerGas).toBe(want.maxPriorityFeePerGas);
  expect(tx.gasLimit).toBe(want.gasLimit);
  expect(bytesToHex(tx.to)).toBe(c.to);
  expect(tx.value).toBe(want.value);
  expect(bytesToHex(tx.data)).toBe(c.data);
  expect(tx.accessList.map((e) => ({ address: bytesToHex(e.address), storageKeys: e.storageKeys.map(bytesToHex) }))).toEqual(
    c.accessList.map((e) => ({ address: e.address, storageKeys: [...e.storageKeys] })),
  );
  if (c.type === 0) expect(tx.v).toBe(BigInt(c.chainId) * 2n + 35n + BigInt(tx.yParity));
  else expect(tx.v).toBe(BigInt(tx.yParity));
}

describe('wire compatibility with viem and ethers', () => {
  let backend: RecoveryBackend;
  let recovery: SenderRecovery;
  beforeAll(async () => {
    backend = await loadRecoveryBackend({ prefer: 'native' });
    recovery = new SenderRecovery(backend);
  });
  afterAll(async () => {
    await backend.close();
  });

  describe.each(CASES)('$name', (c) => {
    it('decodes what viem signs: fields, hash and sender', async () => {
      const raw = await account.signTransaction(forViem(c));
      const tx = decodeTransaction(hexToBytes(raw));
      expectFields(tx, c);
      expect(bytesToHex(tx.raw)).toBe(raw);
      expect(bytesToHex(tx.hash)).toBe(viemKeccak256(raw));
      const [signed] = await recovery.recover([tx]);
      expect(bytesToHex(signed!.from)).toBe(account.address.toLowerCase());
    });

    it('decodes what ethers signs: fields, hash and sender', async () => {
      const raw = await signWithEthers(c);
      const tx = decodeTransaction(hexToBytes(raw));
      expectFields(tx, c);
      expect(bytesToHex(tx.hash)).toBe(viemKeccak256(raw as Hex));
      const [signed] = await recovery.recover([tx]);
      expect(bytesToHex(signed!.from)).toBe(wallet.address.toLowerCase());
    });

    it('signs byte for byte what viem and ethers sign', async () => {
      const ours = bytesToHex(signTransaction(forCairn(c), hexToBytes(KEY)).raw);
      expect(ours).toBe(await account.signTransaction(forViem(c)));
      expect(ours).toBe(await signWithEthers(c));
    });
  });
});
