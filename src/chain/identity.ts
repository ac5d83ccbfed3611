import type { Genesis } from '../ledger/genesis.js';
import { bytesToHex, equalBytes } from '../primitives/hex.js';
import { GenesisMismatchError } from './errors.js';
import type { ChainRules } from './storage/codecs.js';
import type { StoreIdentity } from './storage/store.js';

/** The genesis.json settings an operator most often changes; stored so a refusal can name them. */
export function chainRules(genesis: Genesis): ChainRules {
  return { chainId: genesis.chainId, blockReward: genesis.blockReward, consensusType: genesis.consensus.type };
}

const FIX = 'use another --datadir or the matching genesis.json';

/**
 * Refuses a data directory that belongs to another chain, naming what
 * differs and what the operator can do (the store itself refuses another
 * schema version). The genesis hash commits to the whole genesis.json; when
 * the difference is one of the stored rules, the message names it.
 */
export function checkIdentity(stored: StoreIdentity, genesisHash: Uint8Array, genesis: Genesis, dataDir: string): void {
  const rules = chainRules(genesis);
  const where = `data directory ${dataDir} was created for genesis ${bytesToHex(stored.genesisHash)}`;
  const differences: string[] = [];
  if (stored.rules.chainId !== rules.chainId) differences.push(`chain id ${stored.rules.chainId}, genesis.json says ${rules.chainId}`);
  if (stored.rules.blockReward !== rules.blockReward) {
    differences.push(`block reward ${stored.rules.blockReward}, genesis.json says ${rules.blockReward}`);
  }
  if (stored.rules.consensusType !== rules.consensusType) {
    differences.push(`consensus ${JSON.stringify(stored.rules.consensusType)}, genesis.json says ${JSON.stringify(rules.consensusType)}`);
  }
  if (differences.length > 0) throw new GenesisMismatchError(`${where} with ${differences.join('; ')}: ${FIX}`);
  if (!equalBytes(stored.genesisHash, genesisHash)) {
    throw new GenesisMismatchError(
      `${where} (chain id ${stored.rules.chainId}) but this node runs genesis ${bytesToHex(genesisHash)} (chain id ${rules.chainId}): ${FIX}`,
    );
  }
}
