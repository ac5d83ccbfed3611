import { describe, expect, it } from 'vitest';
import { BlockErrorCode, InvalidBlockError } from '../../../src/ledger/block/errors.js';
import { recordKey, type SystemModule } from '../../../src/ledger/modules/module.js';
import { signTransaction } from '../../../src/ledger/tx/encode.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '../../../src/primitives/hex.js';
import { ALICE, ALICE_KEY, BOB, BOB_KEY, FakeEngine, GWEI, MINER_B, TestEnv, useTestEnv } from './helpers.js';

const newEnv = useTestEnv();
let env: TestEnv;

const NOTES = hexToBytes('0x000000000000000000000000000000000000abcd');
/** Keeps the last note each sender wrote; refuses empty notes. */
const notes: SystemModule = {
  name: 'notes',
  address: NOTES,
  callGas: 0n,
  call(state, { tx }) {
    if (tx.data.length === 0) return { ok: false, reason: 'an empty note' };
    state.setRecord(recordKey('notes', bytesToHex(tx.from)), tx.data);
    return { ok: true, logs: [{ address: NOTES, topics: [], data: tx.data }] };
  },
};
const aliceNote = recordKey('notes', bytesToHex(ALICE));
const utf8Hex = (text: string): string => bytesToHex(utf8ToBytes(text)).slice(2);

function note(nonce: bigint, text: string, key = ALICE_KEY) {
  const data = utf8ToBytes(text);
  return signTransaction(
    {
      type: 2,
      chainId: 1337n,
      nonce,
      gasPrice: null,
      maxFeePerGas: 10n * GWEI,
      maxPriorityFeePerGas: GWEI,
      gasLimit: 21_000n + 16n * BigInt(data.length),
      to: NOTES,
      value: 0n,
      data,
      accessList: [],
    },
    key,
  );
}

describe('Blockchain: system-module records', () => {
  it('keeps records in the head state across a restart, with status-0 receipts for refusals', async () => {
    env = newEnv();
    const dir = await env.dir();
    const chain = await env.open(dir, { modules: [notes] });
    const block = await env.mine(chain, [note(0n, 'first'), note(1n, '')]);
    expect(chain.getRecord(aliceNote)).toEqual(utf8ToBytes('first'));
    expect([...chain.recordsWithPrefix(utf8ToBytes('notes/'))]).toEqual([[aliceNote, utf8ToBytes('first')]]);
    const refused = await chain.getReceipt(block.transactions[1]!.hash);
    expect(refused?.receipt).toMatchObject({ status: 0, reason: 'an empty note', logs: [] });
    const accepted = await chain.getReceipt(block.transactions[0]!.hash);
    expect(accepted?.receipt.logs).toHaveLength(1);

    await env.close(chain);
    const reopened = await env.open(dir, { modules: [notes] });
    expect(reopened.getRecord(aliceNote)).toEqual(utf8ToBytes('first'));
    expect(reopened.head.hash).toEqual(block.hash);
  });

  it('lists records by prefix in ascending bytewise key order', async () => {
    env = newEnv();
    const chain = await env.open(await env.dir(), { modules: [notes] });
    // A listing before the records exist must not hide them afterwards (the sorted keys are rebuilt per head).
    expect(chain.recordsWithPrefix(utf8ToBytes('notes/'))).toEqual([]);
    // Alice (0xf39f…) writes first, Bob (0x7099…) second: sorted order is the reverse of insertion.
    await env.mine(chain, [note(0n, 'a')]);
    expect(chain.recordsWithPrefix(utf8ToBytes('notes/'))).toHaveLength(1);
    await env.mine(chain, [note(0n, 'b', BOB_KEY)]);
    const keys = chain.recordsWithPrefix(utf8ToBytes('notes/')).map(([key]) => bytesToHex(key));
    expect(keys).toHaveLength(2);
    expect(keys).toEqual([...keys].sort());
    expect(keys[0]).toContain(utf8Hex(bytesToHex(BOB)));
    expect(chain.recordsWithPrefix(utf8ToBytes('other/'))).toEqual([]);
  });

  it("a reorg undoes the losing branch's records and applies the winner's", async () => {
    env = newEnv();
    const a = await env.open(await env.dir(), { modules: [notes] });
    const b = await env.open(await env.dir(), { modules: [notes] });
    await env.mine(a, [note(0n, 'on a')]);
    const b1 = await env.mine(b, [], { coinbase: MINER_B });
    const b2 = await env.mine(b, [note(0n, 'on b')], { coinbase: MINER_B });
    expect(a.getRecord(aliceNote)).toEqual(utf8ToBytes('on a'));
    await a.importBlock(b1);
    expect(await a.importBlock(b2)).toBe('imported-head');
    expect(a.getRecord(aliceNote)).toEqual(utf8ToBytes('on b'));
    const b3 = await env.mine(b, [], { coinbase: MINER_B });
    await a.importBlock(b3);
    expect(a.head.hash).toEqual(b3.hash);
    expect([...a.recordsWithPrefix(utf8ToBytes('notes/'))]).toHaveLength(1);
  });
});

describe('Blockchain: finality', () => {
  it('refuses a block at or below the finalized height, and a heavier branch that leaves the chain below it', async () => {
    env = newEnv();
    const engine = new FakeEngine();
    const a = await env.open(await env.dir(), { engine });
    const b = await env.open(await env.dir());
    const c = await env.open(await env.dir());
    for (let i = 0; i < 3; i++) await env.mine(a);
    for (let i = 0; i < 3; i++) expect(await a.importBlock(await env.mine(b, [], { coinbase: MINER_B }))).toBe('imported-side');
    const head = a.head.hash;
    engine.finalized = 2;
    expect(a.checkpoints()).toEqual({ safe: 2, finalized: 2 });

    const low = await env.mine(c, [], { coinbase: MINER_B, weight: 50 });
    const refusedLow = await a.importBlock(low).catch((err: unknown) => err);
    expect(refusedLow).toBeInstanceOf(InvalidBlockError);
    expect((refusedLow as InvalidBlockError).code).toBe(BlockErrorCode.FinalityConflict);
    expect((refusedLow as InvalidBlockError).message).toMatch(/block 2 is final/);

    const heavier = await env.mine(b, [], { coinbase: MINER_B, weight: 9 });
    const refused = await a.importBlock(heavier).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(InvalidBlockError);
    expect((refused as InvalidBlockError).code).toBe(BlockErrorCode.FinalityConflict);
    expect((refused as InvalidBlockError).message).toMatch(/leaves the canonical chain at block 0, below finalized block 2/);
    expect(a.head.hash).toEqual(head);
  });

  it('reorganises past a merely probabilistic finalized block (a PoW confirmation depth)', async () => {
    env = newEnv();
    const engine = new FakeEngine();
    engine.finality = 'probabilistic';
    const a = await env.open(await env.dir(), { engine });
    const b = await env.open(await env.dir());
    for (let i = 0; i < 3; i++) await env.mine(a);
    engine.finalized = 2;
    for (let i = 0; i < 3; i++) await a.importBlock(await env.mine(b, [], { coinbase: MINER_B }));
    const heavier = await env.mine(b, [], { coinbase: MINER_B, weight: 9 });
    expect(await a.importBlock(heavier)).toBe('imported-head');
    expect(a.head.hash).toEqual(heavier.hash);
  });
});
