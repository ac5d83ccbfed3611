import { bigintToBytes, bytesToHex, equalBytes } from '../../primitives/hex.js';
import { asBytes, asNumber, type RlpValue } from '../../primitives/rlp.js';
import { InvalidSignatureError } from '../../primitives/signature.js';
import { BlockErrorCode, InvalidBlockError } from '../../ledger/block/errors.js';
import { headerFields } from '../../ledger/block/header.js';
import type { BlockHeader } from '../../ledger/block/types.js';
import { sampleProposer } from './proposer.js';
import { SIGNATURE_BYTES, domainDigest, recoverSigner, signToBytes, type ChainDomain } from './signing.js';
import { slotAt, slotStart, type SlotClock } from './slots.js';
import type { ValidatorSet } from './validator-set.js';

/**
 * The PoS seal. A header's consensus section is [slot, bodyHash, signature]:
 * slot a canonical RLP integer; bodyHash = keccak256(rlp(consensusBody)),
 * 32 bytes (body.ts), because no other header field commits to the votes and
 * evidence of the body, and without it a relay could swap them under the same
 * block hash; signature 65 bytes r ‖ s ‖ v (signing.ts), or empty while
 * unsigned (the genesis block, a template not yet signed).
 *
 *   signingHash = keccak256(rlp(["cairn/pos/proposal/1", chainId, genesisHash,
 *                                header fields with consensus = [slot, bodyHash, 0x]]))
 *
 * A block B with parent P is a valid proposal (verifyProposal) when:
 *   1. slot(B) > slot(P): a chain holds at most one block per slot;
 *   2. slotAt(B.timestamp) = slot(B): the timestamp lies within its slot;
 *   3. the slot has started: slotStart(slot(B)) <= now + MAX_CLOCK_DISPARITY_MS,
 *      so a proposer cannot take the slots before its own by publishing
 *      early (a block refused for this alone becomes valid later: the chain
 *      must retry it, not remember it as invalid; see `earliestArrival`);
 *   4. the signature recovers to the proposer drawn for slot(B) from B's
 *      active set and its epoch's seed (proposer.ts);
 *   5. B.coinbase is that proposer, so rewards go to the validator and the
 *      header alone shows who signed.
 * That bodyHash matches the body is checked with the body (body.ts).
 */

const PROPOSAL_TAG = 'cairn/pos/proposal/1';
/** Tolerated clock skew between nodes (Ethereum's consensus specs allow 500 ms too). */
export const MAX_CLOCK_DISPARITY_MS = 500;

export const BODY_HASH_BYTES = 32;

export interface PosSection {
  readonly slot: number;
  readonly bodyHash: Uint8Array;
  /** 65 bytes, or empty when unsigned. */
  readonly signature: Uint8Array;
}

export function encodeSection(slot: number, bodyHash: Uint8Array, signature: Uint8Array = new Uint8Array(0)): RlpValue[] {
  return [bigintToBytes(BigInt(slot)), bodyHash, signature];
}

/** Reads [slot, bodyHash, signature]; anything else is InvalidBlockError(BadConsensus). */
export function decodeSection(header: BlockHeader): PosSection {
  const section = header.consensus;
  if (section.length !== 3) {
    throw new InvalidBlockError(
      BlockErrorCode.BadConsensus,
      `block ${header.number}: PoS consensus section must be [slot, bodyHash, signature], got ${section.length} fields`,
    );
  }
  let slot: number;
  let bodyHash: Uint8Array;
  let signature: Uint8Array;
  try {
    slot = asNumber(section[0], 'PoS slot');
    bodyHash = asBytes(section[1], 'PoS body hash', BODY_HASH_BYTES);
    signature = asBytes(section[2], 'PoS signature');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InvalidBlockError(BlockErrorCode.BadConsensus, `block ${header.number}: ${reason}`, { cause: error });
  }
  if (signature.length !== 0 && signature.length !== SIGNATURE_BYTES) {
    throw new InvalidBlockError(
      BlockErrorCode.BadConsensus,
      `block ${header.number}: PoS signature must be ${SIGNATURE_BYTES} bytes (or empty while unsigned), got ${signature.length}`,
    );
  }
  return { slot, bodyHash, signature };
}

export function proposalSigningHash(header: BlockHeader, domain: ChainDomain): Uint8Array {
  const { slot, bodyHash } = decodeSection(header);
  return domainDigest(PROPOSAL_TAG, domain, [headerFields(header, encodeSection(slot, bodyHash))]);
}

