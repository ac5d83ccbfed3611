import { describe, expect, it } from 'vitest';
import { dialFailureReason, parseBootstrapAddress } from '../../../src/p2p/bootstrap.js';
import { P2PError } from '../../../src/p2p/errors.js';

const ID = '12D3KooWSYZJEEEPLfXHDDoj3Ra6GMeackudgP4QU2RnbP6LD22R';
const OTHER = '12D3KooWQean5DZsveuPY1bwGYf4rHd1CEXmhgoomyyGuG4SaBEZ';

describe('parseBootstrapAddress', () => {
  it('takes the address a node prints, with its peer id', () => {
    const peer = parseBootstrapAddress(`/ip4/127.0.0.1/tcp/30333/p2p/${ID}`);
    expect(peer.peerId.toString()).toBe(ID);
    expect(peer.address.toString()).toBe(`/ip4/127.0.0.1/tcp/30333/p2p/${ID}`);
  });

  it.each([
    ['127.0.0.1:30333', 'is not a multiaddr'],
    ['/ip4/127.0.0.1/tcp/30333', 'has no /p2p/<peer id> part'],
    ['/ip4/127.0.0.1/tcp/30333/p2p/12D3KooWxyz', 'bad peer id'],
  ])('refuses %s, saying to copy the whole printed address', (text, what) => {
    expect(() => parseBootstrapAddress(text)).toThrow(P2PError);
    expect(() => parseBootstrapAddress(text)).toThrow(new RegExp(`${what}.*pass the whole address a node prints as "P2P listening on …"`));
  });
});

describe('dialFailureReason', () => {
  it('names the node found at the address when it is not the one asked for', () => {
    const err = new AggregateError([new Error(`Payload identity key ${OTHER} does not match expected remote identity key ${ID}`)], 'All multiaddr dials failed');
    expect(dialFailureReason(err)).toBe(
      `the node listening there is ${OTHER}, not ${ID} (started over with a new data directory?): copy its current "P2P listening on" address`,
    );
  });

  it('says nothing listens when the connection is refused', () => {
    expect(dialFailureReason(new Error('connection error 127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1'))).toBe(
      'nothing listens there (the node is not running yet, or the port is wrong)',
    );
  });

  it('passes other failures on with every address’s reason', () => {
    const err = new AggregateError([new Error('timed out'), new AggregateError([new Error('host unreachable')])], 'All multiaddr dials failed');
    expect(dialFailureReason(err)).toBe('timed out; host unreachable');
    expect(dialFailureReason('odd')).toBe('odd');
  });
});
