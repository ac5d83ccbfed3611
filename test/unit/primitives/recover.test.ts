import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { bigintToFixedBytes, bytesToBigint, bytesToHex } from '../../../src/primitives/hex.js';
import { addressOfPrivateKey, generatePrivateKey, publicKeyOf, signDigest } from '../../../src/primitives/keys.js';
import type { RecoverRequest, RecoveryBackend } from '../../../src/primitives/recover/backend.js';
import { loadRecoveryBackend, recoverAddresses } from '../../../src/primitives/recover/index.js';
import { loadNativeBackend } from '../../../src/primitives/recover/native.js';
import { createNoblePool } from '../../../src/primitives/recover/noble-pool.js';
import { SECP256K1_HALF_N, SECP256K1_N, signatureBytes } from '../../../src/primitives/signature.js';

// The noble pool runs the compiled worker: run `npx tsc -p tsconfig.json` first.

function randomScalar(max: bigint): bigint {
  // 1..max, with negligible bias from reducing 48 random bytes.
  return (bytesToBigint(new Uint8Array(randomBytes(48))) % max) + 1n;
}

function request(digest: Uint8Array, r: bigint, s: bigint, recoveryId: number): RecoverRequest {
  return { msgHash: digest, signature: signatureBytes(r, s), recoveryId };
}

const randomDigest = (): Uint8Array => new Uint8Array(randomBytes(32));

interface Signed {
  readonly request: RecoverRequest;
  readonly publicKey: Uint8Array;
  readonly address: Uint8Array;
}

function signedRequests(count: number): Signed[] {
  return Array.from({ length: count }, () => {
    const key = generatePrivateKey();
    const digest = randomDigest();
    const sig = signDigest(digest, key);
    return { request: request(digest, sig.r, sig.s, sig.recoveryId), publicKey: publicKeyOf(key), address: addressOfPrivateKey(key) };
  });
}

function edgeCases(): RecoverRequest[] {
  const digests = [new Uint8Array(32), new Uint8Array(32).fill(0xff), bigintToFixedBytes(SECP256K1_N, 32), bigintToFixedBytes(SECP256K1_N + 1n, 32), randomDigest()];
  const rs = [1n, 2n, SECP256K1_N - 1n, SECP256K1_HALF_N, randomScalar(SECP256K1_N - 1n)];
  // High s is range-checked away before a backend sees it; included to pin agreement anyway.
  const ss = [1n, SECP256K1_HALF_N, SECP256K1_HALF_N + 1n, SECP256K1_N - 1n, randomScalar(SECP256K1_HALF_N)];
  const out: RecoverRequest[] = [];
  for (const d of digests) for (const r of rs) for (const s of ss) for (const id of [0, 1]) out.push(request(d, r, s, id));
  return out;
}

const hexOrNull = (keys: readonly (Uint8Array | null)[]): (string | null)[] => keys.map((k) => (k === null ? null : bytesToHex(k)));

