import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/cli/errors.js';
import { parsePrivateKey, readKeyFile, writeKeyFile } from '../../../src/cli/keyfile.js';
import { bytesToHex, hexToBytes } from '../../../src/primitives/hex.js';

const KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cairn-keyfile-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('key files', () => {
  it('writes {address, privateKey} with mode 0600 and reads it back', async () => {
    const path = join(dir, 'key.json');
    const written = await writeKeyFile(path, hexToBytes(KEY), false);
    expect(written.address).toBe('0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ address: written.address, privateKey: KEY });
    expect(bytesToHex(await readKeyFile(path))).toBe(KEY);
  });

  it('refuses to overwrite an existing file unless forced', async () => {
    const path = join(dir, 'key.json');
    await writeKeyFile(path, hexToBytes(KEY), false);
    await expect(writeKeyFile(path, hexToBytes(KEY), false)).rejects.toThrow(/already exists/);
    await expect(writeKeyFile(path, hexToBytes(KEY), true)).resolves.toMatchObject({ privateKey: KEY });
  });

  it('overwrites with mode 0600 whatever the old file\'s mode, and leaves no temporary file', async () => {
    const path = join(dir, 'shared.json');
    await writeFile(path, 'old', { mode: 0o644 });
    await writeKeyFile(path, hexToBytes(KEY), true);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(bytesToHex(await readKeyFile(path))).toBe(KEY);
    expect(await readdir(dir)).toEqual(['shared.json']);
  });

  it('says a directory is not a key file path, forced or not', async () => {
    const sub = join(dir, 'keys');
    await mkdir(sub);
    for (const force of [false, true]) {
      await expect(writeKeyFile(sub, hexToBytes(KEY), force)).rejects.toThrow(new UsageError(`${sub} is a directory: give --out the path of a file`));
    }
  });

  it('reads a file that holds only the hex key', async () => {
    const path = join(dir, 'raw.txt');
    await writeFile(path, KEY.slice(2) + '\n');
    expect(bytesToHex(await readKeyFile(path))).toBe(KEY);
  });

  it('explains what is wrong with a bad key file', async () => {
    const missing = join(dir, 'missing.json');
    await expect(readKeyFile(missing)).rejects.toThrow(`cannot read key file ${missing}: no such file (create one with "cairn keys new --out <file>")`);
    await expect(readKeyFile(dir)).rejects.toThrow(`cannot read key file ${dir}: it is a directory`);
    const noKey = join(dir, 'nokey.json');
    await writeFile(noKey, '{"address":"0x00"}');
    await expect(readKeyFile(noKey)).rejects.toThrow(/no "privateKey" field/);
    const numeric = join(dir, 'numeric.json');
    await writeFile(numeric, '{"privateKey":5}');
    await expect(readKeyFile(numeric)).rejects.toThrow(`key file ${numeric}: "privateKey" must be a 0x hex string, got 5`);
    const broken = join(dir, 'broken.json');
    await writeFile(broken, '{"privateKey":');
    await expect(readKeyFile(broken)).rejects.toThrow(/not valid JSON/);
  });

  it('refuses keys that are not 32 bytes or not valid on the curve', () => {
    expect(() => parsePrivateKey('0x1234', '--private-key')).toThrow(UsageError);
    expect(() => parsePrivateKey('0x' + '00'.repeat(32), '--private-key')).toThrow(/invalid secp256k1 private key/);
    expect(() => parsePrivateKey('0x' + 'ff'.repeat(32), '--private-key')).toThrow(/invalid secp256k1 private key/);
  });
});
