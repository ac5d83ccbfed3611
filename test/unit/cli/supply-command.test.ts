import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chainIdArg, expectPositionals, genesisHashArg, receiptEvents, statusArg, supplyCommand, SUPPLY_USAGE } from '../../../src/cli/commands/supply.js';
import { UsageError } from '../../../src/cli/errors.js';
import { eventLog, type SupplyEvent } from '../../../src/ledger/modules/supply/index.js';
import { bytesToHex, hexToBytes } from '../../../src/primitives/hex.js';

// Nothing listens here: a test that reached the network would fail with "cannot reach".
const NO_NODE = ['--rpc', 'http://127.0.0.1:9'];

async function run(argv: string[]): Promise<string[]> {
  const lines: string[] = [];
  await supplyCommand(argv, (line) => lines.push(line));
  return lines;
}

describe('cairn supply: usage', () => {
  it('prints the overview for no command or --help, and each subcommand its own help', async () => {
    expect(await run([])).toEqual([SUPPLY_USAGE]);
    expect(await run(['--help'])).toEqual([SUPPLY_USAGE]);
    for (const sub of ['register', 'transfer', 'checkpoint', 'transform', 'close', 'item', 'history', 'lineage', 'list', 'proof', 'verify', 'export']) {
      const [help] = await run([sub, '--help']);
      expect(help, sub).toMatch(new RegExp(`^Usage: cairn supply ${sub}`));
      expect(SUPPLY_USAGE, sub).toContain(`  ${sub}`);
    }
    // Help wins over whatever else is on the line.
    expect((await run(['checkpoint', 'lot-1', '--bogus', '-h']))[0]).toMatch(/^Usage: cairn supply checkpoint/);
  });

  const usageErrors: [string, string[], RegExp][] = [
    ['an unknown subcommand', ['ship', 'lot-1'], /unknown supply command "ship"/],
    ['an unknown flag', ['item', 'lot-1', '--kind', 'x', ...NO_NODE], /Unknown option '--kind'[\s\S]*Usage: cairn supply item/],
    ['a missing id', ['item', ...NO_NODE], /cairn supply item needs <id>/],
    ['an extra argument', ['close', 'lot-1', 'lot-2', ...NO_NODE], /unexpected argument "lot-2" for cairn supply close/],
    ['register without --kind', ['register', 'lot-1', ...NO_NODE], /--kind is required/],
    ['register with bad metadata', ['register', 'lot-1', '--kind', 'coffee', '--metadata', '[1]', ...NO_NODE], /--metadata must be a JSON object/],
    ['an id the module would refuse', ['register', 'lot 1', '--kind', 'coffee', ...NO_NODE], /field "id" must be 1-128 characters/],
    ['transfer without --to', ['transfer', 'lot-1', ...NO_NODE], /--to \(the new custodian\) is required/],
    ['transfer to a malformed address', ['transfer', 'lot-1', '--to', '0x1234', ...NO_NODE], /--to \(the new custodian\):/],
    ['checkpoint without --biz-step', ['checkpoint', 'lot-1', '--disposition', 'active', ...NO_NODE], /--biz-step is required/],
    ['checkpoint with a bad reading', ['checkpoint', 'lot-1', '--reading', 'warm', ...NO_NODE], /--reading "warm" is not name=value\[unit\]/],
    ['transform without inputs', ['transform', '--output', 'b:coffee', ...NO_NODE], /at least one --input/],
    ['transform without outputs', ['transform', '--input', 'a', ...NO_NODE], /at least one --output/],
    ['a write without a key', ['close', 'lot-1', ...NO_NODE], /a signing key is required/],
    ['both kinds of key', ['close', 'lot-1', '--key', 'k.json', '--private-key', '0x01', ...NO_NODE], /either --key <file> or --private-key <hex>, not both/],
    ['history from a fractional seq', ['history', 'lot-1', '--from', '1.5', ...NO_NODE], /--from must be a whole number/],
    ['history with a zero limit', ['history', 'lot-1', '--limit', '0', ...NO_NODE], /--limit must be a positive whole number/],
    ['list by an unknown status', ['list', '--status', 'lost', ...NO_NODE], /--status must be one of active, closed, consumed/],
    ['verify without a file', ['verify'], /cairn supply verify needs <proof.json>/],
    ['verify with a short genesis hash', ['verify', 'p.json', '--genesis-hash', '0x1234'], /--genesis-hash must be 0x and 64 hex digits/],
    ['verify with --rpc, which it does not use', ['verify', 'p.json', ...NO_NODE], /Unknown option '--rpc'/],
  ];

  it.each(usageErrors)('refuses %s with a usage error, before any request', async (_, argv, message) => {
    const attempt = run(argv);
    await expect(attempt).rejects.toThrow(UsageError);
    await expect(attempt).rejects.toThrow(message);
  });
});

