import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CLI, rpcCall, spawnNode, type NodeProcess } from '../../scripts/lib/node-process.js';

/**
 * `cairn supply` as a user runs it: the compiled CLI in its own process
 * against one mining node, its words on stdout and its exit codes (0 done,
 * 1 refused or not verified, 2 usage).
 */

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

let node: NodeProcess | undefined;
let dir: string;
let farmKeyFile: string;
let farm: string;
let otherKey: Hex;

function cli(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, 'supply', ...args], { cwd: dir, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}

/** A command against the node, which must succeed. */
async function ok(...args: string[]): Promise<string> {
  const run = await cli(...args, '--rpc', node!.url);
  expect(run.stderr, args.join(' ')).toBe('');
  expect(run.code, `${args.join(' ')}\n${run.stdout}`).toBe(0);
  return run.stdout;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cairn-supply-cli-'));
  const farmKey = generatePrivateKey();
  otherKey = generatePrivateKey();
  farm = privateKeyToAccount(farmKey).address;
  farmKeyFile = join(dir, 'farm.json');
  await writeFile(farmKeyFile, JSON.stringify({ address: farm, privateKey: farmKey }), { mode: 0o600 });
  const genesis = {
    chainId: 13370,
    timestamp: 1764028800000,
    gasLimit: '30000000',
    baseFee: '1000000000',
    blockReward: '2000000000000000000',
    consensus: { type: 'pow', pow: { targetBlockTimeMs: 500, initialDifficulty: '20000', minDifficulty: '1000', confirmations: 4 } },
    alloc: Object.fromEntries([farm, privateKeyToAccount(otherKey).address].map((address) => [address, { balance: '1000000000000000000000' }])),
  };
  await writeFile(join(dir, 'genesis.json'), JSON.stringify(genesis));
  node = await spawnNode({
    args: ['--genesis', join(dir, 'genesis.json'), '--datadir', join(dir, 'data'), '--rpc-port', '0', '--p2p-port', '0', '--mine'],
    cwd: dir,
    startTimeoutMs: 30_000,
  });
}, 60_000);

afterAll(async () => {
  const code = await node?.stop();
  await rm(dir, { recursive: true, force: true });
  expect(code).toBe(0);
}, 30_000);

