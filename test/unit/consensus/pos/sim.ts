import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recoverPublicKey } from '@noble/secp256k1';
import { expect } from 'vitest';
import { PosEngine } from '../../../../src/consensus/pos/engine.js';
import { posConfig, type PosConfig, type PosParams } from '../../../../src/consensus/pos/params.js';
import { slotStart } from '../../../../src/consensus/pos/slots.js';
import { hashHeader } from '../../../../src/ledger/block/header.js';
import type { Block, BlockHeader } from '../../../../src/ledger/block/types.js';
import type { ModuleCall, ModuleOutcome } from '../../../../src/ledger/modules/module.js';
import { STAKING_ADDRESS, type StakingModule } from '../../../../src/ledger/modules/staking/index.js';
import { signTransaction } from '../../../../src/ledger/tx/encode.js';
import { bigintToFixedBytes, bytesToHex, utf8ToBytes } from '../../../../src/primitives/hex.js';
import { addressOfPrivateKey } from '../../../../src/primitives/keys.js';
import type { RecoverRequest, RecoveryBackend } from '../../../../src/primitives/recover/backend.js';
import type { RlpValue } from '../../../../src/primitives/rlp.js';
import { MemoryState } from '../../ledger/modules/staking/memory-state.js';

/**
 * A PoS network in one process: one engine per validator, one shared
 * canonical chain of (header, body, state), and a loop that walks slot by
 * slot the way the node's producer, chain and vote gossip will: the online
 * validator whose plan names the slot builds (buildBody, prepareSection,
 * beginBlock, seal); every online node checks the header, one checks the
 * body, and a fresh execution of beginBlock must reproduce the builder's
 * state exactly; then every online node signs its vote for the new head and
 * the others receive it.
 */

export const GENESIS_TIME = 1_764_028_800_000;
export const CHAIN_ID = 13370n;

/** Recovers with noble on this thread, remembering results: the nodes check the same signatures many times. */
export class MemoBackend implements RecoveryBackend {
  readonly name = 'noble-workers' as const;
  readonly #memo = new Map<string, Uint8Array | null>();

