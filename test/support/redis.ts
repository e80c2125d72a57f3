import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
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
async function launch(port: number, args: readonly string[], argv?: readonly string[]): Promise<{ child: ChildProcess; exited: Promise<number | null> }> {
  const child: ChildProcess = spawn('redis-server', argv ?? ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...args], { stdio: 'ignore' });
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
 * (a clean shutdown, then a new server on the same port) keeps the data, as a production Redis does. `args` are
 * further redis-server options.
 */
export async function startRedis(
  options: { dir?: string; args?: readonly string[] } = {},
): Promise<TestRedis & { restart(): Promise<void>; start(): Promise<void> }> {
  const args = [
    ...(options.dir === undefined ? ['--appendonly', 'no'] : ['--dir', options.dir, '--appendonly', 'yes', '--appendfsync', 'always']),
    // Later arguments win: a test's own settings (a bad eviction policy, RDB snapshots).
    ...(options.args ?? []),
  ];
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
      /** Starts it again on the same port after `stop`. */
      start: async () => {
        if (server.child.exitCode === null && server.child.signalCode === null) return;
        server = await launch(port, args);
      },
    };
  }
}

type Launched = Awaited<ReturnType<typeof launch>>;

async function kill(server: Launched): Promise<void> {
  if (server.child.exitCode === null && server.child.signalCode === null) {
    server.child.kill('SIGTERM');
    await server.exited;
  }
}

/** A free port below 55536, whose cluster bus port (port + 10000) is free too. */
async function clusterPort(taken: Set<number>): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (port === 6379 || port >= 55_536 || taken.has(port)) continue;
    const bus = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port + 10_000, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (bus) return port;
  }
}

/** Runs one command on the Redis (or Sentinel) at `port`. */
export async function redisCommand(port: number, ...args: (string | number)[]): Promise<unknown> {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await client.call(String(args[0]), ...args.slice(1).map(String));
  } finally {
    client.disconnect();
  }
}

/** A primary, its replica and three Sentinels watching them as `mymaster`, all on free loopback ports. */
export interface SentinelGroup {
  /** `redis+sentinel://` URL of the group. */
  url: string;
  prefix(): string;
  /** The port of the current primary, as the Sentinels say. */
  primaryPort(): Promise<number>;
  /** `SENTINEL FAILOVER mymaster`, then waits until the Sentinels name the other server as the primary. */
  failover(): Promise<number>;
  stop(): Promise<void>;
}

/** Starts a Sentinel group and waits until its Sentinels know the replica (a failover needs one to promote). */
export async function startSentinelGroup(): Promise<SentinelGroup> {
  const dir = await mkdtemp(join(tmpdir(), 'gameday-sentinel-'));
  const servers: Launched[] = [];
  const ports = new Set<number>();
  const port = async (): Promise<number> => {
    const p = await clusterPort(ports);
    ports.add(p);
    return p;
  };
  try {
    const primary = await port();
    servers.push(await launch(primary, ['--appendonly', 'no']));
    const replica = await port();
    servers.push(await launch(replica, ['--appendonly', 'no', '--replicaof', '127.0.0.1', String(primary)]));
    const sentinels: number[] = [];
    for (let i = 0; i < 3; i++) {
      const p = await port();
      const conf = join(dir, `sentinel-${p}.conf`);
      // Sentinel rewrites its configuration file as it learns the group, so each has one of its own.
      await writeFile(
        conf,
        [
          `port ${p}`,
          'bind 127.0.0.1',
          `dir ${dir}`,
          `sentinel monitor mymaster 127.0.0.1 ${primary} 2`,
          'sentinel down-after-milliseconds mymaster 1000',
          'sentinel failover-timeout mymaster 10000',
          'sentinel parallel-syncs mymaster 1',
          '',
        ].join('\n'),
      );
      servers.push(await launch(p, [], [conf, '--sentinel']));
      sentinels.push(p);
    }
    const first = sentinels[0] ?? 0;
    await waitFor(
      'the replica to be in sync and known to the Sentinels',
      async () => {
        const info = String(await redisCommand(primary, 'INFO', 'replication'));
        if (!/slave0:.*state=online/.test(info)) return false;
        for (const s of sentinels) if (((await redisCommand(s, 'SENTINEL', 'REPLICAS', 'mymaster')) as unknown[]).length < 1) return false;
        return true;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    const primaryPort = async (): Promise<number> => Number(((await redisCommand(first, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'mymaster')) as string[])[1]);
    return {
      url: `redis+sentinel://${sentinels.map((p) => `127.0.0.1:${p}`).join(',')}/mymaster`,
      prefix: () => `gdtest-${randomBytes(4).toString('hex')}`,
      primaryPort,
      failover: async () => {
        const before = await primaryPort();
        await redisCommand(first, 'SENTINEL', 'FAILOVER', 'mymaster');
        return waitFor(
          'the Sentinels to name a new primary',
          async () => {
            const now = await primaryPort();
            return now !== before && /role:master/.test(String(await redisCommand(now, 'INFO', 'replication'))) ? now : undefined;
          },
          { timeoutMs: 30_000, intervalMs: 100 },
        );
      },
      stop: async () => {
        await Promise.all(servers.map(kill));
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await Promise.all(servers.map(kill));
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** A three-node Redis Cluster (no replicas) on free loopback ports. */
export interface TestCluster {
  /** `redis+cluster://` URL of its nodes. */
  url: string;
  ports: number[];
  stop(): Promise<void>;
}

/** Starts three cluster-enabled redis-servers, joins them with `redis-cli --cluster create`, and waits for `cluster_state:ok`. */
export async function startCluster(): Promise<TestCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'gameday-cluster-'));
  const servers: Launched[] = [];
  const ports: number[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const p = await clusterPort(new Set(ports));
      ports.push(p);
      servers.push(
        await launch(p, [
          '--appendonly',
          'no',
          '--dir',
          dir,
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(dir, `nodes-${p}.conf`),
          '--cluster-node-timeout',
          '2000',
        ]),
      );
    }
    await promisify(execFile)('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes']);
    await waitFor(
      'the cluster to be ok on every node',
      async () => {
        for (const p of ports) if (!/cluster_state:ok/.test(String(await redisCommand(p, 'CLUSTER', 'INFO')))) return false;
        return true;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    return {
      url: `redis+cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`,
      ports,
      stop: async () => {
        await Promise.all(servers.map(kill));
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await Promise.all(servers.map(kill));
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
