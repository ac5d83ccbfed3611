import { beforeAll, describe, expect, it } from 'vitest';
import { LightClientError, LightErrorCode, MalformedProofError, type LightQuery } from '../../../../src/consensus/light/index.js';
import { posLight } from '../../../../src/consensus/light/pos.js';
import { encodeSection, signHeader } from '../../../../src/consensus/pos/seal.js';
import { encodeVote, signVote, type Vote } from '../../../../src/consensus/pos/votes.js';
import type { BlockHeader } from '../../../../src/ledger/block/types.js';
import { bytesToHex } from '../../../../src/primitives/hex.js';
import {
  EMPTY_BODY_HASH,
  GENESIS_TIME,
  VALIDATORS,
  address,
  buildChain,
  key,
  posDomain,
  posKit,
  stakingState,
  votes,
  type TestChain,
} from '../../node/provenance/chain.js';
import { anchorAt, lightChain, posSection, thrown } from './helpers.js';

/** `header` with its slot and timestamp changed, signed by validator `signer` for chain id `chainId`. */
function resigned(header: BlockHeader, change: { slot?: number; timestamp?: number; signer?: number; coinbase?: number; chainId?: bigint }): BlockHeader {
  const slot = change.slot ?? header.number;
  const unsigned = {
    ...header,
    timestamp: change.timestamp ?? GENESIS_TIME + slot * 1000,
    coinbase: change.coinbase === undefined ? header.coinbase : address(change.coinbase),
    consensus: encodeSection(slot, EMPTY_BODY_HASH),
  };
  return signHeader(unsigned, EMPTY_BODY_HASH, key(change.signer ?? header.number % 4), posDomain(change.chainId ?? 13370n));
}

