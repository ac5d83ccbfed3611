import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parseAddress } from '../primitives/address.js';
import { UsageError } from './errors.js';

export type Options = NonNullable<ParseArgsConfig['options']>;

/** parseArgs with errors a user can act on instead of Node's internal codes. */
export function parse<O extends Options>(argv: string[], options: O, usage: string) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n\n${usage}`);
  }
}

export function parsePort(text: string, flag: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`${flag} must be a port number 0-65535, got "${text}"`);
  return port;
}

export function parsePositiveInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive whole number, got "${text}"`);
  return n;
}

export function addressArg(text: string | undefined, what: string): Uint8Array {
  if (!text) throw new UsageError(`${what} is required`);
  try {
    return parseAddress(text);
  } catch (err) {
    throw new UsageError(`${what}: ${(err as Error).message}`);
  }
}

export const DEFAULT_RPC_URL = 'http://127.0.0.1:8545';
