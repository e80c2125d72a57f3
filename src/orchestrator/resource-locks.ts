import type { RedisClient } from './redis-connection.js';
import { durableWrite } from './durable-writes.js';
import { systemClock, type Clock } from '../core/clock.js';
import type { Keys } from './keys.js';
import { ErrorCode, ExitCode, GamedayError } from '../errors/gameday-error.js';

/** Extends the lease only while the key still names its holder. */
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
/** Deletes the key only while it still names its holder, so a late release never frees someone else's lock. */
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * Takes every lease and outstanding marker of one run at once, or none: KEYS are pairs (lock, marker) of each
 * resource, ARGV[1] the run, ARGV[2] the lease. A resource whose marker names another run (its undo is outstanding,
 * whether or not its lease lapsed) or whose lease another run holds refuses with {index, 'undoing'|'locked', holder}.
 * A run re-taking its own resources (a takeover) finds its own lease and marker and keeps them.
 */
const ACQUIRE = `
for i = 1, #KEYS / 2 do
  local marker = redis.call('get', KEYS[2 * i])
  local holder = redis.call('get', KEYS[2 * i - 1])
  if marker and marker ~= ARGV[1] then return {i, 'undoing', marker, holder or ''} end
  if holder and holder ~= ARGV[1] then return {i, 'locked', holder, holder} end
end
for i = 1, #KEYS / 2 do
  redis.call('set', KEYS[2 * i - 1], ARGV[1], 'PX', ARGV[2])
  redis.call('set', KEYS[2 * i], ARGV[1])
end
return 0`;

/** A resource another run holds, or whose undo another run still owes. */
export class ResourceLockedError extends GamedayError {
  constructor(
    readonly resource: string,
    readonly holder: string,
    /** Set when the holder's undo is outstanding: why, as a clause ("its worker was lost"). */
    readonly undoing?: string,
  ) {
    super(
      ErrorCode.ResourceLocked,
      undoing === undefined ? `${resource} is locked by run ${holder}` : `${resource} is being undone by run ${holder} (${undoing})`,
      { exitCode: ExitCode.Refused },
    );
  }
}

/**
 * Why a lease could not be kept: with `unrenewedMs`, Redis answered that the lease had lapsed, after this process went
 * that long (more than the lease, on the clock) without renewing it: it stalled. Without, Redis did not answer.
 */
export interface LockLoss {
  unrenewedMs?: number;
}

/** Locks held by one run: renewed on `clock` until released; `onLost` is told when a lease could not be kept. */
export class LockLease {
  readonly #stopRenewing: () => void;
  #released = false;

  constructor(
    private readonly redis: RedisClient,
    readonly keys: readonly string[],
    /** The outstanding markers of the same resources. */
    readonly markers: readonly string[],
    private readonly owner: string,
    leaseMs: number,
    onLost: (key: string, why: LockLoss) => void,
    clock: Clock = systemClock,
  ) {
    // When the last renewal that kept every lease was sent (they are renewed together).
    let renewedAt = clock.now();
    const renew = async (key: string, sentAt: number): Promise<boolean> => {
      const kept = await redis.eval(RENEW, 1, key, owner, leaseMs).catch(() => undefined);
      if (kept === 1) return true;
      const unrenewedMs = sentAt - renewedAt;
      if (!this.#released) onLost(key, kept === undefined || unrenewedMs <= leaseMs ? {} : { unrenewedMs });
      return false;
    };
    const renewAll = async (): Promise<void> => {
      const sentAt = clock.now();
      if ((await Promise.all(keys.map((key) => renew(key, sentAt)))).every(Boolean)) renewedAt = sentAt;
    };
    this.#stopRenewing = clock.every(Math.max(50, Math.floor(leaseMs / 3)), () => void renewAll());
  }

  /**
   * Stops renewing without freeing anything: for a run this process lost to another, which holds the same leases
   * (under the run's id) and finishes the run's undo.
   */
  abandon(): void {
    this.#released = true;
    this.#stopRenewing();
  }

  /**
   * Frees the leases. With `undone: false` (the run's undo is outstanding) the resources' outstanding markers stay, so
   * they are refused to other runs until the undo is finished (a takeover or `gameday undo`).
   */
  async release(options: { undone: boolean } = { undone: true }): Promise<void> {
    this.#released = true;
    this.#stopRenewing();
    await Promise.all(this.keys.map((key) => this.redis.eval(RELEASE, 1, key, this.owner)));
    if (options.undone) await Promise.all(this.markers.map((key) => this.redis.eval(RELEASE, 1, key, this.owner)));
  }
}

/**
 * Leases on resources (SET NX PX), so two runs never inject into the same resource at once. A lease expires when its
 * holder dies without releasing it.
 */
export class ResourceLocks {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    /** How long a lease lives without renewal. */
    readonly leaseMs: number,
    /** Paces lease renewals and the retries of a run that waits for its resources. */
    private readonly clock: Clock = systemClock,
  ) {}

