import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProtectionErrorCode, SlashingProtectionError } from '../../../../src/consensus/pos/errors.js';
import { PROTECTION_FILE, SlashingProtection, type ProtectionIdentity } from '../../../../src/consensus/pos/protection.js';
import type { VoteData } from '../../../../src/consensus/pos/votes.js';
import { address, domain, hashOf } from './fixtures.js';

const identity: ProtectionIdentity = { chainTag: domain.chainTag, validator: address(0) };

function link(source: number, target: number, label = 'main'): VoteData {
  return { source: { height: source, hash: hashOf(`${label} ${source}`) }, target: { height: target, hash: hashOf(`${label} ${target}`) } };
}

async function refused(promise: Promise<unknown>, code: ProtectionErrorCode): Promise<void> {
  await expect(promise).rejects.toBeInstanceOf(SlashingProtectionError);
  await expect(promise).rejects.toMatchObject({ code });
}

describe('SlashingProtection', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cairn-protection-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('remembers the last proposal across a restart and refuses conflicting ones', async () => {
    const first = await SlashingProtection.open(dir, identity);
    await first.approveProposal(5, hashOf('block at 5'));

    const restarted = await SlashingProtection.open(dir, identity);
    expect(restarted.lastProposal).toEqual({ slot: 5, signingHash: hashOf('block at 5') });
    await restarted.approveProposal(5, hashOf('block at 5'));
    await refused(restarted.approveProposal(5, hashOf('another block at 5')), ProtectionErrorCode.ConflictingProposal);
    await refused(restarted.approveProposal(4, hashOf('block at 4')), ProtectionErrorCode.ConflictingProposal);
    await restarted.approveProposal(6, hashOf('block at 6'));
    expect((await SlashingProtection.open(dir, identity)).lastProposal?.slot).toBe(6);
  });

  it('remembers the last vote across a restart and refuses double and surround votes', async () => {
    const first = await SlashingProtection.open(dir, identity);
    await first.approveVote(link(1, 2));
    await first.approveVote(link(2, 4));

    const restarted = await SlashingProtection.open(dir, identity);
    expect(restarted.lastVote).toEqual(link(2, 4));
    await restarted.approveVote(link(2, 4));
    await refused(restarted.approveVote(link(2, 4, 'fork')), ProtectionErrorCode.ConflictingVote);
    await refused(restarted.approveVote(link(2, 3)), ProtectionErrorCode.ConflictingVote);
    // 1 → 5 would surround 2 → 4.
    await refused(restarted.approveVote(link(1, 5)), ProtectionErrorCode.ConflictingVote);
    await restarted.approveVote(link(2, 5));
    await restarted.approveVote(link(4, 6));
  });

  it('lets only one of two concurrent conflicting requests through', async () => {
    const store = await SlashingProtection.open(dir, identity);
    const results = await Promise.allSettled([store.approveProposal(7, hashOf('x')), store.approveProposal(7, hashOf('y'))]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
  });

  it('writes atomically, leaving only the record behind', async () => {
    const store = await SlashingProtection.open(dir, identity);
    await store.approveVote(link(0, 1));
    expect(await readdir(dir)).toEqual([PROTECTION_FILE]);
    const saved = JSON.parse(await readFile(join(dir, PROTECTION_FILE), 'utf8')) as { version: number; vote: { targetHeight: number } };
    expect(saved.version).toBe(1);
    expect(saved.vote.targetHeight).toBe(1);
  });

  it('refuses a record of another validator or chain, and a corrupt one, instead of resetting it', async () => {
    await (await SlashingProtection.open(dir, identity)).approveProposal(3, hashOf('b'));
    await refused(SlashingProtection.open(dir, { ...identity, validator: address(1) }), ProtectionErrorCode.WrongIdentity);
    await refused(SlashingProtection.open(dir, { ...identity, chainTag: hashOf('other chain') }), ProtectionErrorCode.WrongIdentity);
    await writeFile(join(dir, PROTECTION_FILE), '{"version": 1, "chainTag": "0x12"');
    await refused(SlashingProtection.open(dir, identity), ProtectionErrorCode.Corrupt);
    await writeFile(join(dir, PROTECTION_FILE), JSON.stringify({ version: 1, chainTag: '0x00', validator: '0x00', proposal: null, vote: null }));
    await refused(SlashingProtection.open(dir, identity), ProtectionErrorCode.Corrupt);
  });
});
