import type { PeerHead, SyncPeer } from '../node/sync.js';
import type { Status } from './messages.js';

/** What the node knows of one connected peer's chain. */
interface PeerRecord {
  head: PeerHead | undefined;
  finalizedNumber: number;
}

/**
 * Connected peers and their heads, from status messages and from the
 * blocks they gossip. A head only moves to a better one here between two
 * statuses (a gossiped block proves the peer has at least that), while a
 * status replaces it, since the peer may have reorganised.
 */
export class PeerBook {
  readonly #peers = new Map<string, PeerRecord>();

  connected(peerId: string): void {
    if (!this.#peers.has(peerId)) this.#peers.set(peerId, { head: undefined, finalizedNumber: 0 });
  }

  disconnected(peerId: string): void {
    this.#peers.delete(peerId);
  }

  has(peerId: string): boolean {
    return this.#peers.has(peerId);
  }

  /** Records a status from a connected peer; false if the peer is not (or no longer) connected. */
  setStatus(peerId: string, status: Status): boolean {
    const record = this.#peers.get(peerId);
    if (record === undefined) return false;
    record.head = { number: status.headNumber, hash: status.headHash, totalWeight: status.totalWeight };
    record.finalizedNumber = status.finalizedNumber;
    return true;
  }

  /** Raises the peer's head to `head` if that is heavier than what we had; true if it moved. */
  raiseHead(peerId: string, head: PeerHead): boolean {
    const record = this.#peers.get(peerId);
    if (record === undefined || (record.head !== undefined && record.head.totalWeight >= head.totalWeight)) return false;
    record.head = head;
    return true;
  }

  ids(): string[] {
    return [...this.#peers.keys()];
  }

  size(): number {
    return this.#peers.size;
  }

  headNumber(peerId: string): number | null {
    return this.#peers.get(peerId)?.head?.number ?? null;
  }

  /** Peers whose head is known, for sync. */
  syncPeers(): SyncPeer[] {
    const out: SyncPeer[] = [];
    for (const [id, record] of this.#peers) if (record.head !== undefined) out.push({ id, head: record.head });
    return out;
  }
}
