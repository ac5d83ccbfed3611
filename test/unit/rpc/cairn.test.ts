import { beforeEach, describe, expect, it } from 'vitest';
import { bytesToHex } from '../../../src/primitives/hex.js';
import type { RpcDispatcher } from '../../../src/rpc/dispatch.js';
import { createRpcDispatcher } from '../../../src/rpc/server.js';
import { ALICE, FakeBackend } from './fake-backend.js';
import { failure, result } from './helpers.js';

let backend: FakeBackend;
let rpc: RpcDispatcher;

beforeEach(() => {
  backend = new FakeBackend();
  rpc = createRpcDispatcher({ backend });
  backend.mine([]);
  backend.mine([]);
});

describe('cairn_ consensus views', () => {
  it('without validators (PoW): cairn_finality from the checkpoints; validators and staking refused with -32000', async () => {
    backend.finalized = 1;
    const finality = await result<Record<string, unknown>>(rpc, 'cairn_finality');
    expect(finality).toEqual({
      head: { number: 2, hash: bytesToHex(backend.blocks[2]!.hash) },
      safe: { number: 1, hash: bytesToHex(backend.blocks[1]!.hash) },
      finalized: { number: 1, hash: bytesToHex(backend.blocks[1]!.hash) },
      tallies: [],
      recent: [],
    });
    const refused = await failure(rpc, 'cairn_validators');
    expect(refused.code).toBe(-32000);
    expect(refused.message).toMatch(/no validators or stakes/);
    expect((await failure(rpc, 'cairn_staking', [bytesToHex(ALICE)])).code).toBe(-32000);
  });

  it("with validators: the engine's views, the head added to finality; a bad address is -32602", async () => {
    const asked: string[] = [];
    backend.views = {
      validators: () => ({ epoch: 3, validators: [] }),
      finality: () => ({ safe: { number: 1, hash: '0x01' }, finalized: { number: 0, hash: '0x00' }, tallies: [] }),
      staking: (address) => (asked.push(bytesToHex(address)), { bonded: '5' }),
    };
    expect(await result(rpc, 'cairn_validators')).toEqual({ epoch: 3, validators: [] });
    expect(await result(rpc, 'cairn_finality')).toEqual({
      head: { number: 2, hash: bytesToHex(backend.blocks[2]!.hash) },
      safe: { number: 1, hash: '0x01' },
      finalized: { number: 0, hash: '0x00' },
      tallies: [],
    });
    expect(await result(rpc, 'cairn_staking', [bytesToHex(ALICE)])).toEqual({ bonded: '5' });
    expect(asked).toEqual([bytesToHex(ALICE)]);
    expect((await failure(rpc, 'cairn_staking', ['0x12'])).code).toBe(-32602);
  });
});
