import { describe, expect, it } from 'vitest';
import { bodyHash } from '../../../../src/consensus/pos/body.js';
import { epochSeed, sampleProposer } from '../../../../src/consensus/pos/proposer.js';
import { decodeSection, encodeSection, proposalSigningHash, recoverProposer, signHeader, verifySeal } from '../../../../src/consensus/pos/seal.js';
import { SECP256K1_N } from '../../../../src/primitives/signature.js';
import { slotStart } from '../../../../src/consensus/pos/slots.js';
import { BlockErrorCode, InvalidBlockError } from '../../../../src/ledger/block/errors.js';
import type { BlockHeader } from '../../../../src/ledger/block/types.js';
import { bigintToFixedBytes, bytesToBigint, bytesToHex } from '../../../../src/primitives/hex.js';
import { EMPTY_BODY, clock, domain, hashOf, header, keyOf, otherChain, parentAt, proposal, thrown, validators } from './fixtures.js';

const { set, keys } = validators([100n, 100n, 100n, 100n]);
const seed = epochSeed(hashOf('seed'), 1);
const SLOT = 10;
const parent = parentAt(8);

function blockError(fn: () => unknown, code: BlockErrorCode, text: string): void {
  expect(thrown(fn, InvalidBlockError, code).message).toContain(text);
}

describe('PoS consensus section', () => {
  it('round-trips [slot, bodyHash, signature]', () => {
    const signed = proposal(SLOT, set, keys, seed);
    const section = decodeSection(signed);
    expect(section.slot).toBe(SLOT);
    expect(section.bodyHash).toEqual(bodyHash(EMPTY_BODY));
    expect(section.signature).toHaveLength(65);
    expect(decodeSection(header({ consensus: encodeSection(0, new Uint8Array(32)) })).signature).toHaveLength(0);
  });

  it('refuses malformed sections', () => {
    blockError(() => decodeSection(header({ consensus: [Uint8Array.of(1), new Uint8Array(65)] })), BlockErrorCode.BadConsensus, 'must be [slot, bodyHash, signature]');
    blockError(() => decodeSection(header({ consensus: [Uint8Array.of(1), new Uint8Array(31), new Uint8Array(0)] })), BlockErrorCode.BadConsensus, 'PoS body hash');
    blockError(() => decodeSection(header({ consensus: [Uint8Array.of(0, 1), new Uint8Array(32), new Uint8Array(0)] })), BlockErrorCode.BadConsensus, 'leading zero');
    blockError(() => decodeSection(header({ consensus: encodeSection(1, new Uint8Array(32), new Uint8Array(64)) })), BlockErrorCode.BadConsensus, 'must be 65 bytes');
  });

  it('signs over the header with the signature empty, so signing does not change the signing hash', () => {
    const signed = proposal(SLOT, set, keys, seed);
    const unsigned = { ...signed, consensus: encodeSection(SLOT, bodyHash(EMPTY_BODY)) };
    expect(proposalSigningHash(signed, domain)).toEqual(proposalSigningHash(unsigned, domain));
    expect(proposalSigningHash(signed, domain)).not.toEqual(proposalSigningHash(signed, otherChain));
  });
});

describe('verifySeal', () => {
  const scheduled = sampleProposer(set, seed, SLOT).address;
  const someoneElse = keys.find((v) => bytesToHex(v.address) !== bytesToHex(scheduled))!;
  const verify = (block: BlockHeader, on = parent): Uint8Array => verifySeal(block, on, clock, domain);

  it('accepts a signed block whose signer is its coinbase, and returns the signer', () => {
    expect(verify(proposal(SLOT, set, keys, seed))).toEqual(scheduled);
    // Whether the signer is the slot's proposer needs the state: beginBlock checks it, not the seal.
    expect(verify(proposal(SLOT, set, keys, seed, { signer: someoneElse.key }))).toEqual(someoneElse.address);
  });

  it('refuses a signature made for another chain id', () => {
    const block = proposal(SLOT, set, keys, seed, { signDomain: otherChain });
    expect(recoverProposer(block, otherChain)).toEqual(scheduled);
    blockError(() => verify(block), BlockErrorCode.BadSeal, 'but its coinbase');
  });

  it('refuses a header changed after signing', () => {
    const block = { ...proposal(SLOT, set, keys, seed), stateRoot: hashOf('another state') };
    blockError(() => verify(block), BlockErrorCode.BadSeal, 'but its coinbase');
  });

  it('refuses an unsigned block and a coinbase other than the signer', () => {
    const unsigned = { ...proposal(SLOT, set, keys, seed), consensus: encodeSection(SLOT, bodyHash(EMPTY_BODY)) };
    blockError(() => verify(unsigned), BlockErrorCode.BadSeal, 'not signed');
    const signed = signHeader({ ...unsigned, coinbase: someoneElse.address }, bodyHash(EMPTY_BODY), keyOf(keys, scheduled), domain);
    blockError(() => verify(signed), BlockErrorCode.BadSeal, `but its coinbase (the proposer) is ${bytesToHex(someoneElse.address)}`);
  });

  it('refuses a high-s signature', () => {
    const block = proposal(SLOT, set, keys, seed);
    const { signature } = decodeSection(block);
    const flipped = new Uint8Array(signature);
    flipped.set(bigintToFixedBytes(SECP256K1_N - bytesToBigint(signature.subarray(32, 64)), 32), 32);
    flipped[64] = signature[64]! ^ 1;
    const malleated = { ...block, consensus: encodeSection(SLOT, bodyHash(EMPTY_BODY), flipped) };
    blockError(() => verify(malleated), BlockErrorCode.BadSeal, 'high-s');
  });

  it('requires slots to advance past the parent', () => {
    blockError(() => verify(proposal(SLOT, set, keys, seed), parentAt(SLOT)), BlockErrorCode.BadConsensus, 'does not follow');
  });

  it('requires the timestamp to be the start of the claimed slot', () => {
    const block = proposal(SLOT, set, keys, seed);
    for (const timestamp of [slotStart(SLOT, clock) + 1, slotStart(SLOT + 1, clock)]) {
      const moved = signHeader({ ...block, timestamp }, bodyHash(EMPTY_BODY), keyOf(keys, scheduled), domain);
      blockError(() => verify(moved), BlockErrorCode.BadConsensus, `is not the start of its slot ${SLOT}`);
    }
  });
});
