import { bodyHash, encodeBody } from '../../../../src/consensus/pos/body.js';
import { sampleProposer } from '../../../../src/consensus/pos/proposer.js';
import { encodeSection, signHeader } from '../../../../src/consensus/pos/seal.js';
import type { ChainDomain } from '../../../../src/consensus/pos/signing.js';
import { slotStart, type SlotClock } from '../../../../src/consensus/pos/slots.js';
import type { BlockHeader } from '../../../../src/ledger/block/types.js';
import { ValidatorSet } from '../../../../src/ledger/modules/staking/index.js';
import { keccak256 } from '../../../../src/primitives/hash.js';
import { bigintToFixedBytes, bytesToHex, utf8ToBytes } from '../../../../src/primitives/hex.js';
import { addressOfPrivateKey } from '../../../../src/primitives/keys.js';

export { thrown } from '../../thrown.js';

/** Shared test data for the PoS core: fixed keys, one chain domain, one clock. */

export const domain: ChainDomain = { chainId: 13370n, chainTag: keccak256(utf8ToBytes('cairn pos test chain')) };
export const otherChain: ChainDomain = { chainId: 13371n, chainTag: domain.chainTag };
export const clock: SlotClock = { genesisTime: 1_764_028_800_000, slotDurationMs: 1000, epochLength: 8 };
export const EMPTY_BODY = encodeBody({ votes: [], evidence: [] });

/** Private key number i (small scalars are valid secp256k1 keys). */
export function key(i: number): Uint8Array {
  return bigintToFixedBytes(0x1000n + BigInt(i), 32);
}

export function address(i: number): Uint8Array {
  return addressOfPrivateKey(key(i));
}

export interface TestValidator {
  readonly key: Uint8Array;
  readonly address: Uint8Array;
}

/** `count` validators with the given stakes (default 100 each), and their set. */
export function validators(stakes: readonly bigint[]): { set: ValidatorSet; keys: TestValidator[] } {
  const keys = stakes.map((_, i) => ({ key: key(i), address: address(i) }));
  return { set: new ValidatorSet(keys.map((v, i) => ({ address: v.address, stake: stakes[i]! }))), keys };
}

export function keyOf(keys: readonly TestValidator[], who: Uint8Array): Uint8Array {
  const found = keys.find((v) => bytesToHex(v.address) === bytesToHex(who));
  if (found === undefined) throw new Error(`no test key for ${bytesToHex(who)}`);
  return found.key;
}

/** A 32-byte hash named by a label, for blocks that need only an identity. */
export function hashOf(label: string): Uint8Array {
  return keccak256(utf8ToBytes(label));
}

export function header(fields: Partial<BlockHeader> & Pick<BlockHeader, 'consensus'>): BlockHeader {
  return {
    parentHash: new Uint8Array(32).fill(1),
    number: 7,
    timestamp: clock.genesisTime,
    coinbase: new Uint8Array(20),
    txRoot: new Uint8Array(32).fill(3),
    receiptsRoot: new Uint8Array(32).fill(4),
    stateRoot: new Uint8Array(32).fill(5),
    gasLimit: 30_000_000n,
    gasUsed: 0n,
    baseFee: 1_000_000_000n,
    extraData: new Uint8Array(0),
    ...fields,
  };
}

/** The genesis-like parent at slot `slot`, unsigned. */
export function parentAt(slot: number, number = 6): BlockHeader {
  return header({ number, timestamp: slotStart(slot, clock), consensus: encodeSection(slot, bodyHash(EMPTY_BODY)) });
}

/**
 * A block for `slot` signed by `signer` (default: the scheduled proposer of
 * `set` under `seed`), with coinbase = the signer and an empty body.
 */
export function proposal(
  slot: number,
  set: ValidatorSet,
  keys: readonly TestValidator[],
  seed: Uint8Array,
  options: { signer?: Uint8Array; signDomain?: ChainDomain; extraData?: Uint8Array } = {},
): BlockHeader {
  const signerKey = options.signer ?? keyOf(keys, sampleProposer(set, seed, slot).address);
  const unsigned = header({
    number: 7,
    timestamp: slotStart(slot, clock),
    coinbase: addressOfPrivateKey(signerKey),
    extraData: options.extraData ?? new Uint8Array(0),
    consensus: encodeSection(slot, bodyHash(EMPTY_BODY)),
  });
  return signHeader(unsigned, bodyHash(EMPTY_BODY), signerKey, options.signDomain ?? domain);
}