  /**
   * Locks every resource for `owner` (all or none). A held resource refuses with `ResourceLockedError` naming its
   * holder, or, with `wait`, is waited for until it is free or `signal` aborts.
   */
  async acquire(
    owner: string,
    scope: string,
    resourceIds: readonly string[],
    options: { wait: boolean; signal: AbortSignal; onLost: (resource: string, why: LockLoss) => void; pollMs?: number },
  ): Promise<LockLease> {
    // A fixed order, so two waiting runs never hold one resource each of what the other needs.
    const ids = [...new Set(resourceIds)].sort();
    const locks = ids.map((id) => this.keys.lock(scope, id));
    const markers = ids.map((id) => this.keys.undoing(scope, id));
    const idOf = new Map(locks.map((key, i) => [key, ids[i] ?? key]));
    for (;;) {
      options.signal.throwIfAborted();
      // Through Sentinels, confirmed by the primary's replicas (see `durableWrite`): a lock lost in a failover lets
      // another run take the resource. Taking one's own locks again keeps them, so the take may be made again.
      const answer = await durableWrite(this.redis, (redis) =>
        redis.eval(ACQUIRE, locks.length * 2, ...locks.flatMap((key, i) => [key, markers[i] ?? key]), owner, this.leaseMs),
      );
      if (answer === 0)
        return new LockLease(this.redis, locks, markers, owner, this.leaseMs, (key, why) => options.onLost(idOf.get(key) ?? key, why), this.clock);
      const [index, kind, holder, leaseHolder] = answer as [number, 'undoing' | 'locked', string, string];
      const id = ids[index - 1] ?? '?';
      const why = kind === 'undoing' ? await this.#whyUndoing(holder, leaseHolder === holder) : null;
      const refusal = why === null ? new ResourceLockedError(id, holder) : new ResourceLockedError(id, holder, why);
      if (!options.wait) throw refusal;
      await this.clock.sleep(options.pollMs ?? 250, options.signal);
    }
  }

  /**
   * Frees the outstanding markers `owner` left on resources (its undo is complete) without holding their leases: for a
   * run whose undo finished where no lease was taken.
   */
  async clearOutstanding(owner: string, scope: string, resourceIds: readonly string[]): Promise<void> {
    await Promise.all(resourceIds.map((id) => this.redis.eval(RELEASE, 1, this.keys.undoing(scope, id), owner)));
  }

  /**
   * Why the run that left its marker on a resource owes an undo, as a clause; `null` while it still runs with its
   * worker (a plain lock, whatever its marker says).
   */
  async #whyUndoing(runId: string, holdsLease: boolean): Promise<string | null> {
    const [[state, worker], alive] = await Promise.all([this.redis.hmget(this.keys.run(runId), 'state', 'worker'), this.redis.get(this.keys.alive(runId))]);
    if (state === 'recovering') return 'its worker was lost';
    if (state === 'finished') return `its undo failed; 'gameday undo ${runId}' finishes it`;
    // Alive with the worker it started on: still running. Alive with another: being taken over.
    if (state === 'running' && holdsLease && alive !== null && alive === worker) return null;
    // A holder with no run record (locks taken outside a worker's run) is a plain lock while it holds its lease.
    if (state === null && holdsLease) return null;
    return 'its worker was lost';
  }
}
