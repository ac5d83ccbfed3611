import type { ConsensusEngine } from '../consensus/engine.js';
import { txRoot } from '../ledger/block/block.js';
import { BlockErrorCode, InvalidBlockError } from '../ledger/block/errors.js';
import type { Block, BlockHeader } from '../ledger/block/types.js';
import { nextBaseFee } from '../ledger/fees.js';
import { bytesToHex, equalBytes } from '../primitives/hex.js';

/** How far a block's timestamp may run ahead of the local clock (geth allows 15 s too). */
export const MAX_FUTURE_MS = 15_000;

/**
 * The largest encoded block that can be valid under `gasLimit`: every data
 * byte costs at least 4 gas (a zero byte), every transaction at least 21000
 * gas and carries at most ~256 bytes of envelope (signature, fees, address),
 * plus room for the header and a consensus body. A bigger block is refused
 * before anything else is done with it.
 */
export function maxBlockBytes(gasLimit: bigint): number {
  return Number(gasLimit / 4n + (gasLimit / 21_000n) * 256n) + 64 * 1024;
}

/**
 * Checks of the body against the header: size, then txRoot. They need no
 * parent. A failure says nothing about the header (another body may match
 * it), so callers must not remember the hash as invalid for these.
 * `encodedSize` is the length of encodeBlock(block) (encodedBlockSize).
 */
export function checkBody(block: Block, encodedSize: number, gasLimit: bigint): void {
  const n = block.header.number;
  const max = maxBlockBytes(gasLimit);
  if (encodedSize > max) {
    throw new InvalidBlockError(BlockErrorCode.TooLarge, `block ${n} is ${encodedSize} bytes, the limit is ${max}`);
  }
  const root = txRoot(block.transactions);
  if (!equalBytes(block.header.txRoot, root)) {
    throw new InvalidBlockError(
      BlockErrorCode.BadTxRoot,
      `block ${n}: txRoot ${bytesToHex(block.header.txRoot)} does not match its transactions (${bytesToHex(root)})`,
    );
  }
}

export interface HeaderRules {
  /** genesis.gasLimit: Cairn's gas limit is fixed by genesis. */
  readonly gasLimit: bigint;
  /** The local clock, ms. */
  readonly now: number;
  readonly engine: ConsensusEngine;
}

/** Checks a header against its parent's: number, time, gas, base fee, then the engine's rules and seal. */
export function checkHeader(header: BlockHeader, parent: BlockHeader, rules: HeaderRules): void {
  const n = header.number;
  if (n !== parent.number + 1) {
    throw new InvalidBlockError(BlockErrorCode.BadNumber, `block number ${n} does not follow its parent's number ${parent.number}`);
  }
  if (header.timestamp <= parent.timestamp) {
    throw new InvalidBlockError(
      BlockErrorCode.BadTimestamp,
      `block ${n}: timestamp ${header.timestamp} is not after its parent's ${parent.timestamp}`,
    );
  }
  if (isTooEarly(header, rules.now)) {
    throw new InvalidBlockError(
      BlockErrorCode.BadTimestamp,
      `block ${n}: timestamp ${header.timestamp} is more than ${MAX_FUTURE_MS / 1000} s ahead of the local clock (${rules.now})`,
    );
  }
  if (header.gasLimit !== rules.gasLimit) {
    throw new InvalidBlockError(BlockErrorCode.BadGas, `block ${n}: gas limit ${header.gasLimit}, genesis fixes it at ${rules.gasLimit}`);
  }
  if (header.gasUsed > header.gasLimit) {
    throw new InvalidBlockError(BlockErrorCode.BadGas, `block ${n}: gas used ${header.gasUsed} exceeds the gas limit ${header.gasLimit}`);
  }
  const baseFee = nextBaseFee(parent);
  if (header.baseFee !== baseFee) {
    throw new InvalidBlockError(BlockErrorCode.BadBaseFee, `block ${n}: base fee ${header.baseFee}, expected ${baseFee} from its parent`);
  }
  rules.engine.verifyHeader(header, parent);
}

/** A timestamp too far ahead of `now`: the block may become valid later, so it is not remembered as invalid. */
export function isTooEarly(header: BlockHeader, now: number): boolean {
  return header.timestamp > now + MAX_FUTURE_MS;
}
