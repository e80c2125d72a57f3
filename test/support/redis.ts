import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { waitFor } from './sim.js';

/** A `redis-server` of the test's own, on a free loopback port (never 6379), without persistence. */
export interface TestRedis {
  url: string;
  port: number;
  /** A fresh key prefix, so every test has its own queue. */
  prefix(): string;
  stop(): Promise<void>;
}

/** Why the Redis-backed suites are skipped, or `false`: they need `redis-server` on PATH, nothing else. */
export const SKIP_WITHOUT_REDIS: string | false =
  spawnSync('redis-server', ['--version']).error === undefined ? false : 'redis-server is not installed (apt-get install redis-server)';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Spawns redis-server on `port` with `args` and waits until it answers PING; rejects if it exits first. */
async function launch(port: number, args: readonly string[]): Promise<{ child: ChildProcess; exited: Promise<number | null> }> {
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...args], { stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const client = new Redis(`redis://127.0.0.1:${port}`, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await waitFor(
      `redis-server on port ${port} to answer PING`,
      async () => {
        if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
        if (client.status !== 'ready') await client.connect().catch(() => undefined);
        return (await client.ping()) === 'PONG';
      },
      { timeoutMs: 10_000, intervalMs: 20 },
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  } finally {
    client.disconnect();
  }
  return { child, exited };
}

/**
 * Starts redis-server and waits until it answers PING. With `dir`, it keeps an append-only file there, so `restart`
 * (a clean shutdown, then a new server on the same port) keeps the data, as a production Redis does.
 */
export async function startRedis(options: { dir?: string } = {}): Promise<TestRedis & { restart(): Promise<void> }> {
  const args = options.dir === undefined ? ['--appendonly', 'no'] : ['--dir', options.dir, '--appendonly', 'yes', '--appendfsync', 'always'];
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    if (port === 6379) continue;
    let server: Awaited<ReturnType<typeof launch>>;
    try {
      server = await launch(port, args);
    } catch (error) {
      // The port was taken between choosing it and binding it: try another.
      if (attempt < 3) continue;
      throw error;
    }
    const stop = async (): Promise<void> => {
      const { child, exited } = server;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    };
    return {
      url: `redis://127.0.0.1:${port}`,
      port,
      prefix: () => `gdtest-${randomBytes(4).toString('hex')}`,
      stop,
      restart: async () => {
        await stop();
        server = await launch(port, args);
      },
    };
  }
}
