import { describe, expect, it } from 'vitest';
import { keccak256 } from '../../../../src/primitives/hash.js';
import { bigintToBytes, concatBytes, hexToBytes } from '../../../../src/primitives/hex.js';
import { signDigest } from '../../../../src/primitives/keys.js';
import { rlpDecode, rlpEncode, type RlpInput, type RlpValue } from '../../../../src/primitives/rlp.js';
import { SECP256K1_HALF_N, SECP256K1_N } from '../../../../src/primitives/signature.js';
import { decodeTransaction, MAX_TX_BYTES } from '../../../../src/ledger/tx/decode.js';
import { encodeUnsigned, signingHash, signTransaction } from '../../../../src/ledger/tx/encode.js';
import { InvalidTransactionError, TxErrorCode } from '../../../../src/ledger/tx/errors.js';
import type { UnsignedTransaction } from '../../../../src/ledger/tx/types.js';

const KEY = hexToBytes('0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318');
const TO = hexToBytes('0x3535353535353535353535353535353535353535');
const SLOT = new Uint8Array(32).fill(7);

const base = {
  chainId: 1337n,
  nonce: 9n,
  gasLimit: 50_000n,
  to: TO,
  value: 10n ** 18n,
  data: hexToBytes('0xdeadbeef00'),
};
const legacy: UnsignedTransaction = {
  ...base,
  type: 0,
  gasPrice: 20n * 10n ** 9n,
  maxFeePerGas: 20n * 10n ** 9n,
  maxPriorityFeePerGas: 20n * 10n ** 9n,
  accessList: [],
};
const eip2930: UnsignedTransaction = { ...legacy, type: 1, accessList: [{ address: TO, storageKeys: [SLOT] }] };
const eip1559: UnsignedTransaction = {
  ...base,
  type: 2,
  gasPrice: null,
  maxFeePerGas: 30n * 10n ** 9n,
  maxPriorityFeePerGas: 2n * 10n ** 9n,
  accessList: [{ address: TO, storageKeys: [SLOT, new Uint8Array(32)] }, { address: new Uint8Array(20), storageKeys: [] }],
};

/** Rewrites the RLP fields of a raw transaction, keeping its type byte. */
function reencode(raw: Uint8Array, edit: (fields: RlpValue[]) => RlpInput[]): Uint8Array {
  const typed = raw[0]! < 0x80;
  const fields = rlpDecode(typed ? raw.subarray(1) : raw) as RlpValue[];
  const body = rlpEncode(edit([...fields]));
  return typed ? concatBytes(raw.subarray(0, 1), body) : body;
}

function replace(fields: RlpValue[], index: number, value: RlpInput): RlpInput[] {
  const out: RlpInput[] = [...fields];
  out[index < 0 ? out.length + index : index] = value;
  return out;
}

function rejection(raw: Uint8Array): InvalidTransactionError {
  try {
    decodeTransaction(raw);
  } catch (error) {
    if (error instanceof InvalidTransactionError) return error;
    throw error;
  }
  throw new Error('expected the transaction to be rejected');
}

