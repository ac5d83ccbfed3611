import { SupplyError, SupplyErrorCode } from '../ledger/modules/supply/index.js';
import { CairnError, DecodingError } from '../primitives/errors.js';

/**
 * The one place where errors become JSON-RPC error objects (STYLE.md: "code
 * maps to an API error in one place"). Wire codes follow geth and EIP-1474;
 * what wallets do with each is in WALLET-RPC.md §5.
 */

export enum RpcErrorCode {
  ParseError = 'RPC_PARSE_ERROR',
  InvalidRequest = 'RPC_INVALID_REQUEST',
  MethodNotFound = 'RPC_METHOD_NOT_FOUND',
  InvalidParams = 'RPC_INVALID_PARAMS',
  /** A well-formed request the node refuses or cannot serve (geth's -32000). */
  ServerError = 'RPC_SERVER_ERROR',
  /**
   * The method exists in Ethereum but this node will never serve it: signing
   * (the node holds no keys). EIP-1474's -32004 rather than -32601, so the
   * caller sees our explanation instead of "does not exist", and not
   * -32603/-32005, which viem retries.
   */
  MethodNotSupported = 'RPC_METHOD_NOT_SUPPORTED',
  /** A batch's answers passed the size limit; geth's code for it (errcodeResponseTooLarge). */
  ResponseTooLarge = 'RPC_RESPONSE_TOO_LARGE',
}

const WIRE_CODES: Readonly<Record<RpcErrorCode, number>> = {
  [RpcErrorCode.ParseError]: -32700,
  [RpcErrorCode.InvalidRequest]: -32600,
  [RpcErrorCode.MethodNotFound]: -32601,
  [RpcErrorCode.InvalidParams]: -32602,
  [RpcErrorCode.ServerError]: -32000,
  [RpcErrorCode.MethodNotSupported]: -32004,
  [RpcErrorCode.ResponseTooLarge]: -32003,
};

const INTERNAL_ERROR = -32603;

export class RpcError extends CairnError {
  declare readonly code: RpcErrorCode;
  constructor(code: RpcErrorCode, message: string) {
    super(code, message);
  }
}

export function wireCode(code: RpcErrorCode): number {
  return WIRE_CODES[code];
}

export function invalidParams(message: string): RpcError {
  return new RpcError(RpcErrorCode.InvalidParams, message);
}

export function serverError(message: string): RpcError {
  return new RpcError(RpcErrorCode.ServerError, message);
}

export interface WireError {
  readonly code: number;
  readonly message: string;
}

/**
 * - RpcError → its own code.
 * - DecodingError (undecodable bytes, e.g. a raw transaction) and a
 *   malformed supply query → -32602.
 * - Any other CairnError → -32000 with its message. This covers every
 *   InvalidTransactionError: its geth-worded message ("nonce too low: ...",
 *   "insufficient funds ...") is what viem and ethers match on, and -32000 is
 *   never retried, unlike -32603.
 * - Anything else is a bug or an I/O failure: -32603 with a generic message
 *   (internals stay out of answers), logged in full.
 */
export function toWireError(err: unknown, method: string, logError: (message: string) => void): WireError {
  if (err instanceof RpcError) return { code: WIRE_CODES[err.code], message: err.message };
  if (err instanceof DecodingError || (err instanceof SupplyError && err.code === SupplyErrorCode.InvalidQuery)) {
    return { code: WIRE_CODES[RpcErrorCode.InvalidParams], message: err.message };
  }
  if (err instanceof CairnError) return { code: WIRE_CODES[RpcErrorCode.ServerError], message: err.message };
  logError(`${method} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  return { code: INTERNAL_ERROR, message: `internal error while serving ${method}; the node's log has the details` };
}
