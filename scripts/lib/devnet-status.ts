import { isAbsolute, relative } from 'node:path';

/** What the devnet shows of its nodes: the status line's cells and the command that starts a stopped node again. */

/** The part of cairn_nodeInfo the status line reads. */
export interface NodeInfoView {
  readonly head: { readonly number: number; readonly hash: string };
  readonly finalized: { readonly number: number };
  readonly peerCount: number;
  readonly syncing: boolean;
  readonly peerId: string | null;
}

export interface NodeView {
  readonly index: number;
  readonly started: boolean;
  /** Set once the devnet's own process of the node ended: a number, or null when a signal killed it. */
  readonly exitCode: number | null | undefined;
  /** The node's answer at its JSON-RPC URL, if any: after an exit, the node started again by hand on the same port. */
  readonly info: NodeInfoView | undefined;
}

/**
 * `n2 #42 9f3a 2p`: height, head hash prefix, peers; ` f40` after the hash
 * when `finality` (proof of stake, where the finalized block is the point of
 * watching); ` sync` while range-syncing; ` (by hand)` for a node that
 * exited and answers again, started by hand: Ctrl-C of the devnet does not stop it.
 */
export function statusCell(node: NodeView, finality: boolean): string {
  const name = `n${node.index}`;
  if (!node.started) return `${name} -`;
  const { info } = node;
  if (info === undefined) {
    if (node.exitCode === undefined) return `${name} ?`;
    return `${name} ${node.exitCode === null ? 'killed' : `exited(${node.exitCode})`}`;
  }
  const final = finality ? ` f${info.finalized.number}` : '';
  const restarted = node.exitCode === undefined ? '' : ' (by hand)';
  return `${name} #${info.head.number} ${info.head.hash.slice(2, 6)}${final} ${info.peerCount}p${info.syncing ? ' sync' : ''}${restarted}`;
}

/** The legend printed above the status line. */
export function statusLegend(finality: boolean): string {
  return `Status: n<i> #height head-hash-prefix${finality ? ' f<finalized block>' : ''} <peers>p; Ctrl-C stops every node.`;
}

/**
 * A node's `cairn start` arguments with the ports it actually got (the devnet
 * asks for free ones): started again with these, it keeps its JSON-RPC URL,
 * so the status line follows it, and its P2P address, so the nodes that
 * bootstrap to it dial it again and the mesh is whole.
 */
export function restartArgs(args: readonly string[], rpcUrl: string, p2pAddress: string): string[] {
  const rpcPort = new URL(rpcUrl).port;
  const p2pPort = /\/tcp\/(\d+)\//.exec(p2pAddress)?.[1];
  if (p2pPort === undefined) throw new Error(`no TCP port in ${p2pAddress}`);
  const out = [...args];
  for (const [flag, port] of [['--rpc-port', rpcPort], ['--p2p-port', p2pPort]] as const) {
    const at = out.indexOf(flag);
    if (at === -1) out.push(flag, port);
    else out[at + 1] = port;
  }
  return out;
}

/** `npx cairn start …` for a terminal in `cwd` (the repo folder): paths shown relative to it when inside it. */
export function startCommand(args: readonly string[], cwd: string): string {
  const shown = args.map((arg) => {
    if (!isAbsolute(arg)) return arg;
    const rel = relative(cwd, arg);
    return rel.startsWith('..') || isAbsolute(rel) ? arg : rel;
  });
  return ['npx cairn start', ...shown.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`))].join(' ');
}