describe('decodeTransaction', () => {
  it.each([
    ['legacy', legacy],
    ['EIP-2930', eip2930],
    ['EIP-1559', eip1559],
  ])('reads back every field of a signed %s transaction', (_name, unsigned) => {
    const signed = signTransaction(unsigned, KEY);
    const tx = decodeTransaction(signed.raw);
    expect(tx).toEqual(signed);
    expect(tx.type).toBe(unsigned.type);
    expect(tx.chainId).toBe(unsigned.chainId);
    expect(tx.nonce).toBe(unsigned.nonce);
    expect(tx.gasPrice).toBe(unsigned.gasPrice);
    expect(tx.maxFeePerGas).toBe(unsigned.maxFeePerGas);
    expect(tx.maxPriorityFeePerGas).toBe(unsigned.maxPriorityFeePerGas);
    expect(tx.gasLimit).toBe(unsigned.gasLimit);
    expect(tx.to).toEqual(unsigned.to);
    expect(tx.value).toBe(unsigned.value);
    expect(tx.data).toEqual(unsigned.data);
    expect(tx.accessList).toEqual(unsigned.accessList);
    expect(tx.hash).toEqual(keccak256(signed.raw));
    expect(signingHash(tx)).toEqual(keccak256(encodeUnsigned(unsigned)));
    expect(tx.s <= SECP256K1_HALF_N).toBe(true);
  });

  it('hashes for the signature exactly the payload on the wire', () => {
    for (const unsigned of [legacy, eip2930, eip1559]) {
      const raw = signTransaction(unsigned, KEY).raw;
      const tx = decodeTransaction(raw);
      // Built from the received bytes, not from decoded values: EIP-155's
      // six fields then chainId, 0, 0; or type ‖ rlp(fields but the signature).
      const payload =
        unsigned.type === 0
          ? rlpEncode([...(rlpDecode(raw) as RlpValue[]).slice(0, 6), tx.chainId, 0n, 0n])
          : concatBytes(raw.subarray(0, 1), rlpEncode((rlpDecode(raw.subarray(1)) as RlpValue[]).slice(0, -3)));
      expect(signingHash(tx)).toEqual(keccak256(payload));
    }
  });

  it('derives chain id and y parity from an EIP-155 legacy v', () => {
    const tx = decodeTransaction(signTransaction(legacy, KEY).raw);
    expect(tx.chainId).toBe(1337n);
    expect(tx.v).toBe(1337n * 2n + 35n + BigInt(tx.yParity));
  });

  it('keeps its own copy of the raw bytes', () => {
    const raw = signTransaction(eip1559, KEY).raw;
    const input = raw.slice();
    const tx = decodeTransaction(input);
    input.fill(0);
    expect(tx.raw).toEqual(raw);
    expect(tx.data).toEqual(eip1559.data);
  });

  it('keeps its own copy of bytes handed in as a Node Buffer, whose slice() shares memory', () => {
    const raw = signTransaction(eip1559, KEY).raw;
    const input = Buffer.from(raw);
    const tx = decodeTransaction(input);
    input.fill(0);
    expect(tx.raw).toEqual(raw);
    expect(tx.raw).not.toBeInstanceOf(Buffer);
    expect(tx.data).toEqual(eip1559.data);
  });

  it('refuses an unprotected legacy signature (v 27/28)', () => {
    const raw = signTransaction(legacy, KEY).raw;
    for (const v of [27n, 28n]) {
      const error = rejection(reencode(raw, (f) => replace(f, 6, v)));
      expect(error.code).toBe(TxErrorCode.Unprotected);
      expect(error.message).toBe('only replay-protected (EIP-155) transactions allowed');
    }
  });

  it('refuses a legacy v that is neither 27/28 nor EIP-155', () => {
    const raw = signTransaction(legacy, KEY).raw;
    for (const v of [0n, 1n, 29n, 34n]) {
      expect(rejection(reencode(raw, (f) => replace(f, 6, v))).code).toBe(TxErrorCode.InvalidSignature);
    }
  });

  it('refuses a typed yParity other than 0 or 1', () => {
    const raw = signTransaction(eip1559, KEY).raw;
    const error = rejection(reencode(raw, (f) => replace(f, -3, 2n)));
    expect(error.code).toBe(TxErrorCode.InvalidSignature);
    expect(error.message).toMatch(/yParity/);
  });

  it('refuses contract creation (empty to) of a properly signed transaction', () => {
    // Signed for real, so the only thing wrong is the missing recipient.
    const fields: RlpInput[] = [1337n, 0n, 1n, 2n, 100_000n, new Uint8Array(0), 0n, hexToBytes('0x6000'), []];
    const payload = concatBytes(Uint8Array.of(2), rlpEncode(fields));
    const { r, s, recoveryId } = signDigest(keccak256(payload), KEY);
    const error = rejection(concatBytes(Uint8Array.of(2), rlpEncode([...fields, recoveryId, r, s])));
    expect(error.code).toBe(TxErrorCode.ContractCreation);
    expect(error.message).toBe('contract creation is not supported: transaction has no to address');

    const legacyRaw = reencode(signTransaction(legacy, KEY).raw, (f) => replace(f, 3, new Uint8Array(0)));
    expect(rejection(legacyRaw).code).toBe(TxErrorCode.ContractCreation);
  });

  it('refuses a high-s signature, the malleable twin of a valid one', () => {
    const tx = signTransaction(eip1559, KEY);
    const twin = reencode(tx.raw, (f) => [...f.slice(0, -3), tx.yParity ^ 1, tx.r, SECP256K1_N - tx.s]);
    const error = rejection(twin);
    expect(error.code).toBe(TxErrorCode.HighS);
    expect(error.message).toMatch(/high-s/);
  });

  it.each([
    ['r = 0', 'r', 0n],
    ['r = n', 'r', SECP256K1_N],
    ['s = 0', 's', 0n],
    ['s = n', 's', SECP256K1_N],
  ])('refuses an out-of-range signature (%s)', (_name, which, value) => {
    const raw = signTransaction(eip2930, KEY).raw;
    const error = rejection(reencode(raw, (f) => replace(f, which === 'r' ? -2 : -1, value)));
    expect(error.code).toBe(TxErrorCode.InvalidSignature);
  });

  it('reports every truncation of a valid encoding as malformed', () => {
    for (const unsigned of [legacy, eip2930, eip1559]) {
      const raw = signTransaction(unsigned, KEY).raw;
      for (let length = 0; length < raw.length; length++) {
        const error = rejection(raw.slice(0, length));
        expect(error.code).toBe(TxErrorCode.Malformed);
        expect(error.message).toMatch(/^(rlp: |typed transaction too short$)/);
      }
    }
  });

  it('reports an empty input and a lone type byte as a too-short typed transaction', () => {
    for (const raw of [new Uint8Array(0), Uint8Array.of(2), Uint8Array.of(0x7f)]) {
      const error = rejection(raw);
      expect(error.code).toBe(TxErrorCode.Malformed);
      expect(error.message).toBe('typed transaction too short');
    }
  });

  it('refuses unknown transaction types', () => {
    const body = rlpDecode(signTransaction(eip1559, KEY).raw.subarray(1)) as RlpValue[];
    for (const type of [0, 3, 4, 0x7f]) {
      const error = rejection(concatBytes(Uint8Array.of(type), rlpEncode(body)));
      expect(error.code).toBe(TxErrorCode.UnsupportedType);
      expect(error.message).toMatch(/^transaction type not supported/);
    }
  });

  it('reads a first byte of 0x80 or more as a legacy RLP item, not a type', () => {
    // 0x83 starts an RLP string: a legacy transaction must be a list.
    const error = rejection(hexToBytes('0x83010203'));
    expect(error.code).toBe(TxErrorCode.Malformed);
    expect(error.message).toBe('rlp: legacy transaction: expected an RLP list');
  });

  it('refuses garbage and trailing bytes', () => {
    const raw = signTransaction(eip1559, KEY).raw;
    const trailing = rejection(concatBytes(raw, Uint8Array.of(0)));
    expect(trailing.code).toBe(TxErrorCode.Malformed);
    expect(trailing.message).toMatch(/^rlp: .*trailing/);
    expect(rejection(hexToBytes('0xffffffff')).code).toBe(TxErrorCode.Malformed);
    expect(rejection(hexToBytes('0x02ffffff')).code).toBe(TxErrorCode.Malformed);
  });

  it('refuses wrong field counts', () => {
    const raw = signTransaction(eip2930, KEY).raw;
    const error = rejection(reencode(raw, (f) => f.slice(0, -1)));
    expect(error.code).toBe(TxErrorCode.Malformed);
    expect(error.message).toBe('rlp: EIP-2930 transaction: expected 11 fields, got 10');
    expect(rejection(reencode(signTransaction(legacy, KEY).raw, (f) => [...f, 0n])).code).toBe(TxErrorCode.Malformed);
  });

  it('refuses non-canonical integers', () => {
    const raw = signTransaction(eip1559, KEY).raw;
    const error = rejection(reencode(raw, (f) => replace(f, 1, Uint8Array.of(0, 9))));
    expect(error.code).toBe(TxErrorCode.Malformed);
    expect(error.message).toBe('rlp: tx.nonce: integer has leading zero bytes');
  });

  it('refuses integers wider than their field', () => {
    const raw = signTransaction(eip1559, KEY).raw;
    // nonce and gas limit are uint64; values are uint256.
    expect(rejection(reencode(raw, (f) => replace(f, 1, 1n << 64n))).message).toBe('rlp: tx.nonce: integer longer than 8 bytes');
    expect(rejection(reencode(raw, (f) => replace(f, 4, 1n << 64n))).code).toBe(TxErrorCode.Malformed);
    expect(rejection(reencode(raw, (f) => replace(f, 6, 1n << 256n))).code).toBe(TxErrorCode.Malformed);
    expect(decodeTransaction(reencode(raw, (f) => replace(f, 1, (1n << 64n) - 1n))).nonce).toBe((1n << 64n) - 1n);
  });

  it('refuses a recipient that is not 20 bytes', () => {
    const raw = signTransaction(eip1559, KEY).raw;
    for (const length of [1, 19, 21, 32]) {
      const error = rejection(reencode(raw, (f) => replace(f, 5, new Uint8Array(length).fill(1))));
      expect(error.code).toBe(TxErrorCode.Malformed);
      expect(error.message).toBe(`rlp: tx.to: expected 20 bytes, got ${length}`);
    }
  });

  it('refuses malformed access lists', () => {
    const raw = signTransaction(eip1559, KEY).raw;
    const cases: [RlpInput, RegExp][] = [
      [[[TO, [new Uint8Array(31)]]], /storageKeys\[0\]: expected 32 bytes, got 31/],
      [[[new Uint8Array(21), []]], /address: expected 20 bytes, got 21/],
      [[[TO]], /accessList\[0\]: expected 2 fields, got 1/],
      [[[TO, SLOT]], /storageKeys: expected an RLP list/],
      [new Uint8Array(0), /accessList: expected an RLP list/],
    ];
    for (const [accessList, message] of cases) {
      const error = rejection(reencode(raw, (f) => replace(f, 8, accessList)));
      expect(error.code).toBe(TxErrorCode.Malformed);
      expect(error.message).toMatch(message);
    }
  });

  it('caps the raw size at 128 KiB', () => {
    const error = rejection(new Uint8Array(MAX_TX_BYTES + 1));
    expect(error.code).toBe(TxErrorCode.Oversized);
    expect(error.message).toMatch(/^oversized data/);

    // A signed transaction of exactly the limit still decodes. r and s vary
    // in length with the data, so the data size is adjusted until it fits.
    let size = MAX_TX_BYTES - 1000;
    let atLimit = signTransaction({ ...eip1559, data: new Uint8Array(size).fill(1) }, KEY);
    for (let i = 0; i < 5 && atLimit.raw.length !== MAX_TX_BYTES; i++) {
      size += MAX_TX_BYTES - atLimit.raw.length;
      atLimit = signTransaction({ ...eip1559, data: new Uint8Array(size).fill(1) }, KEY);
    }
    expect(atLimit.raw.length).toBe(MAX_TX_BYTES);
    expect(decodeTransaction(atLimit.raw).data.length).toBe(size);
  });

  it('accepts the largest chain id and value a uint256 holds', () => {
    const max = (1n << 256n) - 1n;
    const tx = signTransaction({ ...eip1559, chainId: max, value: max }, KEY);
    expect(decodeTransaction(tx.raw).chainId).toBe(max);
    expect(bigintToBytes(tx.value).length).toBe(32);
  });
});
