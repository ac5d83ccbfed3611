import { beforeAll, describe, expect, it } from 'vitest';
import { encodeSection as powSection, checkProof, sealHash, NONCE_BYTES } from '../../../../src/consensus/pow/seal.js';
import { signHeader } from '../../../../src/consensus/pos/seal.js';
import { decodeHeader, encodeHeader, hashHeader } from '../../../../src/ledger/block/header.js';
import type { BlockHeader } from '../../../../src/ledger/block/types.js';
import { buildProof, verifyProof, type ProofDocument } from '../../../../src/node/provenance/index.js';
import { bigintToFixedBytes, bytesToHex, hexToBytes } from '../../../../src/primitives/hex.js';
import {
  EMPTY_BODY_HASH,
  MemorySource,
  buildChain,
  editable,
  flipByte,
  historyOf,
  key,
  posDomain,
  posKit,
  powKit,
  reheader,
  votes,
  type EditableProof,
  type Op,
  type TestChain,
} from './chain.js';

const POW_PLANS: readonly (readonly Op[])[] = [
  [{ signer: 1, item: 'lot-1' }, { signer: 2, item: 'lot-2' }, { signer: 1, item: 'lot-9', refused: true }],
  [{ signer: 2, item: 'lot-3' }],
  [{ signer: 2, item: 'lot-4' }, { signer: 2, item: 'lot-5' }, { signer: 1, item: 'lot-1', type: 'Closed' }],
  [],
  [],
  [],
];

function errorsOf(proof: unknown, options: Parameters<typeof verifyProof>[1] = {}): string {
  const report = verifyProof(proof, options);
  expect(report.ok).toBe(false);
  return report.errors.join('\n');
}

/** The last header changed by `change`, with the anchor hash following it, so only the change itself is wrong. */
function changeAnchorHeader(doc: EditableProof, change: (header: BlockHeader) => BlockHeader): void {
  const last = doc.headers.length - 1;
  doc.headers[last] = reheader(doc.headers[last]!, change);
  doc.anchor.hash = bytesToHex(hashHeader(decodeHeader(hexToBytes(doc.headers[last]!))));
}

