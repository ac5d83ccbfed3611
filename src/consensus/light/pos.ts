import { CairnError } from '../../primitives/errors.js';
import { bytesToHex, equalBytes, toQuantity } from '../../primitives/hex.js';
import { BlockErrorCode } from '../../ledger/block/errors.js';
import { hashHeader } from '../../ledger/block/header.js';
import type { BlockHeader } from '../../ledger/block/types.js';
import { chainDomain, parsePosParams, type PosParams } from '../pos/params.js';
import { decodeSection, recoverProposer, verifySeal } from '../pos/seal.js';
import type { ChainDomain } from '../pos/signing.js';
import { slotStart, type SlotClock } from '../pos/slots.js';
import { decodeVote, verifyVote, type Checkpoint, type Vote } from '../pos/votes.js';
import { VOTE_INCLUSION_WINDOW } from '../pos/body.js';
import { activeSet, readStakingState } from '../../ledger/modules/staking/index.js';
import { asList } from '../../primitives/rlp.js';
import { badHeader, decodingHeader, LightClientError, LightErrorCode } from './errors.js';
import { malformed, readArray, readBytes, readInteger, readObject, readQuantity, type Json, type JsonObject } from './json.js';
import type { LightAnchor, LightChain, LightClient, LightEngine, LightFindings, LightQuery, LightValidator } from './types.js';

/**
 * The proof-of-stake light client. A proof's PoS section carries the anchor
 * block's validator set and a finality certificate:
 *
 *   { "validators": [{ "address": "0x…", "stake": "0x…" }],
 *     "votes": [{ "source": { "height": 39, "hash": "0x…" },
 *                 "target": { "height": 40, "hash": "0x…" },
 *                 "validator": "0x…", "signature": "0x…" }] }
 *
 * Headers (pos/seal.ts): each one's signature recovers to its coinbase, a
 * validator of the carried set; slots rise; each timestamp is its slot's
 * start. Signatures are bound to the chain's signing domain (pos/params.ts
 * `chainDomain`: the chain id, the genesis time and the PoS parameters,
 * all of which the genesis hash commits to), so a header of another chain
 * does not verify. Whether the signer was the proposer scheduled for the
 * slot needs the chain's seed, which a proof does not carry.
 *
 * Finality, as pos/finality.ts decides it (Casper FFG, every height a
 * checkpoint): block A is finalized when a supermajority (more than 2/3 of
 * the stake) voted for A and a supermajority voted from A (source) to a
 * block at height A + 1 (target). The certificate carries both sets of
 * votes, each checked against the carried set's stakes, each validator once.
 * The set itself is evidence from the proof, not from the chain: the
 * verifier says so, or that it is the genesis set, which genesis commits to.
 * Votes for A + 1 are weighed with A's set: a set that changes exactly
 * between A and A + 1 (an epoch boundary with staking changes) can make a
 * genuine certificate fall short.
 */

const MAX_VALIDATORS = 4096;
const MAX_VOTES = 2 * MAX_VALIDATORS;
const WHERE = 'engine';

export const posLight: LightEngine = {
  kind: 'pos',
  async collect(anchor: LightAnchor, headers: readonly BlockHeader[], query: LightQuery): Promise<JsonObject> {
    // The head's set: a proof reaching back across a change of the set is refused below.
    const validators = activeSet(readStakingState(query.state)).validators;
    const set = new StakeTable(validators);
    for (const header of headers) {
      if (header.number > 0 && !set.has(header.coinbase)) {
        throw new LightClientError(
          LightErrorCode.Unavailable,
          `block #${header.number} was proposed by ${bytesToHex(header.coinbase)}, which is not in the validator set of block #${anchor.header.number}: ` +
            `a proof across a change of the validator set cannot be checked offline; prove fewer, more recent events`,
        );
      }
    }
    const votes = anchor.finalized ? await finalityVotes(anchor, query) : [];
    return {
      validators: validators.map((v): JsonObject => ({ address: bytesToHex(v.address), stake: toQuantity(v.stake) })),
      votes: votes.map(voteJson),
    };
  },
  open(chain: LightChain, section: unknown): LightClient {
    const params = readParams(chain.params);
    const domain = chainDomain(chain.chainId, chain.genesisHeader.timestamp, params);
    const s = readObject(section, WHERE, ['validators', 'votes']);
    const validators = readArray(s['validators'], `${WHERE}.validators`, MAX_VALIDATORS).map((v, i) => readValidator(v, `${WHERE}.validators[${i}]`));
    if (validators.length === 0) throw malformed(`${WHERE}.validators`, 'the validator set is empty');
    const votes = readArray(s['votes'], `${WHERE}.votes`, MAX_VOTES).map((v, i) => readVote(v, `${WHERE}.votes[${i}]`));
    let set: StakeTable;
    try {
      set = new StakeTable(validators);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      throw malformed(`${WHERE}.validators`, error.message, error);
    }
    return new PosLightClient(chain, domain, params, set, votes);
  },
};

