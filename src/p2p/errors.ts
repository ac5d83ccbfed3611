import { CairnError } from '../primitives/errors.js';

export enum P2PErrorCode {
  /** Bytes from a peer that do not decode as the protocol's message, or break its caps. */
  BadMessage = 'P2P_BAD_MESSAGE',
  /** A request that got no (complete) answer in time. */
  Timeout = 'P2P_TIMEOUT',
  /** The peer answered with an error code instead of data. */
  Refused = 'P2P_REFUSED',
  /** The stream or connection failed (peer gone, reset, dial refused). */
  Unavailable = 'P2P_UNAVAILABLE',
  /** The p2p key file cannot be read, parsed or written. */
  Key = 'P2P_KEY',
  /** A p2p setting that cannot work, e.g. a bootstrap address without a peer id. */
  Config = 'P2P_CONFIG',
}

export class P2PError extends CairnError {
  declare readonly code: P2PErrorCode;
  constructor(code: P2PErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
