import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Mempool, type MempoolLimits } from '../../../src/chain/mempool.js';
import { JournalWriter } from '../../../src/chain/mempool/journal-writer.js';
import { SenderQueue, type PoolEntry } from '../../../src/chain/mempool/sender-queue.js';
import type { Block, BlockHeader } from '../../../src/ledger/block/types.js';
import type { Account } from '../../../src/ledger/state/types.js';
import { signTransaction } from '../../../src/ledger/tx/encode.js';
import { InvalidTransactionError, TxErrorCode } from '../../../src/ledger/tx/errors.js';
import { SenderRecovery } from '../../../src/ledger/tx/sender.js';
import type { SignedTransaction, Transaction } from '../../../src/ledger/tx/types.js';
import { bytesToHex, concatBytes, hexToBytes } from '../../../src/primitives/hex.js';
import { addressOfPrivateKey } from '../../../src/primitives/keys.js';
import type { RecoverRequest, RecoveryBackend } from '../../../src/primitives/recover/backend.js';
import { loadRecoveryBackend } from '../../../src/primitives/recover/index.js';
import { rlpDecode, rlpEncode, type RlpValue } from '../../../src/primitives/rlp.js';

const CHAIN_ID = 1337n;
const TO = hexToBytes('0x90f79bf6eb2c4f870365e785982e1f101e93b906');
const RICH = 10n ** 24n;
/** Private keys 0x01.., 0x02.., ...: valid scalars, distinct senders. */
const KEYS = Array.from({ length: 12 }, (_, i) => new Uint8Array(32).fill(i + 1));
const ADDRS = KEYS.map((key) => addressOfPrivateKey(key));

/** Forwards to the real backend and counts the calls that reach it. */
class CountingBackend implements RecoveryBackend {
  readonly name;
  calls = 0;
  constructor(private readonly inner: RecoveryBackend) {
    this.name = inner.name;
  }
  recoverPublicKeys(requests: readonly RecoverRequest[]): Promise<(Uint8Array | null)[]> {
    this.calls++;
    return this.inner.recoverPublicKeys(requests);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

class FakeJournal {
  readonly puts: Transaction[][] = [];
  readonly deletes: Uint8Array[][] = [];
  /** Batches written: each is atomic, as LevelDB's. */
  writes = 0;
  failNext = false;
  async write(txs: readonly Transaction[], hashes: readonly Uint8Array[]): Promise<void> {
    await Promise.resolve();
    if (this.failNext) {
      this.failNext = false;
      throw new Error('disk full');
    }
    this.writes++;
    if (txs.length > 0) this.puts.push([...txs]);
    if (hashes.length > 0) this.deletes.push([...hashes]);
  }
  putHashes(): string[] {
    return this.puts.flat().map((tx) => bytesToHex(tx.hash));
  }
  deletedHashes(): string[] {
    return this.deletes.flat().map((hash) => bytesToHex(hash));
  }
}

class FakeState {
  private readonly accounts = new Map<string, Account>();
  getAccount(address: Uint8Array): Account {
    return this.accounts.get(bytesToHex(address)) ?? { nonce: 0n, balance: 0n };
  }
  set(address: Uint8Array, account: Account): void {
    this.accounts.set(bytesToHex(address), account);
  }
}

interface TxOptions {
  readonly maxFee?: bigint;
  readonly tip?: bigint;
  readonly gasLimit?: bigint;
  readonly value?: bigint;
}

function signed(sender: number, nonce: bigint, opts: TxOptions = {}): Transaction {
  return signTransaction(
    {
      type: 2,
      chainId: CHAIN_ID,
      nonce,
      gasPrice: null,
      maxFeePerGas: opts.maxFee ?? 1_000n,
      maxPriorityFeePerGas: opts.tip ?? 10n,
      gasLimit: opts.gasLimit ?? 21_000n,
      to: TO,
      value: opts.value ?? 1n,
      data: new Uint8Array(0),
      accessList: [],
    },
    KEYS[sender]!,
  );
}

function raw(sender: number, nonce: bigint, opts: TxOptions = {}): Uint8Array {
  return signed(sender, nonce, opts).raw;
}

function hex(tx: { hash: Uint8Array }): string {
  return bytesToHex(tx.hash);
}

function block(transactions: SignedTransaction[]): Block {
  const zero32 = new Uint8Array(32);
  const header: BlockHeader = {
    parentHash: zero32,
    number: 1,
    timestamp: 1,
    coinbase: new Uint8Array(20),
    txRoot: zero32,
    receiptsRoot: zero32,
    stateRoot: zero32,
    gasLimit: 30_000_000n,
    gasUsed: 0n,
    baseFee: 1n,
    extraData: new Uint8Array(0),
    consensus: [],
  };
  return { header, hash: zero32, transactions, consensusBody: [] };
}

async function rejection(promise: Promise<unknown>): Promise<InvalidTransactionError> {
  const err: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof InvalidTransactionError)) throw new Error(`expected an InvalidTransactionError, got ${String(err)}`);
  return err;
}

