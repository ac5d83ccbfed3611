import { readFile, writeFile } from 'node:fs/promises';
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

export async function writeKeyFile(path: string, privateKey: Uint8Array, overwrite: boolean): Promise<KeyFile> {
  const content = keyFileFor(privateKey);
  try {
    await writeFile(path, JSON.stringify(content, null, 2) + '\n', { mode: 0o600, flag: overwrite ? 'w' : 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new UsageError(`${path} already exists: choose another --out or pass --force`);
    throw new UsageError(`cannot write ${path}: ${(err as Error).message}`);
  }
  return content;
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
    throw new UsageError(`cannot read key file ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  if (text.trim().startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new UsageError(`key file ${path} is not valid JSON`);
    }
    const key = (parsed as { privateKey?: unknown }).privateKey;
    if (typeof key !== 'string') throw new UsageError(`key file ${path} has no "privateKey" field`);
    return parsePrivateKey(key, `key file ${path}`);
  }
  return parsePrivateKey(text, `key file ${path}`);
}
