import { describe, expect, it } from 'vitest';
import { DecodingError } from '../../../../src/primitives/errors.js';
import { keccak256 } from '../../../../src/primitives/hash.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '../../../../src/primitives/hex.js';
import { merkleRoot } from '../../../../src/primitives/merkle.js';
import { rlpEncode } from '../../../../src/primitives/rlp.js';
import { decodeReceipt, encodeReceipt, logsBloom, receiptsRoot } from '../../../../src/ledger/block/receipt.js';
import type { Log, Receipt } from '../../../../src/ledger/block/types.js';

const transfer: Receipt = { status: 1, cumulativeGasUsed: 21_000n, gasUsed: 21_000n, effectiveGasPrice: 1_000_000_000n, logs: [] };
const log: Log = {
  address: new Uint8Array(20).fill(0xaa),
  topics: [new Uint8Array(32).fill(1), new Uint8Array(32).fill(2)],
  data: utf8ToBytes('{"op":"register"}'),
};
const withLogs: Receipt = { status: 1, cumulativeGasUsed: 63_000n, gasUsed: 42_000n, effectiveGasPrice: 7n, logs: [log, { ...log, topics: [] }] };
const refused: Receipt = { status: 0, cumulativeGasUsed: 84_000n, gasUsed: 21_000n, effectiveGasPrice: 7n, logs: [], reason: 'item X is closed' };

describe('receipt encoding', () => {
  it('is rlp([status, cumulativeGasUsed, gasUsed, effectiveGasPrice, logs, reason])', () => {
    // 0x01, 0x825208 (21000) twice, 0x843b9aca00 (1 gwei), 0xc0 (no logs), 0x80 (no reason), under list prefix 0xce.
    expect(bytesToHex(encodeReceipt(transfer))).toBe('0xce01825208825208843b9aca00c080');
    expect(encodeReceipt(withLogs)).toEqual(
      rlpEncode([1, 63_000n, 42_000n, 7n, [[log.address, [...log.topics], log.data], [log.address, [], log.data]], new Uint8Array(0)]),
    );
    expect(encodeReceipt(refused)).toEqual(rlpEncode([0, 84_000n, 21_000n, 7n, [], utf8ToBytes('item X is closed')]));
  });

  it('decodes back to the same receipt', () => {
    expect(decodeReceipt(encodeReceipt(transfer))).toEqual(transfer);
    expect(decodeReceipt(encodeReceipt(withLogs))).toEqual(withLogs);
    expect(decodeReceipt(encodeReceipt(refused))).toEqual(refused);
  });

  it('rejects a status other than 0 or 1', () => {
    expect(() => decodeReceipt(rlpEncode([2, 1n, 1n, 1n, [], new Uint8Array(0)]))).toThrow(/receipt.status: expected 0 or 1/);
  });

  it('rejects a reason on a successful receipt', () => {
    expect(() => decodeReceipt(rlpEncode([1, 1n, 1n, 1n, [], utf8ToBytes('why')]))).toThrow(/successful receipt carries no reason/);
  });

  it('rejects malformed logs, naming the field', () => {
    const none = new Uint8Array(0);
    const shortAddress = rlpEncode([1, 1n, 1n, 1n, [[new Uint8Array(19), [], none]], none]);
    expect(() => decodeReceipt(shortAddress)).toThrow(DecodingError);
    expect(() => decodeReceipt(shortAddress)).toThrow(/receipt.logs\[0\].address/);
    const shortTopic = rlpEncode([1, 1n, 1n, 1n, [[log.address, [new Uint8Array(31)], none]], none]);
    expect(() => decodeReceipt(shortTopic)).toThrow(/receipt.logs\[0\].topics\[0\]/);
    expect(() => decodeReceipt(rlpEncode([1, 1n, 1n, 1n, []]))).toThrow(/expected 6 fields/);
  });
});

describe('receiptsRoot', () => {
  it('is the RFC 6962 root of the encoded receipts', () => {
    expect(receiptsRoot([transfer, withLogs])).toEqual(merkleRoot([encodeReceipt(transfer), encodeReceipt(withLogs)]));
    expect(receiptsRoot([])).toEqual(merkleRoot([]));
  });

  it('depends on the order of receipts', () => {
    expect(receiptsRoot([transfer, withLogs])).not.toEqual(receiptsRoot([withLogs, transfer]));
  });
});

describe('logsBloom', () => {
  it('is 256 zero bytes without logs', () => {
    expect(logsBloom([])).toEqual(new Uint8Array(256));
  });

  it("matches geth's TestBloomExtensively vector", () => {
    // geth core/types/bloom9_test.go adds 100 byte strings and hashes the bloom.
    const logs = Array.from({ length: 100 }, (_, i): Log => ({
      address: utf8ToBytes(`xxxxxxxxxx data ${i} yyyyyyyyyyyyyy`),
      topics: [],
      data: new Uint8Array(0),
    }));
    expect(bytesToHex(keccak256(logsBloom(logs)))).toBe('0xc8d3ca65cdb4874300a9e39475508f23ed6da09fdbc487f89a2dcf50b09eb263');
  });

  it('sets the 3 bits of the address and of each topic, in byte 255 - bit/8', () => {
    const address = hexToBytes('0x0000000000000000000000000000000000000001');
    const bloom = logsBloom([{ address, topics: [], data: new Uint8Array(0) }]);
    const h = keccak256(address);
    let set = 0;
    for (const byte of bloom) for (let b = 0; b < 8; b++) set += (byte >> b) & 1;
    for (let i = 0; i < 6; i += 2) {
      const bit = ((h[i]! << 8) | h[i + 1]!) & 2047;
      expect((bloom[255 - (bit >> 3)]! >> (bit & 7)) & 1).toBe(1);
    }
    expect(set).toBeGreaterThanOrEqual(1);
    expect(set).toBeLessThanOrEqual(3);
    const withTopic = logsBloom([{ address, topics: [log.topics[0]!], data: new Uint8Array(0) }]);
    expect(withTopic).not.toEqual(bloom);
    // A bloom only gains bits: the address's bits are still set.
    for (let i = 0; i < 256; i++) expect(withTopic[i]! & bloom[i]!).toBe(bloom[i]);
  });
});
