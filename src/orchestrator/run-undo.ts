import type { RedisClient } from './redis-connection.js';
import { durableWrite } from './durable-writes.js';
import type { Clock } from '../core/clock.js';
import type { ActivityRecord, Journal } from '../engine/journal.js';
import { exitCodeFor } from '../engine/journal.js';
import type { Registry } from '../registry/registry.js';
import type { Keys } from './keys.js';
import { finishOutstandingUndo, recoverLostRun } from './lost-run-recovery.js';
import { ResourceLockedError, ResourceLocks, type LockLease } from './resource-locks.js';
import type { RunJob } from './run-job.js';
import type { PrepareWorld } from './run-world.js';
import { RunStore, type RunStatus } from './run-store.js';
import { outstandingUndo, RollbackLog, UndoLog } from './undo-log.js';

/**
 * Renews the run's alive key for `holder` (ARGV[1]) for ARGV[2] ms while it names `holder`, or while it is absent and
 * ARGV[3] is '1' (the first take, or a key Redis lost within the holder's lease); answers 'held', else the key's holder
 * ('' when absent): a late renewal never takes the key from another, nor back after it lapsed.
 */
const HOLD_ALIVE = `local v = redis.call('get', KEYS[1])
if v == ARGV[1] or (v == false and ARGV[3] == '1') then redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 'held' end
return v or ''`;
/** Deletes the alive key only while it names `holder`. */
const DROP_ALIVE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/** The run's alive lease, held by one process (a worker, or `gameday undo`) and renewed until `stop`. */
export interface AliveLease {
  /**
   * Whether the holder still owns the run: its key named it at the last renewal, and that renewal was sent less than
   * a lease ago on the clock (a stalled process learns it lapsed before any renewal answers).
   */
  owns(): boolean;
  /** Renews now and answers `owns()`: settles whether a holder that stalled still owns the run. */
  confirm(): Promise<boolean>;
  /**
   * Whether the last renewal got no answer from Redis (an error, or none within a third of the lease): the holder
   * cannot tell whether it still owns the run, though nobody could have claimed it through a Redis this process cannot
   * reach either. A worker then still undoes what it injected, and injects nothing more.
   */
  unreachable(): boolean;
  stop(): Promise<void>;
}

/** How a holder lost its run. */
export interface OwnershipLoss {
  /** Who holds the run's alive key now, or `undefined` when nobody does yet (the next worker to look takes it). */
  to: string | undefined;
  /** How long the holder went without a successful renewal (its stall, in ms on the clock). */
  unrenewedMs: number;
}

/**
 * Holds a run's alive key for `holder` and renews it a third of `leaseMs` apart: present while the process running or
 * undoing the run is alive, which tells a slow worker from a dead one. It never takes the key from another holder,
 * nor back once it lapsed: the holder then lost the run (`onLost` is told once), since another process may have taken
 * it over.
 */
export function holdAlive(
  redis: RedisClient,
  keys: Keys,
  runId: string,
  holder: string,
  leaseMs: number,
  clock: Clock,
  onLost?: (loss: OwnershipLoss) => void,
): AliveLease {
  const key = keys.alive(runId);
  // When the last renewal that kept the key was sent: the key lives `leaseMs` from its arrival, so at least as long.
  let renewedAt: number | undefined;
  let lost = false;
  let unanswered = false;
  // A Redis that does not answer holds a command until it reconnects: a renewal must not wait for that.
  const answerLimitMs = Math.max(250, Math.floor(leaseMs / 3));
  const stale = (): boolean => renewedAt !== undefined && clock.now() - renewedAt > leaseMs;
  const renew = async (): Promise<void> => {
    if (lost) return;
    const sentAt = clock.now();
    // Absent within the lease: Redis lost it (a restart), nobody could have taken it meanwhile.
    const mayTake = renewedAt === undefined || !stale();
    const limit = new AbortController();
    const answer = await Promise.race([
      // The first take is durable through Sentinels (see `durableWrite`): lost in a failover, it would let another
      // worker claim a run this one is running. Renewals are not: a lost one is made again a third of a lease later.
      (renewedAt === undefined
        ? durableWrite(redis, (r) => r.eval(HOLD_ALIVE, 1, key, holder, leaseMs, mayTake ? '1' : '0'), answerLimitMs)
        : redis.eval(HOLD_ALIVE, 1, key, holder, leaseMs, mayTake ? '1' : '0')
      ).catch(() => undefined),
      clock.sleep(answerLimitMs, limit.signal).then(
        () => undefined,
        () => undefined,
      ),
    ]);
    limit.abort();
    unanswered = answer === undefined;
    if (answer === 'held') {
      renewedAt = sentAt;
      return;
    }
    if (answer === undefined || lost) return;
    lost = true;
    onLost?.({ to: answer === '' ? undefined : String(answer), unrenewedMs: sentAt - (renewedAt ?? sentAt) });
  };
  void renew();
  const stopRenewing = clock.every(Math.floor(leaseMs / 3), () => void renew());
  return {
    owns: () => !lost && !stale(),
    unreachable: () => !lost && unanswered,
    confirm: async () => {
      await renew();
      return !lost && !stale();
    },
    stop: async () => {
      stopRenewing();
      await redis.eval(DROP_ALIVE, 1, key, holder).catch(() => undefined);
    },
  };
}

