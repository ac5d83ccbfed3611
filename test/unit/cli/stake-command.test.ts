import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { StakingRefusedError, stakingCommand, stakingOutcome, stakingRefusal, type StakingJson } from '../../../src/cli/commands/stake.js';
import { UsageError } from '../../../src/cli/errors.js';
import { STAKED_TOPIC, UNSTAKED_TOPIC } from '../../../src/ledger/modules/staking/index.js';
import { bigintToFixedBytes, bytesToHex, concatBytes } from '../../../src/primitives/hex.js';

const ETH = 10n ** 18n;
const MIN = 32n * ETH;
const ME = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const KEY = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';
const none: StakingJson = { bonded: '0', pending: [] };
const bonded = (eth: bigint, pending: StakingJson['pending'] = []): StakingJson => ({ bonded: (eth * ETH).toString(), pending });

describe('stakingRefusal: what the staking module would refuse, before paying for it', () => {
  const account = (staking: StakingJson, balance = 1000n * ETH) => ({ address: ME, balance, staking });

  it('refuses a stake the account cannot pay', () => {
    expect(stakingRefusal('stake', 32n * ETH, account(none, 5n * ETH), MIN)).toBe(
      `${ME} holds 5 ETH, less than the 32 ETH to stake (plus gas); fund it first`,
    );
  });

  it('refuses a stake below the minimum, counting stake already bonded and pending', () => {
    expect(stakingRefusal('stake', 1n * ETH, account(none), MIN)).toBe(
      `${ME} would have 1 ETH staked, below the minimum stake of 32 ETH; stake at least 32 ETH`,
    );
    expect(stakingRefusal('stake', 1n * ETH, account(bonded(32n)), MIN)).toBeUndefined();
    expect(stakingRefusal('stake', 2n * ETH, account(bonded(0n, [{ kind: 'stake', amount: (30n * ETH).toString(), effectiveEpoch: 4 }])), MIN)).toBeUndefined();
  });

  it('refuses an unstake of more than is bonded and not already unstaking', () => {
    expect(stakingRefusal('unstake', 1n * ETH, account(none), MIN)).toBe(`${ME} has no bonded stake to unstake`);
    expect(stakingRefusal('unstake', 100n * ETH, account(bonded(40n)), MIN)).toBe(`${ME} has 40 ETH bonded and not already unstaking; unstake at most that`);
    const leaving = bonded(40n, [{ kind: 'unstake', amount: (40n * ETH).toString(), effectiveEpoch: 3 }]);
    expect(stakingRefusal('unstake', 40n * ETH, account(leaving), MIN)).toBe(`${ME} has no bonded stake to unstake`);
    const joining = bonded(0n, [{ kind: 'stake', amount: (32n * ETH).toString(), effectiveEpoch: 7 }]);
    expect(stakingRefusal('unstake', 32n * ETH, account(joining), MIN)).toBe(
      `${ME} has no bonded stake yet: its stake counts from epoch 7, and can be unstaked from then on`,
    );
  });

  it('refuses an unstake that leaves less than the minimum, and allows all or down to the minimum', () => {
    expect(stakingRefusal('unstake', 10n * ETH, account(bonded(40n)), MIN)).toBe(
      'unstaking 10 ETH would leave 30 ETH staked, below the minimum stake of 32 ETH; unstake at most 8 ETH, or all 40 ETH',
    );
    expect(stakingRefusal('unstake', 8n * ETH, account(bonded(40n)), MIN)).toBeUndefined();
    expect(stakingRefusal('unstake', 40n * ETH, account(bonded(40n)), MIN)).toBeUndefined();
  });
});

describe('stakingOutcome', () => {
  const word = (n: bigint): Uint8Array => bigintToFixedBytes(n, 32);
  const receipt = (topic: Uint8Array, words: bigint[]) => ({
    status: '0x1',
    blockNumber: '0x10',
    gasUsed: '0x5208',
    effectiveGasPrice: '0x1',
    logs: [{ topics: [bytesToHex(topic), bytesToHex(new Uint8Array(32))], data: bytesToHex(concatBytes(...words.map(word))) }],
  });
  const consensus = { kind: 'pos', currentSlot: 21, slotDurationMs: 1000, epochLength: 8 };

  it('says from which epoch a stake counts, how soon, and that the validator needs a node', () => {
    expect(stakingOutcome(receipt(STAKED_TOPIC, [32n * ETH, 3n]), ME, consensus)).toEqual([
      'staked 32 ETH: it counts from epoch 3 (in about 3 s)',
      `${ME} proposes and votes only while a node runs with its key: cairn start --validator-key <its key file>`,
    ]);
  });

  it('says when an unstake stops counting and when the funds return', () => {
    expect(stakingOutcome(receipt(UNSTAKED_TOPIC, [32n * ETH, 3n, 5n]), ME, consensus)).toEqual([
      `unstaked 32 ETH: it stops counting at epoch 3 (in about 3 s), and returns to ${ME} at epoch 5 (in about 19 s); slashable until then`,
    ]);
  });
});

