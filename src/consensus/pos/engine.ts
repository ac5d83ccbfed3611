import { CairnError } from '../../primitives/errors.js';
import { bytesToHex, equalBytes } from '../../primitives/hex.js';
import { addressOfPrivateKey } from '../../primitives/keys.js';
import { recoverAddresses, type RecoveryBackend } from '../../primitives/recover/index.js';
import { rlpDecode, rlpEncode, type RlpValue } from '../../primitives/rlp.js';
import { InvalidSignatureError } from '../../primitives/signature.js';
import { BlockErrorCode, InvalidBlockError } from '../../ledger/block/errors.js';
import { hashHeader } from '../../ledger/block/header.js';
import type { Block, BlockHeader } from '../../ledger/block/types.js';
import type { RecordReader, SystemModule, SystemState } from '../../ledger/modules/module.js';
import {
  STAKING_ADDRESS,
  STAKING_STATE_KEY,
  StakingError,
  StakingModule,
  activeSet,
  encodeStakingState,
  genesisStakingState,
  readStakingState,
  slashableAmount,
  type ValidatorSet,
} from '../../ledger/modules/staking/index.js';
import type {
  BlockContext,
  ChainTip,
  Checkpoints,
  ConsensusEngine,
  ConsensusGossip,
  ConsensusViews,
  GenesisContribution,
  GossipVerdict,
  ProductionPlan,
} from '../engine.js';
import { MAX_EVIDENCE_PER_BLOCK, MAX_VOTES_PER_BLOCK, VOTE_INCLUSION_WINDOW, bodyHash, decodeBody, encodeBody, readBody } from './body.js';
import { EvidenceError, ProtectionErrorCode, SlashingProtectionError, ValidatorError, VoteError } from './errors.js';
import { BLOCK_WEIGHT, genesisFinality, isBetter } from './finality.js';
import type { PosConfig } from './params.js';
import { EvidencePool, ProposalWatch, VotePool } from './pool.js';
import { sampleProposer } from './proposer.js';
import { SlashingProtection } from './protection.js';
import { FINALITY_KEY, encodeFinality, readFinality, readSeeds } from './records.js';
import { decodeSection, encodeSection, proposalSigningHash, signHeader, verifySeal } from './seal.js';
import { recoveryRequest } from './signing.js';
import { evidenceSignatures, offenceOf, type Evidence } from './slashing.js';
import { epochOf, firstSlotOf, slotAt, slotStart } from './slots.js';
import { BlockTransition, scheduleAt, type Schedule } from './transition.js';
import { validatorState } from './validator-state.js';
import { posViews } from './views.js';
import { decodeVote, encodeVote, signVote, verifyVotes, type Vote } from './votes.js';

export interface PosEngineOptions {
  /** Recovers the signatures of block bodies and gossiped votes off the event loop. */
  readonly recovery: RecoveryBackend;
  /** The node's data directory: the slashing-protection record lives there. */
  readonly dataDir: string;
  /** The validator's 32-byte secp256k1 private key; without it the node follows and never signs. */
  readonly validatorKey?: Uint8Array;
  /** The clock, ms since the Unix epoch; Date.now by default. */
  readonly now?: () => number;
}

/** How far ahead planProduction looks for one of the validator's slots. */
export const PLAN_HORIZON_SLOTS = 4096;
/** A vote is ~190 bytes on the wire; anything much larger is not one. */
export const MAX_VOTE_MESSAGE_BYTES = 512;

const ZERO_HASH = new Uint8Array(32);
const NO_NONCE = new Uint8Array(8);

