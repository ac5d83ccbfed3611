import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

/**
 * Starts and stops real `cairn start` processes (compiled dist/): shared by
 * the integration tests, the benchmarks and the devnet script.
 */

export const REPO = resolve(import.meta.dirname, '../..');
export const CLI = resolve(REPO, 'dist/cli/main.js');

export interface NodeProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Full multiaddrs (with /p2p/<peer id>) from the node's "P2P listening on" lines so far. */
  readonly p2pAddresses: readonly string[];
  /** The peer id in those addresses; undefined until the node printed one. */
  readonly peerId: string | undefined;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM, then wait for the exit (SIGKILL after a bound); resolves the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: a crash. */
  kill(): Promise<void>;
  /** Resolves the exit code once the process has ended, however it ended. */
  exited(): Promise<number | null>;
}

export interface SpawnOptions {
  readonly args: readonly string[];
  readonly cwd?: string;
  readonly startTimeoutMs?: number;
  readonly stopTimeoutMs?: number;
  /** Called with each chunk of output, e.g. to write a log file. */
  readonly onOutput?: (chunk: string) => void;
  /** Also wait for a "P2P listening on" line before resolving (nodes started with p2p flags). */
  readonly waitForP2p?: boolean;
  /**
   * Own process group: a Ctrl-C in the terminal then reaches only the parent,
   * which stops its nodes in order (the devnet) instead of each node at once.
   */
  readonly detached?: boolean;
  /**
   * False: output() stops growing once the node has started (it still holds
   * the start-up lines), for processes that run for hours and log elsewhere
   * through onOutput. Default true.
   */
  readonly keepOutput?: boolean;
}

// Both need the line's end, so an address split across two output chunks is never taken half-read.
const RPC_LINE = /JSON-RPC listening on (http:\/\/\S+)\s/;
const P2P_LINE = /^P2P listening on (\S+)[^\n]*\n/gm;

/** The multiaddrs of every "P2P listening on <multiaddr>" line in `output`, in order. */
function parseP2pAddresses(output: string): string[] {
  return [...output.matchAll(P2P_LINE)].map((m) => m[1]!);
}

/** Spawns `node dist/cli/main.js start <args>` and resolves once its JSON-RPC answers. */
export async function spawnNode(options: SpawnOptions): Promise<NodeProcess> {
  const startTimeout = options.startTimeoutMs ?? 20_000;
  const stopTimeout = options.stopTimeoutMs ?? 15_000;
  const child = spawn(process.execPath, [CLI, 'start', ...options.args], {
    cwd: options.cwd ?? REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  let output = '';
  let stdout = '';
  let started = false;
  const keep = (text: string): void => {
    if (!started || options.keepOutput !== false) output += text;
    options.onOutput?.(text);
  };
  child.stdout!.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    stdout += text;
    keep(text);
  });
  child.stderr!.on('data', (chunk: Buffer) => keep(chunk.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const p2pAddresses = (): string[] => parseP2pAddresses(stdout);

  const url = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`node did not start within ${startTimeout} ms:\n${output}`));
    }, startTimeout);
    const onData = (): void => {
      const match = RPC_LINE.exec(stdout);
      if (match && (!options.waitForP2p || p2pAddresses().length > 0)) {
        started = true;
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        done(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      fail(new Error(`node exited with code ${code} before it started:\n${output}`));
    });
  });

  return {
    url,
    child,
    get p2pAddresses() {
      return p2pAddresses();
    },
    get peerId() {
      return /\/p2p\/(\w+)$/.exec(p2pAddresses()[0] ?? '')?.[1];
    },
    output: () => output,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), stopTimeout);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
    exited: () => exited,
  };
}

/** One JSON-RPC call over HTTP; throws with the node's message on an error answer, or when `timeoutMs` passes. */
export async function rpcCall<T>(url: string, method: string, params: unknown[] = [], timeoutMs?: number): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: timeoutMs === undefined ? null : AbortSignal.timeout(timeoutMs),
  });
  const answer = (await response.json()) as { result?: T; error?: { message: string } };
  if (answer.error) throw new Error(`${method}: ${answer.error.message}`);
  return answer.result as T;
}
