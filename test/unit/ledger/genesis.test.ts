import { describe, expect, it } from 'vitest';
import { hashHeader } from '../../../src/ledger/block/header.js';
import { bytesToHex, hexToBytes } from '../../../src/primitives/hex.js';
import { merkleRoot } from '../../../src/primitives/merkle.js';
import { GenesisError } from '../../../src/ledger/errors.js';
import { genesisHeader, genesisState, parseGenesis } from '../../../src/ledger/genesis.js';
import { accountEntry, LtHash, recordEntry } from '../../../src/ledger/state/lthash.js';

// A valid EIP-55 address (Hardhat's first account) and its lowercase form.
const CHECKSUMMED = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
const LOWER = CHECKSUMMED.toLowerCase();

function sample(): Record<string, unknown> {
  return {
    chainId: 13370,
    timestamp: 1764028800000,
    gasLimit: '30000000',
    baseFee: '0x3b9aca00',
    blockReward: '2000000000000000000',
    extraData: '0xcafe',
    consensus: { type: 'pow', pow: { targetBlockTimeMs: 2000, initialDifficulty: '1000' }, pos: { unused: true } },
    alloc: {
      [CHECKSUMMED]: { balance: '10000000000000000000000' },
      '0x70997970c51812dc3a010c7d01b50e0d17dc79c8': { balance: '0x10', nonce: 3 },
    },
  };
}

function parseWith(patch: Record<string, unknown>): () => unknown {
  return () => parseGenesis({ ...sample(), ...patch });
}

describe('parseGenesis', () => {
  it('parses numbers, decimal strings and 0x hex strings', () => {
    const g = parseGenesis(sample());
    expect(g.chainId).toBe(13370n);
    expect(g.timestamp).toBe(1764028800000);
    expect(g.gasLimit).toBe(30_000_000n);
    expect(g.baseFee).toBe(1_000_000_000n);
    expect(g.blockReward).toBe(2n * 10n ** 18n);
    expect(g.extraData).toEqual(hexToBytes('0xcafe'));
  });

  it('keys alloc by lowercase address, nonce defaulting to 0', () => {
    const g = parseGenesis(sample());
    expect(g.alloc.get(LOWER)).toEqual({ nonce: 0n, balance: 10_000n * 10n ** 18n });
    expect(g.alloc.get('0x70997970c51812dc3a010c7d01b50e0d17dc79c8')).toEqual({ nonce: 3n, balance: 16n });
    expect(g.alloc.size).toBe(2);
  });

  it("takes the engine's own section as consensus params", () => {
    expect(parseGenesis(sample()).consensus).toEqual({ type: 'pow', params: { targetBlockTimeMs: 2000, initialDifficulty: '1000' } });
    expect(parseGenesis({ ...sample(), consensus: { type: 'pos' } }).consensus).toEqual({ type: 'pos', params: {} });
  });

  it('defaults extraData to empty and alloc to none, and drops empty accounts', () => {
    const { extraData: _e, alloc: _a, ...rest } = sample();
    const g = parseGenesis(rest);
    expect(g.extraData).toEqual(new Uint8Array(0));
    expect(g.alloc.size).toBe(0);
    expect(parseGenesis({ ...sample(), alloc: { [LOWER]: { balance: 0 } } }).alloc.size).toBe(0);
  });

  it.each([
    [{ alloc: { [LOWER]: { balance: 1.5 } } }, `genesis.json: alloc["${LOWER}"].balance must be an integer`],
    [{ alloc: { [LOWER]: { balance: '12abc' } } }, `genesis.json: alloc["${LOWER}"].balance must be a decimal or 0x hex integer`],
    [{ alloc: { [LOWER]: { balance: -1 } } }, `genesis.json: alloc["${LOWER}"].balance must be between 0 and`],
    [{ alloc: { [LOWER]: {} } }, `genesis.json: alloc["${LOWER}"].balance is required`],
    [{ alloc: { [LOWER]: { balance: 1, code: '0x00' } } }, `genesis.json: unknown field alloc["${LOWER}"].code`],
    [{ alloc: { '0xabc': { balance: 1 } } }, 'genesis.json: alloc["0xabc"]: not an address'],
    [{ alloc: { '0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266': { balance: 1 } } }, 'invalid EIP-55 checksum'],
    [{ alloc: { [LOWER]: { balance: 1 }, [LOWER.toUpperCase().replace('0X', '0x')]: { balance: 2 } } }, 'appears more than once'],
    [{ alloc: [] }, 'genesis.json: alloc must be a JSON object'],
    [{ chainId: 0 }, 'genesis.json: chainId must be between 1 and 4503599627370476, got 0'],
    [{ chainId: undefined }, 'genesis.json: chainId is required'],
    [{ gasLimit: 20_999 }, 'genesis.json: gasLimit must be between 21000'],
    [{ gasLimit: (1n << 64n).toString() }, 'genesis.json: gasLimit must be between'],
    [{ timestamp: 1e300 }, 'genesis.json: timestamp must be an integer'],
    [{ baseFee: true }, 'genesis.json: baseFee must be a decimal or 0x hex integer'],
    [{ extraData: '0xabc' }, 'genesis.json: extraData must be 0x-prefixed hex bytes'],
    [{ consensus: { pow: {} } }, 'genesis.json: consensus.type must be a non-empty string'],
    [{ consensus: { type: 'pow', pow: 5 } }, 'genesis.json: consensus.pow must be a JSON object'],
    [{ gaslimit: 1 }, 'genesis.json: unknown field gaslimit'],
  ])('rejects %j with a message naming the field', (patch, message) => {
    expect(parseWith(patch)).toThrow(GenesisError);
    expect(parseWith(patch)).toThrow(message);
  });

  it('rejects a document that is not an object', () => {
    expect(() => parseGenesis([])).toThrow('genesis.json: the file must contain a JSON object');
    expect(() => parseGenesis(null)).toThrow(GenesisError);
  });

  it('names the file it was given in every message', () => {
    expect(() => parseGenesis([], '/srv/chain/devnet.json')).toThrow(/^\/srv\/chain\/devnet\.json: the file must contain a JSON object$/);
    expect(() => parseGenesis({ ...sample(), chainId: 0 }, 'devnet.json')).toThrow(/^devnet\.json: chainId must be between 1 and/);
  });

  it('does not take an inherited property as engine params', () => {
    expect(parseGenesis({ ...sample(), consensus: { type: 'toString' } }).consensus.params).toEqual({});
  });
});

