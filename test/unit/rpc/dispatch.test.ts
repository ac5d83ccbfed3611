import { describe, expect, it } from 'vitest';
import { RpcDispatcher } from '../../../src/rpc/dispatch.js';
import { invalidParams } from '../../../src/rpc/errors.js';
import { CairnError } from '../../../src/primitives/errors.js';

describe('RpcDispatcher', () => {
  const logged: string[] = [];
  const d = new RpcDispatcher(
    [
      {
        sync_ok: () => 'fine',
        async_ok: async (params) => params.length,
        unserialisable: () => 1n,
        invalid: () => {
          throw invalidParams('invalid argument 0 (x): no');
        },
        refused: async () => {
          throw new CairnError('SOMETHING', 'refused for a reason');
        },
      },
    ],
    { maxBatchSize: 10, logError: (m) => logged.push(m) },
  );
  const ask = async (body: unknown): Promise<unknown> => {
    const answer = await d.handle(JSON.stringify(body));
    return answer === null ? null : JSON.parse(answer);
  };

  it('answers synchronously when the handler does', () => {
    expect(d.handle('{"jsonrpc":"2.0","id":1,"method":"sync_ok"}')).toBe('{"jsonrpc":"2.0","id":1,"result":"fine"}');
  });

  it('awaits async handlers, alone and in batches', async () => {
    expect(await ask({ jsonrpc: '2.0', id: 'a', method: 'async_ok', params: [1, 2] })).toEqual({ jsonrpc: '2.0', id: 'a', result: 2 });
    expect(
      await ask([
        { jsonrpc: '2.0', id: 1, method: 'sync_ok' },
        { jsonrpc: '2.0', id: 2, method: 'async_ok' },
      ]),
    ).toEqual([
      { jsonrpc: '2.0', id: 1, result: 'fine' },
      { jsonrpc: '2.0', id: 2, result: 0 },
    ]);
  });

  it('maps errors: RpcError keeps its code, other CairnErrors are -32000, bugs are -32603 and logged', async () => {
    expect(await ask({ jsonrpc: '2.0', id: 1, method: 'invalid' })).toMatchObject({ error: { code: -32602, message: 'invalid argument 0 (x): no' } });
    expect(await ask({ jsonrpc: '2.0', id: 1, method: 'refused' })).toMatchObject({ error: { code: -32000, message: 'refused for a reason' } });
    logged.length = 0;
    expect(await ask({ jsonrpc: '2.0', id: 1, method: 'unserialisable' })).toMatchObject({ id: 1, error: { code: -32603 } });
    expect(logged).toHaveLength(1);
  });

  it('runs notifications without answering, even when they fail', async () => {
    expect(await ask({ jsonrpc: '2.0', method: 'refused' })).toBeNull();
    expect(await ask({ jsonrpc: '2.0', method: 'sync_ok' })).toBeNull();
  });

  it('refuses a method defined twice', () => {
    expect(() => new RpcDispatcher([{ a: () => 1 }, { a: () => 2 }], { maxBatchSize: 1, logError: () => {} })).toThrow(/defined twice/);
  });
});
