import { expect } from 'vitest';

/** Runs `fn` and returns the error it throws, checking its class and, when given, its code. */
export function thrown<E extends Error>(fn: () => unknown, type: abstract new (...args: never[]) => E, code?: string): E {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    if (code !== undefined) expect((error as E & { code?: unknown }).code).toBe(code);
    return error as E;
  }
  return expect.fail(`expected a ${type.name}${code === undefined ? '' : ` with code ${code}`}`);
}
