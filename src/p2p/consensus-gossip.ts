import { TopicValidatorResult, type GossipSub, type Message } from '@libp2p/gossipsub';
import type { PeerId } from '@libp2p/interface';
import type { Blockchain, HeadEvent } from '../chain/blockchain.js';
import type { ConsensusGossip, GossipVerdict } from '../consensus/engine.js';
import type { Logger } from '../node/log.js';
import { topicName } from './names.js';

/** Far above a vote (about 200 bytes): a bigger consensus message is refused unread. */
export const MAX_CONSENSUS_MESSAGE_BYTES = 16 * 1024;

const RESULTS: Readonly<Record<GossipVerdict, TopicValidatorResult>> = {
  accept: TopicValidatorResult.Accept,
  ignore: TopicValidatorResult.Ignore,
  reject: TopicValidatorResult.Reject,
};

export interface ConsensusRelayOptions {
  readonly pubsub: GossipSub;
  readonly genesisHash: Uint8Array;
  readonly chain: Blockchain;
  readonly engine: ConsensusGossip;
  /** Votes are for the network's head: a node still syncing has nothing to say. */
  readonly isSynced: () => boolean;
  readonly log: Logger;
  /** A message failed validation: the sender is penalised. */
  readonly onInvalid: (peerId: string, reason: string) => void;
}

/**
 * Relays the consensus engine's own messages (PoS: votes) on the `votes`
 * topic. The bytes are the engine's business: its `receive` decides whether
 * gossipsub forwards a message, and on every new head its `onHead` returns
 * what this node signs, which is published here.
 */
export class ConsensusRelay {
  readonly #opts: ConsensusRelayOptions;
  readonly #topic: string;
  readonly #onHead = (event: HeadEvent): void => {
    if (!this.#opts.isSynced()) return;
    const { head } = event;
    this.#opts.engine.onHead(head.header, head.hash, this.#opts.chain).then(
      (messages) => {
        for (const message of messages) void this.#publish(message, head.header.number);
      },
      (err: unknown) => this.#opts.log.error(`could not sign for head #${head.header.number}: ${err instanceof Error ? err.message : String(err)}`),
    );
  };

  constructor(options: ConsensusRelayOptions) {
    this.#opts = options;
    this.#topic = topicName(options.genesisHash, 'votes');
  }

  start(): void {
    this.#opts.pubsub.topicValidators.set(this.#topic, (peer, message) => this.#validate(peer, message));
    this.#opts.chain.on('head', this.#onHead);
    this.#opts.pubsub.subscribe(this.#topic);
  }

  stop(): void {
    this.#opts.chain.off('head', this.#onHead);
    this.#opts.pubsub.topicValidators.delete(this.#topic);
  }

  async #publish(message: Uint8Array, height: number): Promise<void> {
    try {
      await this.#opts.pubsub.publish(this.#topic, message);
    } catch (err) {
      this.#opts.log.debug(`could not publish the consensus message for #${height}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  async #validate(peer: PeerId, message: Message): Promise<TopicValidatorResult> {
    const from = peer.toString();
    if (message.data.length > MAX_CONSENSUS_MESSAGE_BYTES) {
      this.#opts.onInvalid(from, `sent a ${message.data.length}-byte consensus message, the cap is ${MAX_CONSENSUS_MESSAGE_BYTES}`);
      return TopicValidatorResult.Reject;
    }
    try {
      const verdict = await this.#opts.engine.receive(message.data);
      if (verdict === 'reject') this.#opts.onInvalid(from, 'sent an invalid consensus message');
      return RESULTS[verdict];
    } catch (err) {
      this.#opts.log.error(`could not check a consensus message: ${err instanceof Error ? err.message : String(err)}`);
      return TopicValidatorResult.Ignore;
    }
  }
}
