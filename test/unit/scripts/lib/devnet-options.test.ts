import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DIRS, parseDevnetOptions, UsageError, type DevnetOptions } from '../../../../scripts/lib/devnet-options.js';

const REPO = '/repo';
const parse = (...argv: string[]): DevnetOptions => {
  const options = parseDevnetOptions(argv, REPO);
  if (options === 'help') throw new Error('help');
  return options;
};

describe('parseDevnetOptions', () => {
  it('gives proof of work and proof of stake folders of their own, so both run side by side', () => {
    expect(parse().dir).toBe(join(REPO, DEFAULT_DIRS.pow));
    expect(parse('--consensus', 'pos').dir).toBe(join(REPO, DEFAULT_DIRS.pos));
    expect(DEFAULT_DIRS.pow).not.toBe(DEFAULT_DIRS.pos);
    expect(parse('--consensus', 'pos', '--datadir', '/tmp/x').dir).toBe('/tmp/x');
  });

  it('has the documented defaults', () => {
    expect(parse()).toMatchObject({ nodes: 3, consensus: 'pow', miners: 1, validators: 0, fresh: false, rpcPort: undefined, logLevel: 'info' });
    expect(parse('--consensus', 'pos', '--nodes', '4')).toMatchObject({ validators: 4, miners: 0 });
    expect(parseDevnetOptions(['-h'], REPO)).toBe('help');
  });

  it.each([
    [['--nodes', '0'], '--nodes must be a whole number from 1 to 64'],
    [['--miners', '4'], '--miners must be a whole number from 0 to 3'],
    [['--consensus', 'poa'], '--consensus must be pow or pos'],
    [['--epoch', '4'], '--validators, --slot-ms and --epoch are for --consensus pos'],
    [['--consensus', 'pos', '--miners', '1'], '--miners is for --consensus pow'],
    [['--rpc-port', '65535'], '--rpc-port must be a whole number from 1 to 65533'],
    [['--log-level', 'trace'], '--log-level must be error, warn, info or debug'],
  ])('refuses %j', (argv, message) => {
    expect(() => parseDevnetOptions(argv, REPO)).toThrow(UsageError);
    expect(() => parseDevnetOptions(argv, REPO)).toThrow(message);
  });

  it('shows the usage for an unknown option', () => {
    let thrown: unknown;
    try {
      parseDevnetOptions(['--node', '2'], REPO);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(UsageError);
    expect((thrown as UsageError).showUsage).toBe(true);
  });
});
