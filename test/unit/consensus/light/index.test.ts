import { describe, expect, it } from 'vitest';
import { LIGHT_CONSENSUS_TYPES, LightClientError, LightErrorCode, lightEngine } from '../../../../src/consensus/light/index.js';

describe('light client registry', () => {
  it('has a light client for each consensus type, keyed by its kind', () => {
    expect(LIGHT_CONSENSUS_TYPES).toEqual(['pow', 'pos']);
    for (const kind of LIGHT_CONSENSUS_TYPES) expect(lightEngine(kind).kind).toBe(kind);
  });

  it('names the known types when asked for another', () => {
    try {
      lightEngine('poa');
      expect.fail('expected a LightClientError');
    } catch (error) {
      expect(error).toBeInstanceOf(LightClientError);
      expect((error as LightClientError).code).toBe(LightErrorCode.UnknownConsensus);
      expect((error as Error).message).toBe('no light client for consensus type "poa"; known types: "pow", "pos"');
    }
  });
});