let backend: CountingBackend;
let recovery: SenderRecovery;

beforeAll(async () => {
  backend = new CountingBackend(await loadRecoveryBackend());
  recovery = new SenderRecovery(backend);
});

afterAll(async () => {
  await backend.close();
});

interface Setup {
  readonly pool: Mempool;
  readonly state: FakeState;
  readonly journal: FakeJournal;
  /** The next block's base fee the pool ranks by. */
  readonly fees: { baseFee: bigint };
}

function setup(limits?: MempoolLimits): Setup {
  const state = new FakeState();
  for (const addr of ADDRS) state.set(addr, { nonce: 0n, balance: RICH });
  const journal = new FakeJournal();
  const fees = { baseFee: 100n };
  const pool = new Mempool({
    chainId: CHAIN_ID,
    state,
    baseFee: () => fees.baseFee,
    blockGasLimit: 30_000_000n,
    recovery,
    journal,
    ...(limits === undefined ? {} : { limits }),
  });
  return { pool, state, journal, fees };
}

describe('Mempool admission', () => {
  it('accepts nonces in any order and serves them in nonce order', async () => {
    const { pool, journal } = setup();
    await Promise.all([raw(0, 2n), raw(0, 0n), raw(0, 1n)].map((r) => pool.add(r)));
    expect(pool.size).toBe(3);
    expect(pool.pendingCount).toBe(3);
    expect(pool.queuedCount).toBe(0);
    expect(pool.selectForBlock(30_000_000n, 100n).map((tx) => tx.nonce)).toEqual([0n, 1n, 2n]);
    expect(pool.pendingNonce(ADDRS[0]!)).toBe(3n);
    expect(journal.putHashes()).toHaveLength(3);
  });

  it('resolves with the sender recovered', async () => {
    const { pool } = setup();
    const tx = await pool.add(raw(3, 0n));
    expect(bytesToHex(tx.from)).toBe(bytesToHex(ADDRS[3]!));
    expect(pool.get(tx.hash)?.from).toEqual(ADDRS[3]);
    expect(pool.has(tx.hash)).toBe(true);
  });

  it('queues a transaction behind a gap and promotes it when the gap fills', async () => {
    const { pool } = setup();
    await pool.add(raw(0, 0n));
    await pool.add(raw(0, 2n));
    expect(pool.pendingCount).toBe(1);
    expect(pool.queuedCount).toBe(1);
    expect(pool.pendingNonce(ADDRS[0]!)).toBe(1n);
    expect(pool.selectForBlock(30_000_000n, 100n).map((tx) => tx.nonce)).toEqual([0n]);
    expect(pool.content().queued.map((tx) => tx.nonce)).toEqual([2n]);

    await pool.add(raw(0, 1n));
    expect(pool.pendingCount).toBe(3);
    expect(pool.queuedCount).toBe(0);
    expect(pool.pendingNonce(ADDRS[0]!)).toBe(3n);
    expect(pool.selectForBlock(30_000_000n, 100n).map((tx) => tx.nonce)).toEqual([0n, 1n, 2n]);
  });

  it('counts from the account nonce, not from zero', async () => {
    const { pool, state } = setup();
    state.set(ADDRS[0]!, { nonce: 7n, balance: RICH });
    expect(pool.pendingNonce(ADDRS[0]!)).toBe(7n);
    await pool.add(raw(0, 7n));
    await pool.add(raw(0, 9n));
    expect(pool.pendingNonce(ADDRS[0]!)).toBe(8n);
    expect(pool.stats()).toMatchObject({ size: 2, pending: 1, queued: 1, senders: 1 });
  });

  it('replaces a transaction only for +10% on both max fee and tip', async () => {
    const { pool, journal } = setup();
    const original = await pool.add(raw(0, 0n, { maxFee: 1_000n, tip: 100n }));

    const fivePercent = await rejection(pool.add(raw(0, 0n, { maxFee: 1_050n, tip: 105n })));
    expect(fivePercent.code).toBe(TxErrorCode.ReplacementUnderpriced);
    expect(fivePercent.message).toMatch(/^replacement transaction underpriced/);
    const feeOnly = await rejection(pool.add(raw(0, 0n, { maxFee: 2_000n, tip: 100n })));
    expect(feeOnly.code).toBe(TxErrorCode.ReplacementUnderpriced);
    expect(pool.get(original.hash)).toBeDefined();

    const writes = journal.writes;
    const replacement = await pool.add(raw(0, 0n, { maxFee: 1_100n, tip: 110n }));
    expect(pool.size).toBe(1);
    expect(pool.get(original.hash)).toBeUndefined();
    expect(pool.get(replacement.hash)).toBeDefined();
    expect(pool.pendingNonce(ADDRS[0]!)).toBe(1n);
    // The newcomer's put and the original's delete in one batch: a crash cannot leave neither.
    expect(journal.writes).toBe(writes + 1);
    expect(journal.puts.at(-1)!.map((tx) => bytesToHex(tx.hash))).toEqual([hex(replacement)]);
    expect(journal.deletedHashes()).toEqual([hex(original)]);
  });

  it('refuses a nonce below the account nonce with geth wording', async () => {
    const { pool, state } = setup();
    state.set(ADDRS[0]!, { nonce: 5n, balance: RICH });
    const err = await rejection(pool.add(raw(0, 4n)));
    expect(err.code).toBe(TxErrorCode.NonceTooLow);
    expect(err.message).toBe('nonce too low: next nonce 5, tx nonce 4');
    expect(pool.size).toBe(0);
  });

  it('refuses what the balance cannot pay, alone or with the sender’s pooled transactions', async () => {
    const { pool, state } = setup();
    // One transaction costs 21000 * 1000 + 1.
    const cost = 21_000n * 1_000n + 1n;
    state.set(ADDRS[0]!, { nonce: 0n, balance: cost - 1n });
    const alone = await rejection(pool.add(raw(0, 0n)));
    expect(alone.code).toBe(TxErrorCode.InsufficientFunds);
    expect(alone.message).toBe(`insufficient funds for gas * price + value: balance ${cost - 1n}, tx cost ${cost}`);

    state.set(ADDRS[0]!, { nonce: 0n, balance: cost * 2n - 1n });
    await pool.add(raw(0, 0n));
    const together = await rejection(pool.add(raw(0, 1n)));
    expect(together.code).toBe(TxErrorCode.InsufficientFunds);
    expect(together.message).toMatch(/^insufficient funds for gas \* price \+ value: /);
    expect(pool.pendingNonce(ADDRS[0]!)).toBe(1n);
  });

  it('refuses a transaction it already holds, also when sent twice at once', async () => {
    const { pool } = setup();
    const r = raw(0, 0n);
    await pool.add(r);
    expect((await rejection(pool.add(r))).message).toBe('already known');

    const twin = raw(1, 0n);
    const results = await pool.addMany([twin, twin]);
    expect(results.filter((res) => res.ok)).toHaveLength(1);
    const failed = results.find((res) => !res.ok);
    expect(failed?.ok === false && failed.error.code).toBe(TxErrorCode.AlreadyKnown);
  });

  it('refuses stateless violations and tips below the minimum before recovering senders', async () => {
    const { pool } = setup();
    const calls = backend.calls;
    expect((await rejection(pool.add(raw(0, 0n, { tip: 0n })))).code).toBe(TxErrorCode.Underpriced);
    expect((await rejection(pool.add(raw(0, 0n, { gasLimit: 20_000n })))).code).toBe(TxErrorCode.IntrinsicGas);
    expect((await rejection(pool.add(raw(0, 0n, { gasLimit: 40_000_000n })))).code).toBe(TxErrorCode.GasLimitExceedsBlock);
    expect((await rejection(pool.add(Uint8Array.of(2)))).code).toBe(TxErrorCode.Malformed);
    expect(backend.calls).toBe(calls);
  });

  it('holds at most perSender nonces per account', async () => {
    const { pool } = setup({ perSender: 4 });
    await Promise.all([0n, 1n, 2n, 3n].map((n) => pool.add(raw(0, n))));
    const err = await rejection(pool.add(raw(0, 4n)));
    expect(err.code).toBe(TxErrorCode.NonceTooHigh);
    expect(err.message).toContain('at most 4 transactions per account');
    // A replacement inside the window does not add to the count.
    await pool.add(raw(0, 3n, { maxFee: 2_000n, tip: 20n }));
    expect(pool.size).toBe(4);
    await pool.add(raw(1, 0n));
    expect(pool.size).toBe(5);
  });

  it('refuses only the transaction whose signature recovers no sender', async () => {
    const { pool } = setup();
    // r = 5 is in range but no curve point has x = 5, so no key recovers.
    const good = signed(0, 0n);
    const fields = rlpDecode(good.raw.subarray(1)) as RlpValue[];
    fields[10] = Uint8Array.of(5);
    const forged = concatBytes(Uint8Array.of(2), rlpEncode(fields));
    const results = await pool.addMany([raw(1, 0n), forged, good.raw]);
    expect(results.map((res) => (res.ok ? 'ok' : res.error.code))).toEqual(['ok', TxErrorCode.InvalidSignature, 'ok']);
    expect(pool.size).toBe(2);
  });
});

