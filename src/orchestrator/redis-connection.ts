import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { ErrorCode, ExitCode, GamedayError } from '../errors/gameday-error.js';

/**
 * One connection to the Redis of a deployment: a single server (directly or found through Sentinel) or a Redis
 * Cluster. BullMQ accepts both, and both `duplicate()` into a connection of the same kind.
 */
export type RedisClient = Redis | Cluster;

/** Where Redis is when neither `--redis` nor `REDIS_URL` says. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** The URL forms `--redis` accepts, for messages. */
const URL_FORMS = 'redis://host:port, redis+sentinel://host:26379,host:26379/primary-name or redis+cluster://host:7000,host:7001';

/** One host and port of a Sentinel or Cluster URL. */
export interface RedisNode {
  host: string;
  port: number;
}

/**
 * Where a Redis URL points, read by `parseRedisUrl`:
 * - `single`: one server, `redis://` or `rediss://` (TLS), as ioredis reads it;
 * - `sentinel`: the primary named `name`, found through `sentinels`;
 * - `cluster`: a Redis Cluster, discovered from `nodes`.
 */
export type RedisTarget =
  | { kind: 'single'; url: string }
  | {
      kind: 'sentinel';
      sentinels: RedisNode[];
      name: string;
      tls: boolean;
      db: number;
      username?: string;
      password?: string;
      sentinelUsername?: string;
      sentinelPassword?: string;
    }
  | { kind: 'cluster'; nodes: RedisNode[]; tls: boolean; username?: string; password?: string };

/** The Redis URL from the option, else `REDIS_URL`, else the default. */
export function redisUrlOf(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return option ?? (env.REDIS_URL === undefined || env.REDIS_URL === '' ? DEFAULT_REDIS_URL : env.REDIS_URL);
}

