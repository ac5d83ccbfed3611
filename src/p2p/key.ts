import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import type { PrivateKey } from '@libp2p/interface';
import { P2PError, P2PErrorCode } from './errors.js';

export const KEY_FILE = 'p2p-key';

/**
 * The node's libp2p identity, kept in `<dataDir>/p2p-key` (libp2p's protobuf
 * encoding, mode 0600) so the peer id, and with it the bootstrap addresses
 * other nodes were given, survives restarts. Created on first start.
 */
export async function loadOrCreatePeerKey(dataDir: string): Promise<PrivateKey> {
  const path = join(dataDir, KEY_FILE);
  let bytes: Uint8Array | undefined;
  try {
    bytes = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw keyError(`cannot read the p2p key ${path}`, err);
  }
  if (bytes !== undefined) {
    try {
      return privateKeyFromProtobuf(bytes);
    } catch (err) {
      throw keyError(`the p2p key ${path} is damaged (delete it to make a new peer id)`, err);
    }
  }
  const key = await generateKeyPair('Ed25519');
  try {
    // 'wx': never overwrite a key another process wrote meanwhile.
    await writeFile(path, privateKeyToProtobuf(key), { mode: 0o600, flag: 'wx' });
  } catch (err) {
    throw keyError(`cannot write the p2p key ${path}`, err);
  }
  return key;
}

function keyError(message: string, cause: unknown): P2PError {
  const reason = cause instanceof Error ? ((cause as NodeJS.ErrnoException).code ?? cause.message) : String(cause);
  return new P2PError(P2PErrorCode.Key, `${message}: ${reason}`, { cause });
}