describe('Mempool global limit', () => {
  it('evicts the cheapest transaction, and refuses a newcomer that would be it', async () => {
    const { pool, journal } = setup({ global: 3 });
    const tip5 = await pool.add(raw(0, 0n, { tip: 5n }));
    const tip1 = await pool.add(raw(1, 0n, { tip: 1n }));
    const tip3 = await pool.add(raw(2, 0n, { tip: 3n }));

    const tip4 = await pool.add(raw(3, 0n, { tip: 4n }));
    expect(pool.size).toBe(3);
    expect(pool.has(tip1.hash)).toBe(false);
    expect(journal.deletedHashes()).toContain(hex(tip1));

    const cheap = await rejection(pool.add(raw(4, 0n, { tip: 2n })));
    expect(cheap.code).toBe(TxErrorCode.Underpriced);
    expect(cheap.message).toMatch(/^transaction underpriced/);
    for (const tx of [tip5, tip3, tip4]) expect(pool.has(tx.hash)).toBe(true);
  });

  it('ranks by effective tip at the next base fee, re-ranking when it changes', async () => {
    const { pool, fees } = setup({ global: 2 });
    fees.baseFee = 95n;
    // Effective tip min(tip, maxFee - baseFee): 10 for both.
    const capped = await pool.add(raw(0, 0n, { maxFee: 105n, tip: 50n }));
    const plain = await pool.add(raw(1, 0n, { maxFee: 1_000n, tip: 10n }));
    expect((await rejection(pool.add(raw(2, 0n, { maxFee: 1_000n, tip: 8n })))).code).toBe(TxErrorCode.Underpriced);
    // At 100 the capped one earns 5: the newcomer's 8 outbids it.
    fees.baseFee = 100n;
    await pool.add(raw(2, 0n, { maxFee: 1_000n, tip: 8n }));
    expect(pool.has(capped.hash)).toBe(false);
    expect(pool.has(plain.hash)).toBe(true);
  });

  it('evicts queued transactions before pending ones, and never a newcomer’s own lower nonce', async () => {
    const { pool } = setup({ global: 3 });
    const queued = await pool.add(raw(0, 5n, { tip: 1_000n, maxFee: 2_000n }));
    const pendingA = await pool.add(raw(1, 0n, { tip: 1n }));
    const pendingB = await pool.add(raw(2, 0n, { tip: 2n }));

    await pool.add(raw(3, 0n, { tip: 3n }));
    expect(pool.has(queued.hash)).toBe(false);
    expect(pool.has(pendingA.hash)).toBe(true);

    // A newcomer behind a gap cannot displace executable transactions.
    const gapped = await rejection(pool.add(raw(4, 3n, { tip: 1_000n, maxFee: 2_000n })));
    expect(gapped.code).toBe(TxErrorCode.PoolFull);

    // Sender 1's only transaction is the cheapest; its nonce 1 must not evict it.
    const ownChild = await rejection(pool.add(raw(1, 1n, { tip: 500n })));
    expect(ownChild.code).toBe(TxErrorCode.PoolFull);
    expect(ownChild.message).toContain("this account's nonce 0");
    expect(pool.has(pendingA.hash)).toBe(true);
    expect(pool.has(pendingB.hash)).toBe(true);
  });

  it('ranks a tail as pending once the gap under it fills', async () => {
    const { pool, state } = setup({ global: 5 });
    await pool.addMany([raw(0, 0n, { tip: 10n }), raw(0, 2n, { tip: 2n }), raw(1, 0n, { tip: 20n }), raw(2, 0n, { tip: 30n }), raw(4, 5n, { tip: 1n })]);
    // Full: sender 4's queued nonce 5 goes. Sender 0's nonce 2 is still queued.
    const mined = await pool.add(raw(3, 0n, { tip: 40n }));
    expect(pool.pendingNonce(ADDRS[4]!)).toBe(0n);
    state.set(ADDRS[3]!, { nonce: 1n, balance: RICH });
    await pool.onHeadChange({ added: [block([mined])], removed: [] });
    // Nonce 1 fills sender 0's gap: nonce 2 is now pending, and the pool full again.
    await pool.add(raw(0, 1n, { tip: 10n }));
    expect(pool.queuedCount).toBe(0);
    // So a queued newcomer cannot displace it, however well it pays.
    const err = await rejection(pool.add(raw(5, 5n, { tip: 50n })));
    expect(err.code).toBe(TxErrorCode.PoolFull);
    expect(pool.pendingNonce(ADDRS[0]!)).toBe(3n);
  });

  it('evicts from the end of a sender’s queue, so no gap opens', async () => {
    const { pool } = setup({ global: 3 });
    await pool.add(raw(0, 0n, { tip: 1n }));
    const tail = await pool.add(raw(0, 1n, { tip: 50n }));
    await pool.add(raw(1, 0n, { tip: 20n }));
    // Sender 0's nonce 0 pays least, but evicting it would strand nonce 1:
    // the cheapest tail is sender 1's (20), below the newcomer's 30.
    await pool.add(raw(2, 0n, { tip: 30n }));
    expect(pool.has(tail.hash)).toBe(true);
    expect(pool.pendingNonce(ADDRS[0]!)).toBe(2n);
    expect(pool.pendingNonce(ADDRS[1]!)).toBe(0n);
    expect(pool.pendingNonce(ADDRS[2]!)).toBe(1n);
  });
});

