import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEngine } from '../../../../src/consensus/index.js';
import { PosEngine } from '../../../../src/consensus/pos/engine.js';
import { bytesToHex } from '../../../../src/primitives/hex.js';
import { addressOfPrivateKey } from '../../../../src/primitives/keys.js';
import { MemoBackend, validatorKey } from './sim.js';

const pos = {
  slotDurationMs: 1000,
  epochLength: 8,
  minStake: '100',
  unbondingEpochs: 2,
  validators: [{ address: bytesToHex(addressOfPrivateKey(validatorKey(0))), stake: '100' }],
};

describe('createEngine("pos")', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'cairn-pos-registry-'));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('builds the PoS engine from genesis consensus.pos and the node options', async () => {
    const options = { chainId: 7n, genesisTimestamp: 5000, recovery: new MemoBackend(), dataDir, validatorKey: validatorKey(0) };
    const engine = createEngine({ type: 'pos', params: pos }, options);
    expect(engine).toBeInstanceOf(PosEngine);
    expect(engine.kind).toBe('pos');
    expect(engine.modules.map((module) => module.name)).toEqual(['staking']);
    expect((engine as PosEngine).validator).toEqual(addressOfPrivateKey(validatorKey(0)));
    expect((engine as PosEngine).config.clock.genesisTime).toBe(5000);
    await engine.close();
  });

  it('refuses to run without the options PoS needs, or with a key of the wrong size', () => {
    expect(() => createEngine({ type: 'pos', params: pos }, { minerThreads: 1 })).toThrow(/needs the chainId, genesisTimestamp, recovery and dataDir/);
    const options = { chainId: 7n, genesisTimestamp: 5000, recovery: new MemoBackend(), dataDir, validatorKey: new Uint8Array(31) };
    expect(() => createEngine({ type: 'pos', params: pos }, options)).toThrow(/32-byte/);
    expect(() => createEngine({ type: 'pos', params: { ...pos, epochLength: 0 } }, { ...options, validatorKey: undefined })).toThrow(/epochLength/);
  });
});
