import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { afterEach, describe, expect, it } from 'vitest';
import { P2PError, P2PErrorCode } from '../../../src/p2p/errors.js';
import { KEY_FILE, loadOrCreatePeerKey } from '../../../src/p2p/key.js';

let dir: string | undefined;
afterEach(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('p2p key', () => {
  it('is created once with mode 0600 and gives the same peer id after', async () => {
    dir = await mkdtemp(join(tmpdir(), 'cairn-key-'));
    const first = peerIdFromPrivateKey(await loadOrCreatePeerKey(dir)).toString();
    expect((await stat(join(dir, KEY_FILE))).mode & 0o777).toBe(0o600);
    expect(peerIdFromPrivateKey(await loadOrCreatePeerKey(dir)).toString()).toBe(first);
  });

  it('refuses a damaged key file, saying what to do', async () => {
    dir = await mkdtemp(join(tmpdir(), 'cairn-key-'));
    await writeFile(join(dir, KEY_FILE), 'not a key');
    const err = await loadOrCreatePeerKey(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(P2PError);
    expect((err as P2PError).code).toBe(P2PErrorCode.Key);
    expect((err as P2PError).message).toMatch(/is damaged \(delete it to make a new peer id\)/);
  });
});
