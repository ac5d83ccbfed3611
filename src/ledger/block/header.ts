import { keccak256 } from '../../primitives/hash.js';
import { asBigint, asBytes, asList, asNumber, rlpDecode, rlpEncode, type RlpInput, type RlpValue } from '../../primitives/rlp.js';
import type { BlockHeader } from './types.js';

/** Header fields in canonical order, with `consensus` as given (engines pass a variant for seal hashes). */
export function headerFields(header: BlockHeader, consensus: readonly RlpValue[] = header.consensus): RlpInput[] {
  return [
    header.parentHash,
    header.number,
    header.timestamp,
    header.coinbase,
    header.txRoot,
    header.receiptsRoot,
    header.stateRoot,
    header.gasLimit,
    header.gasUsed,
    header.baseFee,
    header.extraData,
    consensus as RlpValue[],
  ];
}

export function encodeHeader(header: BlockHeader): Uint8Array {
  return rlpEncode(headerFields(header));
}

export function hashHeader(header: BlockHeader): Uint8Array {
  return keccak256(encodeHeader(header));
}

export function headerFromRlp(value: RlpValue): BlockHeader {
  const f = asList(value, 'block header', 12);
  return {
    parentHash: asBytes(f[0], 'header.parentHash', 32),
    number: asNumber(f[1], 'header.number'),
    timestamp: asNumber(f[2], 'header.timestamp'),
    coinbase: asBytes(f[3], 'header.coinbase', 20),
    txRoot: asBytes(f[4], 'header.txRoot', 32),
    receiptsRoot: asBytes(f[5], 'header.receiptsRoot', 32),
    stateRoot: asBytes(f[6], 'header.stateRoot', 32),
    gasLimit: asBigint(f[7], 'header.gasLimit', 8),
    gasUsed: asBigint(f[8], 'header.gasUsed', 8),
    baseFee: asBigint(f[9], 'header.baseFee'),
    extraData: asBytes(f[10], 'header.extraData'),
    consensus: asList(f[11]!, 'header.consensus'),
  };
}

export function decodeHeader(bytes: Uint8Array): BlockHeader {
  return headerFromRlp(rlpDecode(bytes));
}
