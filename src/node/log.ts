/**
 * A small levelled logger: one line per event, ISO time, level, component.
 * Writes to stderr so that stdout stays free for what a command prints.
 */
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

const RANK: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export interface Logger {
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
  child(component: string): Logger;
}

export function isLogLevel(value: string): value is LogLevel {
  return value in RANK;
}

export function createLogger(level: LogLevel = 'info', component = 'node', write: (line: string) => void = (l) => process.stderr.write(l + '\n')): Logger {
  const max = RANK[level];
  const emit = (lvl: LogLevel, message: string): void => {
    if (RANK[lvl] > max) return;
    write(`${new Date().toISOString()} ${lvl.toUpperCase().padEnd(5)} ${component.padEnd(8)} ${message}`);
  };
  return {
    error: (m) => emit('error', m),
    warn: (m) => emit('warn', m),
    info: (m) => emit('info', m),
    debug: (m) => emit('debug', m),
    child: (c) => createLogger(level, c, write),
  };
}