describe('PoS light client', () => {
  let chain: TestChain;
  let headers: BlockHeader[];

  beforeAll(() => {
    chain = buildChain(posKit(), [[], [], [], [], []]);
    headers = chain.blocks.map((block) => block.header);
  });

  function client(section: unknown = posSection(VALIDATORS, [])) {
    return posLight.open(lightChain(chain), section);
  }

  function headerError(list: readonly BlockHeader[]): string {
    return thrown(() => client().verifyHeaders(list), LightClientError, LightErrorCode.BadHeader).message;
  }

  it('accepts headers signed by their coinbase, a validator of the set, one per rising slot', () => {
    const findings = client().verifyHeaders(headers);
    expect(findings.proven).toEqual([
      `each header from #1 to #5 is signed by its producer (its coinbase), a validator of the set the proof carries, for this chain ` +
        `(chain id 13370, genesis ${bytesToHex(chain.blocks[0]!.hash)}): a header of another chain would not verify`,
      'slots rise from block to block and each timestamp is the start of its slot (1000 ms slots from the genesis time)',
    ]);
    expect(findings.notProven).toEqual([
      "that each block's producer was the validator scheduled for its slot: the schedule depends on the chain's randomness seed, which the proof does not carry",
    ]);
    expect(client().verifyHeaders(headers.slice(3, 4)).proven[0]).toMatch(/^the header of block #3 is signed/);
  });

  it('rejects a header signed by another key than its coinbase, first or not', () => {
    const forged = resigned(headers[2]!, { signer: 0 });
    expect(headerError([headers[1]!, forged])).toMatch(/^block #2 has an invalid seal: signed by 0x[0-9a-f]{40}, but its coinbase \(the proposer\) is 0x[0-9a-f]{40} \(an altered header/);
    expect(headerError([forged])).toMatch(/^block #2 has an invalid seal: signed by .*, but its coinbase/);
  });

  it('rejects a header signed for another chain', () => {
    expect(headerError([headers[1]!, resigned(headers[2]!, { chainId: 13371n })])).toContain('(an altered header, or one signed for another chain)');
  });

  it('rejects a producer outside the carried set', () => {
    const outsider = resigned(headers[2]!, { signer: 7, coinbase: 7 });
    expect(headerError([headers[1]!, outsider])).toBe(`block #2 is signed by ${bytesToHex(address(7))}, which is not in the validator set the proof carries`);
  });

  it('rejects a slot that does not rise and a timestamp off its slot', () => {
    expect(headerError([headers[2]!, resigned(headers[3]!, { slot: 2 })])).toBe("block #3 has an invalid seal: slot 2 does not follow its parent's slot 2");
    expect(headerError([headers[2]!, resigned(headers[3]!, { timestamp: GENESIS_TIME + 3000 + 1 })])).toContain('timestamp 1764028803001 is not the start of its slot 3');
    expect(headerError([resigned(headers[3]!, { timestamp: GENESIS_TIME + 3000 + 1 })])).toContain('block #3: timestamp 1764028803001 is not the start of its slot 3');
  });

  describe('finality', () => {
    function finality(certificate: readonly Vote[], n = 3, validators = VALIDATORS) {
      return posLight.open(lightChain(chain), posSection(validators, certificate)).verifyFinality(anchorAt(chain, n, true));
    }

    function finalityError(certificate: readonly Vote[]): string {
      return thrown(() => finality(certificate), LightClientError, LightErrorCode.BadFinality).message;
    }

    it('proves a block finalized by more than 2/3 for it and from it to its child', () => {
      const findings = finality([...votes(chain, [0, 1, 2], 2, 3), ...votes(chain, [1, 2, 3], 3, 4)]);
      expect(findings.proven[0]).toBe(
        `block #3 ${bytesToHex(chain.blocks[3]!.hash)} is finalized (Casper FFG): 3 of 4 validators, holding 75.0 % of the stake (more than 2/3), voted for it, ` +
          `and 3 of 4 validators, holding 75.0 % of the stake, voted from it to its child #4 ${bytesToHex(chain.blocks[4]!.hash)}; ` +
          'reverting it would take validators with more than 1/3 of the stake signing conflicting votes, for which they are slashed',
      );
    });

    it('weighs votes by stake, not by count', () => {
      const heavy = VALIDATORS.map((v, i) => ({ ...v, stake: i === 0 ? 700n : 100n }));
      const findings = finality([...votes(chain, [0], 2, 3), ...votes(chain, [0], 3, 4)], 3, heavy);
      expect(findings.proven[0]).toContain('1 of 4 validators, holding 70.0 % of the stake (more than 2/3), voted for it');
    });

    it('refuses exactly 2/3, a missing link, and a link split between two children', () => {
      expect(finalityError([...votes(chain, [0, 1], 2, 3), ...votes(chain, [0, 1, 2], 3, 4)])).toBe(
        'block #3 is claimed finalized, but the votes for it come from 2 of 4 validators, holding 50.0 % of the stake, not more than 2/3',
      );
      const sixtySix = VALIDATORS.map((v, i) => ({ ...v, stake: i < 2 ? 100n : 50n }));
      expect(thrown(() => finality([...votes(chain, [0, 1], 2, 3), ...votes(chain, [0, 1], 3, 4)], 3, sixtySix), LightClientError).message).toContain(
        'holding 66.6 % of the stake, not more than 2/3',
      );
      expect(finalityError(votes(chain, [0, 1, 2], 2, 3))).toBe('block #3 is claimed finalized, but the votes from it to a child at #4 come from no validator, not more than 2/3');
      const domain = posDomain(13370n);
      const otherChild = { height: 4, hash: new Uint8Array(32).fill(9) };
      const stray = [2, 3].map((i) => signVote({ source: { height: 3, hash: chain.blocks[3]!.hash }, target: otherChild }, key(i), domain));
      expect(finalityError([...votes(chain, [0, 1, 2], 2, 3), ...votes(chain, [0, 1], 3, 4), ...stray])).toContain(
        'the votes from it to a child at #4 come from 2 of 4 validators, holding 50.0 % of the stake',
      );
    });

    it('refuses forged, repeated, outside and unrelated votes', () => {
      const good = votes(chain, [0, 1, 2], 2, 3);
      const link = votes(chain, [0, 1, 2], 3, 4);
      const forged = { ...good[0]!, validator: address(3) };
      expect(finalityError([forged, ...good.slice(1), ...link])).toMatch(/^a vote in the finality certificate is invalid: vote of 0x[0-9a-f]{40} from #2 to #3/);
      expect(finalityError([good[0]!, ...good, ...link])).toBe(`the finality certificate counts validator ${bytesToHex(address(0))} twice for #3`);
      const outsider = signVote({ source: { height: 2, hash: chain.blocks[2]!.hash }, target: { height: 3, hash: chain.blocks[3]!.hash } }, key(7), posDomain(13370n));
      expect(finalityError([...good, outsider, ...link])).toBe(
        `the finality certificate holds a vote of ${bytesToHex(address(7))}, which is not in the validator set the proof carries`,
      );
      expect(finalityError([...good, ...link, ...votes(chain, [3], 1, 2)])).toBe(
        `the finality certificate holds a vote of ${bytesToHex(address(3))} from #1 to #2 that is neither for block #3 nor from it to its child`,
      );
    });

    it('says a head is not final, and what the carried set rests on', () => {
      const findings = posLight.open(lightChain(chain), posSection(VALIDATORS, [])).verifyFinality(anchorAt(chain, 5, false));
      expect(findings.proven).toEqual(['the validator set the proof carries (4 validators) is the genesis set, which the genesis hash commits to']);
      expect(findings.notProven).toEqual([
        "that block #5 is final: it is the node's head, not a finalized block, and can still be reverted",
        'that the genesis set was still the active set at block #5: staking may have changed it since; check it against a node you trust',
      ]);
    });
  });

  it('refuses a malformed section, naming the field', () => {
    expect(thrown(() => client(posSection([], [])), MalformedProofError).message).toBe('engine.validators: the validator set is empty');
    expect(thrown(() => client(posSection([VALIDATORS[0]!, VALIDATORS[0]!], [])), MalformedProofError).message).toContain('is listed twice');
    const section = posSection(VALIDATORS, votes(chain, [0], 2, 3)) as { votes: { signature: string }[] };
    section.votes[0]!.signature = '0x00';
    expect(thrown(() => client(section), MalformedProofError).message).toBe('engine.votes[0].signature: expected 65 bytes, got 1');
    expect(thrown(() => posLight.open(lightChain(chain, { slotDurationMs: 1000 }), posSection(VALIDATORS, [])), LightClientError, LightErrorCode.BadParams).message).toMatch(
      /^the chain's PoS parameters: genesis\.json consensus\.pos/,
    );
  });

  describe('collect', () => {
    function query(included: ReadonlyMap<number, readonly Vote[]>, validators = VALIDATORS): LightQuery {
      return {
        headerByNumber: async (n) => chain.blocks[n]?.header,
        // Votes for target n ride in block n + 1's body (made up past the chain's end).
        consensusBodyByNumber: async (n) => (n > chain.blocks.length + 1 ? undefined : [(included.get(n - 1) ?? []).map(encodeVote), []]),
        state: stakingState(validators),
      };
    }

    it('gathers the votes for the anchor and those from it to its child', async () => {
      const forAnchor = votes(chain, [0, 1, 2], 2, 3);
      const link = votes(chain, [1, 2, 3], 3, 4);
      const otherSource = votes(chain, [0], 2, 4);
      const section = await posLight.collect(anchorAt(chain, 3, true), headers.slice(1, 4), query(new Map([[3, forAnchor], [4, [...link, ...otherSource]]])));
      // The set as the staking state holds it: sorted by address.
      const sorted = [...VALIDATORS].sort((a, b) => (bytesToHex(a.address) < bytesToHex(b.address) ? -1 : 1));
      expect(section).toEqual(posSection(sorted, [...forAnchor, ...link]));
      expect(posLight.open(lightChain(chain), section).verifyFinality(anchorAt(chain, 3, true)).proven[0]).toContain('is finalized');
    });

    it('refuses headers proposed outside the anchor set', async () => {
      const shrunk = VALIDATORS.filter((_, i) => i !== 2);
      const error = await posLight.collect(anchorAt(chain, 3, false), headers.slice(1, 4), query(new Map(), shrunk)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LightClientError);
      expect((error as LightClientError).message).toBe(
        `block #2 was proposed by ${bytesToHex(address(2))}, which is not in the validator set of block #3: ` +
          'a proof across a change of the validator set cannot be checked offline; prove fewer, more recent events',
      );
    });
  });
});
