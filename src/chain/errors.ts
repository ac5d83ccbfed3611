import { CairnError } from '../primitives/errors.js';

/**
 * Errors of the chain's data directory. Each message says what is wrong with
 * the directory and what the operator can do, because these stop a node at
 * startup and the operator reads them in a terminal, not a stack trace.
 * (Invalid blocks are InvalidBlockError from the ledger.)
 */
export enum ChainErrorCode {
  GenesisMismatch = 'CHAIN_GENESIS_MISMATCH',
  SchemaMismatch = 'CHAIN_SCHEMA_MISMATCH',
  CorruptData = 'CHAIN_CORRUPT_DATA',
  DataDirUnavailable = 'CHAIN_DATADIR_UNAVAILABLE',
  Closed = 'CHAIN_CLOSED',
}

export class ChainError extends CairnError {
  constructor(code: ChainErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** The data directory holds a chain that started from another genesis. */
export class GenesisMismatchError extends ChainError {
  constructor(message: string) {
    super(ChainErrorCode.GenesisMismatch, message);
  }
}

/** The data directory was written by a node with another storage layout. */
export class SchemaMismatchError extends ChainError {
  constructor(message: string) {
    super(ChainErrorCode.SchemaMismatch, message);
  }
}

/** A record is missing or does not decode: the store was damaged or edited. */
export class CorruptDataError extends ChainError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ChainErrorCode.CorruptData, message, options);
  }
}

/** LevelDB could not open the directory (locked by another node, no permission...). */
export class DataDirUnavailableError extends ChainError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ChainErrorCode.DataDirUnavailable, message, options);
  }
}

/** A call after `close()`. */
export class ChainClosedError extends ChainError {
  constructor() {
    super(ChainErrorCode.Closed, 'the chain store is closed');
  }
}
