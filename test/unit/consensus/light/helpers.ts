import type { LightAnchor, LightChain } from '../../../../src/consensus/light/index.js';
import type { Vote } from '../../../../src/consensus/pos/votes.js';
import { bytesToHex, toQuantity } from '../../../../src/primitives/hex.js';
import type { LightValidator } from '../../../../src/consensus/light/index.js';
import type { TestChain } from '../../node/provenance/chain.js';

export { thrown } from '../../thrown.js';

/** What a light client knows of a test chain. */
export function lightChain(chain: TestChain, params: Readonly<Record<string, unknown>> = chain.genesis.consensus.params): LightChain {
  return { chainId: chain.genesis.chainId, genesisHash: chain.blocks[0]!.hash, genesisHeader: chain.blocks[0]!.header, params };
}

export function anchorAt(chain: TestChain, n: number, finalized: boolean): LightAnchor {
  return { header: chain.blocks[n]!.header, hash: chain.blocks[n]!.hash, finalized, headNumber: chain.blocks.length - 1 };
}

/** A PoS section of a proof, as the builder writes it. */
export function posSection(validators: readonly LightValidator[], votes: readonly Vote[]): unknown {
  return {
    validators: validators.map((v) => ({ address: bytesToHex(v.address), stake: toQuantity(v.stake) })),
    votes: votes.map((v) => ({
      source: { height: v.source.height, hash: bytesToHex(v.source.hash) },
      target: { height: v.target.height, hash: bytesToHex(v.target.hash) },
      validator: bytesToHex(v.validator),
      signature: bytesToHex(v.signature),
    })),
  };
}

