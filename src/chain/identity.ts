import type { Genesis } from '../ledger/genesis.js';
import { bytesToHex, equalBytes } from '../primitives/hex.js';
import { GenesisMismatchError } from './errors.js';
import type { ChainRules } from './storage/codecs.js';
import type { StoreIdentity } from './storage/store.js';

/** The genesis.json settings that define the chain but are not in the genesis block hash. */
export function chainRules(genesis: Genesis): ChainRules {
  return { chainId: genesis.chainId, blockReward: genesis.blockReward, consensusType: genesis.consensus.type };
}

const FIX = 'use another --datadir or the matching genesis.json';

/**
 * Refuses a data directory that belongs to another chain, naming what
 * differs and what the operator can do (the store itself refuses another
 * schema version). The genesis hash comes first; the rules catch a
 * genesis.json that changed only in fields the genesis block does not
 * commit to (chain id, block reward, consensus type).
 */
export function checkIdentity(stored: StoreIdentity, genesisHash: Uint8Array, genesis: Genesis, dataDir: string): void {
  const rules = chainRules(genesis);
  const where = `data directory ${dataDir} was created for genesis ${bytesToHex(stored.genesisHash)}`;
  if (!equalBytes(stored.genesisHash, genesisHash)) {
    throw new GenesisMismatchError(
      `${where} (chain id ${stored.rules.chainId}) but this node runs genesis ${bytesToHex(genesisHash)} (chain id ${rules.chainId}): ${FIX}`,
    );
  }
  const differences: string[] = [];
  if (stored.rules.chainId !== rules.chainId) differences.push(`chain id ${stored.rules.chainId}, genesis.json says ${rules.chainId}`);
  if (stored.rules.blockReward !== rules.blockReward) {
    differences.push(`block reward ${stored.rules.blockReward}, genesis.json says ${rules.blockReward}`);
  }
  if (stored.rules.consensusType !== rules.consensusType) {
    differences.push(`consensus ${JSON.stringify(stored.rules.consensusType)}, genesis.json says ${JSON.stringify(rules.consensusType)}`);
  }
  if (differences.length > 0) throw new GenesisMismatchError(`${where} with ${differences.join('; ')}: ${FIX}`);
}