describe('Mempool eviction against a brute-force model', () => {
  it('always evicts the cheapest sender tail, across base fee changes', async () => {
    const { pool, fees } = setup({ global: 15 });
    let seed = 12345;
    const next = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      // High bits: an LCG's low bits cycle quickly.
      return Math.floor((seed / 2 ** 31) * n);
    };
    const arrival = new Map<string, number>();
    const used = new Set<string>();
    let evictions = 0;
    let refusals = 0;
    for (let step = 0; step < 300; step++) {
      if (step % 25 === 24) fees.baseFee = fees.baseFee === 100n ? 80n : 100n;
      const sender = next(12);
      const nonce = BigInt(next(10));
      if (used.has(`${sender}:${nonce}`)) continue;
      used.add(`${sender}:${nonce}`);
      const tx = signed(sender, nonce, { maxFee: BigInt(90 + next(110)), tip: BigInt(1 + next(50)) });

      const content = pool.content();
      const pendingKeys = new Set(content.pending.map(hex));
      const tails = new Map<string, SignedTransaction>();
      for (const p of [...content.pending, ...content.queued]) {
        const key = bytesToHex(p.from);
        const tail = tails.get(key);
        if (tail === undefined || p.nonce > tail.nonce) tails.set(key, p);
      }
      const tipOf = (t: Transaction): bigint => (t.maxFeePerGas - fees.baseFee < t.maxPriorityFeePerGas ? t.maxFeePerGas - fees.baseFee : t.maxPriorityFeePerGas);
      type Ranked = { queued: boolean; tip: bigint; order: number };
      const before = (a: Ranked, b: Ranked): boolean => (a.queued !== b.queued ? a.queued : a.tip !== b.tip ? a.tip < b.tip : a.order > b.order);
      let victim: { tx: SignedTransaction; rank: Ranked } | undefined;
      for (const t of tails.values()) {
        const r = { queued: !pendingKeys.has(hex(t)), tip: tipOf(t), order: arrival.get(hex(t)) ?? 0 };
        if (victim === undefined || before(r, victim.rank)) victim = { tx: t, rank: r };
      }
      const newcomer = { queued: nonce !== pool.pendingNonce(ADDRS[sender]!), tip: tipOf(tx), order: step + 1_000 };
      const full = pool.size === 15;
      const expectRefusal =
        full &&
        (victim === undefined ||
          (bytesToHex(victim.tx.from) === bytesToHex(ADDRS[sender]!) && victim.tx.nonce < nonce) ||
          !before(victim.rank, newcomer));

      const [result] = await pool.addMany([tx.raw]);
      if (result === undefined) throw new Error('no result');
      expect(result.ok).toBe(!expectRefusal);
      if (!result.ok) {
        refusals++;
        continue;
      }
      arrival.set(hex(tx), step + 1_000);
      if (full && victim !== undefined) {
        evictions++;
        expect(pool.has(victim.tx.hash)).toBe(false);
      }
      expect(pool.size).toBeLessThanOrEqual(15);
    }
    // The walk must have exercised both outcomes to mean anything.
    expect(evictions).toBeGreaterThan(10);
    expect(refusals).toBeGreaterThan(5);
  });
});

