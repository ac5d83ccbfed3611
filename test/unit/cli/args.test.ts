import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePort, parsePositiveInt, parseWholeNumber, pathArg } from '../../../src/cli/args.js';
import { startCommand } from '../../../src/cli/commands/start.js';
import { UsageError } from '../../../src/cli/errors.js';

describe('number arguments', () => {
  it('takes ports 0-65535 written in decimal digits', () => {
    expect(parsePort('0', '--rpc-port')).toBe(0);
    expect(parsePort('8545', '--rpc-port')).toBe(8545);
    expect(parsePort('65535', '--rpc-port')).toBe(65535);
  });

  it('refuses what Number() would quietly turn into a port: empty, hex, exponents, spaces', () => {
    for (const bad of ['', ' ', '0x10', '1e3', ' 8545', '8545 ', '+80', '-1', '1.5', '65536', '99999999999999999999']) {
      expect(() => parsePort(bad, '--rpc-port'), JSON.stringify(bad)).toThrow(new UsageError(`--rpc-port must be a port number 0-65535, got "${bad}"`));
    }
  });

  it('takes whole numbers from 0 in decimal digits', () => {
    expect(parseWholeNumber('0', '--from')).toBe(0);
    expect(parseWholeNumber('1000', '--from')).toBe(1000);
    for (const text of ['', '-1', '1.5', '0x10', '1e3', ' 7']) {
      expect(() => parseWholeNumber(text, '--from')).toThrow(new UsageError(`--from must be a whole number (0 or more), got "${text}"`));
    }
  });

  it('takes positive whole numbers in decimal digits, up to a stated maximum', () => {
    expect(parsePositiveInt('1', '--limit')).toBe(1);
    expect(parsePositiveInt('250', '--limit')).toBe(250);
    for (const bad of ['', '0', '0x10', '1e2', '2.0', '-3', '9007199254740993']) {
      expect(() => parsePositiveInt(bad, '--limit'), JSON.stringify(bad)).toThrow(new UsageError(`--limit must be a positive whole number, got "${bad}"`));
    }
    expect(parsePositiveInt('4', '--n', { value: 4, why: 'four CPUs' })).toBe(4);
    expect(() => parsePositiveInt('5', '--n', { value: 4, why: 'four CPUs' })).toThrow(new UsageError('--n must be at most 4 (four CPUs), got "5"'));
  });
});

describe('path arguments', () => {
  it('resolves a path, and refuses an empty one rather than taking the current directory', () => {
    expect(pathArg('data/node1', '--datadir')).toBe(resolve('data/node1'));
    for (const empty of ['', '  ']) expect(() => pathArg(empty, '--datadir')).toThrow(new UsageError('--datadir needs a path, got an empty one'));
  });
});

describe('cairn start: arguments checked before anything starts', () => {
  // A genesis that is not there: were an argument let through, the start would stop on it instead of running a node.
  const NO_GENESIS = ['--genesis', '/nonexistent/cairn-test-genesis.json'];

  it('refuses more miner threads than the machine runs at once', async () => {
    const cpus = availableParallelism();
    await expect(startCommand(['--miner-threads', String(cpus + 1), ...NO_GENESIS], () => undefined)).rejects.toThrow(
      new UsageError(`--miner-threads must be at most ${cpus} (this machine runs ${cpus} threads at once), got "${cpus + 1}"`),
    );
  });

  it('refuses an empty --datadir, which would put the chain in the current directory', async () => {
    await expect(startCommand(['--datadir', '', ...NO_GENESIS], () => undefined)).rejects.toThrow(new UsageError('--datadir needs a path, got an empty one'));
  });

  it('refuses a port written in hex or left empty', async () => {
    await expect(startCommand(['--rpc-port', '0x10', ...NO_GENESIS], () => undefined)).rejects.toThrow(/--rpc-port must be a port number 0-65535, got "0x10"/);
    await expect(startCommand(['--p2p-port', '', ...NO_GENESIS], () => undefined)).rejects.toThrow(/--p2p-port must be a port number 0-65535, got ""/);
  });
});
