import { Redis } from 'ioredis';
import { isCluster, type RedisClient } from './redis-connection.js';
import { isConnectionError } from './redis-health.js';
import { systemClock } from '../core/clock.js';

/**
 * How long one `WAIT` waits for the replicas to acknowledge a write (assumed: a replica acknowledges within a round
 * trip, so this is only reached when one is gone).
 */
const WAIT_MS = 250;
/** A limit on every command of a durable write, on this side, so none holds a run up (assumed). */
const COMMAND_LIMIT_MS = 2_000;
/** How long a primary's replica count is reused before it is read again (assumed). */
const COUNT_TTL_MS = 1_000;
/**
 * How long a replica a primary had is still expected of it (assumed: longer than a Sentinel failover takes from the
 * promotion of a replica to `+switch-master`, during which the old primary has lost its replica without knowing why).
 */
const REMEMBER_MS = 30_000;
/** Pause before a write is tried again while a failover is under way (assumed). */
const RETRY_PAUSE_MS = 200;
/**
 * How long a durable write keeps trying before it settles for the primary it is on (assumed: a forced failover's
 * switch takes about a second; kept under the worker's 5 s limit on an undo-log write, so a write its caller gave up
 * on is not made again much later).
 */
export const DURABLE_DEADLINE_MS = 4_000;

/** Errors after which a durable write is tried again (the write may not have happened, or may be lost). */
const RETRYABLE = /max retries per request|READONLY|NOREPLICAS|LOADING|MASTERDOWN|TRYAGAIN|isn't writeable|did not answer/i;

/** Thrown by a write function to have the write tried again (what it checked is not on this primary yet). */
export class NotYetDurable extends Error {}

/** What the durable writes of one connection did, for benchmarks and tests. */
export interface DurabilityFigures {
  /** Writes confirmed by every replica the primary had. */
  confirmed: number;
  /** Writes made again after a failover or a reconnection put them at risk. */
  redone: number;
  /** Writes left unconfirmed at the deadline (on the primary, not known to be on a replica). */
  unconfirmed: number;
}

/** Whether `client` reaches a primary through Sentinels: the only kind whose critical writes wait for replicas. */
function isSentinel(client: RedisClient): client is Redis {
  return !isCluster(client) && (client.options.sentinels?.length ?? 0) > 0;
}

const byClient = new WeakMap<RedisClient, DurableWrites>();

/**
 * Makes a critical write survive a Sentinel failover. Redis replicates asynchronously, so a write the old primary
 * acknowledged but its replica had not received is gone once the replica is promoted (Redis docs, "High availability
 * with Redis Sentinel": Sentinel "cannot guarantee that acknowledged writes are retained during failures"; the
 * documented mitigations are `WAIT` and `min-replicas-to-write`).
 *
 * On a single server or a cluster this is `write(client)`, nothing more. Through Sentinels the write runs on a
 * connection of its own (no offline queue, so a command never waits out a failover there), followed by `WAIT n` where
 * `n` is the number of replicas the primary has (0: no WAIT). Fewer acknowledgements than that, or a reconnection in
 * between, and the Sentinels are asked whether a failover is under way: while one is, the write is made again (so it
 * must be idempotent) once the connection is on the new primary. A primary that merely lost a replica, with no
 * failover, keeps the write.
 */
export async function durableWrite<T>(client: RedisClient, write: (connection: RedisClient) => Promise<T>, deadlineMs = DURABLE_DEADLINE_MS): Promise<T> {
  // A connection that was closed gets no new one beside it (which nothing would close): the write fails as it would.
  if (!isSentinel(client) || client.status === 'end') return write(client);
  let durable = byClient.get(client);
  if (durable === undefined) {
    durable = new DurableWrites(client);
    byClient.set(client, durable);
  }
  return durable.write(write, deadlineMs);
}

/** The figures of the durable writes made through `client` (all zero on a single server or cluster). */
export function durabilityFigures(client: RedisClient): DurabilityFigures {
  return { ...(byClient.get(client)?.figures ?? { confirmed: 0, redone: 0, unconfirmed: 0 }) };
}