/**
 * Takes over a run's alive key for `holder` only if no process holds it (SET NX): whoever gets it, and only they,
 * undoes the run. Resolves to the lease, or to the id of the process that holds the key.
 */
export async function claimUndo(
  redis: RedisClient,
  keys: Keys,
  runId: string,
  holder: string,
  leaseMs: number,
  clock: Clock,
): Promise<{ lease: AliveLease } | { heldBy: string }> {
  const taken = await redis.set(keys.alive(runId), holder, 'PX', leaseMs, 'NX');
  if (taken !== 'OK') return { heldBy: (await redis.get(keys.alive(runId))) ?? 'a process that just stopped' };
  return { lease: holdAlive(redis, keys, runId, holder, leaseMs, clock) };
}

/** What is still faulted after a run's undo, one line each (a resource and its fault, or a rollback); empty when complete. */
export async function stillFaulted(undoLog: UndoLog, rollbackLog: RollbackLog, runId: string): Promise<string[]> {
  const left = outstandingUndo(await undoLog.steps(runId), await rollbackLog.entries(runId));
  return [
    ...left.faults.flatMap((s) =>
      s.targets.length === 0 ? [`fault '${s.fault}' (${s.action})`] : s.targets.map((t) => `${t.id} (fault '${s.fault}', ${s.action})`),
    ),
    ...left.rollbacks.map((r) => `rollback '${r.name}' (${r.action})`),
  ];
}

/** How finishing a run's undo ended. */
export interface FinishedUndo {
  /** The run's journal: a lost run's built from its log, or a finished run's with the undo's activities appended. */
  journal: Journal | undefined;
  verdict: Journal['verdict']['status'];
  reason: string;
  exitCode: number;
  /** The undo's own activities (automatic undos, then the experiment's rollbacks). */
  activities: ActivityRecord[];
  /** What is still faulted (see {@link stillFaulted}); empty when the run's undo is complete. */
  faulted: string[];
}

/**
 * Finishes a run's outstanding undo from its durable log, for the process that holds its alive key (see
 * {@link claimUndo}): re-takes the resource locks the run recorded, so no other run starts on them meanwhile; plays
 * back the automatic undos and the experiment's own rollbacks not done; hands the result to `end` (which stores it);
 * then frees the leases, and the resources' outstanding markers only when nothing is left to undo. A run still
 * `running` or `recovering` (its worker was lost) gets a lost run's journal; a `finished` one (its undo failed) keeps
 * its verdict, and its journal gets the undo's activities.
 */
