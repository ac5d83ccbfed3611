import { describe, expect, it } from 'vitest';
import { seedBlockHash, seedOf, seedsAfter, type SeedEntry } from '../../../../src/consensus/pos/seeds.js';
import { epochSeed } from '../../../../src/consensus/pos/proposer.js';
import { epochOf } from '../../../../src/consensus/pos/slots.js';
import { bytesToHex } from '../../../../src/primitives/hex.js';
import { hashOf } from './fixtures.js';

const EPOCH = 8;

/** The rule as proposer.ts states it: the latest block with a slot below max(0, (e − 1) · epochLength), else genesis. */
function seedBlockByRule(chain: readonly { hash: Uint8Array; slot: number }[], epoch: number): Uint8Array {
  const limit = Math.max(0, (epoch - 1) * EPOCH);
  let found = chain[0]!.hash;
  for (const block of chain) if (block.slot < limit) found = block.hash;
  return found;
}

/** Runs seedsAfter along a chain given by its slots (genesis at slot 0), checking every block's seeds against the rule. */
function walk(slots: readonly number[]): void {
  const chain = [{ hash: hashOf('genesis'), slot: 0 }, ...slots.map((slot) => ({ hash: hashOf(`block at ${slot}`), slot }))];
  let entries: SeedEntry[] = [];
  for (let n = 1; n < chain.length; n++) {
    const parent = chain[n - 1]!;
    const epoch = epochOf(chain[n]!.slot, EPOCH);
    entries = seedsAfter(entries, { hash: parent.hash, number: n - 1, epoch: epochOf(parent.slot, EPOCH) }, epoch);
    // Block n sees its ancestors only; its epoch's seed and the next one's must already be fixed by them.
    const ancestors = chain.slice(0, n);
    for (const e of [epoch, epoch + 1]) {
      expect(bytesToHex(seedBlockHash(entries, e)), `block ${n} (slot ${chain[n]!.slot}), epoch ${e}`).toBe(bytesToHex(seedBlockByRule(ancestors, e)));
    }
    expect(entries.length).toBeLessThanOrEqual(3);
  }
}

describe('seed entries', () => {
  it('epochs 0 and 1 take the genesis hash', () => {
    const entries = seedsAfter([], { hash: hashOf('genesis'), number: 0, epoch: 0 }, 0);
    expect(seedBlockHash(entries, 0)).toEqual(hashOf('genesis'));
    expect(seedBlockHash(entries, 1)).toEqual(hashOf('genesis'));
    expect(seedOf(entries, 1)).toEqual(epochSeed(hashOf('genesis'), 1));
  });

  it('follow the rule along a chain with every slot filled', () => {
    walk(Array.from({ length: 40 }, (_, i) => i + 1));
  });

  it('follow the rule along a chain with gaps and empty epochs', () => {
    walk([3, 6, 12, 17, 20, 41, 42, 47, 48, 90, 91, 200]);
  });

  it('follow the rule when the first block is several epochs after genesis', () => {
    walk([30, 31, 33]);
  });
});
