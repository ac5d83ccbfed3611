import { DecodingError } from '../../primitives/errors.js';
import { keccak256 } from '../../primitives/hash.js';
import { concatBytes } from '../../primitives/hex.js';
import { asBigint, asBytes, asList, rlpDecode, rlpEncode, type RlpValue } from '../../primitives/rlp.js';
import { checkSignatureRanges, InvalidSignatureError } from '../../primitives/signature.js';
import { InvalidTransactionError, TxErrorCode } from './errors.js';
import type { AccessListEntry, Transaction, UnsignedTransaction } from './types.js';

/** Largest raw transaction accepted, as geth's pool (4 slots of 32 KiB). */
export const MAX_TX_BYTES = 128 * 1024;

/** Bytes of a uint64 field (nonce, gas limit), as geth decodes them. */
const U64_BYTES = 8;

/** The fields every type shares once the wire layout is unpacked (the chain id and yParity come apart). */
type Parsed = Omit<UnsignedTransaction, 'chainId'> & Pick<Transaction, 'v' | 'r' | 's'>;

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
  // network buffer may be reused after this returns.
  const raw = input.slice();
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
  const { fields, parsed } = structural(() => {
    const f = asList(rlpDecode(raw), 'legacy transaction', 9);
    const nonce = asBigint(f[0], 'tx.nonce', U64_BYTES);
    const gasPrice = asBigint(f[1], 'tx.gasPrice');
    const parsed: Parsed = {
      type: 0,
      nonce,
      gasPrice,
      maxFeePerGas: gasPrice,
      maxPriorityFeePerGas: gasPrice,
      gasLimit: asBigint(f[2], 'tx.gasLimit', U64_BYTES),
      to: asTo(f[3]),
      value: asBigint(f[4], 'tx.value'),
      data: asBytes(f[5], 'tx.data'),
      accessList: [],
      v: asBigint(f[6], 'tx.v'),
      r: asBigint(f[7], 'tx.r'),
      s: asBigint(f[8], 'tx.s'),
    };
    return { fields: f, parsed };
  });
  rejectContractCreation(parsed);
  const { v } = parsed;
  if (v === 27n || v === 28n) {
    throw new InvalidTransactionError(TxErrorCode.Unprotected, 'only replay-protected (EIP-155) transactions allowed');
  }
  if (v < 35n) {
    throw new InvalidTransactionError(
      TxErrorCode.InvalidSignature,
      `invalid signature: legacy v must be chainId * 2 + 35 or 36, got ${v}`,
    );
  }
  const chainId = (v - 35n) / 2n;
  const yParity = Number((v - 35n) % 2n) as 0 | 1;
  // EIP-155 signing payload: the six fields, then chainId, 0, 0.
  const payload = rlpEncode([...fields.slice(0, 6), chainId, 0n, 0n]);
  return finish(parsed, chainId, yParity, raw, payload);
}

function decodeTyped(type: 1 | 2, raw: Uint8Array): Transaction {
  const { fields, chainId, parsed } = structural(() => {
    const what = type === 1 ? 'EIP-2930 transaction' : 'EIP-1559 transaction';
    const f = asList(rlpDecode(raw.subarray(1)), what, type === 1 ? 11 : 12);
    const chainId = asBigint(f[0], 'tx.chainId');
    const nonce = asBigint(f[1], 'tx.nonce', U64_BYTES);
    // Type 2 has one more fee field; everything after it sits one slot later.
    const o = type === 1 ? 0 : 1;
    let fees: Pick<Parsed, 'gasPrice' | 'maxFeePerGas' | 'maxPriorityFeePerGas'>;
    if (type === 1) {
      const gasPrice = asBigint(f[2], 'tx.gasPrice');
      fees = { gasPrice, maxFeePerGas: gasPrice, maxPriorityFeePerGas: gasPrice };
    } else {
      fees = {
        gasPrice: null,
        maxPriorityFeePerGas: asBigint(f[2], 'tx.maxPriorityFeePerGas'),
        maxFeePerGas: asBigint(f[3], 'tx.maxFeePerGas'),
      };
    }
    const parsed: Parsed = {
      type,
      nonce,
      ...fees,
      gasLimit: asBigint(f[3 + o], 'tx.gasLimit', U64_BYTES),
      to: asTo(f[4 + o]),
      value: asBigint(f[5 + o], 'tx.value'),
      data: asBytes(f[6 + o], 'tx.data'),
      accessList: asAccessList(f[7 + o]),
      v: asBigint(f[8 + o], 'tx.yParity'),
      r: asBigint(f[9 + o], 'tx.r'),
      s: asBigint(f[10 + o], 'tx.s'),
    };
    return { fields: f, chainId, parsed };
  });
  rejectContractCreation(parsed);
  if (parsed.v > 1n) {
    throw new InvalidTransactionError(TxErrorCode.InvalidSignature, `invalid signature: yParity must be 0 or 1, got ${parsed.v}`);
  }
  // Typed signing payload: type ‖ rlp(all fields but the signature).
  const payload = concatBytes(Uint8Array.of(type), rlpEncode(fields.slice(0, fields.length - 3)));
  return finish(parsed, chainId, Number(parsed.v) as 0 | 1, raw, payload);
}

/** Runs a structural parse, turning RLP and shape errors into Malformed with geth's "rlp:" prefix. */
function structural<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof DecodingError) {
      throw new InvalidTransactionError(TxErrorCode.Malformed, `rlp: ${error.message.replace(/^RLP: /, '')}`, { cause: error });
    }
    throw error;
  }
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

function rejectContractCreation(parsed: Parsed): void {
  if (parsed.to.length === 0) {
    throw new InvalidTransactionError(
      TxErrorCode.ContractCreation,
      'contract creation is not supported: transaction has no to address',
    );
  }
}

function finish(parsed: Parsed, chainId: bigint, yParity: 0 | 1, raw: Uint8Array, payload: Uint8Array): Transaction {
  try {
    checkSignatureRanges(parsed.r, parsed.s, yParity);
  } catch (error) {
    if (error instanceof InvalidSignatureError) {
      const code = error.code === 'SIG_HIGH_S' ? TxErrorCode.HighS : TxErrorCode.InvalidSignature;
      throw new InvalidTransactionError(code, error.message, { cause: error });
    }
    throw error;
  }
  return {
    ...parsed,
    chainId,
    yParity,
    raw,
    hash: keccak256(raw),
    signingHash: keccak256(payload),
  };
}