export async function finishRunUndo<T>(
  o: {
    redis: RedisClient;
    keys: Keys;
    registry: Registry;
    prepare: PrepareWorld;
    rollbackTimeoutMs: number;
    leaseMs: number;
    clock: Clock;
    job: RunJob;
    status: RunStatus;
    /** Who undoes it, as journals and claims name it (a worker id, or `gameday undo`); holds the run's alive key. */
    claimant: string;
    /** How the journal's reason names the claimant ("worker X", "gameday undo"). */
    recoveredBy: string;
  },
  end: (undo: FinishedUndo) => Promise<T>,
): Promise<T> {
  const { redis, keys, job, status } = o;
  const runId = job.runId;
  const store = new RunStore(redis, keys);
  const undoLog = new UndoLog(redis, keys);
  const rollbackLog = new RollbackLog(redis, keys);
  const locks = new ResourceLocks(redis, keys, o.leaseMs, o.clock);
  let lease: LockLease | undefined;
  // First, so a run refused meanwhile reads that this one is being undone.
  if (status.state !== 'finished') await store.update(runId, { state: 'recovering', worker: o.claimant });
  const held = status.locks;
  if (held !== undefined && held.ids.length > 0) {
    // The run's own id owns them: its lapsed leases are taken again, and its markers kept, in one script. Another
    // run holding one without a marker (written before markers existed) does not stop the undo, which matters more.
    lease = await locks
      .acquire(runId, held.scope, held.ids, { wait: false, signal: new AbortController().signal, onLost: () => undefined })
      .catch((error: unknown) => (error instanceof ResourceLockedError ? undefined : Promise.reject(error)));
  }
  let complete = false;
  try {
    const steps = await undoLog.steps(runId);
    const entries = await rollbackLog.entries(runId);
    const rollbacks = { log: rollbackLog, entries, claimant: o.claimant };
    let undo: FinishedUndo;
    if (status.state === 'finished') {
      const done = await finishOutstandingUndo({
        job,
        context: status.context ?? { startedEpochMs: status.startedAt ?? Date.now() },
        steps,
        undoLog,
        registry: o.registry,
        prepare: o.prepare,
        rollbackTimeoutMs: o.rollbackTimeoutMs,
        rollbacks,
        clock: o.clock,
      });
      const faulted = await stillFaulted(undoLog, rollbackLog, runId);
      const stored = await store.journal(runId);
      const note =
        faulted.length === 0
          ? `; its undo was completed later by ${o.recoveredBy}`
          : `; ${o.recoveredBy} could not complete its undo: still faulted ${faulted.join(', ')}`;
      const verdict = status.verdict ?? 'errored';
      const reason = `${(status.reason ?? '').replace(/; (its undo was completed later by|\S+( \S+)? could not complete its undo:) .*$/, '')}${note}`;
      const journal =
        stored === undefined ? undefined : { ...stored, activities: [...stored.activities, ...done.activities], verdict: { ...stored.verdict, reason } };
      undo = { journal, verdict, reason, exitCode: status.exitCode ?? exitCodeFor(verdict), activities: done.activities, faulted };
    } else if (status.context === undefined || (steps.length === 0 && entries.length === 0)) {
      undo = {
        journal: undefined,
        verdict: 'aborted',
        reason: `worker lost: its worker ${status.worker ?? ''} stopped answering before it injected anything; nothing to undo`,
        exitCode: exitCodeFor('aborted'),
        activities: [],
        faulted: [],
      };
    } else {
      const journal = await recoverLostRun({
        job,
        context: status.context,
        steps,
        undoLog,
        registry: o.registry,
        prepare: o.prepare,
        recoveredBy: o.recoveredBy,
        rollbackTimeoutMs: o.rollbackTimeoutMs,
        clock: o.clock,
        rollbacks,
      });
      const activities = journal.activities.filter((a) => a.kind === 'auto-rollback' || a.kind === 'rollback');
      const faulted = await stillFaulted(undoLog, rollbackLog, runId);
      undo = { journal, verdict: journal.verdict.status, reason: journal.verdict.reason, exitCode: journal.verdict.exitCode, activities, faulted };
    }
    complete = undo.faulted.length === 0;
    await store.update(runId, { undo: complete ? 'complete' : 'outstanding' });
    return await end(undo);
  } finally {
    if (lease !== undefined) await lease.release({ undone: complete }).catch(() => undefined);
    else if (complete && held !== undefined) await locks.clearOutstanding(runId, held.scope, held.ids).catch(() => undefined);
  }
}