describe('Mempool block selection', () => {
  it('takes the best tips first across senders while keeping each sender’s nonce order', async () => {
    const { pool } = setup();
    await pool.addMany([
      raw(0, 0n, { tip: 1n }),
      raw(0, 1n, { tip: 100n }),
      raw(1, 0n, { tip: 50n }),
      raw(1, 1n, { tip: 2n }),
      raw(2, 0n, { tip: 10n }),
    ]);
    const order = pool.selectForBlock(30_000_000n, 100n).map((tx) => `${ADDRS.findIndex((a) => bytesToHex(a) === bytesToHex(tx.from))}:${tx.nonce}`);
    expect(order).toEqual(['1:0', '2:0', '1:1', '0:0', '0:1']);
  });

  it('leaves out transactions that cannot pay the base fee, and what comes after them', async () => {
    const { pool } = setup();
    await pool.addMany([raw(0, 0n, { maxFee: 150n, tip: 10n }), raw(0, 1n, { maxFee: 1_000n }), raw(1, 0n, { maxFee: 1_000n })]);
    expect(pool.selectForBlock(30_000_000n, 100n)).toHaveLength(3);
    const atHighFee = pool.selectForBlock(30_000_000n, 200n);
    expect(atHighFee.map((tx) => bytesToHex(tx.from))).toEqual([bytesToHex(ADDRS[1]!)]);
  });

  it('stops when the block gas is used', async () => {
    const { pool } = setup();
    await pool.addMany([raw(0, 0n, { tip: 30n }), raw(1, 0n, { tip: 20n, gasLimit: 50_000n }), raw(2, 0n, { tip: 10n })]);
    // 60,000 gas: the 30-tip transfer uses 21,000; the 50,000-limit one does not fit in 39,000; the 10-tip one does.
    const picked = pool.selectForBlock(60_000n, 100n);
    expect(picked.map((tx) => tx.maxPriorityFeePerGas)).toEqual([30n, 10n]);
  });

  it('keeps every sender’s nonce order among hundreds of interleaved tips', async () => {
    const { pool } = setup();
    const raws: Uint8Array[] = [];
    for (let s = 0; s < 10; s++) for (let n = 0n; n < 60n; n++) raws.push(raw(s, n, { tip: BigInt(1 + ((s * 7 + Number(n) * 13) % 97)) }));
    const results = await pool.addMany(raws);
    expect(results.every((res) => res.ok)).toBe(true);
    const picked = pool.selectForBlock(400n * 21_000n + 20_999n, 100n);
    expect(picked).toHaveLength(400);
    const next = new Map<string, bigint>();
    for (const tx of picked) {
      const key = bytesToHex(tx.from);
      expect(tx.nonce).toBe(next.get(key) ?? 0n);
      next.set(key, tx.nonce + 1n);
    }
  });
});

