import { describe, expect, it } from 'vitest';
import {
  decodeFinality,
  decodeSeeds,
  decodeWindow,
  encodeFinality,
  encodeSeeds,
  encodeWindow,
  windowKey,
} from '../../../../src/consensus/pos/records.js';
import { bytesToHex, bytesToUtf8 } from '../../../../src/primitives/hex.js';
import { address, hashOf } from './fixtures.js';

describe('PoS consensus records', () => {
  it('round-trip finality with its tallies, seeds and window entries', () => {
    const finality = {
      justified: { height: 9, hash: hashOf('9') },
      finalized: { height: 8, hash: hashOf('8') },
      tallies: [{ target: { height: 11, hash: hashOf('11') }, stake: 300n, voters: new Set([bytesToHex(address(1)), bytesToHex(address(0))]) }],
    };
    expect(decodeFinality(encodeFinality(finality))).toEqual(finality);
    const seeds = [{ fromEpoch: 3, hash: hashOf('a') }, { fromEpoch: 5, hash: hashOf('b') }];
    expect(decodeSeeds(encodeSeeds(seeds))).toEqual(seeds);
    const entry = { hash: hashOf('w'), voters: new Set([bytesToHex(address(2))]) };
    expect(decodeWindow(windowKey(7), encodeWindow(entry))).toEqual(entry);
    expect(bytesToUtf8(windowKey(7))).toBe('consensus/window/7');
  });

  it('encodes voter sets in one order whatever the insertion order', () => {
    const [x, y] = [bytesToHex(address(0)), bytesToHex(address(1))];
    expect(encodeWindow({ hash: hashOf('w'), voters: new Set([x, y]) })).toEqual(encodeWindow({ hash: hashOf('w'), voters: new Set([y, x]) }));
  });

  it('names the record that does not decode', () => {
    expect(() => decodeSeeds(Uint8Array.of(0x01))).toThrow(/consensus\/seeds record does not decode/);
    expect(() => decodeWindow(windowKey(3), Uint8Array.of(0xc0))).toThrow(/consensus\/window\/3 record does not decode/);
  });
});