/** The votes for the anchor and those from it to its child: what finalized it. */
async function finalityVotes(anchor: LightAnchor, query: LightQuery): Promise<Vote[]> {
  const n = anchor.header.number;
  const child = await query.headerByNumber(n + 1);
  if (child === undefined) {
    throw new LightClientError(LightErrorCode.Unavailable, `block #${n} is reported finalized, but the node has no block #${n + 1} above it`);
  }
  const forAnchor = (await votesFor(query, n)).filter((vote) => sameCheckpoint(vote.target, { height: n, hash: anchor.hash }));
  const fromAnchor = (await votesFor(query, n + 1)).filter(
    (vote) => sameCheckpoint(vote.source, { height: n, hash: anchor.hash }) && equalBytes(vote.target.hash, hashHeader(child)),
  );
  return [...distinct(forAnchor), ...distinct(fromAnchor)];
}

/** The votes for height `target` that canonical blocks include: they sit in the bodies of the next VOTE_INCLUSION_WINDOW blocks. */
async function votesFor(query: LightQuery, target: number): Promise<Vote[]> {
  const votes: Vote[] = [];
  for (let n = target + 1; n <= target + VOTE_INCLUSION_WINDOW; n++) {
    const body = await query.consensusBodyByNumber(n);
    if (body === undefined) break;
    const included = body[0] === undefined ? [] : asList(body[0], 'body.votes').map(decodeVote);
    votes.push(...included.filter((vote) => vote.target.height === target));
  }
  return votes;
}

