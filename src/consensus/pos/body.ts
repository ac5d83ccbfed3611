import { CairnError } from '../../primitives/errors.js';
import { keccak256 } from '../../primitives/hash.js';
import { bytesToHex, equalBytes } from '../../primitives/hex.js';
import { asList, rlpEncode, type RlpValue } from '../../primitives/rlp.js';
import { BlockErrorCode, InvalidBlockError } from '../../ledger/block/errors.js';
import type { Block } from '../../ledger/block/types.js';
import { decodeSection } from './seal.js';
import { decodeEvidence, encodeEvidence, type Evidence } from './slashing.js';
import { decodeVote, encodeVote, type Vote } from './votes.js';

/**
 * The PoS block body section: Block.consensusBody = [votes, evidence], two
 * RLP lists, committed by the header's bodyHash (seal.ts).
 *
 * Checked without the state (the engine's verifyBody): the body hash, the
 * caps below (which bound a block's signature checks), the shape of every
 * vote and piece of evidence and their signatures.
 *
 * Checked against the parent's state (the engine's beginBlock,
 * transition.ts), for each vote a block B at height n includes:
 *   - its target is B's ancestor within the window: n − VOTE_INCLUSION_WINDOW
 *     <= target.height < n, and target.hash is the hash the chain state
 *     records for that height (votes for other forks are no use here; they
 *     can still be evidence);
 *   - its validator has stake in B's active set;
 *   - one vote per validator and target height, in B and in B's ancestors
 *     within the window: a second one is evidence, not a vote. An earlier
 *     inclusion of a vote B may include can only sit in that window, since
 *     it came after the target and before B.
 * Sources are not checked: a vote with a source the chain never justified
 * still attests its target; finality ignores it (finality.ts).
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
  const committed = decodeSection(block.header).bodyHash;
  if (!equalBytes(bodyHash(block.consensusBody), committed)) {
    // BadBody: the header may still be fine with its real body, so the chain must not remember the hash as invalid.
    throw new InvalidBlockError(
      BlockErrorCode.BadBody,
      `block ${block.header.number}: consensus body does not match the header's body hash ${bytesToHex(committed)}`,
    );
  }
  return readBody(block.header.number, block.consensusBody);
}

/** decodeBody without the body hash check, for a body already checked against its header (block `n`). */
export function readBody(n: number, consensusBody: readonly RlpValue[]): PosBody {
  try {
    if (consensusBody.length !== 2) {
      throw new InvalidBlockError(
        BlockErrorCode.BadConsensus,
        `block ${n}: PoS body must be [votes, evidence], got ${consensusBody.length} fields`,
      );
    }
    const votes = asList(consensusBody[0]!, 'PoS body votes');
    const evidence = asList(consensusBody[1]!, 'PoS body evidence');
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
