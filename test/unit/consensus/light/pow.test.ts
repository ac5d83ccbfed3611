import { beforeAll, describe, expect, it } from 'vitest';
import { LightClientError, LightErrorCode, MalformedProofError } from '../../../../src/consensus/light/index.js';
import { powLight } from '../../../../src/consensus/light/pow.js';
import { NONCE_BYTES, checkProof, encodeSection, sealHash } from '../../../../src/consensus/pow/seal.js';
import type { BlockHeader } from '../../../../src/ledger/block/types.js';
import { bigintToFixedBytes } from '../../../../src/primitives/hex.js';
import { POW_PARAMS, buildChain, mine, powKit, type TestChain } from '../../node/provenance/chain.js';
import { anchorAt, lightChain, thrown } from './helpers.js';

describe('PoW light client', () => {
  let chain: TestChain;
  let headers: BlockHeader[];

  beforeAll(() => {
    chain = buildChain(powKit, [[], [], [], []]);
    headers = chain.blocks.map((block) => block.header);
  });

  function check(list: readonly BlockHeader[], params: Readonly<Record<string, unknown>> = POW_PARAMS) {
    return powLight.open(lightChain(chain, params), {}).verifyHeaders(list);
  }

  it('accepts sealed headers whose difficulties follow the retarget rule, from genesis', () => {
    const findings = check(headers);
    expect(findings.proven).toEqual([
      'each header from #1 to #4 carries valid proof of work for its difficulty (4 blocks, 16 hashes expected in total, lowest difficulty 4)',
      'each difficulty from #1 to #4 follows the retarget rule from its parent (target 2000 ms per block, half-life 32000 ms, minimum 1)',
    ]);
    expect(findings.notProven).toEqual([]);
  });

  it('says what headers that do not start at genesis leave open', () => {
    const findings = check(headers.slice(2, 4));
    expect(findings.proven[1]).toBe('the difficulty of block #3 follows the retarget rule from its parent (target 2000 ms per block, half-life 32000 ms, minimum 1)');
    expect(findings.notProven[0]).toBe("the difficulty of block #2 itself: its parent is not in the proof (it is at least the chain's minimum, 1)");
    expect(findings.notProven[1]).toContain('a proof-of-work header does not name its chain');
  });

  it('rejects a difficulty off the retarget rule, even with a valid seal', () => {
    const harder = mine(headers[2]!, 5n);
    const error = thrown(() => check([headers[1]!, harder]), LightClientError, LightErrorCode.BadHeader);
    expect(error.message).toBe('block #2 has difficulty 5, but the retarget rule gives 4 (parent difficulty 4, stamped 2000 ms after its parent)');
  });

  it('rejects a seal that does not meet its difficulty', () => {
    const header = headers[3]!;
    const hash = sealHash(header, 4n);
    let n = 0n;
    while (checkProof(hash, bigintToFixedBytes(n, NONCE_BYTES), 4n)) n++;
    const forged = { ...header, consensus: encodeSection(4n, bigintToFixedBytes(n, NONCE_BYTES)) };
    const error = thrown(() => check([headers[2]!, forged]), LightClientError, LightErrorCode.BadHeader);
    expect(error.message).toMatch(/^block #3 has an invalid seal: its proof of work \(nonce 0x[0-9a-f]{16}\) does not meet its difficulty 4$/);
  });

  it('rejects a first header below the chain minimum and a malformed section', () => {
    const strict = { ...POW_PARAMS, initialDifficulty: 8, minDifficulty: 8 };
    expect(thrown(() => check(headers.slice(2), strict), LightClientError).message).toBe("block #2 has difficulty 4, below the chain's minimum 8");
    const bare = { ...headers[2]!, consensus: [] };
    expect(thrown(() => check([bare]), LightClientError, LightErrorCode.BadHeader).message).toContain('PoW consensus section must be [difficulty, nonce]');
  });

  it('refuses unusable parameters and a non-empty section', () => {
    const error = thrown(() => powLight.open(lightChain(chain, { targetBlockTimeMs: 2000 }), {}), LightClientError, LightErrorCode.BadParams);
    expect(error.message).toContain("the chain's PoW parameters: genesis.json consensus.pow.initialDifficulty");
    expect(thrown(() => powLight.open(lightChain(chain), { votes: [] }), MalformedProofError).message).toBe('engine: unknown field "votes"; it has no fields');
  });

  it('never calls a block final, and says why', () => {
    const client = powLight.open(lightChain(chain), {});
    const finalized = client.verifyFinality(anchorAt(chain, 2, true));
    expect(finalized.proven).toEqual([]);
    expect(finalized.notProven[0]).toBe(
      'that block #2 is final: proof-of-work finality is probabilistic. The node served it as final by depth ' +
        '(this chain treats 3 confirmations as final; the node reported its head at #4), but the blocks above #2 are not in the proof',
    );
    expect(client.verifyFinality(anchorAt(chain, 4, false)).notProven[0]).toContain("it is the node's head, and a heavier chain can still replace it");
  });

  it('collects nothing for a proof: PoW headers carry their own evidence', async () => {
    expect(await powLight.collect(anchorAt(chain, 4, false), headers, {
      headerByNumber: async () => undefined,
      consensusBodyByNumber: async () => expect.fail('PoW has no consensus bodies'),
      state: { getRecord: () => expect.fail('PoW keeps no consensus records') },
    })).toEqual({});
  });
});
