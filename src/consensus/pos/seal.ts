import { bigintToBytes, bytesToHex, equalBytes } from '../../primitives/hex.js';
import { asBytes, asNumber, type RlpValue } from '../../primitives/rlp.js';
import { InvalidSignatureError } from '../../primitives/signature.js';
import { BlockErrorCode, InvalidBlockError } from '../../ledger/block/errors.js';
import { headerFields } from '../../ledger/block/header.js';
import type { BlockHeader } from '../../ledger/block/types.js';
import { SIGNATURE_BYTES, domainDigest, recoverSigner, signToBytes, type ChainDomain } from './signing.js';
import { slotStart, type SlotClock } from './slots.js';

/**
 * The PoS seal. A header's consensus section is [slot, bodyHash, signature]:
 * slot a canonical RLP integer; bodyHash = keccak256(rlp(consensusBody)),
 * 32 bytes (body.ts), because no other header field commits to the votes and
 * evidence of the body, and without it a relay could swap them under the same
 * block hash; signature 65 bytes r ‖ s ‖ v (signing.ts), or empty while
 * unsigned (the genesis block, a template not yet signed).
 *
 *   signingHash = keccak256(rlp(["cairn/pos/proposal/1", chainId, chainTag,
 *                                header fields with consensus = [slot, bodyHash, 0x]]))
 *
 * A header B with parent P carries a valid seal (verifySeal, stateless) when:
 *   1. slot(B) > slot(P): a chain holds at most one block per slot;
 *   2. B.timestamp = slotStart(slot(B)): one timestamp per slot, so the
 *      header alone fixes its slot's time and nothing is left to choose;
 *   3. the signature recovers to B.coinbase, so the header alone shows who
 *      signed (and who gets the rewards).
 * That the coinbase is the proposer drawn for slot(B) from B's active set
 * and its epoch's seed (proposer.ts) needs the parent's state: beginBlock
 * checks it (transition.ts). That bodyHash matches the body is checked with
 * the body (body.ts).
 *
 * A slot that has not started yet is not refused here (verifyHeader has no
 * clock, and a block refused for being early must not be remembered as
 * invalid): the chain holds back blocks stamped more than its MAX_FUTURE_MS
 * ahead of its clock. Within that margin a proposer that publishes early
 * can take the slots before its own from their proposers (their blocks no
 * longer follow its slot); it forges nothing and breaks no finality.
 */

const PROPOSAL_TAG = 'cairn/pos/proposal/1';
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
export function decodeSection(header: Pick<BlockHeader, 'number' | 'consensus'>): PosSection {
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

/**
 * Checks rules 1-3 and returns the signer. Throws InvalidBlockError:
 * BadConsensus (slot order, timestamp), BadSeal (signature, coinbase).
 */
export function verifySeal(header: BlockHeader, parent: BlockHeader, clock: SlotClock, domain: ChainDomain): Uint8Array {
  const n = header.number;
  const { slot } = decodeSection(header);
  const parentSlot = decodeSection(parent).slot;
  if (slot <= parentSlot) {
    throw new InvalidBlockError(BlockErrorCode.BadConsensus, `block ${n}: slot ${slot} does not follow its parent's slot ${parentSlot}`);
  }
  const start = slotStart(slot, clock);
  if (header.timestamp !== start) {
    throw new InvalidBlockError(
      BlockErrorCode.BadConsensus,
      `block ${n}: timestamp ${header.timestamp} is not the start of its slot ${slot} (${start})`,
    );
  }
  const signer = recoverProposer(header, domain);
  if (!equalBytes(header.coinbase, signer)) {
    throw new InvalidBlockError(
      BlockErrorCode.BadSeal,
      `block ${n}: signed by ${bytesToHex(signer)}, but its coinbase (the proposer) is ${bytesToHex(header.coinbase)}`,
    );
  }
  return signer;
}
