import type { RedisClient } from '../orchestrator/redis-connection.js';
import { ErrorCode, ExitCode, GamedayError } from '../errors/gameday-error.js';
import { Keys } from '../orchestrator/keys.js';
import { connectRedis, displayUrl, isCluster, redisUrlOf, type ConnectionWatcher } from '../orchestrator/redis-connection.js';
import { RunQueue } from '../orchestrator/run-queue.js';

/** Options of every command that talks to the queue. */
export interface QueueOptions {
  redis?: string;
  prefix?: string;
}

export interface QueueConnection {
  redis: RedisClient;
  keys: Keys;
  queue: RunQueue;
  close(): Promise<void>;
}

/** The prefix when neither `--prefix` nor `GAMEDAY_PREFIX` says, on one Redis server (or a Sentinel group's primary). */
export const DEFAULT_PREFIX = 'gameday';

/**
 * The prefix when neither says, on a Redis Cluster: its hash tag puts every key of the deployment in one slot, as
 * BullMQ's multi-key scripts and gameday's transactions need. (A single server keeps `gameday`, so an existing
 * deployment's keys do not move.)
 */
export const DEFAULT_CLUSTER_PREFIX = '{gameday}';

/**
 * Where the queue is: `--redis`, else `REDIS_URL`, else redis://127.0.0.1:6379 (any form `parseRedisUrl` reads);
 * `--prefix`, else `GAMEDAY_PREFIX`, else `gameday` (`{gameday}` on a cluster, where a prefix without a hash tag is
 * refused). `watcher` is handed every connection made from it.
 */
export async function openQueue(options: QueueOptions, watcher?: ConnectionWatcher): Promise<QueueConnection> {
  const url = redisUrlOf(options.redis);
  const given = options.prefix ?? (process.env.GAMEDAY_PREFIX === '' ? undefined : process.env.GAMEDAY_PREFIX);
  // The prefix is checked before connecting, so a mistyped one is told without waiting for Redis.
  if (given !== undefined) keysOf(given);
  const redis = await connectRedis(url, 5_000, watcher);
  const cluster = isCluster(redis);
  const keys = keysOf(given ?? (cluster ? DEFAULT_CLUSTER_PREFIX : DEFAULT_PREFIX));
  if (cluster && keys.hashTag === undefined) {
    redis.disconnect();
    throw new GamedayError(
      ErrorCode.InvalidArgument,
      `The key prefix '${keys.prefix}' has no hash tag, which a Redis Cluster (${displayUrl(url)}) needs to keep the queue's keys in one slot: use e.g. '{${keys.prefix}}'.`,
      { exitCode: ExitCode.InvalidInput },
    );
  }
  const queue = new RunQueue(redis, keys);
  return {
    redis,
    keys,
    queue,
    close: async () => {
      await queue.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

function keysOf(prefix: string): Keys {
  try {
    return new Keys(prefix);
  } catch (error) {
    throw new GamedayError(ErrorCode.InvalidArgument, error instanceof Error ? error.message : String(error), { exitCode: ExitCode.InvalidInput });
  }
}

/** Opens the queue, runs `use`, and closes it whatever happens. */
export async function withQueue<T>(options: QueueOptions, use: (connection: QueueConnection) => Promise<T>): Promise<T> {
  const connection = await openQueue(options);
  try {
    return await use(connection);
  } finally {
    await connection.close();
  }
}
