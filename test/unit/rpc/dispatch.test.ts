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

  it('refuses an id that is a number beyond the double range: it could not be echoed', async () => {
    expect(JSON.parse(d.handle('{"jsonrpc":"2.0","id":1e400,"method":"sync_ok"}') as string)).toMatchObject({
      id: null,
      error: { code: -32600, message: expect.stringMatching(/id must be/) },
    });
  });

  it('takes "params": null as no params, as geth does', async () => {
    expect(await ask({ jsonrpc: '2.0', id: 1, method: 'async_ok', params: null })).toEqual({ jsonrpc: '2.0', id: 1, result: 0 });
  });

  it('answers a body that is not UTF-8 with a parse error', async () => {
    const answer = await d.handleBytes(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]));
    expect(JSON.parse(answer!)).toMatchObject({ id: null, error: { code: -32700, message: expect.stringMatching(/UTF-8/) } });
    expect(await d.handleBytes(Buffer.from('{"jsonrpc":"2.0","id":1,"method":"sync_ok"}'))).toBe('{"jsonrpc":"2.0","id":1,"result":"fine"}');
  });

  describe('batch answer size', () => {
    const runs: string[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const small = new RpcDispatcher(
      [
        {
          big: () => {
            runs.push('big');
            return 'x'.repeat(60);
          },
          slow: async () => {
            runs.push('slow');
            maxInFlight = Math.max(maxInFlight, ++inFlight);
            await new Promise((resolve) => setTimeout(resolve, 1));
            inFlight--;
            // Over the limit on its own: the calls running beside it still finish, no later one starts.
            return 'y'.repeat(120);
          },
        },
      ],
      { maxBatchSize: 10, maxBatchResponseChars: 100, maxBatchConcurrency: 2, logError: () => {} },
    );
    const askSmall = async (body: unknown): Promise<unknown> => {
      const answer = await small.handle(JSON.stringify(body));
      return answer === null ? null : JSON.parse(answer);
    };

    it('answers the calls after the limit with -32003 "response too large" (geth), without running them', async () => {
      runs.length = 0;
      const answer = await askSmall([
        { jsonrpc: '2.0', id: 1, method: 'big' },
        { jsonrpc: '2.0', id: 2, method: 'big' },
        { jsonrpc: '2.0', id: 'three', method: 'big' },
        { jsonrpc: '2.0', method: 'big' },
        { jsonrpc: '2.0', id: 4, method: 'nope' },
        7,
      ]);
      const tooLarge = { code: -32003, message: expect.stringMatching(/^response too large/) };
      expect(answer).toEqual([
        { jsonrpc: '2.0', id: 1, result: 'x'.repeat(60) },
        { jsonrpc: '2.0', id: 2, result: 'x'.repeat(60) },
        { jsonrpc: '2.0', id: 'three', error: tooLarge },
        { jsonrpc: '2.0', id: 4, error: tooLarge },
        { jsonrpc: '2.0', id: null, error: { code: -32600, message: 'invalid request: expected a JSON-RPC request object' } },
      ]);
      expect(runs).toEqual(['big', 'big']);
    });

    it('runs at most maxBatchConcurrency async calls at once, so the limit bounds the memory a batch takes', async () => {
      runs.length = 0;
      maxInFlight = 0;
      const answer = (await askSmall([1, 2, 3, 4, 5].map((id) => ({ jsonrpc: '2.0', id, method: 'slow' })))) as { id: number; error?: { code: number } }[];
      expect(answer.map((a) => [a.id, a.error?.code])).toEqual([
        [1, undefined],
        [2, undefined],
        [3, -32003],
        [4, -32003],
        [5, -32003],
      ]);
      expect(runs).toEqual(['slow', 'slow']);
      expect(maxInFlight).toBe(2);
    });
  });

  it('overlaps the async calls of a batch, up to 16 at once by default, and answers in request order', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const wide = new RpcDispatcher(
      [
        {
          wait: async (params) => {
            maxInFlight = Math.max(maxInFlight, ++inFlight);
            // Later requests finish first: the answer still follows the request order.
            await new Promise((resolve) => setTimeout(resolve, 40 - Number(params[0])));
            inFlight--;
            return params[0];
          },
        },
      ],
      { maxBatchSize: 100, logError: () => {} },
    );
    const answer = JSON.parse((await wide.handle(JSON.stringify(Array.from({ length: 40 }, (_, id) => ({ jsonrpc: '2.0', id, method: 'wait', params: [id] }))))) as string) as {
      id: number;
      result: number;
    }[];
    expect(answer.map((a) => a.result)).toEqual(Array.from({ length: 40 }, (_, id) => id));
    expect(maxInFlight).toBe(16);
  });

  it('refuses a method defined twice', () => {
    expect(() => new RpcDispatcher([{ a: () => 1 }, { a: () => 2 }], { maxBatchSize: 1, logError: () => {} })).toThrow(/defined twice/);
  });
});
