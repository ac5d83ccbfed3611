import type { BlockHeader } from '../../ledger/block/types.js';
import type { RecordReader } from '../../ledger/modules/module.js';
import type { RlpValue } from '../../primitives/rlp.js';
import type { JsonObject } from './json.js';

/**
 * The interface every light client implements. A light client checks the
 * consensus evidence of a chain offline: consecutive headers and the
 * evidence that the last of them (the anchor) is final, given only the
 * chain's identity and what the proof carries. It also knows which evidence
 * to gather from a node for a proof (the builder side), so that neither the
 * proof builder nor the verifier asks which consensus runs.
 */

/** A validator as a proof carries it. */
export interface LightValidator {
  readonly address: Uint8Array;
  readonly stake: bigint;
}

/** The chain a proof is about: its identity, as committed by its genesis block. */
export interface LightChain {
  readonly chainId: bigint;
  readonly genesisHash: Uint8Array;
  /** Block 0's header: the genesis time, the genesis consensus section. */
  readonly genesisHeader: BlockHeader;
  /** genesis.json's parameters of this engine (`consensus.<type>`), as JSON. */
  readonly params: Readonly<Record<string, unknown>>;
}

/** The block a proof links up to. */
export interface LightAnchor {
  readonly header: BlockHeader;
  readonly hash: Uint8Array;
  /** True when the node served it as its finalized block, false when as its head. */
  readonly finalized: boolean;
  /** The node's head number when the proof was built (its word only: the blocks above the anchor are not in a proof). */
  readonly headNumber: number;
}

/**
 * What the builder side reads from a node, whatever engine runs: the node
 * implements it over its chain; each light client reads its own evidence
 * out of it (PoS: votes from the bodies, the validator set from the state).
 */
export interface LightQuery {
  /** The canonical header at `number`, undefined above the head. */
  headerByNumber(number: number): Promise<BlockHeader | undefined>;
  /** The consensus body of canonical block `number`, undefined above the head. */
  consensusBodyByNumber(number: number): Promise<readonly RlpValue[] | undefined>;
  /** The head state's system-module records. */
  readonly state: RecordReader;
}

/** What a check established, in plain words. */
export interface LightFindings {
  readonly proven: readonly string[];
  readonly notProven: readonly string[];
}

/** A light client opened on one proof: its chain's parameters and the engine's section of the proof. */
export interface LightClient {
  /**
   * Checks the consensus sections of consecutive headers, oldest first, that
   * the caller has already linked by parent hash; a header numbered 0 is the
   * genesis block, which carries no seal. Throws LightClientError(BadHeader).
   */
  verifyHeaders(headers: readonly BlockHeader[]): LightFindings;
  /** Checks the evidence that the anchor is final. Throws LightClientError(BadFinality). */
  verifyFinality(anchor: LightAnchor): LightFindings;
}

export interface LightEngine {
  readonly kind: string;
  /**
   * Builder side: the engine's section of a proof anchored at `anchor` whose
   * headers are `headers` (PoS: the anchor's validator set and the votes that
   * finalize it; PoW: nothing). Throws LightClientError(Unavailable) when the
   * node cannot give what a verifier will need.
   */
  collect(anchor: LightAnchor, headers: readonly BlockHeader[], query: LightQuery): Promise<JsonObject>;
  /**
   * Verifier side: reads the chain's parameters and the engine's section.
   * Throws LightClientError(BadParams) or MalformedProofError.
   */
  open(chain: LightChain, section: unknown): LightClient;
}
