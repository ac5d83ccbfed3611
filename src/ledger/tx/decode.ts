import { DecodingError } from '../../primitives/errors.js';
import { keccak256 } from '../../primitives/hash.js';
import { asBigint, asBytes, asList, rlpDecode, type RlpValue } from '../../primitives/rlp.js';
import { checkSignatureRanges, InvalidSignatureError } from '../../primitives/signature.js';
import { InvalidTransactionError, TxErrorCode } from './errors.js';
import type { AccessListEntry, Transaction } from './types.js';

/** Largest raw transaction accepted, as geth's pool (4 slots of 32 KiB). */
export const MAX_TX_BYTES = 128 * 1024;

/** Bytes of a uint64 field (nonce, gas limit), as geth decodes them. */
const U64_BYTES = 8;

/**
 * Decodes a raw transaction as received from a wallet or a block: a legacy
 * RLP list (first byte >= 0x80, EIP-2718) or type byte ‖ RLP payload.
 * Checks structure, signature ranges and Cairn's refusals (unprotected
 * legacy, contract creation); rules that depend on the chain (chain id, gas)
 * are in validate.ts and the sender is recovered by SenderRecovery.
 */
export function decodeTransaction(input: Uint8Array): Transaction {
  if (input.length > MAX_TX_BYTES) {
    throw new InvalidTransactionError(
      TxErrorCode.Oversized,
      `oversized data: transaction is ${input.length} bytes, the limit is ${MAX_TX_BYTES}`,
    );
  }
  // Own the bytes: the fields below are views into them, and a caller's
  // network buffer may be reused after this returns. Copied by constructor,
  // since a Node Buffer's slice() would share its memory.
  const raw = new Uint8Array(input);
  if (raw.length > 0 && raw[0]! >= 0x80) return decodeLegacy(raw);
  if (raw.length <= 1) throw new InvalidTransactionError(TxErrorCode.Malformed, 'typed transaction too short');
  const type = raw[0]!;
  if (type !== 1 && type !== 2) {
    throw new InvalidTransactionError(
      TxErrorCode.UnsupportedType,
      `transaction type not supported: 0x${type.toString(16).padStart(2, '0')} (Cairn accepts legacy, 0x01 and 0x02)`,
    );
  }
  return decodeTyped(type, raw);
}

function decodeLegacy(raw: Uint8Array): Transaction {
  let nonce, gasPrice, gasLimit, to, value, data, v, r, s;
  try {
    const f = asList(rlpDecode(raw), 'legacy transaction', 9);
    nonce = asBigint(f[0], 'tx.nonce', U64_BYTES);
    gasPrice = asBigint(f[1], 'tx.gasPrice');
    gasLimit = asBigint(f[2], 'tx.gasLimit', U64_BYTES);
    to = asTo(f[3]);
    value = asBigint(f[4], 'tx.value');
    data = asBytes(f[5], 'tx.data');
    v = asBigint(f[6], 'tx.v');
    r = asBigint(f[7], 'tx.r');
    s = asBigint(f[8], 'tx.s');
  } catch (error) {
    throw malformed(error);
  }
  rejectContractCreation(to);
  if (v === 27n || v === 28n) {
    throw new InvalidTransactionError(TxErrorCode.Unprotected, 'only replay-protected (EIP-155) transactions allowed');
  }
  if (v < 35n) {
    throw new InvalidTransactionError(
      TxErrorCode.InvalidSignature,
      `invalid signature: legacy v must be chainId * 2 + 35 or 36, got ${v}`,
    );
  }
  const yParity = Number((v - 35n) % 2n) as 0 | 1;
  checkRanges(r, s, yParity);
  return {
    type: 0,
    chainId: (v - 35n) / 2n,
    nonce,
    gasPrice,
    maxFeePerGas: gasPrice,
    maxPriorityFeePerGas: gasPrice,
    gasLimit,
    to,
    value,
    data,
    accessList: [],
    v,
    yParity,
    r,
    s,
    raw,
    hash: keccak256(raw),
  };
}

