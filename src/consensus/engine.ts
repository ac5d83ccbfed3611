import type { Block, BlockHeader } from '../ledger/block/types.js';
import type { RecordReader, SystemModule, SystemState } from '../ledger/modules/module.js';
import type { RlpValue } from '../primitives/rlp.js';

/** What fork choice compares: a chain's tip and its accumulated weight. */
export interface ChainTip {
  readonly hash: Uint8Array;
  readonly number: number;
  /** Sum of `weight(header)` from genesis to this tip (PoW: total difficulty). */
  readonly totalWeight: bigint;
}

/** The header fields the engine's part of execution sees (a full BlockHeader fits). */
export type BlockContext = Pick<BlockHeader, 'parentHash' | 'number' | 'timestamp' | 'coinbase' | 'consensus'>;

/** Block numbers the RPC tags "safe" and "finalized" name, given a head and its state. */
export interface Checkpoints {
  readonly safe: number;
  readonly finalized: number;
}

/** When and how this node should produce its next block on a head. */
export interface ProductionPlan {
  /** Build at this time (ms since the Unix epoch). */
  readonly at: number;
  /** The new block's timestamp (ms). */
  readonly timestamp: number;
  /** Who the block pays; undefined: the node's --coinbase. PoS: the proposer itself. */
  readonly coinbase?: Uint8Array;
  /**
   * True when the producer should refresh the timestamp while sealing (PoW:
   * the difficulty follows it); false when the timestamp is fixed (PoS: the slot's start).
   */
  readonly refreshTimestamp: boolean;
}

export interface GenesisContribution {
  readonly records: ReadonlyArray<readonly [key: Uint8Array, value: Uint8Array]>;
  readonly balances: ReadonlyArray<readonly [address: Uint8Array, amount: bigint]>;
}

/** A JSON value, as the RPC serves it. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };
export type JsonRecord = { readonly [key: string]: JsonValue };

/**
 * Views of an engine's own state for JSON-RPC (cairn_validators,
 * cairn_finality, cairn_staking), already in JSON: amounts as decimal wei
 * strings, addresses EIP-55. Engines without validators (PoW) have none.
 */
export interface ConsensusViews {
  /** The active set with stakes, and the proposers of the next slots. */
  validators(head: BlockHeader, state: RecordReader, now: number): JsonRecord;
  /** The safe and finalized checkpoints, the vote tallies, the votes of recent heights. */
  finality(head: BlockHeader, state: RecordReader): JsonRecord;
  /** An account's bonded stake, pending changes, unbonding funds. */
  staking(state: RecordReader, address: Uint8Array): JsonRecord;
}

/** What a peer's consensus message is worth to gossip scoring. */
export type GossipVerdict = 'accept' | 'ignore' | 'reject';

/**
 * An engine's own gossip beside blocks and transactions (PoS: votes). The
 * node relays opaque bytes on the consensus topic; only the engine reads them.
 */
export interface ConsensusGossip {
  /** A message from a peer: 'accept' relays it, 'ignore' drops it, 'reject' also penalises the sender. */
  receive(message: Uint8Array): Promise<GossipVerdict>;
  /** Messages this node signs for its new head (PoS: its validator's vote), to publish. */
  onHead(head: BlockHeader, headHash: Uint8Array, state: RecordReader): Promise<Uint8Array[]>;
}

/**
 * A consensus engine owns exactly what differs between PoW and PoS (DESIGN.md):
 * the header's `consensus` section and its verification, sealing, fork-choice
 * weight and finality, its body section, the state it keeps (PoS: stakes,
 * finality) and its system modules. Nothing outside src/consensus/ asks which
 * engine runs. Engines know nothing of libp2p, HTTP or LevelDB.
 */
