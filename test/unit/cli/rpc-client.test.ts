import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { statusCommand } from '../../../src/cli/commands/status.js';
import { walletCommand } from '../../../src/cli/commands/wallet.js';
import { UsageError } from '../../../src/cli/errors.js';
import { RpcClient, RpcClientError } from '../../../src/cli/rpc-client.js';

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/** An HTTP server on 127.0.0.1 that answers every request with `status` and `body`. */
async function serve(status: number, body: string): Promise<string> {
  server = createServer((_req, res) => res.writeHead(status, { 'content-type': 'text/html' }).end(body));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('RpcClient', () => {
  it('refuses a --rpc that is not an http(s) URL before calling anything', () => {
    expect(() => new RpcClient('notaurl')).toThrow(new UsageError('--rpc must be a node\'s JSON-RPC URL such as http://127.0.0.1:8545, got "notaurl"'));
    expect(() => new RpcClient('http://127.0.0.1:99999')).toThrow(UsageError);
    expect(() => new RpcClient('ftp://127.0.0.1')).toThrow(new UsageError('--rpc must be an http:// or https:// URL such as http://127.0.0.1:8545, got "ftp://127.0.0.1"'));
    expect(new RpcClient('https://node.example:8545/rpc').url).toBe('https://node.example:8545/rpc');
  });

  it('says so when the URL answers something that is not JSON-RPC', async () => {
    const html = await serve(200, '<!DOCTYPE html><p>a web server</p>');
    await expect(new RpcClient(html).call('eth_chainId')).rejects.toThrow(
      new RpcClientError(`${html} answered eth_chainId with HTTP 200 but no JSON-RPC response: is --rpc the address of a Cairn node's JSON-RPC port?`),
    );
  });

  it('says so for JSON that is no JSON-RPC answer', async () => {
    const json = await serve(404, '{"message":"not found"}');
    await expect(new RpcClient(json).call('eth_chainId')).rejects.toThrow(/answered eth_chainId with HTTP 404 but no JSON-RPC response/);
  });
});

describe('wallet and status: stray arguments', () => {
  // Nothing listens here: a command that got as far as the network would fail with "cannot reach" instead.
  const NO_NODE = ['--rpc', 'http://127.0.0.1:9'];

  it('refuses an argument the command does not take', async () => {
    const address = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
    await expect(walletCommand(['balance', address, 'extra', ...NO_NODE], () => undefined)).rejects.toThrow(/^unexpected argument "extra"/);
    await expect(walletCommand(['nonce', address, address, ...NO_NODE], () => undefined)).rejects.toThrow(UsageError);
    await expect(walletCommand(['send', 'extra', ...NO_NODE], () => undefined)).rejects.toThrow(/^unexpected argument "extra"/);
    await expect(statusCommand(['now', ...NO_NODE], () => undefined)).rejects.toThrow(/^unexpected argument "now"/);
  });
});