describe('Mempool journal', () => {
  it('writes 100 concurrent admissions in one journal put after one recovery call', async () => {
    const { pool, journal } = setup();
    // value 2: transactions no other test sent, so none is in the recovery cache.
    const raws = Array.from({ length: 100 }, (_, i) => raw(i % 10, BigInt(Math.floor(i / 10)), { value: 2n }));
    const calls = backend.calls;
    const txs = await Promise.all(raws.map((r) => pool.add(r)));
    expect(journal.puts).toHaveLength(1);
    expect(journal.puts[0]).toHaveLength(100);
    expect(backend.calls).toBe(calls + 1);
    expect(new Set(journal.putHashes())).toEqual(new Set(txs.map(hex)));
  });

  it('resolves only after the write, and takes the transaction back if the write fails', async () => {
    const { pool, journal } = setup();
    journal.failNext = true;
    const r = raw(0, 0n);
    await expect(pool.add(r)).rejects.toThrow('disk full');
    expect(pool.size).toBe(0);
    expect(pool.pendingNonce(ADDRS[0]!)).toBe(0n);
    const tx = await pool.add(r);
    expect(journal.putHashes()).toEqual([hex(tx)]);
  });

  it('keeps the transaction a failed replacement would have replaced, and journals it again', async () => {
    const { pool, journal } = setup();
    const old = await pool.add(raw(0, 0n));
    journal.failNext = true;
    await expect(pool.add(raw(0, 0n, { maxFee: 2_000n, tip: 20n }))).rejects.toThrow('disk full');
    expect(pool.has(old.hash)).toBe(true);
    expect(pool.pendingNonce(ADDRS[0]!)).toBe(1n);
    await pool.add(raw(1, 0n));
    expect(journal.putHashes()).toContain(hex(old));
  });

  it('keeps the transaction a failed admission would have evicted', async () => {
    const { pool, journal } = setup({ global: 2 });
    const [cheap, rich] = await Promise.all([pool.add(raw(0, 0n, { tip: 5n })), pool.add(raw(1, 0n, { tip: 50n }))]);
    journal.failNext = true;
    await expect(pool.add(raw(2, 0n, { tip: 20n }))).rejects.toThrow('disk full');
    expect(pool.size).toBe(2);
    expect(pool.has(cheap.hash)).toBe(true);
    expect(pool.has(rich.hash)).toBe(true);
  });

  it('tells its listeners once per journaled batch of admissions, never for a refusal or a failed write', async () => {
    const { pool, journal } = setup();
    let calls = 0;
    const unsubscribe = pool.onAdmitted(() => calls++);
    await Promise.all([pool.add(raw(0, 0n, { value: 3n })), pool.add(raw(1, 0n, { value: 3n }))]);
    expect(calls).toBe(1);
    await expect(pool.add(raw(0, 0n, { value: 3n }))).rejects.toThrow('already known');
    journal.failNext = true;
    await expect(pool.add(raw(2, 0n, { value: 3n }))).rejects.toThrow('disk full');
    expect(calls).toBe(1);
    unsubscribe();
    await pool.add(raw(3, 0n, { value: 3n }));
    expect(calls).toBe(1);
    expect(pool.size).toBe(3);
  });

  it('restores journaled transactions without writing them again, deleting those now invalid', async () => {
    const { pool, state, journal } = setup();
    state.set(ADDRS[1]!, { nonce: 3n, balance: RICH });
    const kept = [signed(0, 1n), signed(0, 0n)];
    const stale = signed(1, 2n);
    const garbage = Uint8Array.of(0xc0);
    const restored = await pool.restore([kept[0]!.raw, stale.raw, kept[1]!.raw, garbage]);
    expect(restored).toBe(2);
    expect(pool.pendingCount).toBe(2);
    expect(journal.puts).toHaveLength(0);
    const deleted = journal.deletedHashes();
    expect(deleted).toHaveLength(2);
    expect(deleted).toContain(hex(stale));
  });
  it('restores each sender’s lowest nonces first when the balance no longer covers them all', async () => {
    const { pool, state } = setup();
    const n1 = signed(0, 1n, { value: 1_000_000n });
    const n2 = signed(0, 2n, { value: 1_000_000n });
    // A block lowered the balance after both were pooled: it covers one of them.
    state.set(ADDRS[0]!, { nonce: 1n, balance: 1_500_000n + 2n * 21_000n * 1_000n });
    expect(await pool.restore([n2.raw, n1.raw])).toBe(1);
    expect(pool.has(n1.hash)).toBe(true);
    expect(pool.pendingCount).toBe(1);
    expect(pool.queuedCount).toBe(0);
    expect(pool.pendingNonce(ADDRS[0]!)).toBe(2n);
  });
});

