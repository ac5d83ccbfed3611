import { describe, expect, it } from 'vitest';
import { epochSeed, proposerSchedule, sampleProposer } from '../../../../src/consensus/pos/proposer.js';
import { StakingError, StakingErrorCode, ValidatorSet } from '../../../../src/ledger/modules/staking/index.js';
import { bytesToHex } from '../../../../src/primitives/hex.js';
import { hashOf, thrown, validators } from './fixtures.js';

const SLOTS = 20_000;

function counts(set: ValidatorSet, seed: Uint8Array, slots = SLOTS): Map<string, number> {
  const out = new Map<string, number>();
  for (let slot = 1; slot <= slots; slot++) {
    const key = bytesToHex(sampleProposer(set, seed, slot).address);
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

describe('proposer sampling', () => {
  const { set } = validators([100n, 200n, 300n, 400n]);
  const seed = epochSeed(hashOf('seed block'), 5);

  it('draws each validator in proportion to its stake over 20,000 slots', () => {
    const drawn = counts(set, seed);
    for (const v of set.validators) {
      const share = (drawn.get(bytesToHex(v.address)) ?? 0) / SLOTS;
      const expected = Number(v.stake) / Number(set.totalStake);
      // Binomial sd at 20,000 draws is at most 0.35 percentage points; 1.5 points is > 4 sd.
      expect(Math.abs(share - expected)).toBeLessThan(0.015);
    }
  });

  it('is deterministic in (set, seed, slot) and depends on the seed', () => {
    const again = new ValidatorSet([...set.validators].reverse());
    for (let slot = 1; slot < 200; slot++) {
      expect(sampleProposer(again, seed, slot).address).toEqual(sampleProposer(set, seed, slot).address);
    }
    const other = epochSeed(hashOf('another seed block'), 5);
    const differing = Array.from({ length: 200 }, (_, slot) => slot).filter(
      (slot) => bytesToHex(sampleProposer(set, seed, slot).address) !== bytesToHex(sampleProposer(set, other, slot).address),
    );
    expect(differing.length).toBeGreaterThan(100);
  });

  it('changing stakes changes the distribution', () => {
    const { set: reweighted, keys } = validators([400n, 300n, 200n, 100n]);
    const first = bytesToHex(keys[0]!.address);
    expect(set.stakeOf(keys[0]!.address)).toBe(100n);
    expect(counts(set, seed, 4000).get(first)! / 4000).toBeLessThan(0.15);
    expect(counts(reweighted, seed, 4000).get(first)! / 4000).toBeGreaterThan(0.35);
  });

  it('refuses to draw from an empty set', () => {
    thrown(() => sampleProposer(new ValidatorSet([]), seed, 1), StakingError, StakingErrorCode.NoValidators);
  });
});

describe('epoch seeds', () => {
  it('mixes in the epoch, so epochs sharing a seed block differ', () => {
    const genesis = hashOf('genesis');
    expect(bytesToHex(epochSeed(genesis, 0))).not.toBe(bytesToHex(epochSeed(genesis, 1)));
  });
});

describe('proposerSchedule', () => {
  const { set } = validators([100n, 100n, 100n]);
  const seeds = [epochSeed(hashOf('g'), 0), epochSeed(hashOf('g'), 1)];

  it('lists the next proposers across an epoch boundary and stops where the seed is unknown', () => {
    const schedule = proposerSchedule(5, 20, 8, (epoch) => (epoch < 2 ? { validators: set, seed: seeds[epoch]! } : undefined));
    expect(schedule.map((entry) => entry.slot)).toEqual([5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    expect(schedule[0]!.proposer).toEqual(sampleProposer(set, seeds[0]!, 5).address);
    expect(schedule[5]!.proposer).toEqual(sampleProposer(set, seeds[1]!, 10).address);
  });
});
