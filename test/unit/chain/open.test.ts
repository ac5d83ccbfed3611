import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Blockchain } from '../../../src/chain/blockchain.js';
import { ChainErrorCode, CorruptDataError, DataDirUnavailableError, GenesisMismatchError, SchemaMismatchError } from '../../../src/chain/errors.js';
import { numberKey } from '../../../src/chain/storage/schema.js';
import { concatBytes, bytesToHex, utf8ToBytes } from '../../../src/primitives/hex.js';
import { ALICE, ALICE_KEY, ETHER, FakeEngine, TestEnv, testGenesis, transfer, withRawStore, useTestEnv } from './helpers.js';

const newEnv = useTestEnv();
let env: TestEnv;

/** The raw LevelDB key of `key` in sublevel `name`. */
function rawKey(name: string, key: Uint8Array | string): Uint8Array {
  return concatBytes(utf8ToBytes(`!${name}!`), typeof key === 'string' ? utf8ToBytes(key) : key);
}

async function openError(dir: string, genesis = testGenesis()): Promise<Error> {
  const opened = await Blockchain.open({ dataDir: dir, genesis, engine: new FakeEngine(), recovery: env.recovery }).then(
    async (chain) => {
      await chain.close();
      return new Error('opened');
    },
    (err: unknown) => err as Error,
  );
  return opened;
}

/** A data directory with two blocks, closed. */
async function usedDir(): Promise<string> {
  const dir = await env.dir();
  const chain = await env.open(dir);
  await env.mine(chain, [transfer(ALICE_KEY, 0n)]);
  await env.mine(chain);
  await env.close(chain);
  return dir;
}

