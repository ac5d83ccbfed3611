import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeBody } from '../../../../src/consensus/pos/body.js';
import { MAX_VOTE_MESSAGE_BYTES, PosEngine } from '../../../../src/consensus/pos/engine.js';
import { readFinality } from '../../../../src/consensus/pos/records.js';
import { encodeVote, signVote, type Vote } from '../../../../src/consensus/pos/votes.js';
import { activeSet, readStakingState } from '../../../../src/ledger/modules/staking/index.js';
import { utf8ToBytes } from '../../../../src/primitives/hex.js';
import { rlpEncode } from '../../../../src/primitives/rlp.js';
import { hashOf } from './fixtures.js';
import { Sim, params, validatorKey } from './sim.js';

let sim: Sim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function running(): Promise<Sim> {
  sim = await Sim.start(params([100n, 100n, 100n, 100n]));
  await sim.run(6);
  return sim;
}

/** A vote of key `i` for the head from the justified block, or for another target at the head's height. */
function voteOnHead(s: Sim, i: number, targetHash = s.head.hash, targetHeight = s.head.header.number): Vote {
  const source = readFinality(s.head.state).justified;
  return signVote({ source, target: { height: targetHeight, hash: targetHash } }, validatorKey(i), s.config.domain);
}

const wire = (vote: Vote): Uint8Array => rlpEncode(encodeVote(vote));

describe('PoS vote gossip', () => {
  it('rejects what is not a well-signed vote', async () => {
    const s = await running();
    const { engine } = s.node(0);
    expect(await engine.gossip.receive(utf8ToBytes('not rlp at all'))).toBe('reject');
    expect(await engine.gossip.receive(new Uint8Array(MAX_VOTE_MESSAGE_BYTES + 1))).toBe('reject');
    const forged = { ...voteOnHead(s, 1, hashOf('another block')), validator: s.node(2).address };
    expect(await engine.gossip.receive(wire(forged))).toBe('reject');
  });

  it('ignores votes of unknown validators, repeats, and votes too old or too far ahead to include', async () => {
    const s = await running();
    const { engine } = s.node(0);
    expect(await engine.gossip.receive(wire(voteOnHead(s, 9)))).toBe('ignore');
    // Validator 1's vote for the head was gossiped already.
    expect(await engine.gossip.receive(wire(voteOnHead(s, 1)))).toBe('ignore');
    // A node that has seen no head yet cannot judge any vote.
    const follower = new PosEngine(s.config, { recovery: s.backend, dataDir: s.node(0).dataDir });
    const at = (height: number): Vote =>
      signVote({ source: { height: 1, hash: hashOf('b1') }, target: { height, hash: hashOf(`b${height}`) } }, validatorKey(1), s.config.domain);
    expect(await follower.gossip.receive(wire(at(150)))).toBe('ignore');
    // At head 200, block 201 may include votes for 137 … 200; 264 is the furthest ahead it holds.
    await follower.gossip.onHead({ ...s.head.header, number: 200 }, hashOf('b200'), s.head.state);
    expect(await follower.gossip.receive(wire(at(136)))).toBe('ignore');
    expect(await follower.gossip.receive(wire(at(137)))).toBe('accept');
    expect(await follower.gossip.receive(wire(at(264)))).toBe('accept');
    expect(await follower.gossip.receive(wire(at(265)))).toBe('ignore');
    await follower.close();
  });

  it('turns a second, different vote for one height into evidence that the next block carries', async () => {
    const s = await running();
    const offender = s.node(1);
    const conflicting = voteOnHead(s, 1, hashOf('a fork block'));
    for (const node of s.nodes) expect(await node.engine.gossip.receive(wire(conflicting))).toBe('accept');
    const [next] = await s.run(4);
    const body = decodeBody({ header: next!.header, consensusBody: next!.body });
    expect(body.evidence).toHaveLength(1);
    expect(activeSet(readStakingState(s.head.state)).has(offender.address)).toBe(false);
  });

  it('signs one vote per head height, only while the key holds stake', async () => {
    const s = await running();
    const { engine } = s.node(0);
    // The sim delivered the head already: no second vote for it.
    expect(await engine.gossip.onHead(s.head.header, s.head.hash, s.head.state)).toEqual([]);
    const outsider = new PosEngine(s.config, { recovery: s.backend, dataDir: join(s.node(0).dataDir, 'outsider'), validatorKey: validatorKey(9) });
    expect(await outsider.gossip.onHead(s.head.header, s.head.hash, s.head.state)).toEqual([]);
    await outsider.close();
  });
});