/** What is known of one primary's replicas. */
interface ReplicaCount {
  count: number;
  readAt: number;
  /** The most replicas seen since `highestAt`, expected for REMEMBER_MS. */
  highest: number;
  highestAt: number;
}

class DurableWrites {
  readonly figures: DurabilityFigures = { confirmed: 0, redone: 0, unconfirmed: 0 };
  readonly #root: Redis;
  readonly #connection: Redis;
  /** Counts the connection's arrivals at a server: a write's WAIT means nothing on a later connection. */
  #generation = 0;
  readonly #counts = new Map<string, ReplicaCount>();

  constructor(root: Redis) {
    this.#root = root;
    this.#connection = root.duplicate({ enableOfflineQueue: false, maxRetriesPerRequest: 0, lazyConnect: true }) as Redis;
    this.#connection.on('error', () => undefined);
    this.#connection.on('ready', () => void this.#generation++);
    this.#connection.connect().catch(() => undefined);
    root.once('end', () => {
      byClient.delete(root);
      this.#connection.disconnect();
    });
  }

  async write<T>(write: (connection: RedisClient) => Promise<T>, deadlineMs: number): Promise<T> {
    const deadline = systemClock.now() + deadlineMs;
    let attempt = 0;
    let lastError: unknown;
    let written: { value: T } | undefined;
    for (;;) {
      if (attempt++ > 0) {
        if (systemClock.now() >= deadline) break;
        await pause(RETRY_PAUSE_MS);
        if (written !== undefined) this.figures.redone++;
      }
      const c = this.#connection;
      if (!(await this.#ready(Math.max(0, deadline - systemClock.now())))) continue;
      const generation = this.#generation;
      const server = serverOf(c);
      let value: T;
      try {
        value = await limited(write(c), COMMAND_LIMIT_MS);
      } catch (error) {
        if (!(error instanceof NotYetDurable || isConnectionError(error) || RETRYABLE.test(String(error)))) throw error;
        lastError = error;
        continue;
      }
      written = { value };
      let expected: number;
      let acked: number;
      try {
        expected = await this.#expectedReplicas(c, server);
        if (expected === 0) {
          this.figures.confirmed++;
          return value;
        }
        acked = Number(await limited(c.wait(expected, WAIT_MS), WAIT_MS + COMMAND_LIMIT_MS));
      } catch (error) {
        lastError = error;
        continue;
      }
      if (generation !== this.#generation) continue;
      if (acked >= expected) {
        this.figures.confirmed++;
        return value;
      }
      // Fewer replicas acknowledged than the primary had: a failover under way (its replica was promoted), or a
      // replica merely gone. Only the Sentinels can tell.
      const sentinels = await this.#sentinelsSay(server);
      if (sentinels === 'moved') {
        // The Sentinels name another primary: this connection goes there now (a connection learns of a failover from
        // their announcement, which it may have missed) and the write is made again there.
        if (this.#connection.status === 'ready' && serverOf(this.#connection) === server) this.#connection.disconnect(true);
        continue;
      }
      if (sentinels !== 'steady') continue;
      const known = this.#counts.get(server);
      if (known !== undefined) {
        known.highest = acked;
        known.highestAt = systemClock.now();
        known.count = acked;
      }
      this.figures.confirmed++;
      return value;
    }
    if (written !== undefined) {
      this.figures.unconfirmed++;
      return written.value;
    }
    throw lastError ?? new Error(`Redis did not answer within ${deadlineMs / 1_000}s`);
  }

  /** Whether the connection is ready, waiting for it at most `ms`. */
  async #ready(ms: number): Promise<boolean> {
    const c = this.#connection;
    if (c.status === 'ready') return true;
    if (c.status === 'end') throw new Error('Connection is closed.');
    if (c.status === 'wait') c.connect().catch(() => undefined);
    const arrived = new AbortController();
    const onReady = (): void => arrived.abort();
    c.once('ready', onReady);
    await systemClock.sleep(Math.min(ms, 1_000), arrived.signal).catch(() => undefined);
    c.off('ready', onReady);
    return (c.status as string) === 'ready';
  }

  /** How many replicas to wait for on `server`: those it has, or had within REMEMBER_MS. */
  async #expectedReplicas(c: Redis, server: string): Promise<number> {
    const now = systemClock.now();
    let known = this.#counts.get(server);
    if (known === undefined || now - known.readAt > COUNT_TTL_MS) {
      const info = String(await limited(c.info('replication'), COMMAND_LIMIT_MS));
      const count = [...info.matchAll(/^slave\d+:.*state=online/gm)].length;
      known = known ?? { count, readAt: now, highest: count, highestAt: now };
      known.count = count;
      known.readAt = now;
      if (count >= known.highest || now - known.highestAt > REMEMBER_MS) {
        known.highest = count;
        known.highestAt = now;
      }
      this.#counts.set(server, known);
    }
    return now - known.highestAt > REMEMBER_MS ? known.count : Math.max(known.count, known.highest);
  }

  /**
   * What the Sentinels say of the primary `server`: `moved` when one names another primary, `failing-over` when one
   * is failing it over, `steady` when those that answer name it and none is, `unknown` when none answers (the write
   * is then tried again until the deadline).
   */
  async #sentinelsSay(server: string): Promise<'moved' | 'failing-over' | 'steady' | 'unknown'> {
    const o = this.#root.options;
    const answers = await Promise.all(
      (o.sentinels ?? []).map(async (s) => {
        const sentinel = new Redis({
          host: s.host ?? '127.0.0.1',
          port: s.port ?? 26379,
          lazyConnect: true,
          enableOfflineQueue: true,
          maxRetriesPerRequest: 0,
          retryStrategy: () => null,
          connectTimeout: 1_000,
          ...(o.sentinelUsername === undefined ? {} : { username: o.sentinelUsername }),
          ...(o.sentinelPassword === undefined ? {} : { password: o.sentinelPassword }),
          ...(o.enableTLSForSentinelMode === true && o.tls !== undefined ? { tls: o.sentinelTLS ?? o.tls } : {}),
        });
        sentinel.on('error', () => undefined);
        try {
          await limited(sentinel.connect(), 1_000);
          const reply = (await limited(sentinel.call('SENTINEL', 'MASTER', o.name ?? 'mymaster'), 1_000)) as string[];
          const f = new Map<string, string>();
          for (let i = 0; i + 1 < reply.length; i += 2) f.set(String(reply[i]), String(reply[i + 1]));
          const flags = f.get('flags') ?? '';
          if (!sameServer(`${f.get('ip') ?? ''}:${f.get('port') ?? ''}`, server)) return 'moved';
          return flags.includes('failover_in_progress') ? 'failing-over' : 'steady';
        } catch {
          return 'unknown';
        } finally {
          sentinel.disconnect();
        }
      }),
    );
    if (answers.includes('moved')) return 'moved';
    if (answers.includes('failing-over')) return 'failing-over';
    return answers.includes('steady') ? 'steady' : 'unknown';
  }
}

/** The address of the server a connection is on. */
function serverOf(c: Redis): string {
  return `${(c.stream?.remoteAddress ?? '?').replace(/^::ffff:/, '')}:${c.stream?.remotePort ?? '?'}`;
}

function sameServer(a: string, b: string): boolean {
  const normal = (s: string): string => s.replace(/^::ffff:/, '').replace(/^localhost:/, '127.0.0.1:');
  return normal(a) === normal(b);
}

function pause(ms: number): Promise<void> {
  return systemClock.sleep(ms);
}

/** `promise`, or a rejection once `ms` passed (the command may still run: every durable write is idempotent). */
async function limited<T>(promise: Promise<T>, ms: number): Promise<T> {
  const settled = new AbortController();
  const limit = systemClock.sleep(ms, settled.signal).then(() => {
    throw new Error(`Redis did not answer within ${ms} ms`);
  });
  limit.catch(() => undefined);
  try {
    return await Promise.race([promise, limit]);
  } finally {
    settled.abort();
  }
}
