/**
 * Base of every error Cairn raises on purpose. `code` is a stable string a
 * caller can switch on; the JSON-RPC layer maps codes to wire error codes in
 * one place (src/rpc/errors.ts), the p2p layer to peer penalties.
 */
export class CairnError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Bytes that do not decode: bad hex, non-canonical RLP, wrong lengths. */
export class DecodingError extends CairnError {
  constructor(message: string) {
    super('DECODING', message);
  }
}