describe('Mempool head changes', () => {
  it('drops mined transactions, re-adds reorged-out ones and drops those whose nonce was used', async () => {
    const { pool, state, journal } = setup();
    const [a0, a1, b0] = await Promise.all([raw(0, 0n), raw(0, 1n), raw(1, 0n)].map((r) => pool.add(r)));
    if (a0 === undefined || a1 === undefined || b0 === undefined) throw new Error('admission returned too few transactions');
    const c0 = (await recovery.recover([signed(2, 0n)]))[0]!;
    const b0Other = (await recovery.recover([signed(1, 0n, { tip: 11n })]))[0]!;
    journal.puts.length = 0;

    // The new chain mined a0 and another transaction of sender 1 with nonce 0,
    // and dropped a block (c0) that had been mined before: state follows it.
    state.set(ADDRS[0]!, { nonce: 1n, balance: RICH });
    state.set(ADDRS[1]!, { nonce: 1n, balance: RICH });
    state.set(ADDRS[2]!, { nonce: 0n, balance: RICH });
    await pool.onHeadChange({ added: [block([a0, b0Other])], removed: [block([c0])] });

    expect(pool.has(a0.hash)).toBe(false);
    expect(pool.has(b0.hash)).toBe(false);
    expect(pool.has(c0.hash)).toBe(true);
    expect(pool.has(a1.hash)).toBe(true);
    expect(pool.pendingCount).toBe(2);
    expect(pool.pendingNonce(ADDRS[0]!)).toBe(2n);
    expect(pool.pendingNonce(ADDRS[2]!)).toBe(1n);
    // The chain deletes a0's entry in its block batch; the pool deletes only b0's.
    expect(journal.deletedHashes()).toEqual([hex(b0)]);
    expect(journal.putHashes()).toEqual([hex(c0)]);
  });

  it('does not bring back a reorged-out transaction that the new chain also holds', async () => {
    const { pool, state, journal } = setup();
    const tx = (await recovery.recover([signed(0, 0n)]))[0]!;
    state.set(ADDRS[0]!, { nonce: 1n, balance: RICH });
    await pool.onHeadChange({ added: [block([tx])], removed: [block([tx])] });
    expect(pool.size).toBe(0);
    expect(journal.puts).toHaveLength(0);
  });

  it('deletes the journal entry of a reorged-out transaction it refuses', async () => {
    const { pool, state, journal } = setup();
    // The chain journals every reorged-out transaction in its reorg batch; this one's nonce is used on the new chain.
    const conflicting = (await recovery.recover([signed(0, 0n)]))[0]!;
    state.set(ADDRS[0]!, { nonce: 1n, balance: RICH });
    await pool.onHeadChange({ added: [block([])], removed: [block([conflicting])] });
    expect(pool.size).toBe(0);
    expect(journal.deletedHashes()).toEqual([hex(conflicting)]);
  });

  it('drops a transaction the balance no longer covers and queues the later ones behind it', async () => {
    const { pool, state, journal } = setup();
    const [n0, n1, n2] = await Promise.all([raw(0, 0n), raw(0, 1n, { value: 10n ** 20n }), raw(0, 2n)].map((r) => pool.add(r)));
    if (n0 === undefined || n1 === undefined || n2 === undefined) throw new Error('admission returned too few transactions');
    state.set(ADDRS[0]!, { nonce: 0n, balance: 10n ** 19n });
    await pool.onHeadChange({ added: [block([])], removed: [] });
    expect(pool.has(n1.hash)).toBe(false);
    expect(journal.deletedHashes()).toEqual([hex(n1)]);
    expect(pool.content().pending.map(hex)).toEqual([hex(n0)]);
    expect(pool.content().queued.map(hex)).toEqual([hex(n2)]);
    expect(pool.pendingNonce(ADDRS[0]!)).toBe(1n);
    expect(pool.selectForBlock(30_000_000n, 100n).map(hex)).toEqual([hex(n0)]);
  });

  it('promotes queued transactions when a block fills the gap, and drops what the balance no longer covers', async () => {
    const { pool, state, journal } = setup();
    const [n2, n3] = await Promise.all([raw(0, 2n), raw(0, 3n), raw(1, 0n)].map((r) => pool.add(r)));
    expect(pool.queuedCount).toBe(2);
    state.set(ADDRS[0]!, { nonce: 2n, balance: RICH });
    state.set(ADDRS[1]!, { nonce: 0n, balance: 100n });
    await pool.onHeadChange({ added: [block([])], removed: [] });
    expect(pool.pendingCount).toBe(2);
    expect(pool.queuedCount).toBe(0);
    expect(pool.pendingNonce(ADDRS[0]!)).toBe(4n);
    expect(pool.content().pending.map(hex)).toEqual([n2, n3].map((tx) => (tx === undefined ? '' : hex(tx))));
    expect(pool.stats().senders).toBe(1);
    expect(journal.deletes.flat()).toHaveLength(1);
  });
});