/** The header committed to a body (body.ts `bodyHash`) and signed; the slot stays as prepared. */
export function signHeader(header: BlockHeader, bodyHash: Uint8Array, privateKey: Uint8Array, domain: ChainDomain): BlockHeader {
  const { slot } = decodeSection(header);
  const unsigned = { ...header, consensus: encodeSection(slot, bodyHash) };
  return { ...header, consensus: encodeSection(slot, bodyHash, signToBytes(proposalSigningHash(unsigned, domain), privateKey)) };
}

/** The address that signed the header; InvalidBlockError(BadSeal) when it is unsigned or no signer recovers. */
export function recoverProposer(header: BlockHeader, domain: ChainDomain): Uint8Array {
  const { signature } = decodeSection(header);
  if (signature.length === 0) {
    throw new InvalidBlockError(BlockErrorCode.BadSeal, `block ${header.number}: the proposal is not signed`);
  }
  let signer: Uint8Array | null;
  try {
    signer = recoverSigner(proposalSigningHash(header, domain), signature);
  } catch (error) {
    if (!(error instanceof InvalidSignatureError)) throw error;
    throw new InvalidBlockError(BlockErrorCode.BadSeal, `block ${header.number}: ${error.message}`, { cause: error });
  }
  if (signer === null) {
    throw new InvalidBlockError(BlockErrorCode.BadSeal, `block ${header.number}: no signer recovers from the proposal signature`);
  }
  return signer;
}

/** The earliest local time at which a block of `slot` may be accepted (rule 3). */
export function earliestArrival(slot: number, clock: SlotClock): number {
  return slotStart(slot, clock) - MAX_CLOCK_DISPARITY_MS;
}

/** What verifyProposal needs besides the two headers; the chain derives it (see the module's wiring notes). */
export interface ProposalContext {
  readonly domain: ChainDomain;
  readonly clock: SlotClock;
  /** The active set in force for the block (validator-set.ts). */
  readonly validators: ValidatorSet;
  /** The seed of the block's epoch (proposer.ts). */
  readonly seed: Uint8Array;
  /** The local clock, ms. */
  readonly now: number;
}

/**
 * Checks rules 1-5 and returns the proposer. Throws InvalidBlockError:
 * BadConsensus (slot order), BadTimestamp (rules 2-3), BadSeal (4-5).
 */
export function verifyProposal(header: BlockHeader, parent: BlockHeader, ctx: ProposalContext): Uint8Array {
  const n = header.number;
  const { slot } = decodeSection(header);
  const parentSlot = decodeSection(parent).slot;
  if (slot <= parentSlot) {
    throw new InvalidBlockError(BlockErrorCode.BadConsensus, `block ${n}: slot ${slot} does not follow its parent's slot ${parentSlot}`);
  }
  const stamped = slotAt(header.timestamp, ctx.clock);
  if (stamped !== slot) {
    throw new InvalidBlockError(
      BlockErrorCode.BadTimestamp,
      `block ${n}: timestamp ${header.timestamp} lies in slot ${stamped}, the block claims slot ${slot}`,
    );
  }
  const earliest = earliestArrival(slot, ctx.clock);
  if (ctx.now < earliest) {
    throw new InvalidBlockError(
      BlockErrorCode.BadTimestamp,
      `block ${n}: slot ${slot} starts at ${slotStart(slot, ctx.clock)}, ` +
        `more than ${MAX_CLOCK_DISPARITY_MS} ms after the local clock (${ctx.now})`,
    );
  }
  const signer = recoverProposer(header, ctx.domain);
  const scheduled = sampleProposer(ctx.validators, ctx.seed, slot).address;
  if (!equalBytes(signer, scheduled)) {
    throw new InvalidBlockError(
      BlockErrorCode.BadSeal,
      `block ${n}: signed by ${bytesToHex(signer)}, but slot ${slot} belongs to ${bytesToHex(scheduled)}`,
    );
  }
  if (!equalBytes(header.coinbase, signer)) {
    throw new InvalidBlockError(
      BlockErrorCode.BadSeal,
      `block ${n}: coinbase ${bytesToHex(header.coinbase)} is not the proposer ${bytesToHex(signer)}`,
    );
  }
  return signer;
}
