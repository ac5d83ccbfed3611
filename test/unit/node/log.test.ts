import { describe, expect, it } from 'vitest';
import { createLogger, isLogLevel } from '../../../src/node/log.js';

describe('logger', () => {
  it('writes one line per event with level and component, dropping levels above the threshold', () => {
    const lines: string[] = [];
    const log = createLogger('info', 'chain', (l) => lines.push(l));
    log.debug('not shown');
    log.info('imported block #1');
    log.child('rpc').error('port in use');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z INFO  chain    imported block #1$/);
    expect(lines[1]).toMatch(/ERROR rpc      port in use$/);
  });

  it('knows its levels', () => {
    expect(['error', 'warn', 'info', 'debug'].every(isLogLevel)).toBe(true);
    expect(isLogLevel('verbose')).toBe(false);
  });
});