export interface ConsensusEngine {
  readonly kind: string;
  /**
   * 'absolute': the chain never leaves the finalized block (PoS, by votes);
   * 'probabilistic': "finalized" is only a confirmation depth (PoW), and a
   * heavier chain may still replace it, so the chain does not enforce it.
   */
  readonly finality: 'absolute' | 'probabilistic';
  /** System modules this engine adds to execution (PoS: staking); none for PoW. */
  readonly modules: readonly SystemModule[];
  /** The engine's gossip, when it has any (PoS: votes). */
  readonly gossip: ConsensusGossip | undefined;
  /** JSON views of its validators, finality and stakes; undefined for an engine without validators (PoW). */
  readonly views: ConsensusViews | undefined;
  /** The consensus section of the genesis header. */
  genesisSection(): RlpValue[];
  /**
   * What this engine adds to the genesis state: records (PoS: the validator
   * set, finality) and balances added to genesis.json's alloc (PoS: the
   * staking module's account holds the initial validators' stake). Empty for PoW.
   */
  genesisState(): GenesisContribution;
  /**
   * The consensus section of a new, not yet sealed child of `parent` with the
   * given timestamp and consensus body (PoW: the retargeted difficulty and a
   * zero nonce; PoS: the slot and the body hash). Pure.
   */
  prepareSection(parent: BlockHeader, timestamp: number, consensusBody: readonly RlpValue[]): RlpValue[];
  /**
   * Checks the consensus section of `header` against its parent without the
   * state: PoW the difficulty and the seal; PoS the slot and the proposer's
   * signature. Throws InvalidBlockError (codes BadConsensus / BadSeal).
   * Synchronous; it runs for side blocks too.
   */
  verifyHeader(header: BlockHeader, parent: BlockHeader): void;
  /**
   * Stateless checks of a block's consensus body before it is executed: PoW
   * wants it empty; PoS checks it against the header's body hash, its caps
   * and every vote and evidence signature. Throws InvalidBlockError(BadConsensus).
   */
  verifyBody(block: Block): Promise<void>;
  /**
   * The engine's part of executing a block on its parent's state, before the
   * transactions. PoS: advance the epoch, check that the coinbase is the
   * slot's proposer, count the included votes toward finality, apply
   * slashing evidence. Runs for blocks being built too (header unsealed).
   * Must not read what sealing changes (the seal; the timestamp, when the
   * plan refreshes it): the producer keeps the template's state root in the
   * sealed header, and the chain reuses the template's execution for it.
   * Deterministic and synchronous; throws InvalidBlockError(BadConsensus).
   */
  beginBlock(header: BlockContext, consensusBody: readonly RlpValue[], state: SystemState): void;
  /**
   * The consensus body of a new block on `parent`, whose state is `state`
   * (PoS: the pooled votes and evidence the chain does not hold yet); [] for PoW.
   */
  buildBody(parent: BlockHeader, state: RecordReader): RlpValue[];
  /** The next block this node should produce on `head`, or null when it has none to make (PoS: no validator key). */
  planProduction(head: BlockHeader, state: RecordReader, now: number): ProductionPlan | null;
  /** The fork-choice weight this block adds to its chain (PoW: its difficulty). */
  weight(header: BlockHeader): bigint;
  /** True when `candidate` should replace `current` as the head. */
  isBetter(candidate: ChainTip, current: ChainTip): boolean;
  /**
   * The safe and finalized block numbers given the head and its state. PoW:
   * a fixed confirmation depth (probabilistic). PoS: the justified and the
   * finalized checkpoints recorded in the state; the chain never reverts the
   * finalized one.
   */
  checkpoints(head: BlockHeader, state: RecordReader): Checkpoints;
  /**
   * Seals a prepared header (PoW: searches a nonce off the main thread; PoS:
   * the validator signs). Resolves null if `signal` aborts first.
   */
  seal(header: BlockHeader, signal: AbortSignal): Promise<BlockHeader | null>;
  /**
   * The values Ethereum tooling shows for a block's seal: PoW difficulty and
   * 8-byte nonce; PoS reports difficulty 0 and a zero nonce. Lets the RPC fill
   * `difficulty` and `nonce` without reading the consensus section itself.
   */
  sealFields(header: BlockHeader): { readonly difficulty: bigint; readonly nonce: Uint8Array };
  /** Engine state for `cairn_consensus` (difficulty, target, hash rate...). JSON-safe values only. */
  status(head: BlockHeader, state: RecordReader): Record<string, string | number | boolean | null>;
  /**
   * Resolves once the engine can sign what it produces; rejects with why it
   * never will, so the node refuses to start rather than run a producer that
   * signs nothing (PoS: a slashing-protection record that does not parse or
   * belongs to another key or chain).
   */
  ready(): Promise<void>;
  /** Stops worker threads and timers, if any. */
  close(): Promise<void>;
}
