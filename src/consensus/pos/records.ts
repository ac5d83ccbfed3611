import { bytesToHex, bytesToUtf8, hexToBytes } from '../../primitives/hex.js';
import { asBigint, asBytes, asList, asNumber, rlpDecode, rlpEncode, type RlpInput, type RlpValue } from '../../primitives/rlp.js';
import { recordKey, type RecordReader } from '../../ledger/modules/module.js';
import type { FinalityState, Tally } from './finality.js';
import type { SeedEntry } from './seeds.js';
import type { Checkpoint } from './votes.js';

/**
 * The PoS engine's records in the chain state, beside the staking module's
 * `staking/state` (src/ledger/modules/staking/state.ts). All of PoS
 * consensus state lives there, committed by the state root and undone on a
 * reorg with the blocks that wrote it; the engine keeps in memory only what
 * it gossips and pools, never what decides a block's validity.
 *
 *   consensus/finality        rlp([[justified height, hash], [finalized height, hash],
 *                                  [[target height, target hash, stake, [voter, …]], …]])
 *                             (finality.ts; voters sorted). Genesis writes it with
 *                             zero hashes, which the first block replaces with the
 *                             genesis hash it names as its parent.
 *   consensus/seeds           rlp([[fromEpoch, hash], …]) (seeds.ts)
 *   consensus/window/<h>      rlp([hash of block h, [voter, …]]) for the last
 *                             VOTE_INCLUSION_WINDOW heights: the ancestor a vote for
 *                             height h must target, and the validators whose vote
 *                             for h the chain already includes (voters sorted).
 *                             Block n writes the entry of n − 1 and, once it has
 *                             read it, deletes that of n − VOTE_INCLUSION_WINDOW.
 * <h> is the height in decimal. Voters are 20-byte addresses.
 */

const MODULE = 'consensus';
export const FINALITY_KEY = recordKey(MODULE, 'finality');
export const SEEDS_KEY = recordKey(MODULE, 'seeds');

export function windowKey(height: number): Uint8Array {
  return recordKey(MODULE, `window/${height}`);
}

export interface WindowEntry {
  readonly hash: Uint8Array;
  /** Lowercase 0x addresses whose vote for this height the chain includes. */
  readonly voters: ReadonlySet<string>;
}

export function encodeFinality(state: FinalityState): Uint8Array {
  const checkpoint = (cp: Checkpoint): RlpInput => [cp.height, cp.hash];
  return rlpEncode([
    checkpoint(state.justified),
    checkpoint(state.finalized),
    state.tallies.map((tally) => [tally.target.height, tally.target.hash, tally.stake, encodeVoters(tally.voters)]),
  ]);
}

export function decodeFinality(bytes: Uint8Array): FinalityState {
  return corruptIfThrows(FINALITY_KEY, () => {
    const [justified, finalized, tallies] = asList(rlpDecode(bytes), 'finality', 3);
    return {
      justified: decodeCheckpoint(justified!),
      finalized: decodeCheckpoint(finalized!),
      tallies: asList(tallies!, 'tallies').map((entry): Tally => {
        const [height, hash, stake, voters] = asList(entry, 'tally', 4);
        return {
          target: { height: asNumber(height, 'target height'), hash: asBytes(hash, 'target hash', 32) },
          stake: asBigint(stake, 'stake'),
          voters: decodeVoters(voters!),
        };
      }),
    };
  });
}

export function encodeSeeds(entries: readonly SeedEntry[]): Uint8Array {
  return rlpEncode(entries.map((entry) => [entry.fromEpoch, entry.hash]));
}

export function decodeSeeds(bytes: Uint8Array): SeedEntry[] {
  return corruptIfThrows(SEEDS_KEY, () =>
    asList(rlpDecode(bytes), 'seeds').map((entry) => {
      const [fromEpoch, hash] = asList(entry, 'seed entry', 2);
      return { fromEpoch: asNumber(fromEpoch, 'epoch'), hash: asBytes(hash, 'hash', 32) };
    }),
  );
}

export function encodeWindow(entry: WindowEntry): Uint8Array {
  return rlpEncode([entry.hash, encodeVoters(entry.voters)]);
}

export function decodeWindow(key: Uint8Array, bytes: Uint8Array): WindowEntry {
  return corruptIfThrows(key, () => {
    const [hash, voters] = asList(rlpDecode(bytes), 'window entry', 2);
    return { hash: asBytes(hash, 'hash', 32), voters: decodeVoters(voters!) };
  });
}

/** The finality record; every PoS chain has it from genesis. */
export function readFinality(reader: RecordReader): FinalityState {
  const bytes = reader.getRecord(FINALITY_KEY);
  if (bytes === undefined) {
    throw new Error(`the chain state has no ${bytesToUtf8(FINALITY_KEY)} record: was genesis built with the PoS engine's genesisState?`);
  }
  return decodeFinality(bytes);
}

/** The seed entries; none before the first block. */
export function readSeeds(reader: RecordReader): SeedEntry[] {
  const bytes = reader.getRecord(SEEDS_KEY);
  return bytes === undefined ? [] : decodeSeeds(bytes);
}

export function readWindow(reader: RecordReader, height: number): WindowEntry | undefined {
  const key = windowKey(height);
  const bytes = reader.getRecord(key);
  return bytes === undefined ? undefined : decodeWindow(key, bytes);
}

function encodeVoters(voters: ReadonlySet<string>): Uint8Array[] {
  return [...voters].sort().map(hexToBytes);
}

function decodeVoters(value: RlpValue): Set<string> {
  return new Set(asList(value, 'voters').map((voter) => bytesToHex(asBytes(voter, 'voter', 20))));
}

function decodeCheckpoint(value: RlpValue): Checkpoint {
  const [height, hash] = asList(value, 'checkpoint', 2);
  return { height: asNumber(height, 'height'), hash: asBytes(hash, 'hash', 32) };
}

/** Records were written by the encoders here and committed by the state root: a decoding failure is corruption, not input. */
function corruptIfThrows<T>(key: Uint8Array, decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    throw new Error(`the ${bytesToUtf8(key)} record does not decode: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}