describe('genesis block helpers', () => {
  it('genesisState commits to every alloc account', () => {
    const g = parseGenesis(sample());
    const expected = LtHash.empty();
    for (const [key, account] of g.alloc) expected.add(accountEntry(hexToBytes(key), account));
    expect(genesisState(g).ltHash.digest()).toEqual(expected.digest());
  });

  it("genesisState adds the engine's balances and records to alloc's accounts", () => {
    const g = parseGenesis(sample());
    const fresh = new Uint8Array(20).fill(7);
    const key = new TextEncoder().encode('staking/state');
    const value = Uint8Array.of(1, 2, 3);
    const state = genesisState(g, { records: [[key, value]], balances: [[fresh, 9n]] });
    expect(state.accounts.get(bytesToHex(fresh))).toEqual({ nonce: 0n, balance: 9n });
    expect(state.accounts.size).toBe(g.alloc.size + 1);
    expect(state.records.get(bytesToHex(key))).toEqual(value);
    const expected = LtHash.empty();
    for (const [k, account] of state.accounts) expected.add(accountEntry(hexToBytes(k), account));
    expected.add(recordEntry(key, value));
    expect(state.ltHash.digest()).toEqual(expected.digest());
  });

  it("refuses an alloc entry at an address the engine funds itself", () => {
    const g = parseGenesis(sample());
    const [first] = [...g.alloc.keys()];
    expect(() => genesisState(g, { records: [], balances: [[hexToBytes(first!), 5n]] })).toThrow(
      `the genesis file's alloc funds ${first}, an address the consensus engine reserves for its own funds: remove it from alloc`,
    );
  });

  it('genesisHeader is block 0 with no parent, no transactions and the given state root', () => {
    const g = parseGenesis(sample());
    const stateRoot = genesisState(g).ltHash.digest();
    const section = [Uint8Array.of(1)];
    const header = genesisHeader(g, section, stateRoot);
    expect(header).toEqual({
      parentHash: new Uint8Array(32),
      number: 0,
      timestamp: 1764028800000,
      coinbase: new Uint8Array(20),
      txRoot: merkleRoot([]),
      receiptsRoot: merkleRoot([]),
      stateRoot,
      gasLimit: 30_000_000n,
      gasUsed: 0n,
      baseFee: 1_000_000_000n,
      extraData: header.extraData,
      consensus: section,
    });
    expect(header.extraData).toHaveLength(34);
    expect(header.extraData.subarray(32)).toEqual(hexToBytes('0xcafe'));
    expect(bytesToHex(header.txRoot)).toBe('0xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('commits the genesis hash to the chain id, block reward and consensus rules', () => {
    const hashOf = (json: Record<string, unknown>): string => bytesToHex(hashHeader(genesisHeader(parseGenesis(json), [], new Uint8Array(32))));
    const base = hashOf(sample());
    expect(hashOf(sample())).toBe(base);
    expect(hashOf({ ...sample(), chainId: 4242 })).not.toBe(base);
    expect(hashOf({ ...sample(), blockReward: '1' })).not.toBe(base);
    const consensus = sample().consensus as { type: string; pow: Record<string, unknown> };
    expect(hashOf({ ...sample(), consensus: { ...consensus, pow: { ...consensus.pow, targetBlockTimeMs: 999 } } })).not.toBe(base);
    // Key order in the file does not matter, only the values.
    const reordered = Object.fromEntries(Object.entries(consensus.pow).reverse());
    expect(hashOf({ ...sample(), consensus: { type: consensus.type, pow: reordered } })).toBe(base);
  });
});
