import { keccak256 } from '../../primitives/hash.js';
import { concatBytes } from '../../primitives/hex.js';
import { signDigest } from '../../primitives/keys.js';
import { rlpEncode, type RlpInput } from '../../primitives/rlp.js';
import { decodeTransaction } from './decode.js';
import type { Transaction, UnsignedTransaction } from './types.js';

/**
 * The bytes a sender signs: for legacy the EIP-155 list
 * rlp([nonce, gasPrice, gasLimit, to, value, data, chainId, 0, 0]), for
 * typed transactions type ‖ rlp(fields without the signature).
 */
export function encodeUnsigned(tx: UnsignedTransaction): Uint8Array {
  return signingPayload(tx, unsignedFields(tx));
}

/**
 * The digest the signature covers: keccak256(encodeUnsigned(tx)). Only sender
 * recovery needs it, so decoding does not compute it; for a decoded
 * transaction it hashes the very bytes that were signed, because decoding is
 * strict (canonical RLP and integers) and encoding is its exact inverse.
 */
export function signingHash(tx: UnsignedTransaction): Uint8Array {
  return keccak256(encodeUnsigned(tx));
}

/**
 * Signs with a deterministic (RFC 6979) low-s signature and returns the
 * transaction exactly as decodeTransaction reads the resulting raw bytes,
 * so a signed transaction passes the same checks as a received one.
 */
export function signTransaction(tx: UnsignedTransaction, privateKey: Uint8Array): Transaction {
  const fields = unsignedFields(tx);
  const { r, s, recoveryId } = signDigest(keccak256(signingPayload(tx, fields)), privateKey);
  const raw =
    tx.type === 0
      ? rlpEncode([...fields, tx.chainId * 2n + 35n + BigInt(recoveryId), r, s])
      : concatBytes(Uint8Array.of(tx.type), rlpEncode([...fields, recoveryId, r, s]));
  return decodeTransaction(raw);
}

function signingPayload(tx: UnsignedTransaction, fields: RlpInput[]): Uint8Array {
  if (tx.type === 0) return rlpEncode([...fields, tx.chainId, 0n, 0n]);
  return concatBytes(Uint8Array.of(tx.type), rlpEncode(fields));
}

/** Wire fields before the signature (legacy without its EIP-155 suffix). */
function unsignedFields(tx: UnsignedTransaction): RlpInput[] {
  const common: RlpInput[] = [tx.gasLimit, tx.to, tx.value, tx.data];
  if (tx.type === 2) {
    if (tx.gasPrice !== null) throw new RangeError('an EIP-1559 (type 2) transaction has no gasPrice: set it to null');
    return [tx.chainId, tx.nonce, tx.maxPriorityFeePerGas, tx.maxFeePerGas, ...common, accessListFields(tx)];
  }
  const gasPrice = tx.gasPrice;
  // Types 0 and 1 carry one price; the normalised fee fields must agree with it.
  if (gasPrice === null || tx.maxFeePerGas !== gasPrice || tx.maxPriorityFeePerGas !== gasPrice) {
    throw new RangeError(`a type ${tx.type} transaction needs gasPrice, with maxFeePerGas and maxPriorityFeePerGas equal to it`);
  }
  if (tx.type === 1) return [tx.chainId, tx.nonce, gasPrice, ...common, accessListFields(tx)];
  if (tx.accessList.length > 0) throw new RangeError('a legacy (type 0) transaction cannot carry an access list: use type 1 or 2');
  return [tx.nonce, gasPrice, ...common];
}

function accessListFields(tx: UnsignedTransaction): RlpInput[] {
  return tx.accessList.map((entry) => [entry.address, [...entry.storageKeys]]);
}
