import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POS } from './engines.js';
import { CLI, network, printLogsOnFailure, removeNetwork, rpc, startMesh, startNode, waitFor, type Network, type NodeProcess } from './harness.js';
import { head, waitForHeight } from './network-harness.js';
import { posChain, sameAddress, slotBlock, staking, validators } from './pos-harness.js';

const run = promisify(execFile);

const VALIDATORS = ['v0', 'v1', 'v2', 'v3'];
const ETHER = 10n ** 18n;
const GENESIS_STAKE = 32n * ETHER;
/**
 * The newcomer's stake: 160 of 288 ether, over half of every slot's draw, so
 * it proposes in an epoch's 8 slots but for a chance below 0.45^8; yet less
 * than 2/3, so finality still needs the genesis validators.
 */
const NEW_STAKE = 160n;
/** Epochs watched after the stake takes effect: a newcomer with no block in 24 slots (0.45^24 < 1e-8) is a failure. */
const EPOCHS_AFTER = 3;

interface Receipt {
  status: string;
  blockNumber: string;
  logs: { address: string; data: string }[];
}

describe('pos staking', () => {
  let net: Network | undefined;
  let v0: NodeProcess;
  let all: NodeProcess[];

  beforeAll(async () => {
    // Four genesis validators, and a funded account whose node runs with its key but has no stake yet.
    net = await network(POS, { producers: VALIDATORS, accounts: ['newcomer'] });
    const genesisNodes = await startMesh(net, VALIDATORS);
    v0 = genesisNodes[0]!;
    const newcomer = await startNode(net, 'newcomer', {
      bootstrap: genesisNodes.map((n) => n.p2pAddresses[0]!),
      extra: ['--validator-key', net.account('newcomer').path],
    });
    all = [...genesisNodes, newcomer];
  }, 90_000);

  afterAll(() => removeNetwork(net), 60_000);

  printLogsOnFailure(() => net, 60);

  it('a stake transaction changes the proposer distribution from the next epoch on', async () => {
    const chain = posChain(net!);
    const newcomer = net!.account('newcomer');
    await waitForHeight(v0, 2);

    const staked = await run(process.execPath, [CLI, 'stake', '--amount', NEW_STAKE.toString(), '--key', newcomer.path, '--rpc', v0.url], { timeout: 60_000 });
    expect(staked.stdout).toMatch(/included in block \d+/);
    const txHash = /^sent (0x[0-9a-f]{64})/m.exec(staked.stdout)![1]!;
    const receipt = await rpc<Receipt>(v0.url, 'eth_getTransactionReceipt', [txHash]);
    expect(receipt.status).toBe('0x1');

    // The Staked log says when it counts (data: amount ‖ effectiveEpoch): the epoch after the block's.
    const log = receipt.logs.find((l) => sameAddress(l.address, '0x0000000000000000000000000000000000001000'))!;
    expect(BigInt('0x' + log.data.slice(2, 66))).toBe(NEW_STAKE * ETHER);
    const effective = Number(BigInt('0x' + log.data.slice(66, 130)));
    const included = await slotBlock(v0, chain, Number(BigInt(receipt.blockNumber)));
    expect(effective).toBe(included.epoch + 1);

    // Watch the chain until EPOCHS_AFTER whole epochs from `effective` on are behind the head.
    const end = await waitFor(
      `the chain to pass epoch ${effective + EPOCHS_AFTER}`,
      async () => {
        const tip = await slotBlock(v0, chain, (await head(v0.url)).number);
        return tip.epoch >= effective + EPOCHS_AFTER ? tip.number : undefined;
      },
      90_000,
    );
    const before: string[] = [];
    const after: string[] = [];
    for (let n = 1; n <= end; n++) {
      const block = await slotBlock(v0, chain, n);
      if (block.epoch < effective) before.push(block.proposer);
      else if (block.epoch < effective + EPOCHS_AFTER) after.push(block.proposer);
    }
    const byNewcomer = (miners: string[]): number => miners.filter((m) => sameAddress(m, newcomer.address)).length;
    // Before: not a validator, so never a proposer; from the boundary on: drawn in proportion to its stake.
    expect(before.length).toBeGreaterThan(0);
    expect(byNewcomer(before)).toBe(0);
    expect(byNewcomer(after)).toBeGreaterThan(0);

    // Every node sees the same new set and the newcomer's bonded stake.
    for (const n of all) {
      const set = await validators(n);
      expect(set.validators).toHaveLength(VALIDATORS.length + 1);
      expect(set.validators.find((v) => sameAddress(v.address, newcomer.address))?.stake).toBe((NEW_STAKE * ETHER).toString());
      expect(BigInt(set.totalStake)).toBe(4n * GENESIS_STAKE + NEW_STAKE * ETHER);
      const account = await staking(n, newcomer.address);
      expect(account).toMatchObject({ bonded: (NEW_STAKE * ETHER).toString(), pending: [], slashed: false });
    }
    // And the newcomer's node keeps the chain with the others.
    const tip = await head(v0.url);
    await waitForHeight(all.at(-1)!, tip.number);
  });
});
