import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { BIN, ROOT } from './cli.js';

/** A long-running `gameday` process (a worker, a simulated region) started as a user would. */
export interface Daemon {
  child: ChildProcessWithoutNullStreams;
  /** The first line it printed on stdout (its ready line). */
  ready: string;
  /** Everything it printed on stderr so far. */
  stderr(): string;
  /** Sends `signal` and waits until it exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `gameday ARGS` and waits for its first line on stdout. */
export function startDaemon(args: readonly string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): Promise<Daemon> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env } });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const daemon = (ready: string): Daemon => ({
    child,
    ready,
    stderr: () => err,
    stop: async (signal = 'SIGINT') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gameday ${args.join(' ')} printed no ready line within ${timeoutMs}ms: ${err}`));
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n');
      if (line.length > 1) {
        clearTimeout(timer);
        resolve(daemon(line[0] ?? ''));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gameday ${args.join(' ')} exited with ${String(code)} before it was ready: ${err}`));
    });
  });
}

/** `gameday sim` in its own process (it outlives any worker), with its endpoint and outputs. */
export async function startSimProcess(options: { speed: number; topology?: string }): Promise<Daemon & { endpoint: string; outputs: Record<string, string> }> {
  const args = ['sim', '--port', '0', '--speed', String(options.speed), '--json', ...(options.topology === undefined ? [] : ['--topology', options.topology])];
  const d = await startDaemon(args);
  const info = JSON.parse(d.ready) as { endpoint: string; outputs: Record<string, string> };
  return { ...d, endpoint: info.endpoint, outputs: info.outputs };
}