describe('Blockchain.open: the data directory', () => {
  it('refuses a directory made from another genesis, saying which and what to do', async () => {
    env = newEnv();
    const dir = await usedDir();
    const chain = await env.open(dir);
    const stored = bytesToHex(chain.genesisHash);
    await env.close(chain);

    const other = testGenesis({ alloc: new Map([[bytesToHex(ALICE), { nonce: 0n, balance: 1n }]]) });
    const err = await openError(dir, other);
    expect(err).toBeInstanceOf(GenesisMismatchError);
    expect(err.message).toMatch(
      new RegExp(`^data directory ${dir} was created for genesis ${stored} \\(chain id 1337\\) but this node runs genesis 0x[0-9a-f]{64} \\(chain id 1337\\): use another --datadir or the matching genesis.json$`),
    );

    // Other chain rules: the refusal names the settings that changed.
    const renumbered = await openError(dir, testGenesis({ chainId: 4242n, blockReward: 1n }));
    expect(renumbered).toBeInstanceOf(GenesisMismatchError);
    expect(renumbered.message).toBe(
      `data directory ${dir} was created for genesis ${stored} with chain id 1337, genesis.json says 4242; ` +
        'block reward 2000000000000000000, genesis.json says 1: use another --datadir or the matching genesis.json',
    );
    // The refusal wrote nothing: the right genesis still opens at the same head.
    const again = await env.open(dir);
    expect(again.head.header.number).toBe(2);
  });

  it('refuses a directory of another schema version', async () => {
    env = newEnv();
    const dir = await usedDir();
    await withRawStore(dir, (db) => db.put(rawKey('meta', 'schemaVersion'), Uint8Array.of(99)));
    const err = await openError(dir);
    expect(err).toBeInstanceOf(SchemaMismatchError);
    expect(err.message).toContain('schema version 99');
  });

  it('reports a damaged store as CorruptDataError with a message, not a crash', async () => {
    env = newEnv();
    const alice = rawKey('accounts', ALICE);

    const garbled = await usedDir();
    await withRawStore(garbled, (db) => db.put(alice, Uint8Array.of(0xff, 0x01)));
    const e1 = await openError(garbled);
    expect(e1).toBeInstanceOf(CorruptDataError);
    expect(e1.message).toContain(`stored account ${bytesToHex(ALICE)} does not decode`);

    // Well-formed but not the state the head commits to (a torn write would look like this).
    const edited = await usedDir();
    await withRawStore(edited, (db) => db.put(alice, new Uint8Array([0xc2, 0x01, 0x01])));
    const e2 = await openError(edited);
    expect(e2).toBeInstanceOf(CorruptDataError);
    expect(e2.message).toContain('stored accounts and records disagree with the state hash');

    // A system-module record the head does not commit to.
    const planted = await usedDir();
    await withRawStore(planted, (db) => db.put(rawKey('records', utf8ToBytes('supply/item/x')), Uint8Array.of(1)));
    const stray = await openError(planted);
    expect(stray).toBeInstanceOf(CorruptDataError);
    expect(stray.message).toContain('stored accounts and records disagree with the state hash');

    const headless = await usedDir();
    await withRawStore(headless, async (db) => {
      const head = await db.get(rawKey('meta', 'head'));
      await db.del(rawKey('blocks', head!));
    });
    const e3 = await openError(headless);
    expect(e3).toBeInstanceOf(CorruptDataError);
    expect(e3.message).toMatch(/missing block.*damaged/);

    const foreign = await env.dir();
    await withRawStore(foreign, (db) => db.put(utf8ToBytes('hello'), utf8ToBytes('world')));
    const e4 = await openError(foreign);
    expect(e4).toBeInstanceOf(CorruptDataError);
    expect(e4.message).toContain('without a complete Cairn identity');

    const broken = await usedDir();
    await writeFile(join(broken, 'chaindata', 'CURRENT'), 'garbage');
    const e5 = await openError(broken);
    expect((e5 as CorruptDataError).code).toBe(ChainErrorCode.CorruptData);
    expect(e5.message).toContain(broken);

    // CURRENT names a manifest that is not there: LevelDB reports an I/O error, which is damage all the same.
    const pointless = await usedDir();
    await writeFile(join(pointless, 'chaindata', 'CURRENT'), 'MANIFEST-999999\n');
    const e6 = await openError(pointless);
    expect(e6).toBeInstanceOf(CorruptDataError);
    expect(e6.message).toMatch(/damaged: a file it needs is missing .*MANIFEST-999999.*start over with an empty --datadir/);
  });

  it('refuses a store whose recent canonical chain has a hole (LevelDB skips log records it cannot read)', async () => {
    env = newEnv();
    const blockOne = async (dir: string): Promise<Uint8Array> => {
      const chain = await env.open(dir);
      const hash = (await chain.getBlockByNumber(1))!.hash;
      await env.close(chain);
      return hash;
    };

    const unindexed = await usedDir();
    await withRawStore(unindexed, (db) => db.del(rawKey('canonical', numberKey(1))));
    const e1 = await openError(unindexed);
    expect(e1).toBeInstanceOf(CorruptDataError);
    expect(e1.message).toBe(
      `data directory ${unindexed}: block #1 is missing from the canonical index: the chain database is damaged; ` +
        'restore a backup or start over with an empty --datadir (cairn verify checks the whole chain)',
    );

    const bodiless = await usedDir();
    const hash = await blockOne(bodiless);
    await withRawStore(bodiless, (db) => db.del(rawKey('blocks', hash)));
    const e2 = await openError(bodiless);
    expect(e2).toBeInstanceOf(CorruptDataError);
    expect(e2.message).toContain(`block #1 (${bytesToHex(hash)}) is missing`);

    const misindexed = await usedDir();
    const indexed = await blockOne(misindexed);
    await withRawStore(misindexed, (db) => db.put(rawKey('canonical', numberKey(1)), new Uint8Array(32).fill(7)));
    const e3 = await openError(misindexed);
    expect(e3).toBeInstanceOf(CorruptDataError);
    expect(e3.message).toContain(`block #1 in the canonical index is 0x${'07'.repeat(32)}, but the block above it names ${bytesToHex(indexed)} as its parent`);
  });

  it('refuses a directory another node holds open', async () => {
    env = newEnv();
    const dir = await env.dir();
    const chain = await env.open(dir);
    const err = await openError(dir);
    expect(err).toBeInstanceOf(DataDirUnavailableError);
    expect(err.message).toContain(`data directory ${dir} is in use`);
    expect(chain.getAccount(ALICE).balance).toBe(100n * ETHER);
  });
});
