import { join } from 'node:path';
import { writeKeyFile } from '../../src/cli/keyfile.js';
import { generatePrivateKey } from '../../src/primitives/keys.js';

/**
 * Proof-of-stake genesis documents and validator key files for devnets,
 * integration tests and benchmarks: one place that knows the shape of
 * genesis.json's `consensus.pos`.
 */

export interface ValidatorKey {
  /** The key file (cairn keys new format), for --validator-key. */
  readonly path: string;
  /** Checksummed address. */
  readonly address: string;
}

export interface PosSettings {
  readonly slotDurationMs: number;
  readonly epochLength: number;
  /** Wei, decimal: every genesis validator's stake, and the minimum stake. */
  readonly stake: string;
  readonly unbondingEpochs: number;
}

export const DEFAULT_POS: PosSettings = {
  slotDurationMs: 1000,
  epochLength: 8,
  stake: '32000000000000000000',
  unbondingEpochs: 2,
};

/** Writes `count` new validator key files validator-<i>.json into `dir`. */
export async function createValidatorKeys(dir: string, count: number): Promise<ValidatorKey[]> {
  const keys: ValidatorKey[] = [];
  for (let i = 0; i < count; i++) {
    const path = join(dir, `validator-${i}.json`);
    const file = await writeKeyFile(path, generatePrivateKey(), true);
    keys.push({ path, address: file.address });
  }
  return keys;
}

/** `base` (a genesis.json document) with its consensus section replaced by proof of stake over `validators`. */
export function posGenesis<T extends Record<string, unknown>>(base: T, validators: readonly string[], settings: PosSettings = DEFAULT_POS): T {
  return {
    ...base,
    consensus: {
      type: 'pos',
      pos: {
        slotDurationMs: settings.slotDurationMs,
        epochLength: settings.epochLength,
        minStake: settings.stake,
        unbondingEpochs: settings.unbondingEpochs,
        validators: validators.map((address) => ({ address, stake: settings.stake })),
      },
    },
  };
}
