import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { bytesToHex, equalBytes, hexToBytes } from '../../primitives/hex.js';
import { ProtectionErrorCode, SlashingProtectionError } from './errors.js';
import { sameVoteData, type VoteData } from './votes.js';

/**
 * Slashing protection: a validator's own record of what it signed, so that a
 * restarted validator never signs a proposal or vote that conflicts with one
 * it signed before. It keeps watermarks, EIP-3076's minimal form:
 *
 * - a proposal for slot s with signing hash h is allowed when nothing was
 *   proposed yet, s > the last slot, or s = the last slot and h = the last
 *   hash (the same block again, which re-signs to the same bytes);
 * - a vote (source → target) is allowed when nothing was voted yet, it equals
 *   the last vote, or target.height > the last target height and
 *   source.height >= the last source height.
 *
 * Every allowed vote raises both watermarks, so no two signed votes share a
 * target height (double vote) or nest (surround vote), and one slot never
 * gets two proposals. This is stricter than remembering the vote of each
 * height: it also rules out surround votes and keeps the file one record
 * long; an honest validator only votes on rising heads with rising sources.
 *
 * File `<dir>/slashing-protection.json`:
 *   { "version": 1, "chainTag": "0x…", "validator": "0x…",
 *     "proposal": { "slot": 12, "signingHash": "0x…" } | null,
 *     "vote": { "sourceHeight": 10, "sourceHash": "0x…",
 *               "targetHeight": 11, "targetHash": "0x…" } | null }
 * It is written before the caller signs (temp file, fsync, rename, fsync of
 * the directory), so a crash at any instant leaves the old record or the new
 * one, and at worst records something never published, which only makes
 * the validator more cautious. Requests are served one at a time so two
 * concurrent ones cannot both pass. A record for another chain or key, or
 * one that does not parse, is refused, never reset: resetting it is how
 * validators get slashed.
 */

export const PROTECTION_FILE = 'slashing-protection.json';
const VERSION = 1;

export interface ProtectionIdentity {
  /** The chain's signing domain tag (signing.ts `ChainDomain.chainTag`). */
  readonly chainTag: Uint8Array;
  readonly validator: Uint8Array;
}

export interface SignedProposal {
  readonly slot: number;
  readonly signingHash: Uint8Array;
}

/** What was signed last; null until the first signature. */
interface Signed {
  readonly proposal: SignedProposal | null;
  readonly vote: VoteData | null;
}

export class SlashingProtection {
  readonly #dir: string;
  readonly #identity: ProtectionIdentity;
  #record: Signed;
  #tail: Promise<unknown> = Promise.resolve();

  private constructor(dir: string, identity: ProtectionIdentity, record: Signed) {
    this.#dir = dir;
    this.#identity = identity;
    this.#record = record;
  }

  /** Opens (or starts) the record in `dir` for this chain and validator key. */
  static async open(dir: string, identity: ProtectionIdentity): Promise<SlashingProtection> {
    await mkdir(dir, { recursive: true });
    const path = join(dir, PROTECTION_FILE);
    let text: string | undefined;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const record = text === undefined ? { proposal: null, vote: null } : parseRecord(text, path, identity);
    return new SlashingProtection(dir, identity, record);
  }

  get lastProposal(): SignedProposal | null {
    return this.#record.proposal;
  }

  get lastVote(): VoteData | null {
    return this.#record.vote;
  }

