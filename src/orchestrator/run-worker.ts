import { operatorPolicyFrom } from '../safety/plan.js';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Worker, type Job } from 'bullmq';
import type { RedisClient } from './redis-connection.js';
import type { Journal, Verdict } from '../engine/journal.js';
import { runExperiment } from '../engine/runner.js';
import { RunStop } from '../engine/run/run-stop.js';
import { exitCodeFor } from '../engine/journal.js';
import type { Sample } from '../engine/sampler.js';
import type { Registry } from '../registry/registry.js';
import { writeJournalFile } from '../report/journal-file.js';
import { subscribeControl, type ControlMessage } from './control-channel.js';
import { FreezeWindows, frozenReason } from './freeze-windows.js';
import type { Keys } from './keys.js';
import { KillSwitch } from './kill-switch.js';
import { ResourceLockedError, ResourceLocks, type LockLease, type LockLoss } from './resource-locks.js';
import { publishingListener } from './run-events.js';
import { runJobSchema, type RunJob } from './run-job.js';
import type { PrepareWorld, RunWorld } from './run-world.js';
import { RunStore, type ProbeMetrics, type RunStatus } from './run-store.js';
import { OwnershipLostError, RollbackLog, UndoLog } from './undo-log.js';
import { claimUndo, finishRunUndo, holdAlive, stillFaulted, type AliveLease, type OwnershipLoss } from './run-undo.js';
import { stallAt } from './stall-point.js';
import { crashAtFrom } from './crash-at.js';
import type { InjectionPoint, MutationStep } from '../engine/runner.js';
import { ErrorCode, ExitCode, GamedayError } from '../errors/gameday-error.js';
import { systemClock, withClockTimeout, type Clock } from '../core/clock.js';

export interface RunWorkerOptions {
  redis: RedisClient;
  keys: Keys;
  registry: Registry;
  prepare: PrepareWorld;
  /** Where journals are written as files. */
  resultsDir: string;
  /** Runs at once. @defaultValue 1 */
  concurrency?: number;
  /**
   * How long a run and its resource locks outlive a worker that stopped answering; after that another worker (or the
   * next one to start) undoes what it injected. @defaultValue 30000
   */
  leaseMs?: number;
  /** Limit for each rollback. @defaultValue 300000 */
  rollbackTimeoutMs?: number;
  /** Told one line per run that starts or ends. */
  log?(line: string): void;
  /**
   * Paces the worker's own waits and timers (locks and their renewal, a lost run's lease, the metrics flush, a lost
   * run's rollback limit). @defaultValue the system clock
   */
  clock?: Clock;
  /**
   * Takes the errors of the worker's BullMQ connections; returns whether it accounted for one (Redis lost, told
   * once). Without it, or when it returns false, each error is logged.
   */
  redisErrors?(error: unknown): boolean;
}

/** How a queued run ended, as the job's return value. */
export interface RunOutcome {
  verdict: Verdict;
  reason: string;
  exitCode: number;
  journalPath?: string;
}

const METRICS_FLUSH_MS = 1_000;

/**
 * How long one undo-log write may wait for Redis (assumed: long enough for a Sentinel failover or a reconnection,
 * short enough that a rollback never waits on Redis for longer). A write that does not land in it fails; the run's
 * rollback goes on in this process.
 */
const UNDO_WRITE_LIMIT_MS = 5_000;

/**
 * Consumes the queue of experiment runs. Each run claims its targets, logs the undo of every fault before injecting
 * it, publishes its live events as job progress, and ends with its journal in Redis and in the results folder. It
 * aborts (rollbacks run) on `gameday abort`, on `gameday halt`, and when the worker is closed.
 */
export class RunWorker {
  readonly id = `${hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`;
  readonly #o: Required<Omit<RunWorkerOptions, 'log' | 'redisErrors'>> & Pick<RunWorkerOptions, 'log' | 'redisErrors'>;
  readonly #store: RunStore;
  readonly #undo: UndoLog;
  readonly #rollbacks: RollbackLog;
  readonly #locks: ResourceLocks;
  readonly #killSwitch: KillSwitch;
  readonly #freeze: FreezeWindows;
  readonly #active = new Map<string, AbortController>();
  /** Runs (taken or taken over) whose faults may still need undoing: until their rollbacks have run. */
  readonly #unfinished = new Set<string>();
  /** Jobs whose failed lock renewal was already told. */
  readonly #renewalFailures = new Set<string>();
  #whenIdle: (() => void) | undefined;
  /** Runs told once that their undo log could not be written. */
  readonly #undoUnwritten = new Set<string>();
  #worker: Worker | undefined;
  #connection: RedisClient | undefined;
  #unsubscribe: (() => Promise<void>) | undefined;
  /** A test facility (`GAMEDAY_CRASH_AT`), read once: where this worker kills itself mid-injection; usually absent. */
  readonly #crashAt: ((point: InjectionPoint, step: MutationStep) => void) | undefined = crashAtFrom(process.env);

