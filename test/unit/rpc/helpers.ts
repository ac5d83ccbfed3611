import { expect } from 'vitest';
import type { RpcDispatcher } from '../../../src/rpc/dispatch.js';

export interface Answer {
  jsonrpc: string;
  id: unknown;
  result?: unknown;
  error?: { code: number; message: string };
}

export async function call(dispatcher: RpcDispatcher, method: string, params: unknown[] = []): Promise<Answer> {
  const answer = await dispatcher.handle(JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }));
  if (answer === null) throw new Error('no answer');
  return JSON.parse(answer) as Answer;
}

/** The result of a call that must succeed. */
export async function result<T = unknown>(dispatcher: RpcDispatcher, method: string, params: unknown[] = []): Promise<T> {
  const answer = await call(dispatcher, method, params);
  expect(answer.error, `${method} failed: ${answer.error?.message}`).toBeUndefined();
  return answer.result as T;
}

/** The error of a call that must fail. */
export async function failure(dispatcher: RpcDispatcher, method: string, params: unknown[] = []): Promise<{ code: number; message: string }> {
  const answer = await call(dispatcher, method, params);
  expect(answer.result).toBeUndefined();
  expect(answer.error).toBeDefined();
  return answer.error!;
}

export const QUANTITY = /^0x(0|[1-9a-f][0-9a-f]*)$/;
export const HASH = /^0x[0-9a-f]{64}$/;
export const ADDRESS = /^0x[0-9a-f]{40}$/;
export const DATA = /^0x([0-9a-f]{2})*$/;

/** Asserts that every listed field of `obj` is a well-formed quantity. */
export function expectQuantities(obj: Record<string, unknown>, fields: readonly string[]): void {
  for (const f of fields) expect(obj[f], f).toMatch(QUANTITY);
}
