import type { Redis } from 'ioredis';
import { ErrorCode, ExitCode, GamedayError } from '../errors/gameday-error.js';
import { Keys } from '../orchestrator/keys.js';
import { connectRedis, redisUrlOf } from '../orchestrator/redis-connection.js';
import { RunQueue } from '../orchestrator/run-queue.js';

/** Options of every command that talks to the queue. */
export interface QueueOptions {
  redis?: string;
  prefix?: string;
}

export interface QueueConnection {
  redis: Redis;
  keys: Keys;
  queue: RunQueue;
  close(): Promise<void>;
}

/** Where the queue is: `--redis`, else `REDIS_URL`, else redis://127.0.0.1:6379; `--prefix`, else `GAMEDAY_PREFIX`, else `gameday`. */
export async function openQueue(options: QueueOptions): Promise<QueueConnection> {
  const prefix = options.prefix ?? process.env.GAMEDAY_PREFIX ?? 'gameday';
  let keys: Keys;
  try {
    keys = new Keys(prefix);
  } catch (error) {
    throw new GamedayError(ErrorCode.InvalidArgument, error instanceof Error ? error.message : String(error), { exitCode: ExitCode.InvalidInput });
  }
  const redis = await connectRedis(redisUrlOf(options.redis));
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

/** Opens the queue, runs `use`, and closes it whatever happens. */
export async function withQueue<T>(options: QueueOptions, use: (connection: QueueConnection) => Promise<T>): Promise<T> {
  const connection = await openQueue(options);
  try {
    return await use(connection);
  } finally {
    await connection.close();
  }
}
