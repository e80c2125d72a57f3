import type { Redis } from 'ioredis';
import { systemClock, type Clock } from '../core/clock.js';
import type { Keys } from './keys.js';
import { ErrorCode, ExitCode, GamedayError } from '../errors/gameday-error.js';

/** Extends the lease only while the key still names its holder. */
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
/** Deletes the key only while it still names its holder, so a late release never frees someone else's lock. */
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/** A resource another run holds. */
export class ResourceLockedError extends GamedayError {
  constructor(
    readonly resource: string,
    readonly holder: string,
  ) {
    super(ErrorCode.ResourceLocked, `${resource} is locked by run ${holder}`, { exitCode: ExitCode.Refused });
  }
}

/** Locks held by one run: renewed on `clock` until released; `onLost` is told when a lease could not be kept. */
export class LockLease {
  readonly #stopRenewing: () => void;
  #released = false;

  constructor(
    private readonly redis: Redis,
    readonly keys: readonly string[],
    private readonly owner: string,
    leaseMs: number,
    onLost: (key: string) => void,
    clock: Clock = systemClock,
  ) {
    const renew = async (key: string): Promise<void> => {
      const kept = await redis.eval(RENEW, 1, key, owner, leaseMs).catch(() => 0);
      if (kept !== 1 && !this.#released) onLost(key);
    };
    this.#stopRenewing = clock.every(Math.max(50, Math.floor(leaseMs / 3)), () => void Promise.all(keys.map(renew)));
  }

  async release(): Promise<void> {
    this.#released = true;
    this.#stopRenewing();
    await Promise.all(this.keys.map((key) => this.redis.eval(RELEASE, 1, key, this.owner)));
  }
}

/**
 * Leases on resources (SET NX PX), so two runs never inject into the same resource at once. A lease expires when its
 * holder dies without releasing it.
 */
export class ResourceLocks {
  constructor(
    private readonly redis: Redis,
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
    options: { wait: boolean; signal: AbortSignal; onLost: (resource: string) => void; pollMs?: number },
  ): Promise<LockLease> {
    // A fixed order, so two waiting runs never hold one resource each of what the other needs.
    const ids = [...new Set(resourceIds)].sort();
    const keyOf = new Map(ids.map((id) => [this.keys.lock(scope, id), id]));
    for (;;) {
      options.signal.throwIfAborted();
      const taken: string[] = [];
      let conflict: ResourceLockedError | undefined;
      for (const [key, id] of keyOf) {
        const ok = await this.redis.set(key, owner, 'PX', this.leaseMs, 'NX');
        if (ok === 'OK') {
          taken.push(key);
          continue;
        }
        conflict = new ResourceLockedError(id, (await this.redis.get(key)) ?? 'a run that just finished');
        break;
      }
      if (conflict === undefined) return new LockLease(this.redis, taken, owner, this.leaseMs, (key) => options.onLost(keyOf.get(key) ?? key), this.clock);
      await Promise.all(taken.map((key) => this.redis.eval(RELEASE, 1, key, owner)));
      if (!options.wait) throw conflict;
      await this.clock.sleep(options.pollMs ?? 250, options.signal);
    }
  }
}
