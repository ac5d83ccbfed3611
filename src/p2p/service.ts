import './polyfill.js';
import { createHash } from 'node:crypto';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { gossipsub, type GossipSub } from '@libp2p/gossipsub';
import { identify, type Identify } from '@libp2p/identify';
import type { IdentifyResult, Libp2p, PeerId, PeerInfo } from '@libp2p/interface';
import { mdns } from '@libp2p/mdns';
import { peerIdFromString } from '@libp2p/peer-id';
import { ping, type Ping } from '@libp2p/ping';
import { tcp } from '@libp2p/tcp';
import { createLibp2p } from 'libp2p';
import { maxBlockBytes } from '../chain/validation.js';
import type { NetworkConfig } from '../node/config.js';
import type { Logger } from '../node/log.js';
import type { CairnNode } from '../node/node.js';
import type { SyncNetwork, SyncPeer } from '../node/sync.js';
import { bytesToHex, equalBytes } from '../primitives/hex.js';
import { dialFailureReason, parseBootstrapAddress, type BootstrapPeer } from './bootstrap.js';
import { P2PError, P2PErrorCode } from './errors.js';
import { gossipScoreParams } from './gossip-score.js';
import { Gossip } from './gossip.js';
import { collectResponse, type Status } from './messages.js';
import { ConsensusRelay } from './consensus-gossip.js';
import { protocolId, topicName } from './names.js';
import { PeerBook } from './peer-book.js';
import { BAN_MS, PeerScores, type Offence } from './peer-score.js';
import { loadOrCreatePeerKey } from './key.js';
import { ReqResp } from './reqresp.js';

/** One connected peer as cairn_peers shows it. */
export interface ConnectedPeer {
  readonly id: string;
  readonly addresses: readonly string[];
  readonly headNumber: number | null;
  /** Cairn's own score of the peer: 0 is clean, lower after offences (banned at the threshold). */
  readonly score: number;
}

type Services = { identify: Identify; ping: Ping; pubsub: GossipSub };

/** Status exchange with every peer this often (and tables pruned). */
const STATUS_REFRESH_MS = 10_000;
/** A missing bootstrap peer is dialled again this often (it may start later, or restart). */
const REDIAL_MS = 3_000;
const DIAL_TIMEOUT_MS = 5_000;
/** Gossipsub frames carry a message plus a little protobuf around it. */
const GOSSIP_FRAME_SLACK = 64 * 1024;
/** How long a peer of another genesis stays connected after we found out (it is banned meanwhile). */
const PARTING_MS = 1_000;
const STATUS_PROTOCOL = /^\/cairn\/(0x[0-9a-f]{64})\/status\/1$/;

/**
 * The p2p edge: a libp2p node (TCP, noise, yamux, identify, ping,
 * gossipsub) that gossips blocks and transactions, serves and requests
 * status and blocks, keeps score of peers and bans bad ones, and is the
 * network of the node's Sync. It reaches the node only through its public
 * surface (chain, mempool, sync, listeners).
 */
export class P2PService {
  readonly #node: CairnNode;
  readonly #libp2p: Libp2p<Services>;
  readonly #log: Logger;
  readonly #scores: PeerScores;
  readonly #book = new PeerBook();
  readonly #reqresp: ReqResp;
  readonly #gossip: Gossip;
  /** Relays the engine's own messages (PoS votes); undefined when the engine has none. */
  readonly #consensus: ConsensusRelay | undefined;
  readonly #bootstrap: readonly BootstrapPeer[];
  readonly #mdns: boolean;
  readonly #statusProtocol: string;
  /** Why we closed a peer's connection, for the disconnect log line. */
  readonly #dropReasons = new Map<string, string>();
  /** Bootstrap peers we failed to reach, so the log says so once, not every round. */
  readonly #unreachable = new Set<string>();
  readonly #unsubscribe: (() => void)[] = [];
  readonly #timers: NodeJS.Timeout[] = [];
  #stopping = false;