  recoverPublicKeys(requests: readonly RecoverRequest[]): Promise<(Uint8Array | null)[]> {
    return Promise.resolve(
      requests.map((request) => {
        const key = `${bytesToHex(request.msgHash)}${bytesToHex(request.signature)}${request.recoveryId}`;
        if (!this.#memo.has(key)) {
          const sig = new Uint8Array(65);
          sig[0] = request.recoveryId;
          sig.set(request.signature, 1);
          let recovered: Uint8Array | null;
          try {
            recovered = recoverPublicKey(sig, request.msgHash, { prehash: false, isCompressed: false });
          } catch {
            recovered = null;
          }
          this.#memo.set(key, recovered);
        }
        return this.#memo.get(key)!;
      }),
    );
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

export function validatorKey(i: number): Uint8Array {
  return bigintToFixedBytes(0x3000n + BigInt(i), 32);
}

export function params(stakes: readonly bigint[], overrides: Partial<PosParams> = {}): PosParams {
  return {
    slotDurationMs: 1000,
    epochLength: 4,
    minStake: 100n,
    unbondingEpochs: 2,
    validators: stakes.map((stake, i) => ({ address: addressOfPrivateKey(validatorKey(i)), stake })).sort((a, b) => Buffer.compare(a.address, b.address)),
    ...overrides,
  };
}

/** A transaction to the staking module, as execution hands it over (sender recovered, value not yet moved). */
export interface StakingCall {
  /** The sender's private key. */
  readonly key: Uint8Array;
  readonly value: bigint;
  readonly data: string;
}

export interface ChainBlock {
  readonly header: BlockHeader;
  readonly hash: Uint8Array;
  readonly body: RlpValue[];
  readonly calls: readonly StakingCall[];
  /** The state after the block. */
  readonly state: MemoryState;
}

/** A sealed block and the state its builder computed. */
export interface Built extends Omit<ChainBlock, 'state'> {
  readonly built: MemoryState;
}

export interface SimNode {
  readonly index: number;
  readonly address: Uint8Array;
  readonly dataDir: string;
  engine: PosEngine;
  online: boolean;
}

export class Sim {
  readonly config: PosConfig;
  readonly backend = new MemoBackend();
  readonly nodes: SimNode[] = [];
  readonly chain: ChainBlock[] = [];
  /** Outcomes of the staking calls, in order. */
  readonly outcomes: ModuleOutcome[] = [];
  /** The engine every block is re-executed with, as a node without a key would. */
  readonly follower: PosEngine;
  slot = 0;
  #pendingCalls: StakingCall[] = [];
  readonly #dirs: string[];

  private constructor(config: PosConfig, dirs: string[]) {
    this.config = config;
    this.#dirs = dirs;
    this.follower = new PosEngine(config, { recovery: this.backend, dataDir: dirs.at(-1)!, now: () => this.now });
  }

  /** One node per key index in `keys` (default: one per genesis validator), all online. */
  static async start(posParams: PosParams, keys: readonly number[] = posParams.validators.map((_, i) => i)): Promise<Sim> {
    const config = posConfig(posParams, CHAIN_ID, GENESIS_TIME);
    const dirs = await Promise.all([...keys, -1].map(() => mkdtemp(join(tmpdir(), 'cairn-pos-sim-'))));
    const sim = new Sim(config, dirs);
    for (const [n, i] of keys.entries()) {
      const node: SimNode = { index: i, address: addressOfPrivateKey(validatorKey(i)), dataDir: dirs[n]!, engine: undefined!, online: true };
      node.engine = sim.engineFor(node);
      sim.nodes.push(node);
    }
    sim.#genesis();
    return sim;
  }

  engineFor(node: SimNode): PosEngine {
    return new PosEngine(this.config, {
      recovery: this.backend,
      dataDir: node.dataDir,
      validatorKey: validatorKey(node.index),
      now: () => this.now,
    });
  }

  get now(): number {
    return slotStart(this.slot, this.config.clock);
  }

  get head(): ChainBlock {
    return this.chain.at(-1)!;
  }

  get staking(): StakingModule {
    return this.follower.modules[0] as StakingModule;
  }

  node(i: number): SimNode {
    return this.nodes.find((node) => node.index === i)!;
  }

  /** Credits `amount` to `address` in the head state (a genesis alloc, before the first block). */
  fund(address: Uint8Array, amount: bigint): void {
    const account = this.head.state.getAccount(address);
    this.head.state.setAccount(address, { ...account, balance: account.balance + amount });
  }

  /** Staking calls the next block carries. */
  submit(call: StakingCall): void {
    this.#pendingCalls.push(call);
  }

  /** Stops a node; `restart` builds a fresh engine over its data directory, as a process restart would. */
  stop(i: number): void {
    this.node(i).online = false;
  }

  async restart(i: number): Promise<void> {
    const node = this.node(i);
    await node.engine.close();
    node.engine = this.engineFor(node);
    node.online = true;
    await this.#announce(this.head, [node]);
  }

  /** Runs `count` slots; returns the blocks made. */
  async run(count: number): Promise<ChainBlock[]> {
    const made: ChainBlock[] = [];
    for (let i = 0; i < count; i++) {
      this.slot++;
      const block = await this.#step();
      if (block !== undefined) made.push(block);
    }
    return made;
  }

  /** The proposer node of the current slot among the online ones, if any. */
  proposerNow(): SimNode | undefined {
    const head = this.head;
    const planners = this.nodes.filter((node) => {
      if (!node.online) return false;
      const plan = node.engine.planProduction(head.header, head.state, this.now);
      return plan !== null && plan.at === this.now;
    });
    expect(planners.length).toBeLessThanOrEqual(1);
    return planners[0];
  }

  /** Builds, seals and returns (without importing) the block `node` proposes on the head at the current slot. */
  async build(node: SimNode, extraData = new Uint8Array(0)): Promise<Built> {
    const head = this.head;
    const plan = node.engine.planProduction(head.header, head.state, this.now);
    expect(plan).not.toBeNull();
    const body = node.engine.buildBody(head.header, head.state);
    const calls = this.#pendingCalls;
    const unsealed: BlockHeader = {
      parentHash: head.hash,
      number: head.header.number + 1,
      timestamp: plan!.timestamp,
      coinbase: plan!.coinbase!,
      txRoot: new Uint8Array(32),
      receiptsRoot: new Uint8Array(32),
      stateRoot: new Uint8Array(32),
      gasLimit: 30_000_000n,
      gasUsed: 0n,
      baseFee: 1n,
      extraData,
      consensus: node.engine.prepareSection(head.header, plan!.timestamp, body),
    };
    // The builder executes its own block before sealing, as the producer does.
    const built = this.#execute(node.engine, unsealed, body, calls, false);
    const header = await node.engine.seal(unsealed, new AbortController().signal);
    expect(header).not.toBeNull();
    return { header: header!, hash: hashHeader(header!), body, calls, built };
  }

  /** Imports a block on the head: header checks on every online node, body check, execution, then votes. */
  async import(block: Built): Promise<ChainBlock> {
    const head = this.head;
    for (const node of this.nodes.filter((n) => n.online)) node.engine.verifyHeader(block.header, head.header);
    this.follower.verifyHeader(block.header, head.header);
    const full: Block = { header: block.header, hash: block.hash, transactions: [], consensusBody: block.body };
    for (const node of this.nodes.filter((n) => n.online)) await node.engine.verifyBody(full);
    await this.follower.verifyBody(full);
    const state = this.#execute(this.follower, block.header, block.body, block.calls, true);
    // Consensus state is a function of the chain: the importer's execution reproduces the builder's.
    expect(state.snapshot()).toEqual(block.built.snapshot());
    const imported = { header: block.header, hash: block.hash, body: block.body, calls: block.calls, state };
    this.chain.push(imported);
    this.#pendingCalls = [];
    await this.#announce(imported, this.nodes.filter((n) => n.online));
    return imported;
  }

  async close(): Promise<void> {
    await Promise.all([...this.nodes.map((node) => node.engine.close()), this.follower.close()]);
    await Promise.all(this.#dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  }

  async #step(): Promise<ChainBlock | undefined> {
    const proposer = this.proposerNow();
    if (proposer === undefined) return undefined;
    return this.import(await this.build(proposer));
  }

  /** beginBlock, then the staking calls the way execution makes them; `record` keeps the outcomes. */
  #execute(engine: PosEngine, header: BlockHeader, body: RlpValue[], calls: readonly StakingCall[], record: boolean): MemoryState {
    const state = this.head.state.copy();
    engine.beginBlock(header, body, state);
    for (const [txIndex, call] of calls.entries()) {
      const undo = state.copy();
      const from = addressOfPrivateKey(call.key);
      const sender = state.getAccount(from);
      state.setAccount(from, { ...sender, balance: sender.balance - call.value });
      const module = state.getAccount(STAKING_ADDRESS);
      state.setAccount(STAKING_ADDRESS, { ...module, balance: module.balance + call.value });
      const outcome = engine.modules[0]!.call(state, moduleCall(call, txIndex, header.number));
      if (record) this.outcomes.push(outcome);
      if (!outcome.ok) {
        state.accounts.clear();
        state.records.clear();
        for (const [key, account] of undo.accounts) state.accounts.set(key, account);
        for (const [key, value] of undo.records) state.records.set(key, value);
      }
    }
    return state;
  }

  /** Every node in `to` takes the new head; their votes go to every other online node, which must accept them. */
  async #announce(head: ChainBlock, to: readonly SimNode[]): Promise<void> {
    const messages: { from: SimNode; message: Uint8Array }[] = [];
    for (const node of to) {
      for (const message of await node.engine.gossip.onHead(head.header, head.hash, head.state)) messages.push({ from: node, message });
    }
    await this.follower.gossip.onHead(head.header, head.hash, head.state);
    for (const { from, message } of messages) {
      for (const node of this.nodes.filter((n) => n.online && n !== from)) {
        expect(await node.engine.gossip.receive(message)).toBe('accept');
      }
    }
  }

  #genesis(): void {
    const contribution = this.follower.genesisState();
    const state = new MemoryState();
    for (const [key, value] of contribution.records) state.setRecord(key, value);
    for (const [address, amount] of contribution.balances) state.setAccount(address, { nonce: 0n, balance: amount });
    const header: BlockHeader = {
      parentHash: new Uint8Array(32),
      number: 0,
      timestamp: GENESIS_TIME,
      coinbase: new Uint8Array(20),
      txRoot: new Uint8Array(32),
      receiptsRoot: new Uint8Array(32),
      stateRoot: new Uint8Array(32),
      gasLimit: 30_000_000n,
      gasUsed: 0n,
      baseFee: 1n,
      extraData: utf8ToBytes('sim genesis'),
      consensus: this.follower.genesisSection(),
    };
    this.chain.push({ header, hash: hashHeader(header), body: [[], []], calls: [], state });
  }
}

export function moduleCall(call: StakingCall, txIndex: number, blockNumber: number): ModuleCall {
  const unsigned = {
    type: 2 as const,
    chainId: CHAIN_ID,
    nonce: 0n,
    gasPrice: null,
    maxFeePerGas: 1n,
    maxPriorityFeePerGas: 0n,
    gasLimit: 100_000n,
    to: STAKING_ADDRESS,
    value: call.value,
    data: utf8ToBytes(call.data),
    accessList: [],
  };
  return { tx: { ...signTransaction(unsigned, call.key), from: addressOfPrivateKey(call.key) }, txIndex, blockNumber };
}
