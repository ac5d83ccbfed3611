import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { toChecksumAddress } from '../primitives/address.js';
import { bytesToHex, hexToBytes } from '../primitives/hex.js';
import { addressOfPrivateKey } from '../primitives/keys.js';
import { UsageError } from './errors.js';

/**
 * A key file is JSON {"address": "0x…", "privateKey": "0x…"}, written with
 * mode 0600. It is not encrypted: it is meant for devnets and validators
 * whose host is the protection, as with a raw `--private-key`.
 */
export interface KeyFile {
  readonly address: string;
  readonly privateKey: string;
}

export function keyFileFor(privateKey: Uint8Array): KeyFile {
  return { address: toChecksumAddress(addressOfPrivateKey(privateKey)), privateKey: bytesToHex(privateKey) };
}

/**
 * Writes a key file with mode 0600. Overwriting writes a new file and renames
 * it over the old one: the old file's mode does not carry over, and a failed
 * write leaves the old key in place.
 */
export async function writeKeyFile(path: string, privateKey: Uint8Array, overwrite: boolean): Promise<KeyFile> {
  const content = keyFileFor(privateKey);
  const text = JSON.stringify(content, null, 2) + '\n';
  if (await isDirectory(path)) throw new UsageError(`${path} is a directory: give --out the path of a file`);
  if (!overwrite) {
    try {
      await writeFile(path, text, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new UsageError(`${path} already exists: choose another --out or pass --force`);
      throw new UsageError(`cannot write ${path}: ${(err as Error).message}`);
    }
    return content;
  }
  const temp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temp, text, { mode: 0o600, flag: 'wx' });
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw new UsageError(`cannot write ${path}: ${(err as Error).message}`);
  }
  return content;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

export function parsePrivateKey(text: string, source: string): Uint8Array {
  const trimmed = text.trim();
  if (!/^(0x)?[0-9a-fA-F]{64}$/.test(trimmed)) throw new UsageError(`${source} does not hold a 32-byte hex private key`);
  const key = hexToBytes(trimmed);
  try {
    addressOfPrivateKey(key);
  } catch {
    throw new UsageError(`${source} holds an invalid secp256k1 private key (zero or not below the curve order)`);
  }
  return key;
}

/** Reads a key file (JSON as above, or a file holding just the hex key). */
export async function readKeyFile(path: string): Promise<Uint8Array> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (code ?? String(err));
    throw new UsageError(`cannot read key file ${path}: ${why} (create one with "cairn keys new --out <file>")`);
  }
  if (text.trim().startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new UsageError(`key file ${path} is not valid JSON`);
    }
    const key = (parsed as { privateKey?: unknown }).privateKey;
    if (key === undefined) throw new UsageError(`key file ${path} has no "privateKey" field`);
    if (typeof key !== 'string') throw new UsageError(`key file ${path}: "privateKey" must be a 0x hex string, got ${JSON.stringify(key)}`);
    return parsePrivateKey(key, `key file ${path}`);
  }
  return parsePrivateKey(text, `key file ${path}`);
}
