import { chainDomain, parsePosParams } from '../../../../src/consensus/pos/params.js';
import { encodeSection as posSection, signHeader } from '../../../../src/consensus/pos/seal.js';
import type { ChainDomain } from '../../../../src/consensus/pos/signing.js';
import { slotStart } from '../../../../src/consensus/pos/slots.js';
import { encodeVote, signVote, type Vote } from '../../../../src/consensus/pos/votes.js';
import { parsePowParams } from '../../../../src/consensus/pow/params.js';
import { nextDifficulty } from '../../../../src/consensus/pow/retarget.js';
import { NONCE_BYTES, checkProof, decodeSection as powDecode, encodeSection as powSection, sealHash } from '../../../../src/consensus/pow/seal.js';
import type { LightValidator } from '../../../../src/consensus/light/index.js';
import { txRoot } from '../../../../src/ledger/block/block.js';
import { decodeHeader, encodeHeader, hashHeader } from '../../../../src/ledger/block/header.js';
import { receiptsRoot } from '../../../../src/ledger/block/receipt.js';
import type { BlockHeader, Receipt } from '../../../../src/ledger/block/types.js';
import { genesisHeader, parseGenesis, type Genesis } from '../../../../src/ledger/genesis.js';
import type { RecordReader } from '../../../../src/ledger/modules/module.js';
import { encodeStakingState, genesisStakingState, STAKING_STATE_KEY } from '../../../../src/ledger/modules/staking/index.js';
import { SUPPLY_ADDRESS, eventLog, type SupplyEvent } from '../../../../src/ledger/modules/supply/index.js';
import { signTransaction } from '../../../../src/ledger/tx/encode.js';
import type { Transaction } from '../../../../src/ledger/tx/types.js';
import type { ChainIdentity, ProofSource, SourceBlock, TxLocation } from '../../../../src/node/provenance/index.js';
import { keccak256 } from '../../../../src/primitives/hash.js';
import { bigintToFixedBytes, bytesToHex, hexToBytes, utf8ToBytes } from '../../../../src/primitives/hex.js';
import { addressOfPrivateKey } from '../../../../src/primitives/keys.js';
import { rlpEncode, type RlpValue } from '../../../../src/primitives/rlp.js';

/**
 * Real chains for proof tests: blocks of signed supply transactions with
 * their receipts and logs, headers mined (PoW, difficulty 4, so a seal takes
 * a few hashes) or signed by test validators (PoS), and an in-memory
 * ProofSource over them.
 */

export const GENESIS_TIME = 1_764_028_800_000;

/** Private key number i (small scalars are valid secp256k1 keys). */
export function key(i: number): Uint8Array {
  return bigintToFixedBytes(0x2000n + BigInt(i), 32);
}

export function address(i: number): Uint8Array {
  return addressOfPrivateKey(key(i));
}

/** One operation in a block: a supply event of `item`, or a refused one (status 0, no log), signed by key `signer`. */
export interface Op {
  readonly signer: number;
  readonly item: string;
  readonly type?: 'Registered' | 'Closed';
  readonly refused?: boolean;
}

export interface TestBlock {
  readonly header: BlockHeader;
  readonly hash: Uint8Array;
  readonly transactions: readonly Transaction[];
  readonly receipts: readonly Receipt[];
  readonly events: readonly SupplyEvent[];
}

export interface TestChain {
  readonly genesis: Genesis;
  readonly identity: ChainIdentity;
  /** Block 0 first. */
  readonly blocks: readonly TestBlock[];
  readonly kit: EngineKit;
}

/** What differs between the engines when building a test chain. */
export interface EngineKit {
  readonly type: 'pow' | 'pos';
  readonly params: Readonly<Record<string, unknown>>;
  genesisSection(): RlpValue[];
  timestamp(n: number): number;
  coinbase(n: number): Uint8Array;
  /** The finished header, from one whose consensus section is still empty. */
  seal(header: BlockHeader, parent: BlockHeader, genesis: Genesis): BlockHeader;
}

export const POW_PARAMS = { targetBlockTimeMs: 2000, initialDifficulty: 4, minDifficulty: 1, halfLifeMs: 32_000, confirmations: 3 };

export const powKit: EngineKit = {
  type: 'pow',
  params: POW_PARAMS,
  genesisSection: () => powSection(4n, new Uint8Array(NONCE_BYTES)),
  timestamp: (n) => GENESIS_TIME + n * 2000,
  coinbase: () => address(99),
  seal(header, parent) {
    const params = parsePowParams(POW_PARAMS);
    const difficulty = nextDifficulty({ number: parent.number, timestamp: parent.timestamp, difficulty: powDecode(parent).difficulty }, header.timestamp, params);
    return mine(header, difficulty);
  },
};

/** The header with difficulty `difficulty` and the first nonce that seals it. */
export function mine(header: BlockHeader, difficulty: bigint): BlockHeader {
  const hash = sealHash(header, difficulty);
  for (let n = 0n; ; n++) {
    const nonce = bigintToFixedBytes(n, NONCE_BYTES);
    if (checkProof(hash, nonce, difficulty)) return { ...header, consensus: powSection(difficulty, nonce) };
  }
}