describe('verifyProof under proof of work', () => {
  let chain: TestChain;
  let other: TestChain;
  let proof: ProofDocument;

  beforeAll(async () => {
    chain = buildChain(powKit, POW_PLANS);
    other = buildChain(powKit, POW_PLANS, { extraData: '0x01' });
    proof = await buildProof(new MemorySource(chain, { finalized: 4 }), historyOf(chain, 'lot-1'));
  });

  it('accepts a genuine proof and says what it proved and what it did not', () => {
    const report = verifyProof(editable(proof));
    expect(report.errors).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.events.map((e) => [e.ok, e.block, e.event?.['type']])).toEqual([
      [true, 1, 'Registered'],
      [true, 3, 'Closed'],
    ]);
    const proven = report.proven.join('\n');
    expect(proven).toContain(`blocks #0…#4 link by parent hash, from genesis ${bytesToHex(chain.blocks[0]!.hash)}`);
    expect(proven).toContain(`the anchor, block #4 ${bytesToHex(chain.blocks[4]!.hash)}, the node's finalized block`);
    expect(proven).toContain('each header from #1 to #4 carries valid proof of work for its difficulty');
    expect(proven).toContain('each difficulty from #1 to #4 follows the retarget rule from its parent');
    expect(proven).toMatch(/chain id 13370, the block reward and the "pow" consensus parameters in the proof are the ones genesis 0x[0-9a-f]{64} commits to/);
    expect(proven).toContain(
      `event #1 of item "lot-1" (Closed) is in block #3 ${bytesToHex(chain.blocks[3]!.hash)} (2025-11-25T00:00:06.000Z): ` +
        `transaction ${bytesToHex(chain.blocks[3]!.transactions[2]!.hash)}`,
    );
    expect(proven).toMatch(/at position 2 in the block; its receipt has status 1 and log #0 records the event/);
    expect(proven).toContain('item "lot-1": the proof holds its events #0…#1, with none missing in between');
    const notProven = report.notProven.join('\n');
    expect(notProven).toContain('proof-of-work finality is probabilistic');
    expect(notProven).toContain('is the chain you mean: its hash is taken from the proof');
    expect(notProven).toContain('whether item "lot-1" has events after #1');
    expect(notProven).toContain('the number of transactions in each block');
    expect(notProven).toContain('that the blocks were executed correctly');
  });

  it('says the chain is the expected one when told which', () => {
    const report = verifyProof(editable(proof), { expectedGenesisHash: chain.blocks[0]!.hash, expectedChainId: 13370n });
    expect(report.ok).toBe(true);
    expect(report.proven).toContain(`the proof is about the chain of genesis ${bytesToHex(chain.blocks[0]!.hash)}, the one expected`);
    expect(report.notProven.join('\n')).not.toContain('is the chain you mean');
  });

  it('says that headers not reaching genesis do not name their chain', async () => {
    const late = await buildProof(new MemorySource(chain, { finalized: 4 }), historyOf(chain, 'lot-3'));
    const report = verifyProof(late);
    expect(report.ok).toBe(true);
    expect(report.notProven.join('\n')).toContain('a proof-of-work header does not name its chain and these headers do not reach back to genesis');
    expect(report.notProven.join('\n')).toContain('the difficulty of block #2 itself: its parent is not in the proof');
  });

  const tamperings: [string, (doc: EditableProof) => void, RegExp][] = [
    ['a changed transaction', (doc) => (doc.events[1]!.transaction = flipByte(doc.events[1]!.transaction, -1)), /event 1 \(block #3\): the transaction does not verify against block #3's txRoot at position 2 of 3/],
    ['a changed receipt', (doc) => (doc.events[1]!.receipt = flipByte(doc.events[1]!.receipt, -1)), /the receipt does not verify against block #3's receiptsRoot/],
    ['another log of the receipt', (doc) => (doc.events[0]!.logIndex = 1), /its receipt has 1 logs, no log #1/],
    ['another position in the block', (doc) => (doc.events[1]!.index = 0), /the transaction does not verify against block #3's txRoot at position 0 of 3/],
    [
      'another position the audit paths cannot tell apart',
      (doc) => Object.assign(doc.events[1]!, { index: 1, treeSize: 2 }),
      /event 1 \(block #3\): the event recorded in the receipt names position 2, but the proof gives 1/,
    ],
    ['a wrong sibling in the transaction path', (doc) => (doc.events[1]!.transactionPath[0] = flipByte(doc.events[1]!.transactionPath[0]!, 0)), /txRoot/],
    ['a wrong sibling in the receipt path', (doc) => (doc.events[0]!.receiptPath[1] = flipByte(doc.events[0]!.receiptPath[1]!, 5)), /receiptsRoot/],
    ['an event outside the headers', (doc) => (doc.events[0]!.block = 9), /event 0 \(block #9\): block #9 is not among the proof's headers/],
    ['a header from another chain', (doc) => (doc.headers[1] = bytesToHex(encodeOf(other, 2))), /block #2 does not link to block #1: its parent hash is 0x[0-9a-f]+, but block #1 in the proof hashes to/],
    ['a missing link', (doc) => doc.headers.splice(1, 1), /the headers are not consecutive: block #1 is followed by #3: block #2 is missing/],
    ['a bad seal', (doc) => changeAnchorHeader(doc, unsealed), /block #4 has an invalid seal: its proof of work/],
    ['another chain id', (doc) => (doc.chain.chainId = '0x343b'), /the chain id, block reward or "pow" consensus parameters in the proof are not the ones genesis/],
    ['other consensus parameters', (doc) => (doc.chain.consensus.params['minDifficulty'] = 2), /consensus parameters in the proof are not the ones genesis/],
    ['another genesis header', (doc) => (doc.chain.genesisHeader = bytesToHex(encodeOf(other, 0))), /the genesis header in the proof does not hash to its genesis hash/],
    ['another anchor', (doc) => (doc.anchor.hash = flipByte(doc.anchor.hash, 0)), /the last header is block #4 0x[0-9a-f]+, but the anchor is block #4/],
    ['a head that is not the head', (doc) => (doc.anchor.status = 'head'), /the anchor #4 cannot be the node's head when its head is #6/],
  ];

  it.each(tamperings)('rejects %s', (_, tamper, message) => {
    const doc = editable(proof);
    tamper(doc);
    expect(errorsOf(doc)).toMatch(message);
  });

  it('accepts another tree size the audit paths cannot tell apart, and claims no transaction count', () => {
    // Leaf 0 of 3 and leaf 0 of 4 take the same turns: the paths verify either way.
    const doc = editable(proof);
    doc.events[0]!.treeSize = 4;
    const report = verifyProof(doc);
    expect(report.ok).toBe(true);
    expect(report.proven.join('\n')).not.toMatch(/of 4|4 transactions/);
    expect(report.notProven.join('\n')).toContain('the number of transactions in each block: Merkle audit paths do not fix it');
  });

  it('reports a failed event beside the ones that verify', () => {
    const doc = editable(proof);
    doc.events[0]!.transaction = flipByte(doc.events[0]!.transaction, 10);
    const report = verifyProof(doc);
    expect(report.ok).toBe(false);
    expect(report.events.map((e) => e.ok)).toEqual([false, true]);
    expect(report.events[0]!.error).toMatch(/txRoot/);
    expect(report.proven.join('\n')).toContain('event #1 of item "lot-1" (Closed)');
    expect(report.notProven.join('\n')).toContain('item "lot-1": its events #0 are not in the proof');
  });

  it('rejects a proof of another chain when the genesis or chain id expected differ', async () => {
    const foreign = await buildProof(new MemorySource(other, { finalized: 4 }), historyOf(other, 'lot-1'));
    expect(verifyProof(foreign).ok).toBe(true);
    expect(errorsOf(foreign, { expectedGenesisHash: chain.blocks[0]!.hash })).toContain(
      `the proof is about the chain of genesis ${bytesToHex(other.blocks[0]!.hash)}, not the expected genesis ${bytesToHex(chain.blocks[0]!.hash)}`,
    );
    expect(errorsOf(foreign, { expectedChainId: 1n })).toContain('the proof is about chain id 13370, not the expected chain id 1');
  });

  it('refuses a document that is not a proof of this version, naming the field', () => {
    expect(errorsOf({})).toMatch(/^not a readable proof: proof\.format: missing/);
    const doc = editable(proof);
    doc.version = 2;
    expect(errorsOf(doc)).toContain('proof.version: this verifier reads version 1, the proof is version 2');
    const bad = editable(proof);
    bad.events[0]!.transactionPath[0] = '0x12';
    expect(errorsOf(bad)).toContain('events[0].transactionPath[0]: expected 32 bytes, got 1');
  });
});

describe('verifyProof under proof of stake', () => {
  let chain: TestChain;
  let proof: ProofDocument;

  beforeAll(async () => {
    chain = buildChain(posKit(), [[{ signer: 1, item: 'lot-1' }], [], [{ signer: 1, item: 'lot-1', type: 'Closed' }], [], []]);
    const certificate = new Map([
      [3, votes(chain, [0, 1, 2], 2, 3)],
      [4, votes(chain, [0, 1, 2], 3, 4)],
    ]);
    proof = await buildProof(new MemorySource(chain, { finalized: 3, votes: certificate }), historyOf(chain, 'lot-1'));
  });

  it('accepts a genuine proof finalized by a supermajority, and says so', () => {
    const report = verifyProof(editable(proof), { expectedGenesisHash: chain.blocks[0]!.hash });
    expect(report.errors).toEqual([]);
    expect(report.ok).toBe(true);
    const proven = report.proven.join('\n');
    expect(proven).toContain(
      `block #3 ${bytesToHex(chain.blocks[3]!.hash)} is finalized (Casper FFG): 3 of 4 validators, holding 75.0 % of the stake (more than 2/3), voted for it, ` +
        `and 3 of 4 validators, holding 75.0 % of the stake, voted from it to its child #4 ${bytesToHex(chain.blocks[4]!.hash)}`,
    );
    expect(proven).toContain('each header from #1 to #3 is signed by its producer (its coinbase), a validator of the set the proof carries');
    expect(proven).toContain('each timestamp is the start of its slot');
    expect(proven).toContain('the validator set the proof carries (4 validators) is the genesis set');
    const notProven = report.notProven.join('\n');
    expect(notProven).toContain('that the genesis set was still the active set at block #3');
    expect(notProven).toContain("that each block's producer was the validator scheduled for its slot");
  });

  it('says when the validator set is only the proof\'s word', () => {
    const doc = editable(proof);
    doc.engine.validators![0]!.stake = '0xc8';
    const report = verifyProof(doc);
    expect(report.errors).toEqual([]);
    expect(report.proven.join('\n')).toContain('3 of 4 validators, holding 80.0 % of the stake (more than 2/3), voted for it');
    expect(report.notProven.join('\n')).toContain('the validator set itself (4 validators) is taken from the proof and differs from the genesis set');
  });

  it('says that a head is not final', async () => {
    const head = await buildProof(new MemorySource(chain, { finalized: 0 }), historyOf(chain, 'lot-1'));
    const report = verifyProof(head);
    expect(report.ok).toBe(true);
    expect(head.anchor).toMatchObject({ number: 5, status: 'head' });
    expect(report.notProven.join('\n')).toContain("that block #5 is final: it is the node's head, not a finalized block, and can still be reverted");
  });

  const tamperings: [string, (doc: EditableProof) => void, RegExp][] = [
    ['a forged vote', (doc) => (doc.engine.votes![0]!.signature = flipByte(doc.engine.votes![0]!.signature, 40)), /a vote in the finality certificate is invalid/],
    ['a missing vote', (doc) => doc.engine.votes!.splice(0, 1), /block #3 is claimed finalized, but the votes for it come from 2 of 4 validators, holding 50.0 % of the stake, not more than 2\/3/],
    ['a missing finality link', (doc) => doc.engine.votes!.splice(3, 3), /the votes from it to a child at #4 come from no validator/],
    ['a vote counted twice', (doc) => doc.engine.votes!.splice(1, 1, doc.engine.votes![0]!), /counts validator 0x[0-9a-f]+ twice for #3/],
    ['a bad seal', (doc) => changeAnchorHeader(doc, (h) => ({ ...h, consensus: [h.consensus[0]!, h.consensus[1]!, hexToBytes(flipByte(bytesToHex(h.consensus[2] as Uint8Array), 3))] })), /block #3 has an invalid seal/],
    ['a header signed for another chain', (doc) => changeAnchorHeader(doc, (h) => signHeader(h, EMPTY_BODY_HASH, key(3), posDomain(13371n))), /block #3 has an invalid seal: .*another chain/],
    ['a header signed by someone else', (doc) => changeAnchorHeader(doc, (h) => signHeader(h, EMPTY_BODY_HASH, key(1), posDomain(13370n))), /block #3 has an invalid seal: signed by 0x[0-9a-f]+, but its coinbase \(the proposer\) is 0x[0-9a-f]+/],
    ['a changed event', (doc) => (doc.events[0]!.receipt = flipByte(doc.events[0]!.receipt, -2)), /receiptsRoot/],
  ];

  it.each(tamperings)('rejects %s', (_, tamper, message) => {
    const doc = editable(proof);
    tamper(doc);
    expect(errorsOf(doc)).toMatch(message);
  });
});

function encodeOf(chain: TestChain, n: number): Uint8Array {
  return encodeHeader(chain.blocks[n]!.header);
}

/** The header with a nonce that does not meet its difficulty. */
function unsealed(header: BlockHeader): BlockHeader {
  const difficulty = 4n;
  const hash = sealHash(header, difficulty);
  for (let n = 0n; ; n++) {
    const nonce = bigintToFixedBytes(n, NONCE_BYTES);
    if (!checkProof(hash, nonce, difficulty)) return { ...header, consensus: powSection(difficulty, nonce) };
  }
}
