import { lightEngine, type LightAnchor, type LightFindings } from '../../consensus/light/index.js';
import { hashHeader } from '../../ledger/block/header.js';
import type { BlockHeader } from '../../ledger/block/types.js';
import type { SupplyEvent } from '../../ledger/modules/supply/index.js';
import { CairnError } from '../../primitives/errors.js';
import { bytesToHex, equalBytes } from '../../primitives/hex.js';
import { ProofCheckError } from './errors.js';
import { historyFindings, verifyEvent, type EventReport } from './events.js';
import { decodeProof, type DecodedProof } from './format.js';
import { checkExpectations, checkGenesisCommitment, type IdentityExpectations } from './identity.js';

/**
 * The offline verifier of provenance proofs (format.ts). It trusts nothing
 * the proof says without checking it, and reports in plain words what the
 * checks proved and what they could not: the identity of the chain, the
 * header links up to the anchor, each header's consensus evidence and the
 * anchor's finality (through the light client of the chain's consensus
 * type), and each event against its block. Every check runs even when
 * another failed, so the report lists every problem; `ok` is true only when
 * none failed.
 */

export type VerifyOptions = IdentityExpectations;

export interface VerifyReport {
  readonly ok: boolean;
  readonly proven: readonly string[];
  readonly notProven: readonly string[];
  readonly events: readonly EventReport[];
  readonly errors: readonly string[];
}

export function verifyProof(proof: unknown, options: VerifyOptions = {}): VerifyReport {
  let decoded: DecodedProof;
  try {
    decoded = decodeProof(proof);
  } catch (error) {
    if (!(error instanceof CairnError)) throw error;
    return { ok: false, proven: [], notProven: [], events: [], errors: [`not a readable proof: ${error.message}`] };
  }
  const report = new ReportBuilder();
  const { chain } = decoded;
  // Block 1's parent is the genesis header the identity carries: with it the headers reach genesis.
  const headers = decoded.headers[0]!.number === 1 ? [chain.genesisHeader, ...decoded.headers] : decoded.headers;
  report.check(() => checkGenesisCommitment(chain));
  report.check(() => checkExpectations(chain, options));
  report.check(() => checkHeaderChain(decoded, headers));

  const last = headers[headers.length - 1]!;
  const anchor: LightAnchor = { header: last, hash: hashHeader(last), finalized: decoded.anchor.status === 'finalized', headNumber: decoded.anchor.headNumber };
  const client = report.attempt(() =>
    lightEngine(chain.consensus.type).open(
      { chainId: chain.chainId, genesisHash: chain.genesisHash, genesisHeader: chain.genesisHeader, params: chain.consensus.params },
      decoded.engine,
    ),
  );
  if (client !== undefined) {
    report.check(() => client.verifyHeaders(headers));
    report.check(() => client.verifyFinality(anchor));
  }

  const byNumber = new Map<number, BlockHeader>(headers.map((header) => [header.number, header]));
  const verified: SupplyEvent[] = [];
  const events = decoded.events.map((proofEvent, i) => {
    const result = verifyEvent(proofEvent, i, byNumber, chain.chainId);
    if (result.event !== undefined && result.statement !== undefined) {
      verified.push(result.event);
      report.proven.push(result.statement);
    } else {
      report.errors.push(`event ${i} (block #${proofEvent.block}): ${result.report.error}`);
    }
    return result.report;
  });
  report.add(historyFindings(verified));
  report.notProven.push(
    `the number of transactions in each block: Merkle audit paths do not fix it and headers do not carry it ` +
      `(each event's position is proven by its record instead)`,
    `that the blocks were executed correctly: receipts are their producers' results, accepted by the chain's consensus; ` +
      `checking them would take the chain's state`,
  );
  return { ok: report.errors.length === 0, proven: report.proven, notProven: report.notProven, events, errors: report.errors };
}

class ReportBuilder {
  readonly proven: string[] = [];
  readonly notProven: string[] = [];
  readonly errors: string[] = [];

  add(findings: LightFindings): void {
    this.proven.push(...findings.proven);
    this.notProven.push(...findings.notProven);
  }

  /** Runs one check: its findings when it passes, its message as an error when it fails. */
  check(run: () => LightFindings): void {
    const findings = this.attempt(run);
    if (findings !== undefined) this.add(findings);
  }

  /** What `run` returns, or undefined after recording why it failed. */
  attempt<T>(run: () => T): T | undefined {
    try {
      return run();
    } catch (error) {
      if (!(error instanceof CairnError)) throw error;
      this.errors.push(error.message);
      return undefined;
    }
  }
}

/** The headers run without gaps, each linked to its parent, up to the anchor. */
function checkHeaderChain(proof: DecodedProof, headers: readonly BlockHeader[]): LightFindings {
  const { anchor, chain } = proof;
  const hashes = headers.map(hashHeader);
  for (let i = 1; i < headers.length; i++) {
    const header = headers[i]!;
    const parent = headers[i - 1]!;
    if (header.number !== parent.number + 1) {
      const gap = header.number > parent.number + 1 ? `: ${span(parent.number + 1, header.number - 1)} missing, so the link cannot be checked` : '';
      throw new ProofCheckError(`the headers are not consecutive: block #${parent.number} is followed by #${header.number}${gap}`);
    }
    if (!equalBytes(header.parentHash, hashes[i - 1]!)) {
      throw new ProofCheckError(
        `block #${header.number} does not link to block #${parent.number}: its parent hash is ${bytesToHex(header.parentHash)}, ` +
          `but block #${parent.number} in the proof hashes to ${bytesToHex(hashes[i - 1]!)} (a header of another chain, or an altered one)`,
      );
    }
    if (header.timestamp <= parent.timestamp) {
      throw new ProofCheckError(`block #${header.number}'s timestamp ${header.timestamp} is not after its parent's ${parent.timestamp}`);
    }
  }
  const first = headers[0]!;
  const last = headers[headers.length - 1]!;
  const lastHash = hashes[hashes.length - 1]!;
  if (first.number === 0 && !equalBytes(hashes[0]!, chain.genesisHash)) {
    throw new ProofCheckError(`the first header is block #0 ${bytesToHex(hashes[0]!)}, not genesis ${bytesToHex(chain.genesisHash)}`);
  }
  if (last.number !== anchor.number || !equalBytes(lastHash, anchor.hash)) {
    throw new ProofCheckError(`the last header is block #${last.number} ${bytesToHex(lastHash)}, but the anchor is block #${anchor.number} ${bytesToHex(anchor.hash)}`);
  }
  if (anchor.status === 'head' ? anchor.headNumber !== anchor.number : anchor.headNumber < anchor.number) {
    throw new ProofCheckError(`the anchor #${anchor.number} cannot be the node's ${anchor.status} when its head is #${anchor.headNumber}`);
  }
  const role = anchor.status === 'finalized' ? "the node's finalized block" : "the node's head";
  const anchorText = `block #${last.number} ${bytesToHex(lastHash)}, ${role}`;
  if (headers.length === 1) return { proven: [`the proof links to ${anchorText}`], notProven: [] };
  const fromGenesis = first.number === 0 ? `, from genesis ${bytesToHex(chain.genesisHash)}` : '';
  return {
    proven: [`blocks #${first.number}…#${last.number} link by parent hash${fromGenesis}: each is an ancestor of the anchor, ${anchorText}`],
    notProven: [],
  };
}

function span(from: number, to: number): string {
  return from === to ? `block #${from} is` : `blocks #${from}…#${to} are`;
}
