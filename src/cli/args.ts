import { resolve } from 'node:path';
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

/**
 * Decimal digits only: Number() would also take "", " ", "0x10" and "1e3",
 * so a typo or an empty shell variable would pass as 0 or a number never meant.
 */
function decimal(text: string): number | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** A whole number from 0 (an event number, a start). */
export function parseWholeNumber(text: string, flag: string): number {
  const n = decimal(text);
  if (n === undefined) throw new UsageError(`${flag} must be a whole number (0 or more), got "${text}"`);
  return n;
}

export function parsePort(text: string, flag: string): number {
  const port = decimal(text);
  if (port === undefined || port > 65535) throw new UsageError(`${flag} must be a port number 0-65535, got "${text}"`);
  return port;
}

/** A whole number from 1, and at most `max` when given (the message then says why). */
export function parsePositiveInt(text: string, flag: string, max?: { readonly value: number; readonly why: string }): number {
  const n = decimal(text);
  if (n === undefined || n < 1) throw new UsageError(`${flag} must be a positive whole number, got "${text}"`);
  if (max !== undefined && n > max.value) throw new UsageError(`${flag} must be at most ${max.value} (${max.why}), got "${text}"`);
  return n;
}

/**
 * A file or directory path, resolved. An empty one (an unset shell variable)
 * would resolve to the current directory: refused instead.
 */
export function pathArg(text: string, flag: string): string {
  if (text.trim() === '') throw new UsageError(`${flag} needs a path, got an empty one`);
  return resolve(text);
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
