import * as secp from '@noble/secp256k1';
import { describe, expect, it } from 'vitest';
import { keccak256 } from '../../../../src/primitives/hash.js';
import { bytesToHex, concatBytes, hexToBytes } from '../../../../src/primitives/hex.js';
import { addressOfPrivateKey, addressOfPublicKey } from '../../../../src/primitives/keys.js';
import { rlpEncode } from '../../../../src/primitives/rlp.js';
import { signatureBytes } from '../../../../src/primitives/signature.js';
import { decodeTransaction } from '../../../../src/ledger/tx/decode.js';
import { encodeUnsigned, signingHash, signTransaction } from '../../../../src/ledger/tx/encode.js';
import { InvalidTransactionError, TxErrorCode } from '../../../../src/ledger/tx/errors.js';
import type { Transaction, UnsignedTransaction } from '../../../../src/ledger/tx/types.js';

const KEY = hexToBytes('0x4646464646464646464646464646464646464646464646464646464646464646');
const TO = hexToBytes('0x3535353535353535353535353535353535353535');
const SLOT = hexToBytes('0x' + '01'.repeat(32));

// The worked example of EIP-155 (https://eips.ethereum.org/EIPS/eip-155).
const eip155Example: UnsignedTransaction = {
  type: 0,
  chainId: 1n,
  nonce: 9n,
  gasPrice: 20n * 10n ** 9n,
  maxFeePerGas: 20n * 10n ** 9n,
  maxPriorityFeePerGas: 20n * 10n ** 9n,
  gasLimit: 21_000n,
  to: TO,
  value: 10n ** 18n,
  data: new Uint8Array(0),
  accessList: [],
};

const eip1559: UnsignedTransaction = {
  type: 2,
  chainId: 7n,
  nonce: 3n,
  gasPrice: null,
  maxFeePerGas: 40n,
  maxPriorityFeePerGas: 5n,
  gasLimit: 60_000n,
  to: TO,
  value: 0n,
  data: hexToBytes('0x0001'),
  accessList: [{ address: TO, storageKeys: [SLOT] }],
};

const eip2930: UnsignedTransaction = {
  ...eip1559,
  type: 1,
  gasPrice: 12n,
  maxFeePerGas: 12n,
  maxPriorityFeePerGas: 12n,
};

function senderOf(tx: Transaction): Uint8Array {
  const sig = concatBytes(Uint8Array.of(tx.yParity), signatureBytes(tx.r, tx.s));
  return addressOfPublicKey(secp.recoverPublicKey(sig, signingHash(tx), { prehash: false, isCompressed: false }));
}

describe('encodeUnsigned', () => {
  it('matches the EIP-155 example signing data', () => {
    const payload = encodeUnsigned(eip155Example);
    expect(bytesToHex(payload)).toBe('0xec098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a764000080018080');
    expect(bytesToHex(keccak256(payload))).toBe('0xdaf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53');
  });

  it('lays out typed payloads as type ‖ rlp(fields without signature)', () => {
    const accessList = [[TO, [SLOT]]];
    expect(encodeUnsigned(eip2930)).toEqual(
      concatBytes(Uint8Array.of(1), rlpEncode([7n, 3n, 12n, 60_000n, TO, 0n, hexToBytes('0x0001'), accessList])),
    );
    expect(encodeUnsigned(eip1559)).toEqual(
      concatBytes(Uint8Array.of(2), rlpEncode([7n, 3n, 5n, 40n, 60_000n, TO, 0n, hexToBytes('0x0001'), accessList])),
    );
  });

  it('refuses fee fields that do not fit the type', () => {
    expect(() => encodeUnsigned({ ...eip1559, gasPrice: 40n })).toThrow(/type 2.*no gasPrice/);
    expect(() => encodeUnsigned({ ...eip2930, gasPrice: null })).toThrow(/needs gasPrice/);
    expect(() => encodeUnsigned({ ...eip2930, maxFeePerGas: 13n })).toThrow(/equal to it/);
    expect(() => encodeUnsigned({ ...eip155Example, maxPriorityFeePerGas: 1n })).toThrow(/equal to it/);
    expect(() => encodeUnsigned({ ...eip155Example, accessList: eip1559.accessList })).toThrow(/cannot carry an access list/);
  });
});

describe('signTransaction', () => {
  it('reproduces the EIP-155 example transaction byte for byte', () => {
    const tx = signTransaction(eip155Example, KEY);
    expect(bytesToHex(tx.raw)).toBe(
      '0xf86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83',
    );
    expect(tx.v).toBe(37n);
    expect(tx.yParity).toBe(0);
  });

  it.each([
    ['legacy', eip155Example],
    ['EIP-2930', eip2930],
    ['EIP-1559', eip1559],
  ])('signs a %s transaction so that its sender recovers', (_name, unsigned) => {
    const tx = signTransaction(unsigned, KEY);
    expect(signingHash(tx)).toEqual(keccak256(encodeUnsigned(unsigned)));
    expect(tx.hash).toEqual(keccak256(tx.raw));
    expect(senderOf(tx)).toEqual(addressOfPrivateKey(KEY));
    expect(tx.v).toBe(unsigned.type === 0 ? unsigned.chainId * 2n + 35n + BigInt(tx.yParity) : BigInt(tx.yParity));
    expect(tx.raw[0]).toBe(unsigned.type === 0 ? 0xf8 : unsigned.type);
    expect(decodeTransaction(tx.raw)).toEqual(tx);
  });

  it('is deterministic, and the signature covers every field', () => {
    const a = signTransaction(eip1559, KEY);
    expect(signTransaction(eip1559, KEY).raw).toEqual(a.raw);
    const b = signTransaction({ ...eip1559, nonce: 4n }, KEY);
    expect(signingHash(b)).not.toEqual(signingHash(a));
    expect(b.r).not.toBe(a.r);
    const c = signTransaction({ ...eip1559, chainId: 8n }, KEY);
    expect(signingHash(c)).not.toEqual(signingHash(a));
  });

  it('refuses to sign contract creation', () => {
    let caught: unknown;
    try {
      signTransaction({ ...eip1559, to: new Uint8Array(0) }, KEY);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidTransactionError);
    expect((caught as InvalidTransactionError).code).toBe(TxErrorCode.ContractCreation);
  });
});
