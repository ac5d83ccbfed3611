import { describe, expect, it } from 'vitest';
import { restartArgs, startCommand, statusCell, statusLegend, type NodeInfoView } from '../../../../scripts/lib/devnet-status.js';

const info: NodeInfoView = {
  head: { number: 42, hash: '0x9f3a0000' },
  finalized: { number: 40 },
  peerCount: 2,
  syncing: false,
  peerId: '12D3KooWA',
};

describe('statusCell', () => {
  it('shows height, hash prefix and peers, and the finalized block when asked (proof of stake)', () => {
    expect(statusCell({ index: 1, started: true, exitCode: undefined, info }, false)).toBe('n1 #42 9f3a 2p');
    expect(statusCell({ index: 1, started: true, exitCode: undefined, info }, true)).toBe('n1 #42 9f3a f40 2p');
    expect(statusCell({ index: 1, started: true, exitCode: undefined, info: { ...info, syncing: true } }, false)).toBe('n1 #42 9f3a 2p sync');
  });

  it('says how a node ended, and follows it again once it answers after a start by hand', () => {
    expect(statusCell({ index: 3, started: true, exitCode: 0, info: undefined }, true)).toBe('n3 exited(0)');
    expect(statusCell({ index: 3, started: true, exitCode: null, info: undefined }, true)).toBe('n3 killed');
    expect(statusCell({ index: 3, started: true, exitCode: 0, info }, true)).toBe('n3 #42 9f3a f40 2p (by hand)');
  });

  it('tells a node not yet started from one that does not answer', () => {
    expect(statusCell({ index: 0, started: false, exitCode: undefined, info: undefined }, false)).toBe('n0 -');
    expect(statusCell({ index: 0, started: true, exitCode: undefined, info: undefined }, false)).toBe('n0 ?');
  });

  it('has a legend for each kind', () => {
    expect(statusLegend(true)).toContain('f<finalized block>');
    expect(statusLegend(false)).not.toContain('finalized');
  });
});

describe('restartArgs', () => {
  const args = ['--genesis', '/r/data/devnet/genesis.json', '--rpc-port', '0', '--p2p-port', '0', '--bootstrap', '/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWB'];

  it('replaces the free ports asked for with the ones the node got', () => {
    expect(restartArgs(args, 'http://127.0.0.1:38001', '/ip4/127.0.0.1/tcp/39002/p2p/12D3KooWA')).toEqual([
      '--genesis', '/r/data/devnet/genesis.json', '--rpc-port', '38001', '--p2p-port', '39002', '--bootstrap', '/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWB',
    ]);
    expect(args[3]).toBe('0');
  });

  it('adds the ports when the arguments had none', () => {
    expect(restartArgs([], 'http://127.0.0.1:8545', '/ip4/127.0.0.1/tcp/30333/p2p/12D3KooWA')).toEqual(['--rpc-port', '8545', '--p2p-port', '30333']);
  });

  it('refuses an address without a TCP port', () => {
    expect(() => restartArgs(args, 'http://127.0.0.1:8545', '/p2p/12D3KooWA')).toThrow('no TCP port');
  });
});

describe('startCommand', () => {
  it('shows paths inside the folder relative to it and quotes what a shell would split', () => {
    expect(startCommand(['--datadir', '/r/data/devnet/node-1', '--genesis', '/elsewhere/g.json', '--coinbase', 'a b'], '/r')).toBe(
      "npx cairn start --datadir data/devnet/node-1 --genesis /elsewhere/g.json --coinbase 'a b'",
    );
  });
});