describe('cairn stake / unstake against a node', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
    server = undefined;
  });

  /** A JSON-RPC server on 127.0.0.1 answering from `answers`; records the methods called. */
  async function node(answers: Record<string, unknown>, called: string[]): Promise<string> {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const { id, method } = JSON.parse(body) as { id: number; method: string };
        called.push(method);
        const reply = method in answers ? { result: answers[method] } : { error: { code: -32601, message: `no ${method} here` } };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id, ...reply }));
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  const pos = { kind: 'pos', finalized: 4, currentSlot: 21, slotDurationMs: 1000, epochLength: 8, minStake: MIN.toString() };

  it('refuses a stake below the minimum before signing or sending anything', async () => {
    const called: string[] = [];
    const url = await node({ cairn_consensus: pos, cairn_staking: none, eth_getBalance: '0x' + (1000n * ETH).toString(16) }, called);
    const attempt = stakingCommand('stake')(['--amount', '1', '--private-key', KEY, '--rpc', url], () => undefined);
    await expect(attempt).rejects.toThrow(StakingRefusedError);
    await expect(attempt).rejects.toThrow(`stake refused, nothing sent: ${ME} would have 1 ETH staked, below the minimum stake of 32 ETH`);
    expect(called).not.toContain('eth_sendRawTransaction');
    expect(called).not.toContain('eth_estimateGas');
  });

  it('refuses a stake from an account without the funds, in ether', async () => {
    const called: string[] = [];
    const url = await node({ cairn_consensus: pos, cairn_staking: none, eth_getBalance: '0x0' }, called);
    await expect(stakingCommand('stake')(['--amount', '32', '--private-key', KEY, '--rpc', url], () => undefined)).rejects.toThrow(
      `stake refused, nothing sent: ${ME} holds 0 ETH, less than the 32 ETH to stake (plus gas); fund it first`,
    );
    expect(called).not.toContain('eth_sendRawTransaction');
  });

  it('sends an acceptable stake and says from when it counts', async () => {
    const called: string[] = [];
    const log = { topics: [bytesToHex(STAKED_TOPIC)], data: bytesToHex(concatBytes(bigintToFixedBytes(32n * ETH, 32), bigintToFixedBytes(3n, 32))) };
    const url = await node(
      {
        cairn_consensus: pos,
        cairn_staking: none,
        eth_getBalance: '0x' + (1000n * ETH).toString(16),
        eth_chainId: '0x343a',
        eth_getTransactionCount: '0x0',
        eth_estimateGas: '0xa208',
        eth_getBlockByNumber: { baseFeePerGas: '0x3b9aca00' },
        eth_maxPriorityFeePerGas: '0x1',
        eth_sendRawTransaction: '0x' + '11'.repeat(32),
        eth_getTransactionReceipt: { status: '0x1', blockNumber: '0x9', gasUsed: '0xa208', effectiveGasPrice: '0x3b9aca01', logs: [log] },
      },
      called,
    );
    const lines: string[] = [];
    await stakingCommand('stake')(['--amount', '32', '--private-key', KEY, '--rpc', url], (line) => lines.push(line));
    expect(called).toContain('eth_sendRawTransaction');
    expect(lines.slice(-2)).toEqual([
      'staked 32 ETH: it counts from epoch 3 (in about 3 s)',
      `${ME} proposes and votes only while a node runs with its key: cairn start --validator-key <its key file>`,
    ]);
  });

  it('says a proof-of-work node has no staking', async () => {
    const url = await node({ cairn_consensus: { kind: 'pow', finalized: 0 } }, []);
    const attempt = stakingCommand('unstake')(['--amount', '1', '--private-key', KEY, '--rpc', url], () => undefined);
    await expect(attempt).rejects.toThrow(UsageError);
    await expect(attempt).rejects.toThrow(`the node at ${url} has no staking: this chain runs pow, and staking is for proof of stake`);
  });
});