  private constructor(init: {
    node: CairnNode;
    libp2p: Libp2p<Services>;
    log: Logger;
    scores: PeerScores;
    bootstrap: readonly BootstrapPeer[];
    mdns: boolean;
    maxBlockBytes: number;
  }) {
    this.#node = init.node;
    this.#libp2p = init.libp2p;
    this.#log = init.log;
    this.#scores = init.scores;
    this.#bootstrap = init.bootstrap;
    this.#mdns = init.mdns;
    const { chain } = init.node;
    this.#statusProtocol = protocolId(chain.genesisHash, 'status');
    this.#reqresp = new ReqResp({
      libp2p: init.libp2p,
      genesisHash: chain.genesisHash,
      maxBlockBytes: init.maxBlockBytes,
      source: {
        status: () => this.#ourStatus(),
        blocksByRange: ({ start, count }) => collectResponse(count, (i) => chain.getEncodedBlockByNumber(start + i), 'stop'),
        blocksByHash: (hashes) => collectResponse(hashes.length, (i) => chain.getEncodedBlockByHash(hashes[i]!), 'skip'),
      },
      onStatus: (peerId, status) => this.#onStatus(peerId, status),
      onRateLimited: (peerId, protocol) => this.#penalize(peerId, 'rate-limit', `went past the ${protocol} rate limit`),
      log: init.log,
    });
    this.#gossip = new Gossip({
      pubsub: init.libp2p.services.pubsub,
      genesisHash: chain.genesisHash,
      chain,
      mempool: init.node.mempool,
      recovery: init.node.recovery,
      sync: init.node.sync,
      maxBlockBytes: init.maxBlockBytes,
      log: init.log,
      onInvalid: (peerId, reason) => this.#penalize(peerId, 'invalid-message', reason),
      onHeadFromPeer: (peerId, head) => {
        if (this.#book.raiseHead(peerId, { number: head.header.number, hash: head.hash, totalWeight: head.totalWeight })) this.#node.sync.peersChanged();
      },
      onFarAhead: (peerId) => void this.#exchangeStatus(peerId),
    });
    const { gossip } = init.node.engine;
    this.#consensus =
      gossip &&
      new ConsensusRelay({
        pubsub: init.libp2p.services.pubsub,
        genesisHash: chain.genesisHash,
        chain,
        engine: gossip,
        isSynced: () => init.node.sync.isSynced(),
        log: init.log,
        onInvalid: (peerId, reason) => this.#penalize(peerId, 'invalid-message', reason),
      });
  }

  /** Starts libp2p on the configured address, then joins the network (bootstrap peers, mDNS). */
  static async start(node: CairnNode, config: NetworkConfig, log: Logger): Promise<P2PService> {
    const bootstrap = config.bootstrap.map(parseBootstrapAddress);
    const privateKey = await loadOrCreatePeerKey(node.dataDir);
    const scores = new PeerScores();
    const genesisHash = node.chain.genesisHash;
    const maxBlock = maxBlockBytes(node.genesis.gasLimit);
    const gossipTopics = [topicName(genesisHash, 'blocks'), topicName(genesisHash, 'txs')];
    if (node.engine.gossip !== undefined) gossipTopics.push(topicName(genesisHash, 'votes'));
    const banned = (peerId: PeerId): boolean => scores.isBanned(peerId.toString());
    const libp2p = await createLibp2p<Services>({
      start: false,
      privateKey,
      addresses: { listen: [listenAddress(config.host, config.port)] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      connectionGater: { denyDialPeer: banned, denyInboundEncryptedConnection: banned, denyOutboundEncryptedConnection: banned },
      peerDiscovery: config.mdns ? [mdns()] : [],
      services: {
        identify: identify(),
        ping: ping(),
        pubsub: gossipsub({
          // Blocks and transactions carry their own secp256k1 signatures; identical bytes are one message.
          globalSignaturePolicy: 'StrictNoSign',
          msgIdFn: (message) => createHash('sha256').update(message.topic).update(message.data).digest(),
          allowPublishToZeroTopicPeers: true,
          ignoreDuplicatePublishError: true,
          fallbackToFloodsub: false,
          allowedTopics: gossipTopics,
          maxInboundDataLength: maxBlock + GOSSIP_FRAME_SLACK,
          scoreParams: gossipScoreParams(gossipTopics),
        }),
      },
    });
    const service = new P2PService({ node, libp2p, log, scores, bootstrap, mdns: config.mdns, maxBlockBytes: maxBlock });
    try {
      await service.#start();
    } catch (err) {
      await libp2p.stop();
      throw listenError(config, err);
    }
    return service;
  }

  get peerId(): string {
    return this.#libp2p.peerId.toString();
  }

  /** Full listen multiaddrs, /p2p/<peer id> included: what other nodes pass to --bootstrap. */
  listenAddresses(): string[] {
    const suffix = `/p2p/${this.peerId}`;
    return this.#libp2p.getMultiaddrs().map((ma) => {
      const text = ma.toString();
      return text.endsWith(suffix) ? text : text + suffix;
    });
  }

  peers(): ConnectedPeer[] {
    return this.#book.ids().map((id) => ({
      id,
      addresses: this.#libp2p.getConnections(peerIdFromString(id)).map((c) => c.remoteAddr.toString()),
      headNumber: this.#book.headNumber(id),
      score: Math.round(this.#scores.score(id)),
    }));
  }

  peerCount(): number {
    return this.#book.size();
  }

  /** Stops gossip and sync first (no new imports), then libp2p; the node closes the chain after. */
  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    for (const timer of this.#timers) clearInterval(timer);
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    this.#reqresp.stop();
    await this.#node.sync.detach();
    this.#gossip.stop();
    this.#consensus?.stop();
    await this.#libp2p.stop();
    this.#log.info('p2p stopped');
  }

  async #start(): Promise<void> {
    const libp2p = this.#libp2p;
    await this.#reqresp.start();
    libp2p.addEventListener('peer:connect', (event) => this.#onConnect(event.detail));
    libp2p.addEventListener('peer:disconnect', (event) => this.#onDisconnect(event.detail));
    libp2p.addEventListener('peer:identify', (event) => this.#onIdentify(event.detail));
    if (this.#mdns) libp2p.addEventListener('peer:discovery', (event) => this.#onDiscovery(event.detail));
    await libp2p.start();
    this.#gossip.start();
    this.#consensus?.start();
    this.#unsubscribe.push(
      this.#node.onBlockProduced((block) => void this.#gossip.publishBlock(block)),
      this.#node.onLocalTransaction((tx) => void this.#gossip.publishTransaction(tx)),
    );
    this.#node.sync.attach(this.#syncNetwork());
    this.#timers.push(setInterval(() => this.#refresh(), STATUS_REFRESH_MS), setInterval(() => this.#dialBootstrap(), REDIAL_MS));
    for (const timer of this.#timers) timer.unref();
    this.#dialBootstrap();
  }

  #syncNetwork(): SyncNetwork {
    return {
      peers: (): SyncPeer[] => this.#book.syncPeers(),
      blocksByRange: (peerId, start, count) => this.#guard(peerId, () => this.#reqresp.blocksByRange(peerIdFromString(peerId), start, count)),
      blocksByHash: (peerId, hashes) => this.#guard(peerId, () => this.#reqresp.blocksByHash(peerIdFromString(peerId), hashes)),
      penalize: (peerId, offence, reason) => this.#penalize(peerId, offence, reason),
    };
  }

  /** Runs a request, penalising the peer for a timeout or a malformed answer before passing the error on. */
  async #guard<T>(peerId: string, request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (err) {
      if (err instanceof P2PError) {
        if (err.code === P2PErrorCode.Timeout) this.#penalize(peerId, 'timeout', err.message);
        else if (err.code === P2PErrorCode.BadMessage) this.#penalize(peerId, 'wrong-response', err.message);
      }
      throw err;
    }
  }

  #ourStatus(): Status {
    const { chain } = this.#node;
    const head = chain.head;
    return {
      genesisHash: chain.genesisHash,
      headNumber: head.header.number,
      headHash: head.hash,
      totalWeight: head.totalWeight,
      finalizedNumber: chain.checkpoints().finalized,
    };
  }

  #onConnect(peerId: PeerId): void {
    const id = peerId.toString();
    this.#book.connected(id);
    const address = this.#libp2p.getConnections(peerId)[0]?.remoteAddr.toString() ?? 'unknown address';
    this.#log.info(`peer ${id} connected (${address}), ${this.#book.size()} peer${this.#book.size() === 1 ? '' : 's'}`);
  }

  #onDisconnect(peerId: PeerId): void {
    const id = peerId.toString();
    this.#book.disconnected(id);
    const reason = this.#dropReasons.get(id) ?? 'connection closed by the peer or the network';
    this.#dropReasons.delete(id);
    this.#log.info(`peer ${id} disconnected: ${reason}; ${this.#book.size()} peer${this.#book.size() === 1 ? '' : 's'} left`);
    this.#node.sync.peersChanged();
  }

  /** Identify has told us the peer's protocols: a Cairn peer of our chain gets a status exchange, others are dropped. */
  #onIdentify(result: IdentifyResult): void {
    const id = result.peerId.toString();
    // Identify may report before peer:connect is dispatched.
    this.#book.connected(id);
    if (result.protocols.includes(this.#statusProtocol)) {
      void this.#exchangeStatus(id);
      return;
    }
    const other = result.protocols.map((p) => STATUS_PROTOCOL.exec(p)?.[1]).find((g) => g !== undefined);
    if (other !== undefined) this.#otherGenesis(id, other);
    else this.#drop(id, 'it does not speak the Cairn protocols');
  }

  #onDiscovery(peer: PeerInfo): void {
    const id = peer.id.toString();
    if (id === this.peerId || this.#book.has(id) || this.#scores.isBanned(id)) return;
    this.#log.debug(`mDNS found peer ${id}: dialling`);
    this.#libp2p.dial(peer.id, { signal: AbortSignal.timeout(DIAL_TIMEOUT_MS) }).catch((err: unknown) => {
      this.#log.debug(`cannot reach peer ${id} found by mDNS: ${err instanceof Error ? err.message : String(err)}`);
    });
  }

  async #exchangeStatus(peerId: string): Promise<void> {
    if (this.#stopping || !this.#book.has(peerId)) return;
    try {
      const status = await this.#guard(peerId, () => this.#reqresp.status(peerIdFromString(peerId), this.#ourStatus()));
      this.#onStatus(peerId, status);
    } catch (err) {
      this.#log.debug(`status exchange with ${peerId} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  #onStatus(peerId: string, status: Status): void {
    if (!equalBytes(status.genesisHash, this.#node.chain.genesisHash)) {
      this.#otherGenesis(peerId, bytesToHex(status.genesisHash));
      return;
    }
    if (!this.#book.setStatus(peerId, status)) return;
    this.#log.debug(`status from ${peerId}: head #${status.headNumber} ${bytesToHex(status.headHash)} weight ${status.totalWeight}`);
    this.#node.sync.peersChanged();
  }

  #otherGenesis(peerId: string, theirs: string): void {
    const reason = `runs genesis ${theirs}, we run ${bytesToHex(this.#node.chain.genesisHash)}`;
    this.#log.warn(`peer ${peerId} ${reason}: disconnecting (nodes of one network start from the same genesis file: --genesis)`);
    this.#scores.penalize(peerId, 'other-genesis');
    // A moment's delay lets the peer's own identify finish, so its log says why too.
    this.#drop(peerId, reason, PARTING_MS);
  }

  #penalize(peerId: string, offence: Offence, reason: string): void {
    if (this.#stopping) return;
    const { score, banned } = this.#scores.penalize(peerId, offence);
    this.#log.warn(`peer ${peerId} penalised for ${offence} (score ${Math.round(score)}): ${reason}`);
    if (banned) {
      this.#log.warn(`peer ${peerId} banned for ${BAN_MS / 60_000} min: ${reason}`);
      this.#drop(peerId, `banned: ${reason}`);
    }
  }

  #drop(peerId: string, reason: string, delayMs = 0): void {
    this.#dropReasons.set(peerId, reason);
    const hangUp = (): void => {
      if (this.#stopping) return;
      this.#libp2p.hangUp(peerIdFromString(peerId)).catch((err: unknown) => {
        this.#log.debug(`closing the connection to ${peerId} failed: ${err instanceof Error ? err.message : String(err)}`);
      });
    };
    if (delayMs === 0) hangUp();
    else setTimeout(hangUp, delayMs).unref();
  }

  #refresh(): void {
    for (const id of this.#book.ids()) void this.#exchangeStatus(id);
    this.#scores.prune();
    this.#reqresp.prune();
  }

  /** Keeps every bootstrap peer connected: dialled at start and again whenever it is missing (it may start later or restart). */
  #dialBootstrap(): void {
    for (const { address, peerId } of this.#bootstrap) {
      const id = peerId.toString();
      if (id === this.peerId || this.#book.has(id) || this.#scores.isBanned(id)) continue;
      this.#libp2p.dial(address, { signal: AbortSignal.timeout(DIAL_TIMEOUT_MS) }).then(
        () => this.#unreachable.delete(id),
        (err: unknown) => {
          if (this.#stopping) return;
          const line = `cannot reach bootstrap peer ${address.toString()}: ${dialFailureReason(err)}; retrying every ${REDIAL_MS / 1000} s`;
          if (this.#unreachable.has(id)) this.#log.debug(line);
          else this.#log.warn(line);
          this.#unreachable.add(id);
        },
      );
    }
  }
}

/** libp2p's listen failure (a multi-line message with stack traces) in one line an operator can act on. */
function listenError(config: NetworkConfig, err: unknown): unknown {
  if (!(err instanceof Error) || err instanceof P2PError) return err;
  const where = listenAddress(config.host, config.port);
  if (err.message.includes('EADDRINUSE')) {
    return new P2PError(P2PErrorCode.Config, `cannot listen for peers on ${where}: the port is in use (another node?); choose another with --p2p-port, or 0 for any free port`, { cause: err });
  }
  if (err.message.includes('EADDRNOTAVAIL')) {
    return new P2PError(P2PErrorCode.Config, `cannot listen for peers on ${where}: this machine has no such address (--p2p-host)`, { cause: err });
  }
  return new P2PError(P2PErrorCode.Config, `cannot listen for peers on ${where}: ${err.message.split('\n')[0]}`, { cause: err });
}

function listenAddress(host: string, port: number): string {
  return `/${host.includes(':') ? 'ip6' : 'ip4'}/${host}/tcp/${port}`;
}