/**
 * Proof of stake behind the ConsensusEngine interface.
 *
 * All consensus state lives in the chain state (records.ts, and the staking
 * module's `staking/state`), written by beginBlock (transition.ts), so it
 * is committed by the state root, undone on a reorg, and derived by every
 * node from the chain alone. The engine keeps in memory only the vote and
 * evidence pools, the proposals it saw, the validator set of the latest
 * head (for gossip checks) and the slot it last planned.
 *
 * - Header (stateless, verifyHeader): seal.ts `verifySeal`: the slot
 *   follows the parent's, the timestamp is the slot's start, the signature
 *   recovers to the coinbase. A second, different signed header for one
 *   slot and proposer becomes double-proposal evidence in the pool.
 * - Body (stateless, verifyBody): body hash and caps, every vote and
 *   evidence signature through the RecoveryBackend.
 * - Execution (beginBlock): the epoch boundary, the proposer check of the
 *   coinbase, vote placement, slashing and finality (transition.ts).
 * - Fork choice: the longest chain among those that hold the finalized
 *   block, then the lowest tip hash (finality.ts).
 * - Production, with a validator key: planProduction finds the next slot
 *   this validator proposes, buildBody fills the body from the pools,
 *   seal signs through slashing protection (protection.ts).
 * - Gossip: votes. onHead signs one vote per height for the new head
 *   (through slashing protection) and pools it; receive checks and pools
 *   peers' votes; conflicting votes become evidence.
 *
 * The chain must run verifyBody before beginBlock on every block it
 * imports: beginBlock trusts the body's signatures.
 */
export class PosEngine implements ConsensusEngine {
  readonly kind = 'pos';
  readonly finality = 'absolute';
  readonly config: PosConfig;
  readonly modules: readonly SystemModule[];
  readonly gossip: ConsensusGossip;
  readonly views: ConsensusViews;
  /** The validator's address, when the node has a key. */
  readonly validator: Uint8Array | undefined;
  readonly #key: Uint8Array | undefined;
  readonly #recovery: RecoveryBackend;
  readonly #now: () => number;
  readonly #protection: Promise<SlashingProtection> | undefined;
  readonly #votes = new VotePool();
  readonly #evidence = new EvidencePool();
  readonly #proposals = new ProposalWatch();
  /** The latest head onHead saw, for gossip checks. */
  #head: { readonly number: number; readonly set: ValidatorSet } | undefined;
  /** The slot planProduction chose on a parent (hex hash), for buildBody. */
  #plan: { readonly parent: string; readonly slot: number } | undefined;
  /** The last slot slashing protection approved a proposal for in this process. */
  #spentSlot = -1;

  constructor(config: PosConfig, options: PosEngineOptions) {
    this.config = config;
    this.modules = [new StakingModule(config.params)];
    this.#recovery = options.recovery;
    this.#now = options.now ?? Date.now;
    this.#key = options.validatorKey;
    this.validator = this.#key === undefined ? undefined : addressOfPrivateKey(this.#key);
    if (this.validator !== undefined) {
      this.#protection = SlashingProtection.open(options.dataDir, { chainTag: config.domain.chainTag, validator: this.validator });
      // Handled here so an early failure is not an unhandled rejection; ready() and every signing path await it and rethrow.
      this.#protection.catch(() => undefined);
    }
    this.gossip = {
      receive: (message) => this.#receive(message),
      onHead: (head, headHash, state) => this.#onHead(head, headHash, state),
    };
    this.views = posViews(config);
  }