  constructor(options: RunWorkerOptions) {
    const concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw new GamedayError(ErrorCode.InvalidArgument, `A worker's concurrency must be a whole number of at least 1, not ${concurrency}.`, {
        exitCode: ExitCode.InvalidInput,
      });
    const leaseMs = options.leaseMs ?? 30_000;
    if (!(leaseMs >= 1_000))
      throw new GamedayError(ErrorCode.InvalidArgument, `A worker's lease must be at least 1s, not ${leaseMs}ms.`, { exitCode: ExitCode.InvalidInput });
    this.#o = { concurrency, leaseMs, rollbackTimeoutMs: 300_000, ...options, clock: options.clock ?? systemClock };
    this.#store = new RunStore(options.redis, options.keys);
    this.#undo = new UndoLog(options.redis, options.keys);
    this.#rollbacks = new RollbackLog(options.redis, options.keys);
    this.#locks = new ResourceLocks(options.redis, options.keys, leaseMs, this.#o.clock);
    this.#killSwitch = new KillSwitch(options.redis, options.keys);
    this.#freeze = new FreezeWindows(options.redis, options.keys);
  }

  /** Subscribes to halt and abort messages, then starts taking runs. */
  async start(): Promise<void> {
    this.#unsubscribe = await subscribeControl(this.#o.redis, this.#o.keys, (m) => this.#onControl(m));
    // BullMQ leaves a connection it was given open; this one is the worker's own and closed with it.
    this.#connection = this.#o.redis.duplicate();
    this.#worker = new Worker<RunJob, RunOutcome>(this.#o.keys.queue, (job) => this.#process(job), {
      connection: this.#connection,
      prefix: this.#o.keys.prefix,
      concurrency: this.#o.concurrency,
      lockDuration: this.#o.leaseMs,
      stalledInterval: Math.max(500, Math.floor(this.#o.leaseMs / 2)),
      // A run re-delivered after its worker died is finished (undone), never run again; allow several deaths.
      maxStalledCount: 10,
    });
    this.#worker.on('error', (error) => {
      if (this.#o.redisErrors?.(error) === true) return;
      // BullMQ retries a lock it could not renew every few hundred ms (Redis lost, or the job taken over): one line per job.
      const renewal = /could not renew lock for job (\S+)/.exec(error.message)?.[1];
      if (renewal !== undefined) {
        if (this.#renewalFailures.has(renewal)) return;
        this.#renewalFailures.add(renewal);
      }
      this.#o.log?.(`worker error: ${error.message}${renewal === undefined ? '' : ' (said once per job)'}`);
    });
    // The processor records every run's end itself; a job that failed around it still gets a verdict.
    this.#worker.on('failed', (job, error) => {
      const runId = job?.id;
      if (runId === undefined) return;
      void this.#store
        .get(runId)
        .then((s) =>
          s === undefined || s.state === 'finished'
            ? undefined
            : // A run that started is ended only by its owner (a worker that lost it is refused); a queued one by anyone.
              this.#end(
                runId,
                { verdict: 'errored', reason: `the worker failed: ${error.message}`, exitCode: exitCodeFor('errored') },
                s.state === 'queued' ? undefined : this.id,
              ),
        )
        .catch(() => undefined);
    });
    await this.#worker.waitUntilReady();
  }

  /** Aborts the runs in progress with `reason` (their rollbacks run), waits for them, and disconnects. */
  async close(reason = 'the worker was stopped'): Promise<void> {
    this.abortRuns(reason);
    await this.#worker?.close();
    await this.#unsubscribe?.();
    await this.#connection?.quit().catch(() => this.#connection?.disconnect());
  }

  /** Aborts the runs in progress with `reason`; their rollbacks run (`idle()` says when they have). */
  abortRuns(reason: string): void {
    for (const c of this.#active.values()) c.abort(new RunStop('aborted', reason));
  }

  /** The runs whose rollbacks have not run yet (taken or taken over by this worker). */
  unfinishedRuns(): string[] {
    return [...this.#unfinished];
  }

  /** Resolves once no run of this worker has faults left to undo (at once if none has). */
  idle(): Promise<void> {
    if (this.#unfinished.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const previous = this.#whenIdle;
      this.#whenIdle = () => {
        previous?.();
        resolve();
      };
    });
  }

  /**
   * Closes without waiting for Redis: BullMQ's worker is closed by force (its jobs' locks lapse, so a run left here
   * is taken over and undone elsewhere) and every connection is dropped.
   */
  async forceClose(): Promise<void> {
    this.abortRuns('the worker was stopped by force');
    await this.#worker?.close(true).catch(() => undefined);
    await this.#unsubscribe?.().catch(() => undefined);
    this.#connection?.disconnect();
  }

  #finished(runId: string): void {
    this.#unfinished.delete(runId);
    if (this.#unfinished.size > 0) return;
    const wake = this.#whenIdle;
    this.#whenIdle = undefined;
    wake?.();
  }

  /**
   * One undo-log write, limited so that a Redis that does not answer never holds up a fault's injection or a
   * rollback. The first failure of a run is told once; the error goes on to the engine (which does not inject a fault
   * whose undo was not recorded, and goes on with its rollbacks).
   */
  async #undoWrite<T>(runId: string, write: () => Promise<T>): Promise<T> {
    try {
      return await withClockTimeout(this.#o.clock, UNDO_WRITE_LIMIT_MS, (signal) =>
        Promise.race([
          write(),
          new Promise<never>((_, reject) =>
            signal.addEventListener('abort', () => reject(new Error(`Redis did not answer within ${UNDO_WRITE_LIMIT_MS / 1_000}s`)), { once: true }),
          ),
        ]),
      );
    } catch (error) {
      // A write refused because this worker lost the run is not Redis failing: the caller stops.
      if (error instanceof OwnershipLostError) throw error;
      if (!this.#undoUnwritten.has(runId)) {
        this.#undoUnwritten.add(runId);
        this.#o.log?.(
          `run ${runId}: its undo log could not be written (${error instanceof Error ? error.message.replace(/\.$/, '') : String(error)}); its rollback still runs in this process, but if this worker dies a worker taking the run over cannot see what was injected since`,
        );
      }
      throw error;
    }
  }

  #onControl(message: ControlMessage): void {
    if (message.type === 'halt') {
      for (const c of this.#active.values()) c.abort(new RunStop('aborted', `gameday was halted: ${message.reason}`));
    } else if (message.type === 'abort') {
      this.#active.get(message.runId)?.abort(new RunStop('aborted', 'the run was aborted by the operator (gameday abort)'));
    }
  }

  async #process(bullJob: Job<RunJob, RunOutcome>): Promise<RunOutcome> {
    // When this worker took the run: the queue's share of enqueue-to-start ends here.
    const takenAt = Date.now();
    const job = runJobSchema.parse(bullJob.data);
    const runId = job.runId;
    const status = await this.#store.get(runId);
    if (status?.state === 'finished') return outcomeOf(status);
    if (status?.state === 'running' || status?.state === 'recovering') return this.#takeOver(job, status);
    const refusal = await this.#refusal(runId, status);
    if (refusal !== null) return this.#end(runId, { verdict: 'aborted', reason: refusal, exitCode: exitCodeFor('aborted') });

    const abort = new AbortController();
    this.#active.set(runId, abort);
    this.#unfinished.add(runId);
    // Set once the run's alive key lapsed (this worker stalled past its lease) and another process may have taken the
    // run over: from then on this worker changes nothing, records nothing and frees nothing of the run.
    let lost: OwnershipLoss | undefined;
    const alive = holdAlive(this.#o.redis, this.#o.keys, runId, this.id, this.#o.leaseMs, this.#o.clock, (loss) => {
      lost = loss;
      this.#o.log?.(
        `run ${runId}: lost ownership to ${loss.to ?? 'the next worker to look'} after a stall of ${(loss.unrenewedMs / 1_000).toFixed(1)}s; it undoes the run`,
      );
      abort.abort(new RunStop('aborted', `this worker lost the run to ${loss.to ?? 'another worker'} after a stall`));
    });
    const owns = (): boolean => lost === undefined && alive.owns();
    // Durable: a start lost in a failover would let the job's redelivery start the run a second time.
    await this.#store.update(runId, { state: 'running', worker: this.id, startedAt: takenAt }, true);
    this.#o.log?.(`run ${runId} (${job.experiment}) started`);
    // A halt or abort published between the check above and registering the run is caught here.
    const late = await this.#refusal(runId, undefined);
    if (late !== null) abort.abort(new RunStop('aborted', late));
    let world: RunWorld | undefined;
    let lease: LockLease | undefined;
    // Until its undo is known complete, the run's resources keep their outstanding markers.
    let undone = false;
    const metrics = new Map<string, ProbeMetrics>();
    const stopFlushing = this.#o.clock.every(METRICS_FLUSH_MS, () => {
      if (owns()) void this.#store.update(runId, { metrics: Object.fromEntries(metrics) }).catch(() => undefined);
    });
    try {
      world = await this.#o.prepare(job, {});
      await this.#store.update(runId, { context: { startedEpochMs: Date.now(), ...(world.simOutputs === undefined ? {} : { simOutputs: world.simOutputs }) } });
      const scope = world.aws.target.endpoint ?? `${world.aws.target.kind}:${world.aws.target.region}`;
      const publish = publishingListener((event) => {
        if (event.type === 'phase' && owns()) void this.#store.update(runId, { phase: event.name }).catch(() => undefined);
        void bullJob.updateProgress(event).catch(() => undefined);
      });
      const journal = await runExperiment(world.loaded, {
        registry: this.#o.registry,
        aws: world.aws,
        runId,
        operator: operatorPolicyFrom(process.env),
        signal: abort.signal,
        clock: this.#o.clock,
        rollbackTimeoutMs: this.#o.rollbackTimeoutMs,
        ...(job.seed === undefined ? {} : { seed: job.seed }),
        listener: { ...publish, sample: (probe, sample) => metrics.set(probe, nextMetrics(metrics.get(probe), sample)) },
        beforeInject: async (targets, signal) => {
          const ids = targets.flatMap((t) => t.resources.map((r) => r.id));
          if (ids.length === 0) return;
          // Recorded before they are taken: whoever finishes this run's undo takes them again and frees their markers.
          await this.#store.update(runId, { locks: { scope, ids: [...new Set(ids)].sort() } });
          try {
            lease = await this.#locks.acquire(runId, scope, ids, {
              wait: job.waitForLocks,
              signal,
              onLost: (resource, why) => void this.#onLockLost(runId, scope, resource, why, async () => (await alive.confirm()) && lost === undefined, abort),
            });
          } catch (error) {
            if (error instanceof ResourceLockedError) throw new RunStop('aborted', `refused: ${error.message}`);
            throw error;
          }
        },
        // Redis unreachable: nobody can have taken the run over through it, so this worker still undoes what it
        // injected (its rollbacks reach AWS, not Redis), but injects nothing more.
        mayMutate: (purpose) => owns() || (purpose === 'undo' && lost === undefined && alive.unreachable()),
        confirmMayMutate: async (purpose) => {
          const confirmed = await alive.confirm();
          return lost === undefined && (confirmed || (purpose === 'undo' && alive.unreachable()));
        },
        beforeMutation: async (step) => {
          stallAt('before-mutation');
          if (!owns()) throw new OwnershipLostError(runId, this.id, `fault '${step.fault}' was not injected`);
          await this.#undoWrite(runId, () => this.#undo.beforeMutation(runId, step, this.id));
        },
        checkpoint: (step, undo) => this.#undoWrite(runId, () => this.#undo.checkpoint(runId, step.fault, undo)),
        afterMutation: async (step, landed) => {
          await this.#undoWrite(runId, () => this.#undo.afterMutation(runId, step.fault, landed, this.id));
          stallAt('after-mutation');
        },
        afterRollback: (step, record) => this.#undoWrite(runId, () => this.#undo.afterRollback(runId, step.fault, record.status === 'succeeded', this.id)),
        recordRollbacks: (rollbacks) => this.#undoWrite(runId, () => this.#rollbacks.record(runId, rollbacks)),
        // Only the holder of the run's alive key claims: after a takeover, a slow original worker runs nothing twice.
        // A claim Redis cannot answer throws, and this process, which owns the run, runs the rollback.
        beforeRollbackStep: async (step) => (await this.#undoWrite(runId, () => this.#rollbacks.claim(runId, step.index, this.id))) === 'claimed',
        afterRollbackStep: (step, record, output) =>
          this.#undoWrite(runId, () =>
            this.#rollbacks.finished(runId, step.index, { succeeded: record.status === 'succeeded', ...(output === undefined ? {} : { output }) }),
          ),
        ...(this.#crashAt === undefined ? {} : { atInjectionPoint: this.#crashAt }),
      });
      // Its rollbacks have run: what is left (the verdict and journal in Redis) a stopping worker need not wait for.
      this.#finished(runId);
      // Not confirmed because Redis does not answer: the journal file is still written, and the record when Redis answers.
      if (!(await alive.confirm()) && !(lost === undefined && alive.unreachable())) return this.#lostRun(runId, lost);
      // Unknown (Redis unreachable) counts as outstanding: the markers stay, and gameday undo can look again.
      undone = (await this.#undoWrite(runId, () => stillFaulted(this.#undo, this.#rollbacks, runId)).catch(() => ['unknown'])).length === 0;
      await this.#undoWrite(runId, () => this.#store.update(runId, { undo: undone ? 'complete' : 'outstanding' })).catch(() => undefined);
      return await this.#endWithJournal(runId, journal, this.id);
    } catch (error) {
      // Not confirmed because Redis does not answer: the journal file is still written, and the record when Redis answers.
      if (!(await alive.confirm()) && !(lost === undefined && alive.unreachable())) return this.#lostRun(runId, lost);
      // Only preparing the world throws (an experiment that no longer validates, a region that does not answer).
      undone = (await this.#undoWrite(runId, () => stillFaulted(this.#undo, this.#rollbacks, runId)).catch(() => ['unknown'])).length === 0;
      const reason = error instanceof Error ? error.message : String(error);
      return await this.#end(runId, { verdict: 'errored', reason, exitCode: exitCodeFor('errored') }, this.id);
    } finally {
      stopFlushing();
      this.#active.delete(runId);
      this.#finished(runId);
      this.#undoUnwritten.delete(runId);
      // The locks are the run's, not this worker's: after a loss, the new owner holds them (under the same run id).
      if (owns()) await lease?.release({ undone }).catch(() => undefined);
      else lease?.abandon();
      await world?.close();
      await alive.stop();
    }
  }

  /**
   * A lease of a running run's resource lapsed. Redis unreachable past the lease: the run stops (its rollbacks run).
   * This worker stalled past it: while the run is still its own (its alive key names it), it takes the lease back if
   * the resource is free (the run's outstanding marker keeps other runs off it meanwhile); otherwise the run stops.
   */
  async #onLockLost(
    runId: string,
    scope: string,
    resource: string,
    why: LockLoss,
    /** Settles whether the run is still this worker's (see `AliveLease.confirm`). */
    owns: () => Promise<boolean>,
    abort: AbortController,
  ): Promise<void> {
    if (abort.signal.aborted) return;
    if (why.unrenewedMs === undefined) {
      abort.abort(new RunStop('aborted', `the lock on ${resource} was lost (Redis unreachable for longer than the lease)`));
      return;
    }
    const lapsed = `the lease on ${resource} lapsed (this worker did not renew it for ${(why.unrenewedMs / 1_000).toFixed(1)}s)`;
    const retaken =
      (await owns()) &&
      (await this.#locks
        .acquire(runId, scope, [resource], { wait: false, signal: abort.signal, onLost: () => undefined })
        // The run's own lease renews the key from here; this one only took it back.
        .then((extra) => {
          extra.abandon();
          return true;
        })
        .catch(() => false));
    if (retaken) this.#o.log?.(`run ${runId}: ${lapsed}; taken back, as nobody else held it`);
    else abort.abort(new RunStop('aborted', `${lapsed}, and it could not be taken back`));
  }

  /** Why a run must not start (gameday halted, a freeze window, an abort requested while it waited), or `null`. */
  async #refusal(runId: string, status: RunStatus | undefined): Promise<string | null> {
    const halt = await this.#killSwitch.state();
    if (halt !== null) return `refused: gameday is halted (${halt.reason}); 'gameday resume' lifts it`;
    const frozen = await this.#freeze.active();
    if (frozen !== null) return frozenReason(frozen);
    const current = status ?? (await this.#store.get(runId));
    if (current?.abortRequested === true) return 'the run was aborted by the operator before it started (gameday abort)';
    return null;
  }

  /**
   * A run whose job came back to the queue: its worker stopped renewing the job's lock. Once the run's own lease has
   * lapsed too (the worker is really gone, not just slow), this worker takes the lease (only one process does) and
   * plays the undo log back, holding the run's resource locks until its undo ends.
   */
  async #takeOver(job: RunJob, status: RunStatus): Promise<RunOutcome> {
    const runId = job.runId;
    let alive: AliveLease | undefined;
    for (;;) {
      const current = await this.#store.get(runId);
      if (current?.state === 'finished') {
        await alive?.stop();
        return outcomeOf(current);
      }
      if (alive !== undefined) break;
      const claim = await claimUndo(this.#o.redis, this.#o.keys, runId, this.id, this.#o.leaseMs, this.#o.clock);
      // Taken: look once more, since `gameday undo` may have finished the run just before.
      if ('lease' in claim) alive = claim.lease;
      else await this.#o.clock.sleep(Math.min(1_000, this.#o.leaseMs / 4));
    }
    this.#unfinished.add(runId);
    try {
      this.#o.log?.(`run ${runId} lost its worker ${status.worker ?? '?'}; undoing what it injected`);
      const current = (await this.#store.get(runId)) ?? status;
      return await finishRunUndo(
        {
          redis: this.#o.redis,
          keys: this.#o.keys,
          registry: this.#o.registry,
          prepare: this.#o.prepare,
          rollbackTimeoutMs: this.#o.rollbackTimeoutMs,
          leaseMs: this.#o.leaseMs,
          clock: this.#o.clock,
          job,
          status: { ...current, worker: status.worker ?? current.worker },
          claimant: this.id,
          recoveredBy: `worker ${this.id}`,
        },
        (undo) =>
          undo.journal === undefined
            ? this.#end(runId, { verdict: undo.verdict, reason: undo.reason, exitCode: undo.exitCode }, this.id)
            : this.#endWithJournal(runId, undo.journal, this.id),
      );
    } catch (error) {
      const reason = `worker lost, and its undo could not be completed: ${error instanceof Error ? error.message : String(error)}`;
      await this.#store.update(runId, { undo: 'outstanding' }).catch(() => undefined);
      return await this.#end(runId, { verdict: 'errored', reason, exitCode: exitCodeFor('errored') }, this.id);
    } finally {
      this.#finished(runId);
      await alive.stop();
    }
  }

  /**
   * A run this worker lost to another process (see `holdAlive`): it records nothing, and its job is no longer its own
   * to complete, so the processor fails without touching the run.
   */
  #lostRun(runId: string, loss: OwnershipLoss | undefined): never {
    if (loss === undefined) this.#o.log?.(`run ${runId}: lost ownership after a stall longer than the lease; another worker undoes the run`);
    throw new GamedayError(ErrorCode.Refused, `Run ${runId} was not ended here: this worker lost it after a stall, and the worker that took it over ends it.`, {
      exitCode: ExitCode.Refused,
    });
  }

  /** With `owner`, the end is recorded only while `owner` owns the run (see `RunStore.finish`). */
  async #endWithJournal(runId: string, journal: Journal, owner?: string): Promise<RunOutcome> {
    const outcome: RunOutcome = {
      verdict: journal.verdict.status,
      reason: journal.verdict.reason,
      exitCode: journal.verdict.exitCode,
      journalPath: join(this.#o.resultsDir, `${runId}.json`),
    };
    // Before the end is recorded, so whoever sees the run finished finds its file.
    await writeJournalFile(outcome.journalPath ?? '', journal);
    await this.#store.finish(runId, { ...outcome, journal }, owner);
    this.#o.log?.(`run ${runId} ended: ${outcome.verdict} — ${outcome.reason}`);
    return outcome;
  }

  async #end(runId: string, outcome: RunOutcome, owner?: string): Promise<RunOutcome> {
    await this.#store.finish(runId, outcome, owner);
    this.#o.log?.(`run ${runId} ended: ${outcome.verdict} — ${outcome.reason}`);
    return outcome;
  }
}

function outcomeOf(status: RunStatus): RunOutcome {
  const verdict = status.verdict ?? 'errored';
  return {
    verdict,
    reason: status.reason ?? '',
    exitCode: status.exitCode ?? exitCodeFor(verdict),
    ...(status.journalPath === undefined ? {} : { journalPath: status.journalPath }),
  };
}

function nextMetrics(previous: ProbeMetrics | undefined, sample: Sample): ProbeMetrics {
  return {
    ok: sample.ok,
    samples: (previous?.samples ?? 0) + 1,
    failedSamples: (previous?.failedSamples ?? 0) + (sample.ok ? 0 : 1),
    lastLatencyMs: sample.latencyMs ?? null,
    ...(sample.value === undefined ? {} : { lastValue: sample.value }),
    ...(sample.reason === undefined ? {} : { reason: sample.reason }),
  };
}
