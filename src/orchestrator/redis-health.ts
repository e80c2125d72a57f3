import { systemClock, type Clock } from '../core/clock.js';
import { formatDuration } from '../experiment/duration.js';
import type { ConnectionWatcher, RedisClient } from './redis-connection.js';

/** What a watched connection's 'error' event carries, as one short reason. */
function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // A cluster wraps the nodes' errors ("Failed to refresh slots cache."); its last node error says more.
  const last = (error as { lastNodeError?: unknown } | undefined)?.lastNodeError;
  return (last instanceof Error ? `${message.replace(/\.$/, '')}: ${last.message}` : message).replace(/\.$/, '');
}

/** Errors that mean "Redis cannot be reached", as opposed to a refused command. */
const CONNECTION_ERROR =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EHOSTUNREACH|Connection is closed|connect ETIMEDOUT|All sentinels are unreachable|Failed to refresh slots cache|None of startup nodes is available|Stream isn't writeable|Socket closed unexpectedly/i;

/** Whether `error` says that Redis could not be reached (rather than that a command was refused). */
export function isConnectionError(error: unknown): boolean {
  return CONNECTION_ERROR.test(error instanceof Error ? error.message : String(error));
}

/**
 * Whether the Redis of a process is reachable, from the events of every connection it holds, told in one line per
 * change of state: `redis lost (reason); retrying` when a connection first fails, at most one reminder per
 * `reminderMs` while it stays lost, and `redis back after 12.0s` once every connection is ready again. The errors
 * themselves, one per reconnection attempt of each connection, are not printed (with `debug`, each new reason is).
 */
export class RedisHealth implements ConnectionWatcher {
  readonly #clients = new Set<RedisClient>();
  readonly #log: (line: string) => void;
  readonly #clock: Clock;
  readonly #reminderMs: number;
  readonly #debug: boolean;
  #lostAt: number | undefined;
  #reason = '';
  #stopReminding: (() => void) | undefined;
  #closed = false;

  constructor(options: { log: (line: string) => void; clock?: Clock; reminderMs?: number; debug?: boolean }) {
    this.#log = options.log;
    this.#clock = options.clock ?? systemClock;
    this.#reminderMs = options.reminderMs ?? 60_000;
    this.#debug = options.debug ?? false;
  }

  /** Whether Redis is lost now. */
  get lost(): boolean {
    return this.#lostAt !== undefined;
  }

  /** Why Redis was last lost ('' before it ever was). */
  get reason(): string {
    return this.#reason;
  }

  watch(client: RedisClient): void {
    this.#clients.add(client);
    client.on('error', (error: unknown) => this.report(error));
    client.on('ready', () => this.#maybeBack());
    client.on('end', () => {
      this.#clients.delete(client);
      this.#maybeBack();
    });
  }

  /**
   * Takes an error met elsewhere (a BullMQ worker's 'error' event). Returns whether it was a connection error, now
   * accounted for; anything else is the caller's to report.
   */
  report(error: unknown): boolean {
    if (!isConnectionError(error)) return false;
    if (this.#closed) return true;
    const reason = reasonOf(error);
    if (this.#debug && reason !== this.#reason && error instanceof Error) this.#log(`redis error: ${error.stack ?? error.message}`);
    this.#reason = reason;
    if (this.#lostAt !== undefined) return true;
    this.#lostAt = this.#clock.now();
    this.#log(`redis lost (${reason}); retrying`);
    this.#stopReminding = this.#clock.every(this.#reminderMs, () => {
      if (this.#lostAt !== undefined && !this.#closed)
        this.#log(`redis still lost after ${formatDuration(this.#clock.now() - this.#lostAt)} (${this.#reason}); retrying`);
    });
    return true;
  }

  /** Stops telling: the process is closing its connections on purpose. */
  close(): void {
    this.#closed = true;
    this.#stopReminding?.();
  }

  #maybeBack(): void {
    if (this.#lostAt === undefined || this.#closed) return;
    for (const client of this.#clients) if (client.status !== 'ready' && client.status !== 'wait' && client.status !== 'end') return;
    const lostFor = this.#clock.now() - this.#lostAt;
    this.#lostAt = undefined;
    this.#stopReminding?.();
    this.#stopReminding = undefined;
    this.#log(`redis back after ${formatDuration(lostFor)}`);
  }
}
