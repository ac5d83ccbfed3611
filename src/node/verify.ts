import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Blockchain } from '../chain/blockchain.js';
import { createEngine } from '../consensus/index.js';
import { chainModules } from './modules.js';
import { decodeBlock } from '../ledger/block/block.js';
import { SenderRecovery } from '../ledger/tx/sender.js';
import { CairnError } from '../primitives/errors.js';
import { bytesToHex, equalBytes } from '../primitives/hex.js';
import { loadRecoveryBackend } from '../primitives/recover/index.js';
import type { Genesis } from '../ledger/genesis.js';

export class ChainVerificationError extends CairnError {
  constructor(message: string) {
    super('CHAIN_INVALID', message);
  }
}

export interface VerifyResult {
  readonly blocks: number;
  readonly transactions: number;
  readonly headHash: string;
}

/**
 * Checks a data directory's canonical chain from genesis to head by importing
 * every block, re-encoded from storage and with senders recovered afresh, into
 * an empty scratch store: seals, roots, signatures and state all re-checked.
 */
export async function verifyChain(dataDir: string, genesis: Genesis, onProgress?: (n: number, of: number) => void): Promise<VerifyResult> {
  const scratchDir = await mkdtemp(join(tmpdir(), 'cairn-verify-'));
  const sourceBackend = await loadRecoveryBackend();
  const scratchBackend = await loadRecoveryBackend();
  // No validator key: verification never signs.
  const engineOptions = { chainId: genesis.chainId, genesisTimestamp: genesis.timestamp };
  const sourceEngine = createEngine(genesis.consensus, { ...engineOptions, recovery: sourceBackend, dataDir });
  const scratchEngine = createEngine(genesis.consensus, { ...engineOptions, recovery: scratchBackend, dataDir: scratchDir });
  let source: Blockchain | undefined;
  let scratch: Blockchain | undefined;
  try {
    source = await Blockchain.open({ dataDir, genesis, engine: sourceEngine, recovery: new SenderRecovery(sourceBackend), modules: chainModules() });
    const recovery = new SenderRecovery(scratchBackend);
    scratch = await Blockchain.open({ dataDir: scratchDir, genesis, engine: scratchEngine, recovery, modules: chainModules() });
    const head = source.head;
    let transactions = 0;
    for (let n = 1; n <= head.header.number; n++) {
      const stored = await source.getEncodedBlockByNumber(n);
      if (!stored) throw new ChainVerificationError(`block #${n} is missing from the canonical chain`);
      let block;
      try {
        block = await decodeBlock(stored, recovery);
      } catch (err) {
        throw new ChainVerificationError(`block #${n} cannot be decoded: ${err instanceof Error ? err.message : String(err)}`);
      }
      try {
        await scratch.importBlock(block);
      } catch (err) {
        throw new ChainVerificationError(`block #${n} ${bytesToHex(block.hash)} is invalid: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (!equalBytes(scratch.head.hash, block.hash)) throw new ChainVerificationError(`block #${n} did not become the head when re-imported`);
      transactions += block.transactions.length;
      onProgress?.(n, head.header.number);
    }
    return { blocks: head.header.number, transactions, headHash: bytesToHex(head.hash) };
  } finally {
    await scratch?.close();
    await source?.close();
    await Promise.all([sourceEngine.close(), scratchEngine.close(), sourceBackend.close(), scratchBackend.close()]);
    await rm(scratchDir, { recursive: true, force: true });
  }
}
