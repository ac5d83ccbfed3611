import { CairnError } from '../../primitives/errors.js';
import { keccak256 } from '../../primitives/hash.js';
import { bytesToHex, equalBytes } from '../../primitives/hex.js';
import { asList, rlpEncode, type RlpValue } from '../../primitives/rlp.js';
import { BlockErrorCode, InvalidBlockError } from '../../ledger/block/errors.js';
import type { Block } from '../../ledger/block/types.js';
import { decodeSection } from './seal.js';
import { decodeEvidence, encodeEvidence, type Evidence } from './slashing.js';
import type { ValidatorSet } from './validator-set.js';
import { decodeVote, describeVote, encodeVote, voteKey, type Vote } from './votes.js';

/**
 * The PoS block body section: Block.consensusBody = [votes, evidence], two
 * RLP lists, committed by the header's bodyHash (seal.ts).
 *
 * Rules for the votes a block B at height n includes (checkIncludedVotes):
 *   - each target is B's ancestor within the window: n − VOTE_INCLUSION_WINDOW
 *     <= target.height < n, and target.hash is B's ancestor at that height
 *     (votes for other forks are no use here; they can still be evidence);
 *   - its validator has stake in the target block's active set;
 *   - one vote per validator and target height, in B and in B's ancestors
 *     within the window: a second one is evidence, not a vote, and a repeat
 *     would count the same stake twice in fork choice. An earlier inclusion
 *     of a vote B may include can only sit in that window, since it came
 *     after the target and before B;
 *   - at most MAX_VOTES_PER_BLOCK votes and MAX_EVIDENCE_PER_BLOCK pieces of
 *     evidence, which bounds a block's signature checks.
 * Signatures (votes.ts `verifyVotes`) and evidence (slashing.ts) are checked
 * apart from these rules, since they need a recovery backend and the
 * staking state. Sources are not checked here: a vote with a source the
 * chain never justified still attests its target for fork choice; finality
 * ignores it (finality.ts).
 *
 * A body that fails these checks says nothing about the header (another
 * body may match it), so the chain must not remember the block hash as
 * invalid for a bodyHash mismatch.
 */

/** How many blocks back a vote may still be included. */
export const VOTE_INCLUSION_WINDOW = 64;
/** Enough for one vote of each of 1024 validators per block. */
export const MAX_VOTES_PER_BLOCK = 1024;
export const MAX_EVIDENCE_PER_BLOCK = 16;

export interface PosBody {
  readonly votes: readonly Vote[];
  readonly evidence: readonly Evidence[];
}

export function encodeBody(body: PosBody): RlpValue[] {
  return [body.votes.map(encodeVote), body.evidence.map(encodeEvidence)];
}

export function bodyHash(consensusBody: readonly RlpValue[]): Uint8Array {
  return keccak256(rlpEncode(consensusBody as RlpValue[]));
}

/**
 * Decodes the body after checking it against the header's bodyHash and the
 * caps; InvalidBlockError(BadConsensus) otherwise. Signatures are not checked.
 */
export function decodeBody(block: Pick<Block, 'header' | 'consensusBody'>): PosBody {
  const n = block.header.number;
  const committed = decodeSection(block.header).bodyHash;
  if (!equalBytes(bodyHash(block.consensusBody), committed)) {
    throw new InvalidBlockError(
      BlockErrorCode.BadConsensus,
      `block ${n}: consensus body does not match the header's body hash ${bytesToHex(committed)}`,
    );
  }
  try {
    if (block.consensusBody.length !== 2) {
      throw new InvalidBlockError(
        BlockErrorCode.BadConsensus,
        `block ${n}: PoS body must be [votes, evidence], got ${block.consensusBody.length} fields`,
      );
    }
    const votes = asList(block.consensusBody[0]!, 'PoS body votes');
    const evidence = asList(block.consensusBody[1]!, 'PoS body evidence');
    if (votes.length > MAX_VOTES_PER_BLOCK) {
      throw new InvalidBlockError(
        BlockErrorCode.BadConsensus,
        `block ${n}: ${votes.length} votes, at most ${MAX_VOTES_PER_BLOCK} fit in a block`,
      );
    }
    if (evidence.length > MAX_EVIDENCE_PER_BLOCK) {
      throw new InvalidBlockError(
        BlockErrorCode.BadConsensus,
        `block ${n}: ${evidence.length} pieces of evidence, at most ${MAX_EVIDENCE_PER_BLOCK} fit in a block`,
      );
    }
    return { votes: votes.map(decodeVote), evidence: evidence.map(decodeEvidence) };
  } catch (error) {
    if (error instanceof InvalidBlockError || !(error instanceof CairnError)) throw error;
    throw new InvalidBlockError(BlockErrorCode.BadConsensus, `block ${n}: ${error.message}`, { cause: error });
  }
}

/** An ancestor of the block being checked, as checkIncludedVotes reads it. */
export interface WindowBlock {
  readonly number: number;
  readonly hash: Uint8Array;
  /** The block's active set. */
  readonly validators: ValidatorSet;
  /** The votes its body included. */
  readonly votes: readonly Vote[];
}

/**
 * Checks the placement rules above for the votes of block `number`, given
 * its ancestors at heights number − VOTE_INCLUSION_WINDOW … number − 1 (fewer
 * near genesis), and returns the stake they include (finality.ts
 * `blockWeight`). InvalidBlockError(BadConsensus) on the first violation.
 */
export function checkIncludedVotes(number: number, votes: readonly Vote[], window: readonly WindowBlock[]): bigint {
  const byHeight = new Map<number, WindowBlock>(window.map((block) => [block.number, block]));
  const seen = new Set<string>();
  for (const ancestor of window) {
    for (const vote of ancestor.votes) seen.add(voteKey(vote.validator, vote.target.height));
  }
  let stake = 0n;
  for (const vote of votes) {
    const fail = (why: string): never => {
      throw new InvalidBlockError(BlockErrorCode.BadConsensus, `block ${number}: ${describeVote(vote)} ${why}`);
    };
    const oldest = Math.max(0, number - VOTE_INCLUSION_WINDOW);
    if (vote.target.height >= number || vote.target.height < oldest) {
      fail(`is outside the inclusion window #${oldest}…#${number - 1}`);
    }
    const target = byHeight.get(vote.target.height);
    if (target === undefined) throw new RangeError(`block ${number}: ancestor #${vote.target.height} missing from the window given`);
    if (!equalBytes(target.hash, vote.target.hash)) {
      fail(`targets a block that is not on this chain (#${vote.target.height} is ${bytesToHex(target.hash)})`);
    }
    const votingStake = target.validators.stakeOf(vote.validator);
    if (votingStake === 0n) fail('comes from an address without stake in the target block');
    const key = voteKey(vote.validator, vote.target.height);
    if (seen.has(key)) fail('repeats a vote of this validator for this height already on this chain');
    seen.add(key);
    stake += votingStake;
  }
  return stake;
}
