import { keccak256 } from '../../primitives/hash.js';
import { merkleRoot } from '../../primitives/merkle.js';
import { bytesToUtf8, utf8ToBytes } from '../../primitives/hex.js';
import { asBigint, asBytes, asList, asNumber, rlpDecode, rlpEncode, type RlpInput } from '../../primitives/rlp.js';
import { DecodingError } from '../../primitives/errors.js';
import type { Log, Receipt } from './types.js';

/**
 * Receipt encoding, the receipts root and the Ethereum logs bloom.
 *
 * Encoding: rlp([status, cumulativeGasUsed, gasUsed, effectiveGasPrice,
 * [[address, [topic...], data]...], reason]). It carries effectiveGasPrice
 * (Ethereum's consensus receipt does not) so the RPC serves receipts without
 * re-deriving the price from the header, and the UTF-8 reason of a refused
 * system-module call (empty on success), so the receiptsRoot commits to why
 * an operation failed; the bloom is derived from the logs, not stored.
 */

export function encodeReceipt(receipt: Receipt): Uint8Array {
  const logs: RlpInput[] = receipt.logs.map((log) => [log.address, [...log.topics], log.data]);
  const reason = utf8ToBytes(receipt.reason ?? '');
  return rlpEncode([receipt.status, receipt.cumulativeGasUsed, receipt.gasUsed, receipt.effectiveGasPrice, logs, reason]);
}

/** Strict inverse of `encodeReceipt`; throws DecodingError naming the bad field. */
export function decodeReceipt(bytes: Uint8Array): Receipt {
  const f = asList(rlpDecode(bytes), 'receipt', 6);
  const status = asNumber(f[0], 'receipt.status');
  if (status !== 0 && status !== 1) throw new DecodingError(`receipt.status: expected 0 or 1, got ${status}`);
  const logs = asList(f[4]!, 'receipt.logs').map((value, i): Log => {
    const l = asList(value, `receipt.logs[${i}]`, 3);
    return {
      address: asBytes(l[0], `receipt.logs[${i}].address`, 20),
      topics: asList(l[1]!, `receipt.logs[${i}].topics`).map((t, j) => asBytes(t, `receipt.logs[${i}].topics[${j}]`, 32)),
      data: asBytes(l[2], `receipt.logs[${i}].data`),
    };
  });
  const reason = bytesToUtf8(asBytes(f[5], 'receipt.reason'));
  if (status === 1 && reason !== '') throw new DecodingError('receipt.reason: a successful receipt carries no reason');
  const receipt: Receipt = {
    status,
    cumulativeGasUsed: asBigint(f[1], 'receipt.cumulativeGasUsed', 8),
    gasUsed: asBigint(f[2], 'receipt.gasUsed', 8),
    effectiveGasPrice: asBigint(f[3], 'receipt.effectiveGasPrice'),
    logs,
  };
  return reason === '' ? receipt : { ...receipt, reason };
}

/** RFC 6962 Merkle root over the encoded receipts, in block order. */
export function receiptsRoot(receipts: readonly Receipt[]): Uint8Array {
  return merkleRoot(receipts.map(encodeReceipt));
}

export const BLOOM_BYTES = 256;

/**
 * Ethereum's 2048-bit logs bloom (yellow paper, M3:2048): for the address
 * and each topic of every log, keccak256 it and set the three bits named by
 * the low 11 bits of its byte pairs 0-1, 2-3 and 4-5; bit b lives in byte
 * 255 - b/8 (the bloom is a big-endian 2048-bit number). Wallets and
 * eth_getLogs filters read it, so it must match Ethereum bit for bit.
 */
export function logsBloom(logs: readonly Log[]): Uint8Array {
  const bloom = new Uint8Array(BLOOM_BYTES);
  for (const log of logs) {
    addToBloom(bloom, log.address);
    for (const topic of log.topics) addToBloom(bloom, topic);
  }
  return bloom;
}

function addToBloom(bloom: Uint8Array, item: Uint8Array): void {
  const h = keccak256(item);
  for (let i = 0; i < 6; i += 2) {
    const bit = ((h[i]! << 8) | h[i + 1]!) & 2047;
    bloom[BLOOM_BYTES - 1 - (bit >> 3)] |= 1 << (bit & 7);
  }
}
