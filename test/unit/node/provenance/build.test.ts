import { beforeAll, describe, expect, it } from 'vitest';
import { LightClientError, LightErrorCode } from '../../../../src/consensus/light/index.js';
import { decodeHeader } from '../../../../src/ledger/block/header.js';
import { ProofBuildError, ProofBuildErrorCode, buildProof, verifyProof } from '../../../../src/node/provenance/index.js';
import { bytesToHex, hexToBytes } from '../../../../src/primitives/hex.js';
import { MemorySource, VALIDATORS, buildChain, historyOf, posKit, powKit, votes, type TestChain } from './chain.js';

async function rejection(promise: Promise<unknown>): Promise<Error & { code: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code: string };
  }
  return expect.fail('expected the build to fail');
}

async function buildError(promise: Promise<unknown>, code: ProofBuildErrorCode, text: string): Promise<void> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(ProofBuildError);
  expect(error.code).toBe(code);
  expect(error.message).toContain(text);
}

function numbers(headers: readonly string[]): number[] {
  return headers.map((hex) => decodeHeader(hexToBytes(hex)).number);
}

describe('buildProof', () => {
  let chain: TestChain;

  beforeAll(() => {
    chain = buildChain(powKit, [
      [{ signer: 1, item: 'lot-1' }, { signer: 1, item: 'lot-9', refused: true }],
      [{ signer: 2, item: 'lot-2' }],
      [{ signer: 2, item: 'lot-3' }, { signer: 2, item: 'lot-4' }, { signer: 1, item: 'lot-1', type: 'Closed' }],
      [],
      [],
      [],
    ]);
  });

  it('anchors at the finalized block when it covers the events, with each header once', async () => {
    const proof = await buildProof(new MemorySource(chain, { finalized: 4 }), historyOf(chain, 'lot-1'));
    expect(proof.anchor).toEqual({ number: 4, hash: bytesToHex(chain.blocks[4]!.hash), status: 'finalized', headNumber: 6 });
    expect(numbers(proof.headers)).toEqual([1, 2, 3, 4]);
    expect(proof.events.map((e) => [e.block, e.index, e.treeSize, e.logIndex])).toEqual([
      [1, 0, 2, 0],
      [3, 2, 3, 0],
    ]);
    expect(proof.events[1]!.transaction).toBe(bytesToHex(chain.blocks[3]!.transactions[2]!.raw));
    expect(proof.chain).toMatchObject({ chainId: '0x343a', genesisHash: bytesToHex(chain.blocks[0]!.hash), consensus: { type: 'pow' } });
    expect(proof.engine).toEqual({});
    expect(verifyProof(JSON.parse(JSON.stringify(proof))).ok).toBe(true);
  });

  it('anchors at the head when the finalized block is below an event', async () => {
    const proof = await buildProof(new MemorySource(chain, { finalized: 2 }), historyOf(chain, 'lot-1'));
    expect(proof.anchor).toMatchObject({ number: 6, status: 'head', headNumber: 6 });
    expect(numbers(proof.headers)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('starts at genesis when asked', async () => {
    const proof = await buildProof(new MemorySource(chain, { finalized: 4 }), historyOf(chain, 'lot-2'), { fromGenesis: true });
    expect(numbers(proof.headers)).toEqual([0, 1, 2, 3, 4]);
    const report = verifyProof(proof);
    expect(report.ok).toBe(true);
    expect(report.proven.join('\n')).toContain('blocks #0…#4 link by parent hash, from genesis');
  });

  it('bounds the events and the headers', async () => {
    const source = new MemorySource(chain, { finalized: 4 });
    const history = historyOf(chain, 'lot-1');
    await buildError(buildProof(source, []), ProofBuildErrorCode.BadRequest, 'no events to prove');
    await buildError(buildProof(source, history, { maxEvents: 1 }), ProofBuildErrorCode.BadRequest, '2 events asked for, at most 1 fit in one proof');
    await buildError(
      buildProof(source, history, { maxHeaders: 3 }),
      ProofBuildErrorCode.TooManyHeaders,
      'the proof would need 4 headers (#1…#4), more than the 3 allowed: prove fewer or more recent events',
    );
    await buildError(buildProof(source, history, { maxHeaders: 0 }), ProofBuildErrorCode.BadRequest, 'maxHeaders must be an integer from 1 to 100000');
  });

  it('refuses what is not an event of the item on the canonical chain', async () => {
    const source = new MemorySource(chain, { finalized: 4 });
    const refused = chain.blocks[1]!.transactions[1]!.hash;
    const lot1 = chain.blocks[1]!.transactions[0]!.hash;
    await buildError(buildProof(source, [{ txHash: new Uint8Array(32), id: 'lot-1' }]), ProofBuildErrorCode.UnknownTransaction, 'is not in a block of the canonical chain');
    await buildError(buildProof(source, [{ txHash: refused, id: 'lot-9' }]), ProofBuildErrorCode.NoEvent, 'failed (receipt status 0): it recorded no event');
    await buildError(buildProof(source, [{ txHash: lot1, id: 'lot-2' }]), ProofBuildErrorCode.NoEvent, 'recorded no supply event of item "lot-2"');
  });

  it('fails clearly when the node disagrees with its own headers or moves meanwhile', async () => {
    const damaged = new MemorySource(chain, { finalized: 4 });
    damaged.receiptsOf = (block) => block.receipts.map((receipt) => ({ ...receipt, gasUsed: receipt.gasUsed + 1n }));
    await buildError(buildProof(damaged, historyOf(chain, 'lot-1')), ProofBuildErrorCode.Inconsistent, 'the receipts stored for block #1 do not match its receiptsRoot');
    const behind = new MemorySource(chain, { head: 2, finalized: 1 });
    await buildError(buildProof(behind, historyOf(chain, 'lot-1')), ProofBuildErrorCode.ChainMoved, 'block #3 is above the head #2); try again');
    const otherGenesis = new MemorySource({ ...chain, identity: { ...chain.identity, genesisHash: new Uint8Array(32) } }, { finalized: 4 });
    await buildError(buildProof(otherGenesis, historyOf(chain, 'lot-1')), ProofBuildErrorCode.Inconsistent, "the node's block 0 is not its genesis");
  });

  it('fails for a consensus type without a light client', async () => {
    const source = new MemorySource({ ...chain, identity: { ...chain.identity, consensus: { type: 'poa', params: {} } } }, { finalized: 4 });
    const error = await rejection(buildProof(source, historyOf(chain, 'lot-1')));
    expect(error).toBeInstanceOf(LightClientError);
    expect(error.code).toBe(LightErrorCode.UnknownConsensus);
  });
});

describe('buildProof under proof of stake', () => {
  let chain: TestChain;

  beforeAll(() => {
    chain = buildChain(posKit(), [[{ signer: 1, item: 'lot-1' }], [], [], [], []]);
  });

  it('carries the anchor set and only the votes that finalize the anchor, each validator once', async () => {
    const anchorVotes = votes(chain, [0, 1, 2], 1, 2);
    const childVotes = votes(chain, [0, 1, 3], 2, 3);
    const unrelated = votes(chain, [2], 1, 3);
    const source = new MemorySource(chain, {
      finalized: 2,
      votes: new Map([
        [2, [...anchorVotes, anchorVotes[0]!]],
        [3, [...childVotes, ...unrelated]],
      ]),
    });
    const proof = await buildProof(source, historyOf(chain, 'lot-1'));
    expect(proof.anchor).toMatchObject({ number: 2, status: 'finalized' });
    const carried = proof.engine as { validators: { address: string; stake: string }[]; votes: { validator: string; target: { height: number } }[] };
    // The set as the staking state holds it: sorted by address.
    const sorted = VALIDATORS.map((v) => ({ address: bytesToHex(v.address), stake: '0x64' })).sort((a, b) => (a.address < b.address ? -1 : 1));
    expect(carried.validators).toEqual(sorted);
    expect(carried.votes.map((v) => [v.target.height, v.validator])).toEqual([
      ...anchorVotes.map((v) => [2, bytesToHex(v.validator)]),
      ...childVotes.map((v) => [3, bytesToHex(v.validator)]),
    ]);
    expect(verifyProof(proof).ok).toBe(true);
  });

  it('carries no votes for a head', async () => {
    const proof = await buildProof(new MemorySource(chain, { finalized: 0 }), historyOf(chain, 'lot-1'));
    expect((proof.engine as { votes: unknown[] }).votes).toEqual([]);
  });

  it('refuses what a verifier could not check', async () => {
    const changedSet = new MemorySource(chain, { finalized: 0, validators: VALIDATORS.filter((_, i) => i !== 1) });
    const error = await rejection(buildProof(changedSet, historyOf(chain, 'lot-1')));
    expect(error).toBeInstanceOf(LightClientError);
    expect(error.code).toBe(LightErrorCode.Unavailable);
    expect(error.message).toContain('block #1 was proposed by');
    const noChild = await rejection(buildProof(new MemorySource(chain, { finalized: 5 }), historyOf(chain, 'lot-1')));
    expect(noChild.message).toContain('block #5 is reported finalized, but the node has no block #6 above it');
  });
});
