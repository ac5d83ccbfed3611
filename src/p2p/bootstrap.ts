import type { PeerId } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import { P2PError, P2PErrorCode } from './errors.js';

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
    throw new P2PError(P2PErrorCode.Config, `bootstrap address "${text}" is not a multiaddr: ${err instanceof Error ? err.message : String(err)}`);
  }
  const id = address.getComponents().filter((c) => c.name === 'p2p').pop()?.value;
  if (id === undefined) throw new P2PError(P2PErrorCode.Config, `bootstrap address "${text}" has no /p2p/<peer id> part`);
  try {
    return { address, peerId: peerIdFromString(id) };
  } catch (err) {
    throw new P2PError(P2PErrorCode.Config, `bootstrap address "${text}": bad peer id: ${err instanceof Error ? err.message : String(err)}`);
  }
}