  get #rules(): { readonly minStake: bigint; readonly unbondingEpochs: number; readonly epochLength: number } {
    return this.config.params;
  }

  /** The validator's slashing-protection record is open (at once without a key); else its SlashingProtectionError. */
  async ready(): Promise<void> {
    await this.#protection;
  }

  genesisSection(): RlpValue[] {
    return encodeSection(0, bodyHash(encodeBody({ votes: [], evidence: [] })));
  }

  /**
   * The genesis validators bonded at epoch 0, finality at block 0 (its hash
   * is not known yet: the first block fills it in from its parentHash), and
   * their stake as the staking account's balance.
   */
  genesisState(): GenesisContribution {
    const { validators } = this.config.params;
    return {
      records: [
        [STAKING_STATE_KEY, encodeStakingState(genesisStakingState(validators))],
        [FINALITY_KEY, encodeFinality(genesisFinality(ZERO_HASH))],
      ],
      balances: [[STAKING_ADDRESS, validators.reduce((sum, v) => sum + v.stake, 0n)]],
    };
  }

  prepareSection(_parent: BlockHeader, timestamp: number, consensusBody: readonly RlpValue[]): RlpValue[] {
    return encodeSection(slotAt(timestamp, this.config.clock), bodyHash(consensusBody));
  }

  verifyHeader(header: BlockHeader, parent: BlockHeader): void {
    verifySeal(header, parent, this.config.clock, this.config.domain);
    const evidence = this.#proposals.observe(header);
    if (evidence !== undefined) this.#evidence.add(evidence);
  }

  async verifyBody(block: Block): Promise<void> {
    const n = block.header.number;
    const body = decodeBody(block);
    try {
      await verifyVotes(body.votes, this.config.domain, this.#recovery);
    } catch (error) {
      if (!(error instanceof VoteError)) throw error;
      throw new InvalidBlockError(BlockErrorCode.BadConsensus, `block ${n}: ${error.message}`, { cause: error });
    }
    if (body.evidence.length > 0) await this.#verifyEvidence(n, body.evidence);
    // Votes on chain are votes seen: a conflict with a pooled one is evidence too.
    for (const vote of body.votes) this.#observeVote(vote);
  }

  beginBlock(header: BlockContext, consensusBody: readonly RlpValue[], state: SystemState): void {
    const { slot } = decodeSection(header);
    const body = readBody(header.number, consensusBody);
    const transition = BlockTransition.open(state, this.#rules, { hash: header.parentHash, number: header.number - 1 }, slot);
    if (!equalBytes(header.coinbase, transition.proposer)) {
      throw new InvalidBlockError(
        BlockErrorCode.BadConsensus,
        `block ${header.number}: slot ${slot} belongs to proposer ${bytesToHex(transition.proposer)}, ` +
          `but the block's coinbase is ${bytesToHex(header.coinbase)}`,
      );
    }
    for (const vote of body.votes) transition.addVote(vote);
    for (const evidence of body.evidence) transition.addEvidence(evidence);
    transition.commit(state);
  }

  /**
   * The pooled votes and evidence that pass the rules against `state`, in a
   * block of the slot last planned on `parent` (or the next slot from now).
   */
  buildBody(parent: BlockHeader, state: RecordReader): RlpValue[] {
    const parentHash = hashHeader(parent);
    const slot =
      this.#plan !== undefined && this.#plan.parent === bytesToHex(parentHash)
        ? this.#plan.slot
        : Math.max(decodeSection(parent).slot + 1, slotAt(this.#now(), this.config.clock));
    const transition = BlockTransition.open(state, this.#rules, { hash: parentHash, number: parent.number }, slot);
    for (const vote of this.#votes.list()) {
      if (transition.votes.length >= MAX_VOTES_PER_BLOCK) break;
      skipInvalid(() => transition.addVote(vote));
    }
    for (const evidence of this.#evidence.list()) {
      if (transition.evidence.length >= MAX_EVIDENCE_PER_BLOCK) break;
      skipInvalid(() => transition.addEvidence(evidence));
    }
    return encodeBody({ votes: transition.votes, evidence: transition.evidence });
  }

  /**
   * The first slot after the head's, and not before the current one, that
   * this validator proposes, assuming the block is built on `head`: a later
   * epoch's set and seed are projected from the head's state
   * (transition.ts `scheduleAt`), which is exactly what that block's
   * beginBlock will compute. The search covers PLAN_HORIZON_SLOTS slots;
   * null without a key, or when the validator has no slot in them (not in
   * the projected set, or a very small stake): only a new head can change
   * that, and the producer plans again on every new head.
   */
  planProduction(head: BlockHeader, state: RecordReader, now: number): ProductionPlan | null {
    const me = this.validator;
    if (me === undefined) return null;
    const parent = { hash: hashHeader(head), number: head.number };
    const staking = readStakingState(state);
    const seeds = readSeeds(state);
    const { clock } = this.config;
    const { epochLength } = clock;
    // A slot already signed for (on a head that moved on before the block was imported) cannot be signed again.
    const first = Math.max(decodeSection(head).slot + 1, slotAt(now, clock), this.#spentSlot + 1);
    let slot = first;
    while (slot < first + PLAN_HORIZON_SLOTS) {
      const epoch = epochOf(slot, epochLength);
      const nextEpoch = firstSlotOf(epoch + 1, epochLength);
      let schedule: Schedule;
      try {
        schedule = scheduleAt(staking, seeds, parent, slot, epochLength);
      } catch (error) {
        if (error instanceof StakingError) return null;
        throw error;
      }
      if (schedule.set.has(me)) {
        for (; slot < nextEpoch; slot++) {
          if (!equalBytes(sampleProposer(schedule.set, schedule.seed, slot).address, me)) continue;
          this.#plan = { parent: bytesToHex(parent.hash), slot };
          const start = slotStart(slot, clock);
          return { at: start, timestamp: start, coinbase: me, refreshTimestamp: false };
        }
      }
      slot = nextEpoch;
    }
    return null;
  }

  weight(): bigint {
    return BLOCK_WEIGHT;
  }

  isBetter(candidate: ChainTip, current: ChainTip): boolean {
    return isBetter(candidate, current);
  }

  checkpoints(_head: BlockHeader, state: RecordReader): Checkpoints {
    const finality = readFinality(state);
    return { safe: finality.justified.height, finalized: finality.finalized.height };
  }

  /**
   * Signs a header prepared for this validator, after slashing protection
   * has recorded it: throws SlashingProtectionError(ConflictingProposal)
   * rather than sign a second block for a slot, and ValidatorError when the
   * node has no key or the header names another proposer.
   */
  async seal(header: BlockHeader, signal: AbortSignal): Promise<BlockHeader | null> {
    const key = this.#key;
    const me = this.validator;
    if (key === undefined || me === undefined || this.#protection === undefined) {
      throw new ValidatorError(`cannot seal block ${header.number}: this node has no validator key (--validator-key)`);
    }
    if (!equalBytes(header.coinbase, me)) {
      throw new ValidatorError(
        `cannot seal block ${header.number}: its coinbase ${bytesToHex(header.coinbase)} is not this validator ${bytesToHex(me)}`,
      );
    }
    if (signal.aborted) return null;
    const { slot, bodyHash: committed } = decodeSection(header);
    const unsigned = { ...header, consensus: encodeSection(slot, committed) };
    const protection = await this.#protection;
    await protection.approveProposal(slot, proposalSigningHash(unsigned, this.config.domain));
    // From here on this slot is spent, whether or not the block is used: plans skip it.
    this.#spentSlot = Math.max(this.#spentSlot, slot);
    if (signal.aborted) return null;
    return signHeader(unsigned, committed, key, this.config.domain);
  }

  sealFields(): { readonly difficulty: bigint; readonly nonce: Uint8Array } {
    return { difficulty: 0n, nonce: NO_NONCE };
  }

  status(head: BlockHeader, state: RecordReader): Record<string, string | number | boolean | null> {
    const staking = readStakingState(state);
    const finality = readFinality(state);
    const set = activeSet(staking);
    const { clock } = this.config;
    return {
      slot: decodeSection(head).slot,
      currentSlot: slotAt(this.#now(), clock),
      epoch: staking.epoch,
      slotDurationMs: clock.slotDurationMs,
      epochLength: clock.epochLength,
      minStake: this.config.params.minStake.toString(),
      unbondingEpochs: this.config.params.unbondingEpochs,
      validators: set.size,
      totalStake: set.totalStake.toString(),
      justified: finality.justified.height,
      finalized: finality.finalized.height,
      validating: this.validator !== undefined && set.has(this.validator),
      validator: this.validator === undefined ? null : bytesToHex(this.validator),
      validatorState: this.validator === undefined ? null : validatorState(staking, this.validator, this.config.params.minStake),
      pooledVotes: this.#votes.size,
      pooledEvidence: this.#evidence.list().length,
    };
  }

  async close(): Promise<void> {
    // Nothing runs in the background; wait for a protection record being opened so no file handle outlives the engine.
    await this.#protection?.catch(() => undefined);
  }

  /** Checks evidence shapes and signatures in one batch; InvalidBlockError(BadConsensus) for the first bad item. */
  async #verifyEvidence(n: number, evidence: readonly Evidence[]): Promise<void> {
    const checks = evidence.flatMap((item, index) => {
      try {
        offenceOf(item);
        return evidenceSignatures(item, this.config.domain).map((check) => ({
          ...check,
          index,
          request: recoveryRequest(check.digest, check.signature),
        }));
      } catch (error) {
        if (!(error instanceof EvidenceError || error instanceof InvalidSignatureError || error instanceof InvalidBlockError)) throw error;
        throw new InvalidBlockError(BlockErrorCode.BadConsensus, `block ${n}: evidence ${index}: ${error.message}`, { cause: error });
      }
    });
    const signers = await recoverAddresses(this.#recovery, checks.map((check) => check.request));
    for (const [i, check] of checks.entries()) {
      const signer = signers[i] ?? null;
      if (signer === null || !equalBytes(signer, check.signer)) {
        throw new InvalidBlockError(
          BlockErrorCode.BadConsensus,
          `block ${n}: evidence ${check.index}: a signature recovers to ${signer === null ? 'no key' : bytesToHex(signer)}, ` +
            `not to ${bytesToHex(check.signer)}`,
        );
      }
    }
  }

  /** Pools a vote whose signature is valid, and any evidence it makes. */
  #observeVote(vote: Vote): void {
    for (const evidence of this.#votes.add(vote)) this.#evidence.add(evidence);
  }

  async #receive(message: Uint8Array): Promise<GossipVerdict> {
    if (message.length > MAX_VOTE_MESSAGE_BYTES) return 'reject';
    let vote: Vote;
    try {
      vote = decodeVote(rlpDecode(message));
    } catch (error) {
      if (error instanceof CairnError) return 'reject';
      throw error;
    }
    const head = this.#head;
    // Without a head nothing can be judged; too old: no block may include it; too far ahead: not worth holding.
    if (head === undefined) return 'ignore';
    const height = vote.target.height;
    if (height <= head.number - VOTE_INCLUSION_WINDOW || height > head.number + VOTE_INCLUSION_WINDOW) return 'ignore';
    if (!head.set.has(vote.validator) || this.#votes.has(vote)) return 'ignore';
    try {
      await verifyVotes([vote], this.config.domain, this.#recovery);
    } catch (error) {
      if (error instanceof VoteError) return 'reject';
      throw error;
    }
    this.#observeVote(vote);
    return 'accept';
  }

  async #onHead(head: BlockHeader, headHash: Uint8Array, state: RecordReader): Promise<Uint8Array[]> {
    const staking = readStakingState(state);
    const set = activeSet(staking);
    this.#head = { number: head.number, set };
    // The next block (head + 1) may include votes down to head + 1 − window.
    this.#votes.prune(head.number + 1 - VOTE_INCLUSION_WINDOW);
    this.#evidence.retain((key, offender) => !staking.usedOffences.has(key) && slashableAmount(staking, offender) > 0n);
    const key = this.#key;
    const me = this.validator;
    if (key === undefined || me === undefined || this.#protection === undefined || !set.has(me)) return [];
    const source = readFinality(state).justified;
    const target = { height: head.number, hash: headHash };
    if (target.height <= source.height) return [];
    const protection = await this.#protection;
    const last = protection.lastVote;
    // One vote per height, rising sources: a head at or below the last vote (a reorg, a restart) gets none.
    if (last !== null && (target.height <= last.target.height || source.height < last.source.height)) return [];
    try {
      await protection.approveVote({ source, target });
    } catch (error) {
      if (error instanceof SlashingProtectionError && error.code === ProtectionErrorCode.ConflictingVote) return [];
      throw error;
    }
    const vote = signVote({ source, target }, key, this.config.domain);
    this.#observeVote(vote);
    return [rlpEncode(encodeVote(vote))];
  }
}

/** Runs a body-building step, skipping the item when the block's rules refuse it. */
function skipInvalid(step: () => void): void {
  try {
    step();
  } catch (error) {
    if (!(error instanceof InvalidBlockError)) throw error;
  }
}