/** Four validators, keys 0-3, stake 100 each. */
export const VALIDATORS: readonly LightValidator[] = [0, 1, 2, 3].map((i) => ({ address: address(i), stake: 100n }));
export const POS_PARAMS = {
  slotDurationMs: 1000,
  epochLength: 8,
  minStake: '1',
  unbondingEpochs: 1,
  validators: VALIDATORS.map((v) => ({ address: bytesToHex(v.address), stake: String(v.stake) })),
};
export const EMPTY_BODY_HASH = keccak256(rlpEncode([[], []]));

export function posDomain(chainId: bigint, params: Readonly<Record<string, unknown>> = POS_PARAMS): ChainDomain {
  return chainDomain(chainId, GENESIS_TIME, parsePosParams(params));
}

/** Block n sits in slot n and is signed by validator n mod 4 (a light client does not check the schedule). */
export function posKit(proposer: (n: number) => number = (n) => n % 4): EngineKit {
  return {
    type: 'pos',
    params: POS_PARAMS,
    genesisSection: () => posSection(0, EMPTY_BODY_HASH),
    timestamp: (n) => slotStart(n, { genesisTime: GENESIS_TIME, slotDurationMs: 1000, epochLength: 8 }),
    coinbase: (n) => address(proposer(n)),
    seal(header, _parent, genesis) {
      const unsigned = { ...header, consensus: posSection(header.number, EMPTY_BODY_HASH) };
      return signHeader(unsigned, EMPTY_BODY_HASH, key(proposer(header.number)), posDomain(genesis.chainId, genesis.consensus.params));
    },
  };
}

/** A chain whose block n (from 1) holds the operations plans[n - 1]; `chainId` and `extraData` make other chains. */
export function buildChain(kit: EngineKit, plans: readonly (readonly Op[])[], options: { chainId?: number; extraData?: string } = {}): TestChain {
  const genesis = parseGenesis({
    chainId: options.chainId ?? 13370,
    timestamp: GENESIS_TIME,
    gasLimit: '30000000',
    baseFee: '1000000000',
    blockReward: '2000000000000000000',
    extraData: options.extraData ?? '0x',
    consensus: { type: kit.type, [kit.type]: kit.params },
  });
  const header0 = genesisHeader(genesis, kit.genesisSection(), keccak256(utf8ToBytes('genesis state')));
  const blocks: TestBlock[] = [{ header: header0, hash: hashHeader(header0), transactions: [], receipts: [], events: [] }];
  const seqs = new Map<string, number>();
  const nonces = new Map<number, bigint>();
  for (const [i, plan] of plans.entries()) {
    const n = i + 1;
    const parent = blocks[blocks.length - 1]!;
    const transactions: Transaction[] = [];
    const receipts: Receipt[] = [];
    const events: SupplyEvent[] = [];
    let gas = 0n;
    for (const [txIndex, op] of plan.entries()) {
      const nonce = nonces.get(op.signer) ?? 0n;
      nonces.set(op.signer, nonce + 1n);
      const tx = signTransaction(
        {
          type: 2,
          chainId: genesis.chainId,
          nonce,
          gasPrice: null,
          maxFeePerGas: 2_000_000_000n,
          maxPriorityFeePerGas: 1_000_000_000n,
          gasLimit: 100_000n,
          to: SUPPLY_ADDRESS,
          value: 0n,
          data: utf8ToBytes(JSON.stringify({ op: op.type === 'Closed' ? 'close' : 'register', id: op.item })),
          accessList: [],
        },
        key(op.signer),
      );
      gas += 30_000n;
      const base = { cumulativeGasUsed: gas, gasUsed: 30_000n, effectiveGasPrice: 2_000_000_000n };
      transactions.push(tx);
      if (op.refused === true) {
        receipts.push({ status: 0, ...base, logs: [] });
        continue;
      }
      const seq = seqs.get(op.item) ?? 0;
      seqs.set(op.item, seq + 1);
      const common = { id: op.item, seq, signer: address(op.signer), txHash: tx.hash, blockNumber: n, txIndex };
      const event: SupplyEvent =
        op.type === 'Closed' ? { ...common, type: 'Closed', reason: 'sold' } : { ...common, type: 'Registered', kind: 'coffee', metadata: null };
      events.push(event);
      receipts.push({ status: 1, ...base, logs: [eventLog(event)] });
    }
    const unsealed: BlockHeader = {
      parentHash: parent.hash,
      number: n,
      timestamp: kit.timestamp(n),
      coinbase: kit.coinbase(n),
      txRoot: txRoot(transactions),
      receiptsRoot: receiptsRoot(receipts),
      stateRoot: keccak256(utf8ToBytes(`state ${n}`)),
      gasLimit: 30_000_000n,
      gasUsed: gas,
      baseFee: 1_000_000_000n,
      extraData: new Uint8Array(0),
      consensus: [],
    };
    const header = kit.seal(unsealed, parent.header, genesis);
    blocks.push({ header, hash: hashHeader(header), transactions, receipts, events });
  }
  return {
    genesis,
    identity: { chainId: genesis.chainId, genesisHash: blocks[0]!.hash, blockReward: genesis.blockReward, consensus: genesis.consensus },
    blocks,
    kit,
  };
}

