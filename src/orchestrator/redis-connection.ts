import { Redis } from 'ioredis';
import { ErrorCode, ExitCode, GamedayError } from '../errors/gameday-error.js';

/** Where Redis is when neither `--redis` nor `REDIS_URL` says. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** The Redis URL from the option, else `REDIS_URL`, else the default. */
export function redisUrlOf(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return option ?? (env.REDIS_URL === undefined || env.REDIS_URL === '' ? DEFAULT_REDIS_URL : env.REDIS_URL);
}

/** The URL without its password, for messages. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

/**
 * Connects to Redis and waits until it answers. Fails with one sentence when it does not answer on the first
 * attempt; once connected, the connection reconnects on its own (BullMQ needs `maxRetriesPerRequest: null`).
 */
export async function connectRedis(url: string, connectTimeoutMs = 5_000): Promise<Redis> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new GamedayError(ErrorCode.InvalidArgument, `'${url}' is not a Redis URL (expected redis://host:port).`, { exitCode: ExitCode.InvalidInput });
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new GamedayError(ErrorCode.InvalidArgument, `'${displayUrl(url)}' is not a Redis URL (expected redis://host:port).`, {
      exitCode: ExitCode.InvalidInput,
    });
  }
  let first = true;
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: null,
    connectTimeout: connectTimeoutMs,
    retryStrategy: (attempt) => (first ? null : Math.min(attempt * 200, 2_000)),
  });
  let lastError: unknown;
  redis.on('error', (error: unknown) => {
    lastError = error;
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    const cause = lastError ?? error;
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new GamedayError(ErrorCode.RedisUnreachable, `Cannot reach Redis at ${displayUrl(url)}: ${reason.replace(/\.$/, '')}.`, { cause });
  }
  first = false;
  return redis;
}
