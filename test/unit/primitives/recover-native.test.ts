import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Worker as NodeWorker } from 'node:worker_threads';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { bytesToHex } from '../../../src/primitives/hex.js';
import { generatePrivateKey, signDigest } from '../../../src/primitives/keys.js';
import type { RecoverRequest, RecoveryBackend } from '../../../src/primitives/recover/backend.js';
import { HELPER_MIN_BATCH, loadNativeBackend } from '../../../src/primitives/recover/native.js';
import { signatureBytes } from '../../../src/primitives/signature.js';

// The helper thread runs the compiled worker: run `npx tsc -p tsconfig.json` first.

/** Every worker thread this file's code starts, to see whether the helper ran. */
const started = vi.hoisted(() => [] as { script: string; worker: NodeWorker }[]);
vi.mock('node:worker_threads', async (importOriginal) => {
  const original = await importOriginal<typeof import('node:worker_threads')>();
  class CountedWorker extends original.Worker {
    constructor(...args: ConstructorParameters<typeof original.Worker>) {
      super(...args);
      started.push({ script: String(args[0]), worker: this });
    }
  }
  return { ...original, Worker: CountedWorker };
});

const helpers = (): NodeWorker[] => started.filter((s) => s.script.endsWith('native-worker.js')).map((s) => s.worker);

/** Valid signatures; every seventh has r = 5, no curve point's x, so no key recovers. */
function requests(count: number): RecoverRequest[] {
  return Array.from({ length: count }, (_, i) => {
    const digest = new Uint8Array(randomBytes(32));
    const sig = signDigest(digest, generatePrivateKey());
    return { msgHash: digest, signature: signatureBytes(i % 7 === 6 ? 5n : sig.r, sig.s), recoveryId: sig.recoveryId };
  });
}

const hexOrNull = (keys: readonly (Uint8Array | null)[]): (string | null)[] => keys.map((k) => (k === null ? null : bytesToHex(k)));

describe('native backend helper thread', () => {
  const oneThread = loadNativeBackend({ helperThread: false });
  const opened: RecoveryBackend[] = [oneThread];
  const open = (): RecoveryBackend => {
    const backend = loadNativeBackend();
    opened.push(backend);
    return backend;
  };
  afterAll(async () => {
    await Promise.all(opened.map((b) => b.close()));
  });

  it('recovers half of a large batch on a second thread, with the answers of one thread', async () => {
    const batch = requests(HELPER_MIN_BATCH * 2 + 1);
    const before = helpers().length;
    const keys = await open().recoverPublicKeys(batch);
    expect(helpers().length).toBe(before + 1);
    expect(hexOrNull(keys)).toEqual(hexOrNull(await oneThread.recoverPublicKeys(batch)));
    // Both halves hold keys and nulls, in place.
    expect(keys.slice(0, HELPER_MIN_BATCH).some((k) => k === null)).toBe(true);
    expect(keys.slice(HELPER_MIN_BATCH).some((k) => k === null)).toBe(true);
    expect(keys.every((k, i) => (k === null) === (i % 7 === 6))).toBe(true);
  });

  it('keeps small batches on the calling thread, and starts no helper when told not to', async () => {
    const before = helpers().length;
    expect(await open().recoverPublicKeys(requests(HELPER_MIN_BATCH - 1))).toHaveLength(HELPER_MIN_BATCH - 1);
    expect(await oneThread.recoverPublicKeys(requests(HELPER_MIN_BATCH))).toHaveLength(HELPER_MIN_BATCH);
    expect(helpers().length).toBe(before);
  });

  it('refuses a malformed request in the helper’s half', async () => {
    const batch = requests(HELPER_MIN_BATCH);
    batch[batch.length - 1] = { ...batch[batch.length - 1]!, msgHash: new Uint8Array(31) };
    await expect(open().recoverPublicKeys(batch)).rejects.toThrow(RangeError);
  });

  it('recovers everything on the calling thread once the helper has died', async () => {
    const backend = open();
    const batch = requests(HELPER_MIN_BATCH);
    await backend.recoverPublicKeys(batch);
    await helpers().at(-1)!.terminate();
    const before = helpers().length;
    expect(hexOrNull(await backend.recoverPublicKeys(batch))).toEqual(hexOrNull(await oneThread.recoverPublicKeys(batch)));
    expect(helpers().length).toBe(before);
  });
});

describe('native backend from compiled dist/', () => {
  it('finds its helper next to it and does not keep the process alive without close()', async () => {
    const native = fileURLToPath(new URL('../../../dist/primitives/recover/native.js', import.meta.url));
    const batch = requests(HELPER_MIN_BATCH);
    const expected = hexOrNull(await loadNativeBackend({ helperThread: false }).recoverPublicKeys(batch));
    const packed = batch.map((r) => [bytesToHex(r.msgHash).slice(2), bytesToHex(r.signature).slice(2), r.recoveryId]);
    const script = `
      const { loadNativeBackend } = await import(${JSON.stringify(native)});
      const batch = ${JSON.stringify(packed)}.map(([d, s, id]) => ({ msgHash: Buffer.from(d, 'hex'), signature: Buffer.from(s, 'hex'), recoveryId: id }));
      const keys = await loadNativeBackend().recoverPublicKeys(batch);
      console.log(JSON.stringify(keys.map((k) => (k === null ? null : '0x' + Buffer.from(k).toString('hex')))));
    `;
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--input-type=module', '-e', script], { timeout: 15_000 }, (err, out, errOut) =>
        err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out),
      );
    });
    expect(JSON.parse(stdout)).toEqual(expected);
  });
});