function distinct(votes: readonly Vote[]): Vote[] {
  const seen = new Set<string>();
  return votes.filter((vote) => {
    const key = bytesToHex(vote.validator);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

class PosLightClient implements LightClient {
  readonly #chain: LightChain;
  readonly #params: PosParams;
  readonly #set: StakeTable;
  readonly #votes: readonly Vote[];
  readonly #domain: ChainDomain;
  readonly #clock: SlotClock;

  constructor(chain: LightChain, domain: ChainDomain, params: PosParams, set: StakeTable, votes: readonly Vote[]) {
    this.#chain = chain;
    this.#domain = domain;
    this.#params = params;
    this.#set = set;
    this.#votes = votes;
    this.#clock = { genesisTime: chain.genesisHeader.timestamp, slotDurationMs: params.slotDurationMs, epochLength: params.epochLength };
  }

  verifyHeaders(headers: readonly BlockHeader[]): LightFindings {
    const signed = headers.filter((header) => header.number > 0);
    headers.forEach((header, i) => {
      if (header.number === 0) return;
      const parent = headers[i - 1];
      const signer = parent === undefined ? this.#firstSigner(header) : seal(() => verifySeal(header, parent, this.#clock, this.#domain), header);
      if (!this.#set.has(signer)) throw badHeader(`block #${header.number} is signed by ${bytesToHex(signer)}, which is not in the validator set the proof carries`);
    });
    const first = signed[0];
    const last = signed[signed.length - 1];
    if (first === undefined || last === undefined) return { proven: [], notProven: [] };
    const range = first.number === last.number ? `the header of block #${first.number} is` : `each header from #${first.number} to #${last.number} is`;
    return {
      proven: [
        `${range} signed by its producer (its coinbase), a validator of the set the proof carries, for this chain ` +
          `(chain id ${this.#chain.chainId}, genesis ${bytesToHex(this.#chain.genesisHash)}): a header of another chain would not verify`,
        `slots rise from block to block and each timestamp is the start of its slot (${this.#params.slotDurationMs} ms slots from the genesis time)`,
      ],
      notProven: [`that each block's producer was the validator scheduled for its slot: the schedule depends on the chain's randomness seed, which the proof does not carry`],
    };
  }

  verifyFinality(anchor: LightAnchor): LightFindings {
    const n = anchor.header.number;
    const target: Checkpoint = { height: n, hash: anchor.hash };
    const forAnchor = new Tally(this.#set);
    const fromAnchor = new Map<string, Tally>();
    for (const vote of this.#votes) {
      try {
        verifyVote(vote, this.#domain);
      } catch (error) {
        if (!(error instanceof CairnError)) throw error;
        throw new LightClientError(LightErrorCode.BadFinality, `a vote in the finality certificate is invalid: ${error.message}`, { cause: error });
      }
      if (sameCheckpoint(vote.target, target)) {
        forAnchor.add(vote);
      } else if (sameCheckpoint(vote.source, target) && vote.target.height === n + 1) {
        const key = bytesToHex(vote.target.hash);
        const tally = fromAnchor.get(key) ?? new Tally(this.#set);
        tally.add(vote);
        fromAnchor.set(key, tally);
      } else {
        throw new LightClientError(
          LightErrorCode.BadFinality,
          `the finality certificate holds a vote of ${bytesToHex(vote.validator)} from #${vote.source.height} to #${vote.target.height} ` +
            `that is neither for block #${n} nor from it to its child`,
        );
      }
    }
    const setFindings = this.#setFindings(n);
    if (!anchor.finalized) {
      return {
        proven: setFindings.proven,
        notProven: [`that block #${n} is final: it is the node's head, not a finalized block, and can still be reverted`, ...setFindings.notProven],
      };
    }
    if (!forAnchor.isSupermajority()) {
      throw new LightClientError(
        LightErrorCode.BadFinality,
        `block #${n} is claimed finalized, but the votes for it come from ${forAnchor.describe()}, not more than 2/3`,
      );
    }
    const link = [...fromAnchor.entries()].find(([, tally]) => tally.isSupermajority());
    if (link === undefined) {
      const best = [...fromAnchor.values()].reduce<Tally | undefined>((a, b) => (a === undefined || b.stake > a.stake ? b : a), undefined);
      throw new LightClientError(
        LightErrorCode.BadFinality,
        `block #${n} is claimed finalized, but the votes from it to a child at #${n + 1} come from ` +
          `${best === undefined ? 'no validator' : best.describe()}, not more than 2/3`,
      );
    }
    const [childHash, linkTally] = link;
    return {
      proven: [
        `block #${n} ${bytesToHex(anchor.hash)} is finalized (Casper FFG): ${forAnchor.describe()} (more than 2/3), voted for it, ` +
          `and ${linkTally.describe()}, voted from it to its child #${n + 1} ${childHash}; ` +
          `reverting it would take validators with more than 1/3 of the stake signing conflicting votes, for which they are slashed`,
        ...setFindings.proven,
      ],
      notProven: setFindings.notProven,
    };
  }

  /** verifySeal's rules that need no parent, for the oldest header of a proof. */
  #firstSigner(header: BlockHeader): Uint8Array {
    const { slot } = section(header);
    const start = slotStart(slot, this.#clock);
    if (header.timestamp !== start) throw badHeader(`block #${header.number}: timestamp ${header.timestamp} is not the start of its slot ${slot} (${start})`);
    const signer = seal(() => recoverProposer(header, this.#domain), header);
    if (!equalBytes(signer, header.coinbase)) {
      throw badHeader(`block #${header.number} has an invalid seal: signed by ${bytesToHex(signer)}, but its coinbase (the proposer) is ${bytesToHex(header.coinbase)}${ANOTHER_CHAIN}`);
    }
    return signer;
  }

  #setFindings(n: number): LightFindings {
    const genesisSet = new StakeTable(this.#params.validators);
    if (this.#set.equals(genesisSet)) {
      return {
        proven: [`the validator set the proof carries (${this.#set.size} validators) is the genesis set, which the genesis hash commits to`],
        notProven: [`that the genesis set was still the active set at block #${n}: staking may have changed it since; check it against a node you trust`],
      };
    }
    return {
      proven: [],
      notProven: [
        `the validator set itself (${this.#set.size} validators) is taken from the proof and differs from the genesis set: ` +
          `check it against a source you trust`,
      ],
    };
  }
}

/** Stakes by address; the carried set and the genesis set. */
class StakeTable {
  readonly #stakes = new Map<string, bigint>();
  readonly total: bigint;

  constructor(validators: readonly LightValidator[]) {
    let total = 0n;
    for (const v of validators) {
      const key = bytesToHex(v.address);
      if (v.address.length !== 20) throw new RangeError(`validator ${key} is not a 20-byte address`);
      if (v.stake <= 0n) throw new RangeError(`validator ${key} has no stake`);
      if (this.#stakes.has(key)) throw new RangeError(`validator ${key} is listed twice`);
      this.#stakes.set(key, v.stake);
      total += v.stake;
    }
    this.total = total;
  }

  get size(): number {
    return this.#stakes.size;
  }

  has(address: Uint8Array): boolean {
    return this.#stakes.has(bytesToHex(address));
  }

  stakeOf(address: Uint8Array): bigint {
    return this.#stakes.get(bytesToHex(address)) ?? 0n;
  }

  equals(other: StakeTable): boolean {
    if (other.size !== this.size) return false;
    for (const [key, stake] of this.#stakes) if (other.#stakes.get(key) !== stake) return false;
    return true;
  }
}

/** Distinct validators' stake behind one checkpoint. */
class Tally {
  readonly #set: StakeTable;
  readonly #voters = new Set<string>();
  stake = 0n;

  constructor(set: StakeTable) {
    this.#set = set;
  }

  add(vote: Vote): void {
    const key = bytesToHex(vote.validator);
    if (this.#voters.has(key)) {
      throw new LightClientError(LightErrorCode.BadFinality, `the finality certificate counts validator ${key} twice for #${vote.target.height}`);
    }
    const stake = this.#set.stakeOf(vote.validator);
    if (stake === 0n) {
      throw new LightClientError(LightErrorCode.BadFinality, `the finality certificate holds a vote of ${key}, which is not in the validator set the proof carries`);
    }
    this.#voters.add(key);
    this.stake += stake;
  }

  /** More than 2/3 of the set's stake, as pos/finality.ts counts it. */
  isSupermajority(): boolean {
    return 3n * this.stake > 2n * this.#set.total;
  }

  describe(): string {
    const tenths = (this.stake * 1000n) / this.#set.total;
    return `${this.#voters.size} of ${this.#set.size} validators, holding ${tenths / 10n}.${tenths % 10n} % of the stake`;
  }
}

function readParams(raw: Readonly<Record<string, unknown>>): PosParams {
  try {
    return parsePosParams(raw);
  } catch (error) {
    if (!(error instanceof CairnError)) throw error;
    throw new LightClientError(LightErrorCode.BadParams, `the chain's PoS parameters: ${error.message}`, { cause: error });
  }
}

function readValidator(value: unknown, path: string): LightValidator {
  const v = readObject(value, path, ['address', 'stake']);
  return { address: readBytes(v['address'], `${path}.address`, 20), stake: readQuantity(v['stake'], `${path}.stake`) };
}

function readCheckpoint(value: unknown, path: string): Checkpoint {
  const c = readObject(value, path, ['height', 'hash']);
  return { height: readInteger(c['height'], `${path}.height`), hash: readBytes(c['hash'], `${path}.hash`, 32) };
}

function readVote(value: unknown, path: string): Vote {
  const v = readObject(value, path, ['source', 'target', 'validator', 'signature']);
  return {
    source: readCheckpoint(v['source'], `${path}.source`),
    target: readCheckpoint(v['target'], `${path}.target`),
    validator: readBytes(v['validator'], `${path}.validator`, 20),
    signature: readBytes(v['signature'], `${path}.signature`, 65),
  };
}

function voteJson(vote: Vote): Json {
  return {
    source: { height: vote.source.height, hash: bytesToHex(vote.source.hash) },
    target: { height: vote.target.height, hash: bytesToHex(vote.target.hash) },
    validator: bytesToHex(vote.validator),
    signature: bytesToHex(vote.signature),
  };
}

function sameCheckpoint(a: Checkpoint, b: Checkpoint): boolean {
  return a.height === b.height && equalBytes(a.hash, b.hash);
}

function section(header: BlockHeader): ReturnType<typeof decodeSection> {
  return decodingHeader(() => decodeSection(header));
}

const ANOTHER_CHAIN = ' (an altered header, or one signed for another chain)';

/** Runs a pos/seal.ts check, reporting its failure as this block's bad seal. */
function seal<T>(check: () => T, header: BlockHeader): T {
  try {
    return check();
  } catch (error) {
    if (!(error instanceof CairnError)) throw error;
    const hint = error.code === BlockErrorCode.BadSeal ? ANOTHER_CHAIN : '';
    // pos/seal.ts names the block itself ("block 12: …"); this message already does.
    const reason = error.message.replace(/^block \d+: /, '');
    throw badHeader(`block #${header.number} has an invalid seal: ${reason}${hint}`, error);
  }
}
