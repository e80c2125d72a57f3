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
export const SKIP_WITHOUT_REDIS: string | false = spawnSync('redis-server', ['--version']).error === undefined ? false : 'redis-server is not installed (apt-get install redis-server)';

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

/** Starts redis-server and waits until it answers PING. */
export async function startRedis(): Promise<TestRedis> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    if (port === 6379) continue;
    const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const url = `redis://127.0.0.1:${port}`;
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
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
      client.disconnect();
      child.kill('SIGKILL');
      // The port was taken between choosing it and binding it: try another.
      if (attempt < 3 && child.exitCode !== null) continue;
      throw error;
    } finally {
      client.disconnect();
    }
    return {
      url,
      port,
      prefix: () => `gdtest-${randomBytes(4).toString('hex')}`,
      stop: async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          await exited;
        }
      },
    };
  }
}