afterEach((context) => {
  if (context.task.result?.state === 'fail' && node) console.error(`---- node ----\n${node.output().trimEnd().split('\n').slice(-30).join('\n')}`);
});

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('cairn supply', () => {
  it('registers, checkpoints, transforms and closes, saying what happened', async () => {
    const registered = await ok('register', 'lot-1', '--kind', 'green coffee', '--metadata', '{"farm":"Finca Aurora"}', '--key', farmKeyFile);
    expect(registered).toMatch(/^sent 0x[0-9a-f]{64} from 0x[0-9a-fA-F]{40} \(nonce 0\)\nincluded in block \d+/);
    expect(registered).toContain(`registered "lot-1" (green coffee): ${farm} owns and holds it`);

    const checked = await ok('checkpoint', 'lot-1', '--biz-step', 'inspecting', '--disposition', 'conformant', '--location', 'Finca Aurora', '--reading', 'moisture=11.2P1', '--reading', 'weight=600 KGM', '--key', farmKeyFile);
    expect(checked).toContain('recorded on "lot-1": checkpoint inspecting, conformant at "Finca Aurora": moisture 11.2 P1, weight 600 KGM');

    const transformed = await ok('transform', '--input', 'lot-1', '--output', 'roast-1:roasted coffee', '--key', farmKeyFile);
    expect(transformed).toContain(`transformed "lot-1" into "roast-1": the inputs are consumed; ${farm} owns and holds the outputs`);

    const closed = await ok('close', 'roast-1', '--reason', 'sold', '--key', farmKeyFile);
    expect(closed).toContain('closed "roast-1" (sold): nothing can happen to it anymore');
  });

  it('prints a refusal and its reason, and exits 1', async () => {
    const run = await cli('transfer', 'roast-1', '--to', farm, '--private-key', otherKey, '--rpc', node!.url);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/FAILED in block \d+/);
    expect(run.stdout).toContain('refused: item "roast-1" is closed: nothing can happen to it anymore');
  });

  it('exits 2 on a usage error and 1 for an unknown item, before anything is signed', async () => {
    const usage = await cli('checkpoint', 'roast-1', '--biz-step', 'roasting', '--disposition', 'active', '--key', farmKeyFile, '--rpc', node!.url);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^error: --biz-step "roasting" is not a CBV 2.0 business step/);
    expect(usage.stdout).toBe('');
    const missing = await cli('item', 'nope', '--rpc', node!.url);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('error: item "nope" does not exist on this node');
  });

  it('reads items, histories, lineage and listings as text or as the raw JSON', async () => {
    expect(await ok('item', 'roast-1')).toContain('item "roast-1": roasted coffee, closed');
    expect(JSON.parse(await ok('item', 'roast-1', '--json'))).toEqual(await rpcCall(node!.url, 'supply_getItem', ['roast-1']));

    const history = (await ok('history', 'lot-1')).trimEnd().split('\n');
    expect(history[0]).toBe('history of "lot-1" (green coffee, consumed): 3 events');
    expect(history.filter((line) => /^#\d/.test(line)).map((line) => line.split('  ')[3])).toEqual(['Registered', 'Checkpointed', 'Transformed']);
    const page = JSON.parse(await ok('history', 'lot-1', '--from', '1', '--limit', '1', '--json')) as { events: { seq: number }[]; next: number };
    expect(page.events.map((e) => e.seq)).toEqual([1]);
    expect(page.next).toBe(2);

    expect((await ok('lineage', 'roast-1')).trimEnd().split('\n')).toEqual([
      'lineage of "roast-1"  roasted coffee, closed',
      'made from:',
      '  └─ "lot-1"  green coffee, consumed',
      'made into: nothing',
    ]);
    expect(await ok('list', '--owner', farm, '--status', 'closed')).toMatch(/^roast-1 {2}roasted coffee {2}closed {2}held by 0x/);
  });

  it('writes a proof that verify accepts offline, and refuses a tampered copy with exit code 1', async () => {
    const genesisHash = (await rpcCall<{ hash: string }>(node!.url, 'eth_getBlockByNumber', ['0x0', false])).hash;
    const written = await ok('proof', 'lot-1', '--from-genesis', '--out', 'proof.json');
    expect(written).toMatch(/^wrote a proof of 3 events of "lot-1" to proof\.json: \d+ headers up to block #\d+/);
    expect(written).toContain(`check it with: cairn supply verify proof.json --genesis-hash ${genesisHash}`);

    // No --rpc: verify never talks to a node.
    const verified = await cli('verify', 'proof.json', '--genesis-hash', genesisHash, '--chain-id', '13370');
    expect(verified.code).toBe(0);
    expect(verified.stdout).toContain('proven: item "lot-1": the proof holds its events #0…#2, with none missing in between');
    expect(verified.stdout).toMatch(/^not proven: /m);
    expect(verified.stdout.trimEnd().split('\n').at(-1)).toBe('result: the proof verifies (3 events); see "not proven" for what it cannot show');

    const proof = JSON.parse(await readFile(join(dir, 'proof.json'), 'utf8')) as { events: { transaction: string }[] };
    proof.events[1]!.transaction = proof.events[1]!.transaction.slice(0, -2) + (proof.events[1]!.transaction.endsWith('00') ? '01' : '00');
    await writeFile(join(dir, 'tampered.json'), JSON.stringify(proof));
    const tampered = await cli('verify', 'tampered.json', '--genesis-hash', genesisHash);
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toMatch(/^FAILED: event 1 \(block #\d+\): the transaction does not verify against block #\d+'s txRoot/m);
    expect(tampered.stdout).toContain('result: the proof does NOT verify (1 problem)');

    const otherChain = await cli('verify', 'proof.json', '--chain-id', '1');
    expect(otherChain.code).toBe(1);
    expect(otherChain.stdout).toContain('FAILED: the proof is about chain id 13370, not the expected chain id 1');

    // One page of the history: events #1 and #2 only.
    const page = await ok('proof', 'lot-1', '--from', '1', '--limit', '2', '--out', 'page.json');
    expect(page).toMatch(/^wrote a proof of 2 events of "lot-1" to page\.json/);
    const pageVerified = await cli('verify', 'page.json', '--genesis-hash', genesisHash);
    expect(pageVerified.code, pageVerified.stdout).toBe(0);
    expect(pageVerified.stdout).toContain('not proven: item "lot-1": its events #0 are not in the proof');
    expect(pageVerified.stdout.trimEnd().split('\n').at(-1)).toBe('result: the proof verifies (2 events); see "not proven" for what it cannot show');
  });

  it('watches an item over the WebSocket, printing its events as blocks take them in, and stops on Ctrl-C with exit 0', async () => {
    const watcher = spawn(process.execPath, [CLI, 'supply', 'watch', 'crate-9', '--json', '--rpc', node!.url], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    watcher.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    watcher.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => watcher.once('exit', (code) => resolve(code)));
    try {
      // The watcher says on stderr when its subscription is in place.
      await waitUntil(() => stderr.includes('watching the events of "crate-9"'), 10_000);
      await ok('register', 'crate-9', '--kind', 'cocoa', '--key', farmKeyFile);
      await ok('register', 'crate-10', '--kind', 'cocoa', '--key', farmKeyFile);
      await ok('transfer', 'crate-9', '--to', privateKeyToAccount(otherKey).address, '--key', farmKeyFile);
      await waitUntil(() => stdout.trimEnd().split('\n').length >= 2, 30_000);
    } finally {
      watcher.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    expect(stderr).toBe(`watching the events of "crate-9" at ${node!.url} (Ctrl-C to stop)\n`);
    const events = stdout.trimEnd().split('\n').map((line) => (JSON.parse(line) as { event: { id: string; type: string; seq: number } }).event);
    expect(events.map((e) => [e.id, e.seq, e.type])).toEqual([
      ['crate-9', 0, 'Registered'],
      ['crate-9', 1, 'Transferred'],
    ]);
  });

  it('exports the history as an EPCIS 2.0 document', async () => {
    expect(await ok('export', 'lot-1', '--out', 'lot-1.epcis.json')).toContain('wrote the EPCIS 2.0 document of "lot-1" (3 events) to lot-1.epcis.json');
    const doc = JSON.parse(await readFile(join(dir, 'lot-1.epcis.json'), 'utf8')) as { type: string; schemaVersion: string; epcisBody: { eventList: { type: string }[] } };
    expect(doc.type).toBe('EPCISDocument');
    expect(doc.schemaVersion).toBe('2.0');
    expect(doc.epcisBody.eventList.map((e) => e.type)).toEqual(['ObjectEvent', 'ObjectEvent', 'TransformationEvent']);
  });
});