describe('JournalWriter', () => {
  /** A journal whose puts complete only when the test says so. */
  class GatedJournal extends FakeJournal {
    inFlight = 0;
    maxInFlight = 0;
    private gates: (() => void)[] = [];
    override async write(txs: readonly Transaction[], hashes: readonly Uint8Array[]): Promise<void> {
      this.inFlight++;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      await new Promise<void>((resolve) => this.gates.push(resolve));
      this.inFlight--;
      await super.write(txs, hashes);
    }
    open(): void {
      for (const gate of this.gates.splice(0)) gate();
    }
  }

  it('groups what arrives during a commit into the next one, one commit at a time', async () => {
    const journal = new GatedJournal();
    const writer = new JournalWriter(journal);
    const a = signed(0, 0n);
    const b = signed(0, 1n);
    const c = signed(0, 2n);
    writer.put(a);
    const first = writer.flush();
    writer.put(b);
    const second = writer.flush();
    writer.put(c);
    const third = writer.flush();
    await new Promise((resolve) => setImmediate(resolve));
    journal.open();
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    journal.open();
    await Promise.all([second, third]);
    expect(journal.puts.map((batch) => batch.map(hex))).toEqual([[hex(a)], [hex(b), hex(c)]]);
    expect(journal.maxInFlight).toBe(1);
  });

  it('lets the last operation on a hash win before its commit', async () => {
    const journal = new FakeJournal();
    const writer = new JournalWriter(journal);
    const tx = signed(0, 0n);
    writer.put(tx);
    writer.delete(tx.hash);
    await writer.flush();
    expect(journal.puts).toHaveLength(0);
    expect(journal.deletedHashes()).toEqual([hex(tx)]);
  });
});

describe('SenderQueue', () => {
  /** The pending run counted from scratch: what the queue keeps incrementally. */
  function naivePending(nonces: ReadonlySet<bigint>, accountNonce: bigint): number {
    let n = 0;
    while (nonces.has(accountNonce + BigInt(n))) n++;
    return n;
  }

  function entry(nonce: bigint): PoolEntry {
    const tx = { nonce } as SignedTransaction;
    return { tx, hashKey: `h${nonce}`, senderKey: 's', cost: 1n, gas: 21_000n, seq: 0 };
  }

  it('keeps the pending run equal to a recount through random inserts, deletes and account nonces', () => {
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const queue = new SenderQueue(new Uint8Array(20), 5n);
    const pooled = new Set<bigint>();
    let accountNonce = 5n;
    for (let step = 0; step < 5000; step++) {
      const nonce = accountNonce + BigInt(random(40)) - 3n;
      const action = random(10);
      if (action < 6) {
        queue.set(entry(nonce));
        pooled.add(nonce);
      } else if (action < 9) {
        queue.delete(nonce);
        pooled.delete(nonce);
      } else {
        accountNonce += BigInt(random(6));
        queue.setAccountNonce(accountNonce);
      }
      expect(queue.pendingCount, `step ${step}`).toBe(naivePending(pooled, accountNonce));
      expect(queue.size).toBe(pooled.size);
    }
  });
});