/** The URL without its passwords, for messages. */
export function displayUrl(url: string): string {
  const multi = /^([a-z+]+:\/\/)([^@/]*@)?(.*)$/i.exec(url);
  if (multi !== null && /^rediss?\+/i.test(url)) {
    const [, scheme, auth, rest] = multi;
    const user = auth === undefined ? '' : `${auth.slice(0, -1).split(':')[0]}${auth.includes(':') ? ':***' : ''}@`;
    return `${scheme}${user}${(rest ?? '').replace(/(sentinelPassword=)[^&#]*/i, '$1***')}`;
  }
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

function badUrl(url: string, why: string): GamedayError {
  return new GamedayError(ErrorCode.InvalidArgument, `'${displayUrl(url)}' is not a Redis URL: ${why} (expected ${URL_FORMS}).`, {
    exitCode: ExitCode.InvalidInput,
  });
}

/**
 * Reads a Redis URL. The grammar:
 *
 * ```
 * redis[s]://[user:password@]host[:6379][/db]                     one server (rediss: TLS)
 * redis[s]+sentinel://[user:password@]host[:26379][,host[:26379]…]/primary-name[/db][?sentinelUsername=…&sentinelPassword=…&db=…]
 * redis[s]+cluster://[user:password@]host[:6379][,host[:6379]…][?]
 * ```
 *
 * In the Sentinel form the user and password are the primary's (and its replicas'); the Sentinels' own, when they
 * need one, go in `sentinelUsername` / `sentinelPassword`. In the Cluster form the hosts are seeds: the other nodes
 * are discovered. A URL that fits none of them is refused in one sentence.
 */
export function parseRedisUrl(url: string): RedisTarget {
  const multi = /^(rediss?)\+(sentinel|cluster):\/\/(?:([^@/]*)@)?([^/?#]*)(\/[^?#]*)?(?:\?([^#]*))?$/i.exec(url);
  if (multi === null) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw badUrl(url, 'it cannot be read as a URL');
    }
    if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')
      throw badUrl(url, `its scheme '${parsed.protocol.replace(/:$/, '')}' is not one of them`);
    return { kind: 'single', url };
  }
  const [, scheme = 'redis', form = 'sentinel', auth, hostList = '', path = '', query = ''] = multi;
  const kind = form.toLowerCase() as 'sentinel' | 'cluster';
  const defaultPort = kind === 'sentinel' ? 26379 : 6379;
  const nodes = hostList.split(',').map((entry): RedisNode => {
    const m = /^(\[[^\]]+\]|[^:[\]]+)(?::(\d+))?$/.exec(entry.trim());
    if (m === null) throw badUrl(url, `'${entry}' is not a host[:port]`);
    const port = m[2] === undefined ? defaultPort : Number(m[2]);
    if (!(port >= 1 && port <= 65_535)) throw badUrl(url, `the port of '${entry}' is not between 1 and 65535`);
    return { host: (m[1] ?? '').replace(/^\[|\]$/g, ''), port };
  });
  const credentials: { username?: string; password?: string } = {};
  if (auth !== undefined && auth !== '') {
    const [user = '', ...rest] = auth.split(':');
    if (user !== '') credentials.username = decodeURIComponent(user);
    if (rest.length > 0) credentials.password = decodeURIComponent(rest.join(':'));
  }
  const params = new URLSearchParams(query);
  const known = kind === 'sentinel' ? ['db', 'sentinelUsername', 'sentinelPassword'] : [];
  for (const key of params.keys()) if (!known.includes(key)) throw badUrl(url, `the ${kind} form has no option '${key}'`);
  const tls = scheme.toLowerCase() === 'rediss';
  if (kind === 'cluster') {
    if (path !== '' && path !== '/') throw badUrl(url, 'a cluster URL has no path (a cluster has one database)');
    return { kind, nodes, tls, ...credentials };
  }
  const [name = '', dbInPath, ...extra] = path.replace(/^\//, '').split('/');
  if (name === '') throw badUrl(url, 'it does not name the primary after the Sentinels (…/mymaster)');
  if (extra.length > 0) throw badUrl(url, `its path '${path}' has more than the primary's name and a database`);
  const dbText = params.get('db') ?? dbInPath ?? '0';
  const db = Number(dbText);
  if (!Number.isInteger(db) || db < 0) throw badUrl(url, `its database '${dbText}' is not a whole number`);
  const sentinelUsername = params.get('sentinelUsername');
  const sentinelPassword = params.get('sentinelPassword');
  return {
    kind,
    sentinels: nodes,
    name: decodeURIComponent(name),
    tls,
    db,
    ...credentials,
    ...(sentinelUsername === null ? {} : { sentinelUsername }),
    ...(sentinelPassword === null ? {} : { sentinelPassword }),
  };
}

/** Whether `client` is a Redis Cluster connection. */
export function isCluster(client: RedisClient): client is Cluster {
  return client instanceof Cluster;
}

/** Told of what happens to every connection made from one `connectRedis` (its own and every `duplicate()` of it). */
export interface ConnectionWatcher {
  watch(client: RedisClient): void;
}

/**
 * Connects to Redis (one server, a Sentinel group's primary, or a cluster; see `parseRedisUrl`) and waits until it
 * answers. Fails with one sentence when it does not answer on the first attempt; once connected, the connection
 * reconnects on its own (BullMQ needs `maxRetriesPerRequest: null`), and so does every `duplicate()` of it. With
 * `watcher`, that connection and every duplicate made from it (BullMQ's, pub/sub's) are handed to it, so none is
 * left without an error listener.
 */
export async function connectRedis(url: string, connectTimeoutMs = 5_000, watcher?: ConnectionWatcher): Promise<RedisClient> {
  const target = parseRedisUrl(url);
  let first = true;
  const retry = (attempt: number): number | null => (first ? null : Math.min(attempt * 200, 2_000));
  const common: RedisOptions = { lazyConnect: true, maxRetriesPerRequest: null, connectTimeout: connectTimeoutMs, retryStrategy: retry };
  let redis: RedisClient;
  if (target.kind === 'single') {
    redis = new Redis(target.url, common);
  } else if (target.kind === 'sentinel') {
    redis = new Redis({
      ...common,
      sentinels: target.sentinels,
      name: target.name,
      db: target.db,
      sentinelRetryStrategy: retry,
      // Learns of a failover from the Sentinels' +switch-master at once. Without it a connection stays on the old
      // primary until the Sentinels demote it (seconds later), and what was written there meanwhile is lost.
      failoverDetector: true,
      // A primary demoted to a replica answers writes with READONLY: reconnect, through the Sentinels, to the new one.
      reconnectOnError: (error) => (error.message.startsWith('READONLY') ? 2 : false),
      ...(target.tls ? { tls: {}, enableTLSForSentinelMode: true } : {}),
      ...(target.username === undefined ? {} : { username: target.username }),
      ...(target.password === undefined ? {} : { password: target.password }),
      ...(target.sentinelUsername === undefined ? {} : { sentinelUsername: target.sentinelUsername }),
      ...(target.sentinelPassword === undefined ? {} : { sentinelPassword: target.sentinelPassword }),
    });
  } else {
    const redisOptions: RedisOptions = {
      maxRetriesPerRequest: null,
      connectTimeout: connectTimeoutMs,
      ...(target.tls ? { tls: {} } : {}),
      ...(target.username === undefined ? {} : { username: target.username }),
      ...(target.password === undefined ? {} : { password: target.password }),
    };
    const options: ClusterOptions = { lazyConnect: true, redisOptions, clusterRetryStrategy: retry };
    redis = new Cluster(target.nodes, options);
  }
  let lastError: unknown;
  const remember = (error: unknown): void => {
    lastError = error;
  };
  redis.on('error', remember);
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
  redis.off('error', remember);
  // Without a watcher, errors still surface through the commands that fail; an 'error' event without a listener
  // would print a stack trace per reconnection attempt.
  watchDuplicates(redis, watcher ?? { watch: (client) => void client.on('error', () => undefined) });
  return redis;
}

/** Hands `client` to `watcher`, and every connection later duplicated from it, at any depth. */
function watchDuplicates(client: RedisClient, watcher: ConnectionWatcher): void {
  watcher.watch(client);
  // ioredis's failover detector keeps its Sentinel subscriptions after quit() (only disconnect() ends them), which
  // would keep a finished command's process up.
  if (!isCluster(client) && client.options.failoverDetector === true) client.once('end', () => client.disconnect());
  const duplicate = client.duplicate.bind(client) as (...args: unknown[]) => RedisClient;
  // BullMQ duplicates the connection it is given for its blocking reads; those must be watched too.
  (client as { duplicate: (...args: unknown[]) => RedisClient }).duplicate = (...args: unknown[]) => {
    const copy = duplicate(...args);
    watchDuplicates(copy, watcher);
    return copy;
  };
}
