import { recoverPublicKey } from '@noble/secp256k1';
import { keccak256 } from '../../primitives/hash.js';
import { bigintToFixedBytes, bytesToBigint } from '../../primitives/hex.js';
import { addressOfPublicKey, signDigest } from '../../primitives/keys.js';
import type { RecoverRequest } from '../../primitives/recover/index.js';
import { rlpEncode, type RlpInput } from '../../primitives/rlp.js';
import { checkSignatureRanges } from '../../primitives/signature.js';

/**
 * What validators sign, and how.
 *
 *   digest = keccak256(rlp([tag, chainId, chainTag, ...payload]))
 *
 * The tag names the message kind and its version ("cairn/pos/proposal/1",
 * "cairn/pos/vote/1"), so a signature over one kind never verifies as
 * another; chain id and chain tag bind it to one chain, so it does not
 * replay on a testnet forked from the same keys. The chain tag is a digest
 * of the genesis time and the PoS parameters, validators included
 * (params.ts `chainDomain`), not the genesis hash: the engine exists before
 * the genesis block does (its genesis records are part of the genesis state
 * root), so the hash cannot be one of its inputs. The preimage is an RLP list
 * (first byte >= 0xc0) of at most 7 items, while Ethereum transactions sign
 * 6- or 9-item lists or type-prefixed bytes (first byte 0x01/0x02), so no
 * validator signature is also a transaction signature.
 *
 * Signatures are 65 bytes r ‖ s ‖ v with v the recovery id (0 or 1), low s,
 * checked for range before any recovery (src/primitives/signature.ts).
 */

export interface ChainDomain {
  readonly chainId: bigint;
  /** 32 bytes naming the chain beside its id (params.ts `chainDomain`). */
  readonly chainTag: Uint8Array;
}

export const SIGNATURE_BYTES = 65;

export function domainDigest(tag: string, domain: ChainDomain, payload: readonly RlpInput[]): Uint8Array {
  return keccak256(rlpEncode([tag, domain.chainId, domain.chainTag, ...payload]));
}

/** Deterministic (RFC 6979), low-s, as r ‖ s ‖ v. */
export function signToBytes(digest: Uint8Array, privateKey: Uint8Array): Uint8Array {
  const { r, s, recoveryId } = signDigest(digest, privateKey);
  const out = new Uint8Array(SIGNATURE_BYTES);
  out.set(bigintToFixedBytes(r, 32), 0);
  out.set(bigintToFixedBytes(s, 32), 32);
  out[64] = recoveryId;
  return out;
}

/**
 * The request a RecoveryBackend takes for this signature, after the range
 * checks backends must not be trusted with. Throws InvalidSignatureError.
 */
export function recoveryRequest(digest: Uint8Array, signature: Uint8Array): RecoverRequest {
  if (signature.length !== SIGNATURE_BYTES) throw new RangeError(`a signature is ${SIGNATURE_BYTES} bytes, got ${signature.length}`);
  const recoveryId = signature[64]!;
  checkSignatureRanges(bytesToBigint(signature.subarray(0, 32)), bytesToBigint(signature.subarray(32, 64)), recoveryId);
  return { msgHash: digest, signature: signature.subarray(0, 64), recoveryId };
}

/**
 * The signer's address, on this thread, or null when no key recovers.
 * Synchronous because ConsensusEngine.verifyHeader is: one recovery per
 * block (~2.5 ms with noble) is affordable there; batches of votes go
 * through a RecoveryBackend instead (votes.ts `verifyVotes`).
 * Throws InvalidSignatureError for out-of-range signatures.
 */
export function recoverSigner(digest: Uint8Array, signature: Uint8Array): Uint8Array | null {
  const request = recoveryRequest(digest, signature);
  // noble's 'recovered' layout puts the recovery id first.
  const sig = new Uint8Array(SIGNATURE_BYTES);
  sig[0] = request.recoveryId;
  sig.set(request.signature, 1);
  try {
    return addressOfPublicKey(recoverPublicKey(sig, digest, { prehash: false, isCompressed: false }));
  } catch {
    // After the range checks, noble throws only when r is not the x of a curve point or the key is infinity.
    return null;
  }
}
