import type { LightFindings } from '../../consensus/light/index.js';
import { hashHeader } from '../../ledger/block/header.js';
import type { BlockHeader } from '../../ledger/block/types.js';
import { genesisHeader } from '../../ledger/genesis.js';
import { bytesToHex, equalBytes } from '../../primitives/hex.js';
import { ProofCheckError } from './errors.js';
import type { DecodedChain } from './format.js';

/**
 * The chain a proof claims to be about. Its genesis header must hash to its
 * genesis hash, and rebuilding block 0 from the rules the proof states
 * (chain id, block reward, consensus type and parameters) must give the
 * same hash: block 0's extraData starts with a digest of exactly these
 * (ledger/genesis.ts), so with a genesis hash the verifier trusts, the
 * parameters its light client uses are the chain's own, not the prover's.
 */

/** The first 32 bytes of block 0's extraData: the rules digest genesisHeader writes there. */
const RULES_DIGEST_BYTES = 32;

export interface IdentityExpectations {
  readonly expectedGenesisHash?: Uint8Array;
  readonly expectedChainId?: bigint;
}

/** Throws ProofCheckError when the genesis header or the rules do not match the genesis hash. */
export function checkGenesisCommitment(chain: DecodedChain): LightFindings {
  const genesis = bytesToHex(chain.genesisHash);
  if (!equalBytes(hashHeader(chain.genesisHeader), chain.genesisHash)) {
    throw new ProofCheckError(`the genesis header in the proof does not hash to its genesis hash ${genesis}`);
  }
  if (!equalBytes(hashHeader(rebuildGenesis(chain)), chain.genesisHash)) {
    throw new ProofCheckError(
      `the chain id, block reward or ${JSON.stringify(chain.consensus.type)} consensus parameters in the proof are not the ones genesis ${genesis} commits to`,
    );
  }
  return {
    proven: [`chain id ${chain.chainId}, the block reward and the ${JSON.stringify(chain.consensus.type)} consensus parameters in the proof are the ones genesis ${genesis} commits to`],
    notProven: [],
  };
}

/** Throws ProofCheckError when the proof is about another chain than the one expected. */
export function checkExpectations(chain: DecodedChain, expected: IdentityExpectations): LightFindings {
  const genesis = bytesToHex(chain.genesisHash);
  const proven: string[] = [];
  const notProven: string[] = [];
  if (expected.expectedChainId !== undefined && expected.expectedChainId !== chain.chainId) {
    throw new ProofCheckError(`the proof is about chain id ${chain.chainId}, not the expected chain id ${expected.expectedChainId}`);
  }
  if (expected.expectedGenesisHash === undefined) {
    notProven.push(`that genesis ${genesis} is the chain you mean: its hash is taken from the proof; give the verifier the genesis hash you trust`);
  } else if (!equalBytes(expected.expectedGenesisHash, chain.genesisHash)) {
    throw new ProofCheckError(`the proof is about the chain of genesis ${genesis}, not the expected genesis ${bytesToHex(expected.expectedGenesisHash)}`);
  } else {
    proven.push(`the proof is about the chain of genesis ${genesis}, the one expected`);
  }
  return { proven, notProven };
}

function rebuildGenesis(chain: DecodedChain): BlockHeader {
  const h = chain.genesisHeader;
  if (h.extraData.length < RULES_DIGEST_BYTES) throw new ProofCheckError('the genesis header carries no digest of the chain rules in its extraData');
  return genesisHeader(
    {
      chainId: chain.chainId,
      timestamp: h.timestamp,
      gasLimit: h.gasLimit,
      baseFee: h.baseFee,
      blockReward: chain.blockReward,
      extraData: h.extraData.subarray(RULES_DIGEST_BYTES),
      consensus: chain.consensus,
      alloc: new Map(),
    },
    h.consensus,
    h.stateRoot,
  );
}
