import { bigintToBytes, bytesToHex, equalBytes } from '../../primitives/hex.js';
import { addressOfPrivateKey } from '../../primitives/keys.js';
import { recoverAddresses, type RecoverRequest, type RecoveryBackend } from '../../primitives/recover/index.js';
import { asBytes, asList, asNumber, type RlpValue } from '../../primitives/rlp.js';
import { InvalidSignatureError } from '../../primitives/signature.js';
import { VoteError, VoteErrorCode } from './errors.js';
import { SIGNATURE_BYTES, domainDigest, recoverSigner, recoveryRequest, signToBytes, type ChainDomain } from './signing.js';

/**
 * Votes. Each validator signs at most one vote per height: "from `source`,
 * the latest justified block of my head chain, to `target`, my head". Every
 * block height is a checkpoint (Casper FFG with one checkpoint per block).
 *
 *   signingHash = keccak256(rlp(["cairn/pos/vote/1", chainId, chainTag,
 *                                source.height, source.hash, target.height, target.hash]))
 *   wire        = rlp([source.height, source.hash, target.height, target.hash, validator, signature])
 *
 * Well formed: 32-byte hashes, a 20-byte validator, a 65-byte signature, and
 * source.height < target.height. The validator field is not signed; it names
 * the key the signature must recover to, so a vote is checked without a
 * lookup and a pool can index votes before recovering them.
 *
 * Why a source and not only (height, blockHash): if a vote for block X at
 * height h counted for X alone, > 2/3 for X at h on one fork and > 2/3 for X'
 * at h + 1 on another could both reach the chain with no validator signing
 * two votes for one height, so conflicting finality would have no one to
 * slash. With source links, conflicting finalized blocks imply that more
 * than 1/3 of the stake signed a double vote (two targets at one height) or
 * a surround vote (one link strictly inside another), both slashable
 * (finality.ts, slashing.ts).
 */

const VOTE_TAG = 'cairn/pos/vote/1';

export interface Checkpoint {
  readonly height: number;
  readonly hash: Uint8Array;
}

export interface VoteData {
  readonly source: Checkpoint;
  readonly target: Checkpoint;
}

export interface Vote extends VoteData {
  readonly validator: Uint8Array;
  readonly signature: Uint8Array;
}

export function voteSigningHash(data: VoteData, domain: ChainDomain): Uint8Array {
  return domainDigest(VOTE_TAG, domain, [data.source.height, data.source.hash, data.target.height, data.target.hash]);
}

export function signVote(data: VoteData, privateKey: Uint8Array, domain: ChainDomain): Vote {
  checkShape(data);
  return {
    source: data.source,
    target: data.target,
    validator: addressOfPrivateKey(privateKey),
    signature: signToBytes(voteSigningHash(data, domain), privateKey),
  };
}

export function encodeVote(vote: Vote): RlpValue {
  return [
    bigintToBytes(BigInt(vote.source.height)),
    vote.source.hash,
    bigintToBytes(BigInt(vote.target.height)),
    vote.target.hash,
    vote.validator,
    vote.signature,
  ];
}

/** Reads a well-formed vote (signature not yet checked); VoteError(Malformed) otherwise. */
export function decodeVote(value: RlpValue): Vote {
  let vote: Vote;
  try {
    const f = asList(value, 'vote', 6);
    vote = {
      source: { height: asNumber(f[0], 'vote source height'), hash: asBytes(f[1], 'vote source hash', 32) },
      target: { height: asNumber(f[2], 'vote target height'), hash: asBytes(f[3], 'vote target hash', 32) },
      validator: asBytes(f[4], 'vote validator', 20),
      signature: asBytes(f[5], 'vote signature', SIGNATURE_BYTES),
    };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new VoteError(VoteErrorCode.Malformed, reason, { cause: error });
  }
  checkShape(vote);
  return vote;
}

/** Checks on this thread that the signature recovers to `vote.validator`; VoteError(BadSignature) otherwise. */
export function verifyVote(vote: Vote, domain: ChainDomain): void {
  let signer: Uint8Array | null;
  try {
    signer = recoverSigner(voteSigningHash(vote, domain), vote.signature);
  } catch (error) {
    if (!(error instanceof InvalidSignatureError)) throw error;
    throw new VoteError(VoteErrorCode.BadSignature, `${describeVote(vote)}: ${error.message}`, { cause: error });
  }
  checkSigner(vote, signer);
}

/**
 * verifyVote for many votes, recovered through a RecoveryBackend (native
 * libsecp256k1 or noble workers) so a block's votes do not hold the event
 * loop. Throws for the first bad vote, naming it.
 */
export async function verifyVotes(votes: readonly Vote[], domain: ChainDomain, backend: RecoveryBackend): Promise<void> {
  const requests: RecoverRequest[] = votes.map((vote) => {
    try {
      return recoveryRequest(voteSigningHash(vote, domain), vote.signature);
    } catch (error) {
      if (!(error instanceof InvalidSignatureError)) throw error;
      throw new VoteError(VoteErrorCode.BadSignature, `${describeVote(vote)}: ${error.message}`, { cause: error });
    }
  });
  const signers = await recoverAddresses(backend, requests);
  for (const [i, vote] of votes.entries()) checkSigner(vote, signers[i] ?? null);
}

export function sameVoteData(a: VoteData, b: VoteData): boolean {
  return (
    a.source.height === b.source.height &&
    a.target.height === b.target.height &&
    equalBytes(a.source.hash, b.source.hash) &&
    equalBytes(a.target.hash, b.target.hash)
  );
}

/** "validator:height": a validator votes at most once per target height. */
export function voteKey(validator: Uint8Array, targetHeight: number): string {
  return `${bytesToHex(validator)}:${targetHeight}`;
}

export function describeVote(vote: Vote): string {
  return `vote of ${bytesToHex(vote.validator)} from #${vote.source.height} to #${vote.target.height} ${bytesToHex(vote.target.hash)}`;
}

function checkShape(data: VoteData): void {
  if (data.source.height >= data.target.height) {
    throw new VoteError(
      VoteErrorCode.Malformed,
      `vote source height ${data.source.height} must be below its target height ${data.target.height}`,
    );
  }
}

function checkSigner(vote: Vote, signer: Uint8Array | null): void {
  if (signer === null || !equalBytes(signer, vote.validator)) {
    throw new VoteError(
      VoteErrorCode.BadSignature,
      `${describeVote(vote)}: signature recovers to ${signer === null ? 'no key' : bytesToHex(signer)}`,
    );
  }
}