  /** Resolves once the proposal is recorded and may be signed; SlashingProtectionError(ConflictingProposal) otherwise. */
  approveProposal(slot: number, signingHash: Uint8Array): Promise<void> {
    return this.#serial(async () => {
      const last = this.#record.proposal;
      if (last !== null) {
        if (slot === last.slot && equalBytes(signingHash, last.signingHash)) return;
        if (slot <= last.slot) {
          throw new SlashingProtectionError(
            ProtectionErrorCode.ConflictingProposal,
            `refusing to sign a proposal for slot ${slot}: a different proposal for slot ${last.slot} was already signed`,
          );
        }
      }
      await this.#write({ ...this.#record, proposal: { slot, signingHash } });
    });
  }

  /** Resolves once the vote is recorded and may be signed; SlashingProtectionError(ConflictingVote) otherwise. */
  approveVote(vote: VoteData): Promise<void> {
    return this.#serial(async () => {
      const last = this.#record.vote;
      if (last !== null) {
        if (sameVoteData(vote, last)) return;
        if (vote.target.height <= last.target.height || vote.source.height < last.source.height) {
          throw new SlashingProtectionError(
            ProtectionErrorCode.ConflictingVote,
            `refusing to sign a vote from #${vote.source.height} to #${vote.target.height}: the last vote signed went from ` +
              `#${last.source.height} to #${last.target.height}, and votes must rise in target and not fall in source`,
          );
        }
      }
      await this.#write({ ...this.#record, vote: { source: vote.source, target: vote.target } });
    });
  }

  #serial(task: () => Promise<void>): Promise<void> {
    const result = this.#tail.then(task);
    this.#tail = result.catch(() => undefined);
    return result;
  }

  async #write(record: Signed): Promise<void> {
    const path = join(this.#dir, PROTECTION_FILE);
    const temp = `${path}.tmp`;
    const file = await open(temp, 'w');
    try {
      await file.writeFile(serialize(record, this.#identity));
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, path);
    // The rename itself is durable only once the directory entry is.
    const dir = await open(this.#dir, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
    this.#record = record;
  }
}

function serialize(record: Signed, identity: ProtectionIdentity): string {
  const { proposal, vote } = record;
  return (
    JSON.stringify(
      {
        version: VERSION,
        chainTag: bytesToHex(identity.chainTag),
        validator: bytesToHex(identity.validator),
        proposal: proposal === null ? null : { slot: proposal.slot, signingHash: bytesToHex(proposal.signingHash) },
        vote:
          vote === null
            ? null
            : {
                sourceHeight: vote.source.height,
                sourceHash: bytesToHex(vote.source.hash),
                targetHeight: vote.target.height,
                targetHash: bytesToHex(vote.target.hash),
              },
      },
      null,
      2,
    ) + '\n'
  );
}

function parseRecord(text: string, path: string, identity: ProtectionIdentity): Signed {
  const corrupt = (why: string, cause?: unknown): SlashingProtectionError =>
    new SlashingProtectionError(
      ProtectionErrorCode.Corrupt,
      `slashing protection record ${path}: ${why}; fix or restore it, never delete it`,
      { cause },
    );
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw corrupt('not valid JSON', error);
  }
  if (!isObject(json) || json['version'] !== VERSION) throw corrupt(`expected an object with "version": ${VERSION}`);
  const chainTag = hexField(json, 'chainTag', 32, corrupt);
  const validator = hexField(json, 'validator', 20, corrupt);
  if (!equalBytes(chainTag, identity.chainTag) || !equalBytes(validator, identity.validator)) {
    throw new SlashingProtectionError(
      ProtectionErrorCode.WrongIdentity,
      `slashing protection record ${path} belongs to validator ${bytesToHex(validator)} on chain ${bytesToHex(chainTag)}, ` +
        `not to ${bytesToHex(identity.validator)} on ${bytesToHex(identity.chainTag)}; ` +
        'give each validator key and chain its own directory',
    );
  }
  const proposalJson = json['proposal'];
  const voteJson = json['vote'];
  let proposal: SignedProposal | null = null;
  if (proposalJson !== null) {
    if (!isObject(proposalJson)) throw corrupt('"proposal" must be an object or null');
    proposal = { slot: heightField(proposalJson, 'slot', corrupt), signingHash: hexField(proposalJson, 'signingHash', 32, corrupt) };
  }
  let vote: VoteData | null = null;
  if (voteJson !== null) {
    if (!isObject(voteJson)) throw corrupt('"vote" must be an object or null');
    vote = {
      source: { height: heightField(voteJson, 'sourceHeight', corrupt), hash: hexField(voteJson, 'sourceHash', 32, corrupt) },
      target: { height: heightField(voteJson, 'targetHeight', corrupt), hash: hexField(voteJson, 'targetHash', 32, corrupt) },
    };
  }
  return { proposal, vote };
}

type Corrupt = (why: string) => SlashingProtectionError;

function isObject(value: unknown): value is { [key: string]: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hexField(obj: { [key: string]: unknown }, key: string, length: number, corrupt: Corrupt): Uint8Array {
  const value = obj[key];
  if (typeof value !== 'string' || !/^0x[0-9a-f]*$/.test(value) || value.length !== 2 + 2 * length) {
    throw corrupt(`"${key}" must be ${length} bytes of lowercase 0x hex`);
  }
  return hexToBytes(value);
}

function heightField(obj: { [key: string]: unknown }, key: string, corrupt: Corrupt): number {
  const value = obj[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw corrupt(`"${key}" must be a non-negative integer`);
  return value;
}
