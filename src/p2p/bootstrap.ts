import type { PeerId } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import { P2PError, P2PErrorCode } from './errors.js';

const WHOLE = 'pass the whole address a node prints as "P2P listening on …"';

export interface BootstrapPeer {
  readonly address: Multiaddr;
  readonly peerId: PeerId;
}

/**
 * A `--bootstrap` address: a multiaddr ending in /p2p/<peer id>, e.g.
 * /ip4/127.0.0.1/tcp/30333/p2p/12D3KooW... (what `cairn start` prints as
 * "P2P listening on"). The peer id lets noise check it is the right node.
 */
export function parseBootstrapAddress(text: string): BootstrapPeer {
  let address: Multiaddr;
  try {
    address = multiaddr(text);
  } catch (err) {
    throw new P2PError(P2PErrorCode.Config, `bootstrap address "${text}" is not a multiaddr (${err instanceof Error ? err.message : String(err)}): ${WHOLE}`);
  }
  const id = address.getComponents().filter((c) => c.name === 'p2p').pop()?.value;
  if (id === undefined) throw new P2PError(P2PErrorCode.Config, `bootstrap address "${text}" has no /p2p/<peer id> part: ${WHOLE}`);
  try {
    return { address, peerId: peerIdFromString(id) };
  } catch (err) {
    throw new P2PError(P2PErrorCode.Config, `bootstrap address "${text}": bad peer id (${err instanceof Error ? err.message : String(err)}): ${WHOLE}`);
  }
}

/** The innermost messages of a dial failure: libp2p wraps one per address in an AggregateError. */
function failureMessages(err: unknown): string[] {
  if (err instanceof AggregateError && err.errors.length > 0) return err.errors.flatMap(failureMessages);
  return [err instanceof Error ? err.message : String(err)];
}

/**
 * Why a bootstrap peer could not be reached, in words that say what to
 * check: nothing listening there, or another node there than the peer id
 * names (a node started over with a new data directory or --fresh has a new
 * peer id, so its old address no longer fits).
 */
export function dialFailureReason(err: unknown): string {
  const messages = failureMessages(err);
  const mismatch = messages.map((m) => /identity key (\w+) does not match expected remote identity key (\w+)/.exec(m)).find((m) => m !== null);
  if (mismatch) {
    return `the node listening there is ${mismatch[1]}, not ${mismatch[2]} (started over with a new data directory?): copy its current "P2P listening on" address`;
  }
  if (messages.some((m) => m.includes('ECONNREFUSED'))) return 'nothing listens there (the node is not running yet, or the port is wrong)';
  return messages.join('; ');
}
