/**
 * Provenance proofs of supply events: the document a node serves
 * (supply_getProof) and the offline verifier (`cairn supply verify`).
 */
export { buildProof, DEFAULT_MAX_EVENTS, DEFAULT_MAX_HEADERS, type BuildOptions } from './build.js';
export { ProofBuildError, ProofBuildErrorCode } from './errors.js';
export type { EventReport } from './events.js';
export {
  MAX_PROOF_EVENTS,
  MAX_PROOF_HEADERS,
  PROOF_FORMAT,
  PROOF_VERSION,
  type AnchorJson,
  type AnchorStatus,
  type ChainJson,
  type EventJson,
  type ProofDocument,
} from './format.js';
export type { ChainIdentity, ProofEventRef, ProofSource, SourceBlock, TxLocation } from './source.js';
export { chainProofSource } from './chain-source.js';
export { verifyProof, type VerifyOptions, type VerifyReport } from './verify.js';