/** Votes of validators `who` from `source` to block `target` of the chain. */
export function votes(chain: TestChain, who: readonly number[], source: number, target: number): Vote[] {
  const domain = posDomain(chain.genesis.chainId, chain.genesis.consensus.params);
  const checkpoint = (n: number) => ({ height: n, hash: chain.blocks[n]!.hash });
  return who.map((i) => signVote({ source: checkpoint(source), target: checkpoint(target) }, key(i), domain));
}

export interface SourceOptions {
  readonly head?: number;
  readonly finalized: number;
  /** Votes included on chain, by target block number. */
  readonly votes?: ReadonlyMap<number, readonly Vote[]>;
  readonly validators?: readonly LightValidator[];
}

/** A ProofSource over a test chain, as the node implements it over its Blockchain. */
export class MemorySource implements ProofSource {
  readonly chain: TestChain;
  readonly options: SourceOptions;
  /** Replace to make the node's records disagree with its headers. */
  receiptsOf: (block: TestBlock) => readonly Receipt[] = (block) => block.receipts;

  constructor(chain: TestChain, options: SourceOptions) {
    this.chain = chain;
    this.options = options;
  }

  get head(): number {
    return this.options.head ?? this.chain.blocks.length - 1;
  }

  identity(): ChainIdentity {
    return this.chain.identity;
  }

  checkpoints(): { head: number; finalized: number } {
    return { head: this.head, finalized: this.options.finalized };
  }

  async headerByNumber(n: number): Promise<BlockHeader | undefined> {
    return n <= this.head ? this.chain.blocks[n]?.header : undefined;
  }

  async blockByHash(hash: Uint8Array): Promise<SourceBlock | undefined> {
    return this.#block(hash);
  }

  async receipts(hash: Uint8Array): Promise<readonly Receipt[] | undefined> {
    const block = this.#block(hash);
    return block === undefined ? undefined : this.receiptsOf(block);
  }

  async txLocation(txHash: Uint8Array): Promise<TxLocation | undefined> {
    for (const block of this.chain.blocks) {
      const index = block.transactions.findIndex((tx) => bytesToHex(tx.hash) === bytesToHex(txHash));
      if (index >= 0) return { blockHash: block.hash, blockNumber: block.header.number, index };
    }
    return undefined;
  }

  /**
   * Votes for target n ride in block n + 1's body, as a proposer includes
   * them. The bodies past the test chain's end are made up, so that a short
   * test chain can still carry the votes that finalize its last blocks.
   */
  async consensusBodyByNumber(n: number): Promise<readonly RlpValue[] | undefined> {
    if (n > this.chain.blocks.length + 1) return undefined;
    return [(this.options.votes?.get(n - 1) ?? []).map(encodeVote), []];
  }

  get state(): RecordReader {
    return stakingState(this.options.validators ?? VALIDATORS);
  }

  #block(hash: Uint8Array): TestBlock | undefined {
    return this.chain.blocks.find((block) => bytesToHex(block.hash) === bytesToHex(hash));
  }
}

/** A state holding just the staking module's record of this validator set, as a PoS chain's head state does. */
export function stakingState(validators: readonly LightValidator[]): RecordReader {
  const record = encodeStakingState(genesisStakingState(validators));
  return { getRecord: (key) => (bytesToHex(key) === bytesToHex(STAKING_STATE_KEY) ? record : undefined) };
}

/** The events of the chain's blocks that concern `item`, as the history gives them. */
export function historyOf(chain: TestChain, item: string): SupplyEvent[] {
  return chain.blocks.flatMap((block) => block.events.filter((event) => event.id === item));
}

/** A proof document as plain mutable JSON, for tampering. */
export interface EditableProof {
  format: string;
  version: number;
  chain: { chainId: string; genesisHash: string; genesisHeader: string; blockReward: string; consensus: { type: string; params: Record<string, unknown> } };
  anchor: { number: number; hash: string; status: string; headNumber: number };
  headers: string[];
  engine: { validators?: { address: string; stake: string }[]; votes?: { validator: string; signature: string }[] };
  events: {
    block: number;
    index: number;
    treeSize: number;
    transaction: string;
    transactionPath: string[];
    receipt: string;
    receiptPath: string[];
    logIndex: number;
  }[];
}

export function editable(proof: unknown): EditableProof {
  return JSON.parse(JSON.stringify(proof)) as EditableProof;
}

/** `hex` with the low bit of byte `index` flipped (negative: from the end). */
export function flipByte(hex: string, index: number): string {
  const bytes = hexToBytes(hex);
  const i = index < 0 ? bytes.length + index : index;
  bytes[i] = bytes[i]! ^ 1;
  return bytesToHex(bytes);
}

/** A header of the document changed by `change`, re-encoded. */
export function reheader(hex: string, change: (header: BlockHeader) => BlockHeader): string {
  return bytesToHex(encodeHeader(change(decodeHeader(hexToBytes(hex)))));
}
