import { describe, expect, it } from 'vitest';
import { ConsensusConfigError } from '../../../../src/consensus/errors.js';
import { chainDomain, parsePosParams, posConfig } from '../../../../src/consensus/pos/params.js';
import { bytesToHex } from '../../../../src/primitives/hex.js';

const A = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const B = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';

function good(): Record<string, unknown> {
  return {
    slotDurationMs: 1000,
    epochLength: 32,
    minStake: '1000',
    unbondingEpochs: 2,
    validators: [
      { address: A, stake: '5000' },
      { address: B, stake: 1000 },
    ],
  };
}

function message(raw: Record<string, unknown>): string {
  try {
    parsePosParams(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConsensusConfigError);
    return (error as Error).message;
  }
  return expect.fail('expected a ConsensusConfigError');
}

describe('parsePosParams', () => {
  it('reads genesis consensus.pos and sorts validators by address', () => {
    const params = parsePosParams(good());
    expect(params.slotDurationMs).toBe(1000);
    expect(params.epochLength).toBe(32);
    expect(params.minStake).toBe(1000n);
    expect(params.unbondingEpochs).toBe(2);
    expect(params.validators.map((v) => bytesToHex(v.address))).toEqual([A.toLowerCase(), B.toLowerCase()]);
    expect(params.validators.map((v) => v.stake)).toEqual([5000n, 1000n]);
  });

  it('names the field of every problem', () => {
    const { slotDurationMs: _unused, ...noSlot } = good();
    expect(message(noSlot)).toContain('consensus.pos.slotDurationMs: expected a positive integer (milliseconds), got nothing');
    expect(message({ ...good(), epochLength: 0 })).toContain('consensus.pos.epochLength');
    expect(message({ ...good(), unbondingEpochs: 0 })).toContain('consensus.pos.unbondingEpochs');
    expect(message({ ...good(), minStake: '-1' })).toContain('consensus.pos.minStake');
    expect(message({ ...good(), slotDuration: 1000 })).toContain('unknown field "slotDuration"');
    expect(message({ ...good(), validators: [] })).toContain('consensus.pos.validators: expected a non-empty list');
  });

  it('checks each validator entry', () => {
    const withValidators = (validators: unknown[]): Record<string, unknown> => ({ ...good(), validators });
    expect(message(withValidators([{ address: A, stake: '999' }]))).toContain('validators[0].stake: 999 is below minStake (1000)');
    expect(message(withValidators([{ address: A.replace('C8', 'c8'), stake: '1000' }]))).toContain('validators[0].address');
    expect(message(withValidators([{ address: A, stake: '1000' }, { address: A.toLowerCase(), stake: '1000' }]))).toContain(
      'validators[1].address',
    );
    expect(message(withValidators([{ address: A, stake: '1000', key: 'x' }]))).toContain('validators[0]: unknown field "key"');
    expect(message(withValidators(['0x00']))).toContain('validators[0]: expected an object');
  });
});

describe('chain domain', () => {
  it('binds signatures to the chain id, the genesis time and every PoS parameter', () => {
    const params = parsePosParams(good());
    const tag = bytesToHex(chainDomain(1n, 1000, params).chainTag);
    expect(bytesToHex(chainDomain(1n, 1000, parsePosParams(good())).chainTag)).toBe(tag);
    expect(bytesToHex(chainDomain(1n, 1001, params).chainTag)).not.toBe(tag);
    expect(bytesToHex(chainDomain(1n, 1000, { ...params, epochLength: 31 }).chainTag)).not.toBe(tag);
    const restaked = parsePosParams({ ...good(), validators: [{ address: A, stake: '5001' }, { address: B, stake: 1000 }] });
    expect(bytesToHex(chainDomain(1n, 1000, restaked).chainTag)).not.toBe(tag);
    expect(chainDomain(2n, 1000, params).chainId).toBe(2n);
    expect(posConfig(params, 1n, 1000).clock).toEqual({ genesisTime: 1000, slotDurationMs: 1000, epochLength: 32 });
  });
});