describe('cairn supply verify (offline)', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cairn-supply-cli-'));
  });

  afterAll(() => rm(dir, { recursive: true, force: true }));

  afterEach(() => {
    process.exitCode = undefined;
  });

  it('says a file that is not JSON is not a proof', async () => {
    const path = join(dir, 'text.json');
    await writeFile(path, 'not json');
    await expect(run(['verify', path])).rejects.toThrow(/is not JSON: a proof is the JSON that "cairn supply proof/);
    await expect(run(['verify', join(dir, 'missing.json')])).rejects.toThrow(/cannot read .*missing\.json: ENOENT/);
  });

  it('reports a document that is not a proof as failed and sets exit code 1', async () => {
    const path = join(dir, 'other.json');
    await writeFile(path, JSON.stringify({ format: 'something else' }));
    const lines = await run(['verify', path]);
    expect(lines[0]).toMatch(/^FAILED: not a readable proof:/);
    expect(lines.at(-1)).toBe('result: the proof does NOT verify (1 problem)');
    expect(process.exitCode).toBe(1);
    const json = JSON.parse((await run(['verify', path, '--json'])).join('\n')) as { ok: boolean; errors: string[] };
    expect(json.ok).toBe(false);
    expect(json.errors).toHaveLength(1);
  });
});

describe('argument helpers', () => {
  it('expectPositionals names what is missing and what is extra', () => {
    expect(expectPositionals(['a'], ['<id>'], 'item')).toEqual(['a']);
    expect(() => expectPositionals([], ['<id>'], 'item')).toThrow('cairn supply item needs <id>');
    expect(() => expectPositionals(['a', 'b'], ['<id>'], 'item')).toThrow('unexpected argument "b"');
  });

  it('statusArg, genesisHashArg and chainIdArg accept the valid forms only', () => {
    expect(statusArg('consumed')).toBe('consumed');
    expect(() => statusArg('Active')).toThrow(UsageError);
    const hash = '0x' + 'ab'.repeat(32);
    expect(bytesToHex(genesisHashArg(hash))).toBe(hash);
    expect(() => genesisHashArg('ab'.repeat(32))).toThrow(UsageError);
    expect(chainIdArg('13370')).toBe(13370n);
    expect(chainIdArg('0x343a')).toBe(13370n);
    for (const bad of ['-1', '1.5', 'x', '']) expect(() => chainIdArg(bad), bad).toThrow(UsageError);
  });
});

describe('receiptEvents', () => {
  it("decodes a receipt's supply logs into the events the history serves", () => {
    const event: SupplyEvent = {
      id: 'lot-1',
      seq: 2,
      type: 'Transferred',
      signer: hexToBytes('0x' + 'a1'.repeat(20)),
      txHash: hexToBytes('0x' + '22'.repeat(32)),
      blockNumber: 9,
      txIndex: 1,
      from: hexToBytes('0x' + 'a1'.repeat(20)),
      to: hexToBytes('0x' + 'b0'.repeat(20)),
    };
    const log = eventLog(event);
    const [view] = receiptEvents({ logs: [{ topics: log.topics.map(bytesToHex), data: bytesToHex(log.data) }] });
    expect(view).toMatchObject({ id: 'lot-1', seq: 2, type: 'Transferred', blockNumber: 9, txIndex: 1, txHash: bytesToHex(event.txHash) });
    expect(view!.type === 'Transferred' && view!.to.toLowerCase()).toBe('0x' + 'b0'.repeat(20));
  });

  it('refuses a log whose topics do not match its data', () => {
    const log = eventLog({ id: 'lot-1', seq: 0, type: 'Closed', signer: new Uint8Array(20), txHash: new Uint8Array(32), blockNumber: 1, txIndex: 0, reason: null });
    const wrongItem = bytesToHex(eventLog({ id: 'lot-2', seq: 0, type: 'Closed', signer: new Uint8Array(20), txHash: new Uint8Array(32), blockNumber: 1, txIndex: 0, reason: null }).topics[1]!);
    expect(() => receiptEvents({ logs: [{ topics: [bytesToHex(log.topics[0]!), wrongItem], data: bytesToHex(log.data) }] })).toThrow(/topics do not match/);
  });
});
