import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readKeyFile } from '../../../src/cli/keyfile.js';
import { SlashingProtectionError } from '../../../src/consensus/pos/errors.js';
import { PROTECTION_FILE } from '../../../src/consensus/pos/protection.js';
import type { NodeConfig } from '../../../src/node/config.js';
import { createLogger } from '../../../src/node/log.js';
import { CairnNode, ConfigError } from '../../../src/node/node.js';
import { createValidatorKeys, posGenesis } from '../../../scripts/lib/pos-genesis.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A one-validator proof-of-stake chain and the node config that runs its validator. */
async function validatorNode(): Promise<NodeConfig> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-node-start-'));
  dirs.push(dir);
  const [validator] = await createValidatorKeys(dir, 1);
  const base = { chainId: 4242, timestamp: Date.now(), gasLimit: '30000000', baseFee: '1000000000', blockReward: '0', alloc: {} };
  const genesisPath = join(dir, 'genesis.json');
  await writeFile(genesisPath, JSON.stringify(posGenesis(base, [validator!.address])));
  return {
    genesisPath,
    dataDir: join(dir, 'data'),
    rpc: { host: '127.0.0.1', port: 0, corsOrigins: [], vhosts: ['localhost'] },
    p2p: { host: '127.0.0.1', port: 0, bootstrap: [], mdns: false },
    mine: false,
    validatorKey: await readKeyFile(validator!.path),
    coinbase: undefined,
    minerThreads: 1,
    recovery: 'native',
    logLevel: 'error',
  };
}

describe('CairnNode.start', () => {
  it('refuses to run a validator whose slashing-protection record is unusable, and leaves the record as it was', async () => {
    const config = await validatorNode();
    await mkdir(config.dataDir!, { recursive: true });
    const record = join(config.dataDir!, PROTECTION_FILE);
    await writeFile(record, '{"chainTag": "not a record"');

    const failure = await CairnNode.start(config, createLogger('error')).then(
      async (node) => {
        await node.stop();
        return undefined;
      },
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(SlashingProtectionError);
    expect((failure as Error).message).toContain(record);
    // Never reset: resetting it is how a validator signs twice.
    expect(await readFile(record, 'utf8')).toBe('{"chainTag": "not a record"');
  });

  it('starts a validator whose record is new, and it validates', async () => {
    const config = await validatorNode();
    const node = await CairnNode.start(config, createLogger('error'));
    try {
      expect(node.engine.status(node.chain.head.header, node.chain)['validating']).toBe(true);
    } finally {
      await node.stop();
    }
  });

  it('refuses the other engine\'s way to produce: --mine on proof of stake, --validator-key on proof of work', async () => {
    const pos = await validatorNode();
    await expect(CairnNode.start({ ...pos, mine: true }, createLogger('error'))).rejects.toThrow(
      new ConfigError(`--mine is for proof-of-work chains, and ${pos.genesisPath} runs pos: a validator produces with --validator-key <its key file>`),
    );
    const pow = { ...pos, genesisPath: join(dirs[0]!, 'pow.json') };
    const genesis = JSON.parse(await readFile(pos.genesisPath, 'utf8')) as Record<string, unknown>;
    await writeFile(pow.genesisPath, JSON.stringify({ ...genesis, consensus: { type: 'pow', pow: { targetBlockTimeMs: 1000, initialDifficulty: '1000', minDifficulty: '1000', confirmations: 4 } } }));
    await expect(CairnNode.start(pow, createLogger('error'))).rejects.toThrow(
      new ConfigError(`--validator-key is for proof-of-stake chains, and ${pow.genesisPath} runs pow: produce blocks with --mine`),
    );
  });
});
