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
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM, then wait for the exit (SIGKILL after a bound); resolves the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: a crash. */
  kill(): Promise<void>;
}

export interface SpawnOptions {
  readonly args: readonly string[];
  readonly cwd?: string;
  readonly startTimeoutMs?: number;
  readonly stopTimeoutMs?: number;
  /** Called with each chunk of output, e.g. to write a log file. */
  readonly onOutput?: (chunk: string) => void;
}

/** Spawns `node dist/cli/main.js start <args>` and resolves once its JSON-RPC answers. */
export async function spawnNode(options: SpawnOptions): Promise<NodeProcess> {
  const startTimeout = options.startTimeoutMs ?? 20_000;
  const stopTimeout = options.stopTimeoutMs ?? 15_000;
  const child = spawn(process.execPath, [CLI, 'start', ...options.args], { cwd: options.cwd ?? REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer): void => {
    const text = chunk.toString();
    output += text;
    options.onOutput?.(text);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));

  const url = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`node did not start within ${startTimeout} ms:\n${output}`));
    }, startTimeout);
    const onData = (): void => {
      const match = /JSON-RPC listening on (http:\/\/\S+)/.exec(output);
      if (match) {
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
  };
}

/** One JSON-RPC call over HTTP; throws with the node's message on an error answer. */
export async function rpcCall<T>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const answer = (await response.json()) as { result?: T; error?: { message: string } };
  if (answer.error) throw new Error(`${method}: ${answer.error.message}`);
  return answer.result as T;
}