function decodeTyped(type: 1 | 2, raw: Uint8Array): Transaction {
  let chainId, nonce, gasPrice, maxPriorityFeePerGas, maxFeePerGas, gasLimit, to, value, data, accessList, v, r, s;
  try {
    const what = type === 1 ? 'EIP-2930 transaction' : 'EIP-1559 transaction';
    const f = asList(rlpDecode(raw.subarray(1)), what, type === 1 ? 11 : 12);
    chainId = asBigint(f[0], 'tx.chainId');
    nonce = asBigint(f[1], 'tx.nonce', U64_BYTES);
    if (type === 1) {
      gasPrice = asBigint(f[2], 'tx.gasPrice');
      maxPriorityFeePerGas = gasPrice;
      maxFeePerGas = gasPrice;
    } else {
      gasPrice = null;
      maxPriorityFeePerGas = asBigint(f[2], 'tx.maxPriorityFeePerGas');
      maxFeePerGas = asBigint(f[3], 'tx.maxFeePerGas');
    }
    // Type 2 has one more fee field; everything after it sits one slot later.
    const o = type === 1 ? 0 : 1;
    gasLimit = asBigint(f[3 + o], 'tx.gasLimit', U64_BYTES);
    to = asTo(f[4 + o]);
    value = asBigint(f[5 + o], 'tx.value');
    data = asBytes(f[6 + o], 'tx.data');
    accessList = asAccessList(f[7 + o]);
    v = asBigint(f[8 + o], 'tx.yParity');
    r = asBigint(f[9 + o], 'tx.r');
    s = asBigint(f[10 + o], 'tx.s');
  } catch (error) {
    throw malformed(error);
  }
  rejectContractCreation(to);
  if (v > 1n) {
    throw new InvalidTransactionError(TxErrorCode.InvalidSignature, `invalid signature: yParity must be 0 or 1, got ${v}`);
  }
  const yParity = Number(v) as 0 | 1;
  checkRanges(r, s, yParity);
  // Every decoder builds the same literal, property for property, so all
  // transactions share one object shape and the code reading them stays monomorphic.
  return {
    type,
    chainId,
    nonce,
    gasPrice,
    maxFeePerGas,
    maxPriorityFeePerGas,
    gasLimit,
    to,
    value,
    data,
    accessList,
    v,
    yParity,
    r,
    s,
    raw,
    hash: keccak256(raw),
  };
}

/** RLP and shape errors become Malformed with geth's "rlp:" prefix; anything else passes through. */
function malformed(error: unknown): unknown {
  if (error instanceof DecodingError) {
    return new InvalidTransactionError(TxErrorCode.Malformed, `rlp: ${error.message.replace(/^RLP: /, '')}`, { cause: error });
  }
  return error;
}

/** Empty `to` is contract creation and is refused after parsing; any other length is malformed. */
function asTo(value: RlpValue): Uint8Array {
  const to = asBytes(value, 'tx.to');
  if (to.length !== 0 && to.length !== 20) throw new DecodingError(`tx.to: expected 20 bytes, got ${to.length}`);
  return to;
}

function asAccessList(value: RlpValue): AccessListEntry[] {
  return asList(value, 'tx.accessList').map((entry, i) => {
    const [address, keys] = asList(entry, `tx.accessList[${i}]`, 2);
    return {
      address: asBytes(address, `tx.accessList[${i}].address`, 20),
      storageKeys: asList(keys, `tx.accessList[${i}].storageKeys`).map((key, j) =>
        asBytes(key, `tx.accessList[${i}].storageKeys[${j}]`, 32),
      ),
    };
  });
}

function rejectContractCreation(to: Uint8Array): void {
  if (to.length === 0) {
    throw new InvalidTransactionError(
      TxErrorCode.ContractCreation,
      'contract creation is not supported: transaction has no to address',
    );
  }
}

function checkRanges(r: bigint, s: bigint, yParity: 0 | 1): void {
  try {
    checkSignatureRanges(r, s, yParity);
  } catch (error) {
    if (error instanceof InvalidSignatureError) {
      const code = error.code === 'SIG_HIGH_S' ? TxErrorCode.HighS : TxErrorCode.InvalidSignature;
      throw new InvalidTransactionError(code, error.message, { cause: error });
    }
    throw error;
  }
}