describe('recovery backends', () => {
  let native: RecoveryBackend;
  let noble: RecoveryBackend;

  beforeAll(async () => {
    native = loadNativeBackend();
    noble = await createNoblePool({ workers: 2 });
  });

  afterAll(async () => {
    await noble.close();
    await native.close();
  });

  it('loadRecoveryBackend prefers native and honours prefer: noble', async () => {
    const preferred = await loadRecoveryBackend();
    expect(preferred.name).toBe('native-libsecp256k1');
    await preferred.close();
    const pool = await loadRecoveryBackend({ prefer: 'noble', workers: 1 });
    expect(pool.name).toBe('noble-workers');
    await pool.close();
  });

  it('agree on 3000 valid, id-flipped, random and edge-case signatures (differential)', async () => {
    const valid = signedRequests(1300);
    const flipped = valid.slice(0, 500).map(({ request: q }) => ({ ...q, recoveryId: 1 - q.recoveryId }));
    const random = Array.from({ length: 950 }, () =>
      request(randomDigest(), randomScalar(SECP256K1_N - 1n), randomScalar(SECP256K1_HALF_N), randomBytes(1)[0]! & 1),
    );
    const requests = [...valid.map((v) => v.request), ...flipped, ...random, ...edgeCases()];
    expect(requests.length).toBeGreaterThanOrEqual(3000);

    // One after the other: native on the main thread would take a core from the pool.
    const fromNative = await native.recoverPublicKeys(requests);
    const fromNoble = await noble.recoverPublicKeys(requests);
    expect(fromNoble).toHaveLength(requests.length);
    expect(hexOrNull(fromNoble)).toEqual(hexOrNull(fromNative));

    // Not vacuous: valid signatures give the signer, and some inputs give no key.
    valid.forEach((v, i) => expect(bytesToHex(fromNative[i]!)).toBe(bytesToHex(v.publicKey)));
    flipped.forEach((_, i) => expect(fromNative[valid.length + i] === null || bytesToHex(fromNative[valid.length + i]!) !== bytesToHex(valid[i]!.publicKey)).toBe(true));
    expect(fromNative.filter((k) => k === null).length).toBeGreaterThan(100);
  });

  it('recoverAddresses maps keys to addresses in order, null where none recovers', async () => {
    const valid = signedRequests(40);
    // 5^3 + 7 is not a square mod p, so no curve point has x = 5.
    const noKey = request(randomDigest(), 5n, 1n, 0);
    const requests = [valid[0]!.request, noKey, ...valid.slice(1).map((v) => v.request)];
    const expected = [bytesToHex(valid[0]!.address), null, ...valid.slice(1).map((v) => bytesToHex(v.address))];
    for (const backend of [native, noble]) {
      const addresses = await recoverAddresses(backend, requests);
      expect(hexOrNull(addresses)).toEqual(expected);
    }
  });

  it('keep order across concurrent calls of different sizes on the pool', async () => {
    const batches = [signedRequests(3), signedRequests(150), signedRequests(1), signedRequests(70)];
    const results = await Promise.all(batches.map((b) => noble.recoverPublicKeys(b.map((s) => s.request))));
    results.forEach((keys, i) => expect(hexOrNull(keys)).toEqual(batches[i]!.map((s) => bytesToHex(s.publicKey))));
  });

  it('return an empty list for no requests', async () => {
    expect(await native.recoverPublicKeys([])).toEqual([]);
    expect(await noble.recoverPublicKeys([])).toEqual([]);
  });

  it('both throw on a malformed request rather than answer', async () => {
    const bad = { msgHash: new Uint8Array(31), signature: new Uint8Array(64).fill(1), recoveryId: 0 };
    await expect(native.recoverPublicKeys([bad])).rejects.toThrow();
    await expect(noble.recoverPublicKeys([bad])).rejects.toThrow(RangeError);
  });

  it('a closed pool refuses work, and bad worker counts are refused', async () => {
    const pool = await createNoblePool({ workers: 1 });
    await pool.close();
    await expect(pool.recoverPublicKeys(signedRequests(1).map((s) => s.request))).rejects.toThrow(/closed/);
    await expect(createNoblePool({ workers: 0 })).rejects.toThrow(RangeError);
  });
});

describe('recovery backend fallback', () => {
  it('falls back to the noble pool when the native binding does not load', async () => {
    vi.resetModules();
    vi.doMock('../../../src/primitives/recover/native.js', () => ({
      loadNativeBackend: (): never => {
        throw new Error('no prebuilt binary for this platform');
      },
    }));
    try {
      const { loadRecoveryBackend: load } = await import('../../../src/primitives/recover/index.js');
      const backend = await load({ workers: 1 });
      expect(backend.name).toBe('noble-workers');
      await backend.close();
    } finally {
      vi.doUnmock('../../../src/primitives/recover/native.js');
      vi.resetModules();
    }
  });
});

describe('noble pool from compiled dist/', () => {
  it('finds its worker next to it and does not keep the process alive without close()', async () => {
    const index = fileURLToPath(new URL('../../../dist/primitives/recover/index.js', import.meta.url));
    const [signed] = signedRequests(1);
    const script = `
      const { loadRecoveryBackend } = await import(${JSON.stringify(index)});
      const backend = await loadRecoveryBackend({ prefer: 'noble' });
      const [key] = await backend.recoverPublicKeys([{
        msgHash: Buffer.from(${JSON.stringify(bytesToHex(signed!.request.msgHash).slice(2))}, 'hex'),
        signature: Buffer.from(${JSON.stringify(bytesToHex(signed!.request.signature).slice(2))}, 'hex'),
        recoveryId: ${signed!.request.recoveryId},
      }]);
      console.log(backend.name, Buffer.from(key).toString('hex'));
    `;
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--input-type=module', '-e', script], { timeout: 15_000 }, (err, out, errOut) =>
        err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out),
      );
    });
    expect(stdout.trim()).toBe(`noble-workers ${bytesToHex(signed!.publicKey).slice(2)}`);
  });
});
