import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINE_CASES } from './engines.js';
import { CLI, DEV_ADDRESSES, DEV_KEYS, network, printLogsOnFailure, removeNetwork, startNode, type Network, type NodeProcess } from './harness.js';

const execFileP = promisify(execFile);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function cairn(...args: string[]): Promise<Run> {
  try {
    const { stdout, stderr } = await execFileP(process.execPath, [CLI, ...args], { timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

// The build marks the compiled entry executable: npx and a global install run it by its shebang, and
// tsc writes it without the mode, so a fresh clone once answered `npx cairn` with "Permission denied".
describe('cairn as a command', () => {
  it('runs by its own name, as npx runs it', async () => {
    const { stdout } = await execFileP(CLI, ['--help'], { timeout: 30_000 });
    expect(stdout).toContain('Usage: cairn <command>');
  });
});

describe.each(ENGINE_CASES)('%s', (_kind, engine) => {
  let net: Network | undefined;
  let node: NodeProcess;

  beforeAll(async () => {
    net = await network(engine, { producers: ['node'] });
    node = await startNode(net, 'node', { produce: true });
  });
  afterAll(() => removeNetwork(net), 60_000);

  printLogsOnFailure(() => net);

  describe('cairn CLI', () => {
    it('creates a key file, funds it with wallet send, and reads balance and nonce over JSON-RPC', async () => {
      const keyPath = join(net!.dir, 'alice.json');
      const created = await cairn('keys', 'new', '--out', keyPath);
      expect(created.code).toBe(0);
      const address = /address (0x[0-9a-fA-F]{40})/.exec(created.stdout)![1]!;
      expect(JSON.parse(await readFile(keyPath, 'utf8')).address).toBe(address);

      const funded = await cairn('wallet', 'send', '--rpc', node.url, '--private-key', DEV_KEYS[0], '--to', address, '--value', '2.5');
      expect(funded.stderr).toBe('');
      expect(funded.code).toBe(0);
      expect(funded.stdout).toMatch(/^sent 0x[0-9a-f]{64} from 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266 \(nonce \d+\)/);
      expect(funded.stdout).toMatch(/included in block \d+, gas used 21000, fee 0\.\d+ ETH/);

      const balance = await cairn('wallet', 'balance', address, '--rpc', node.url);
      expect(balance.stdout.trim()).toBe('2.5 ETH (2500000000000000000 wei)');

      // The new key spends from its key file with a legacy transaction.
      const spent = await cairn('wallet', 'send', '--rpc', node.url, '--key', keyPath, '--to', DEV_ADDRESSES[1], '--value', '1', '--type', '0');
      expect(spent.code).toBe(0);
      const nonce = await cairn('wallet', 'nonce', address, '--rpc', node.url);
      expect(nonce.stdout.trim()).toBe('latest 1, pending 1');
    });

    it('cairn stake: refused where it cannot work, and with the module\'s reason where it may', async () => {
      const staked = await cairn('stake', '--rpc', node.url, '--private-key', DEV_KEYS[2], '--amount', '1');
      expect(staked.code).toBe(engine.smallStake.code);
      expect(staked.stdout + staked.stderr).toMatch(engine.smallStake.output);
    });

    it('shows the node status', async () => {
      const status = await cairn('status', '--rpc', node.url);
      expect(status.code).toBe(0);
      expect(status.stdout).toMatch(/chainId\s+13370/);
      expect(status.stdout).toMatch(engine.statusLine);
      expect(status.stdout).toMatch(/syncing\s+no/);
    });

    it('answers usage errors with exit code 2 and says what to do', async () => {
      const unknown = await cairn('frobnicate');
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toMatch(/unknown command "frobnicate"/);

      const noKey = await cairn('wallet', 'send', '--rpc', node.url, '--to', DEV_ADDRESSES[1], '--value', '1');
      expect(noKey.code).toBe(2);
      expect(noKey.stderr).toMatch(/a signing key is required/);

      const badAddress = await cairn('wallet', 'balance', '0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266', '--rpc', node.url);
      expect(badAddress.code).toBe(2);
      expect(badAddress.stderr).toMatch(/checksum/i);

      const badFlag = await cairn('start', '--rpc-port', 'abc');
      expect(badFlag.code).toBe(2);
      expect(badFlag.stderr).toMatch(/--rpc-port must be a port number/);

      for (const command of ['start', 'keys', 'wallet', 'stake', 'unstake', 'supply', 'status', 'verify']) {
        const help = await cairn(command, '--help');
        expect(help.code, command).toBe(0);
        expect(help.stdout, command).toMatch(/^Usage:/);
      }
    });

    it('says when no node answers', async () => {
      const down = await cairn('wallet', 'balance', DEV_ADDRESSES[0], '--rpc', 'http://127.0.0.1:9');
      expect(down.code).toBe(1);
      expect(down.stderr).toMatch(/cannot reach a Cairn node at http:\/\/127\.0\.0\.1:9/);
    });
  });
});
