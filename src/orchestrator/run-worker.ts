import { operatorPolicyFrom } from '../safety/plan.js';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
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
import { recoverLostRun } from './lost-run-recovery.js';
import { ResourceLockedError, ResourceLocks, type LockLease } from './resource-locks.js';
import { publishingListener } from './run-events.js';
import { runJobSchema, type RunJob } from './run-job.js';
import type { PrepareWorld, RunWorld } from './run-world.js';
import { RunStore, type ProbeMetrics, type RunStatus } from './run-store.js';
import { UndoLog } from './undo-log.js';
import { ErrorCode, ExitCode, GamedayError } from '../errors/gameday-error.js';
import { systemClock, type Clock } from '../core/clock.js';

export interface RunWorkerOptions {
  redis: Redis;
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
 * Consumes the queue of experiment runs. Each run claims its targets, logs the undo of every fault before injecting
 * it, publishes its live events as job progress, and ends with its journal in Redis and in the results folder. It
 * aborts (rollbacks run) on `gameday abort`, on `gameday halt`, and when the worker is closed.
 */
export class RunWorker {
  readonly id = `${hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`;
  readonly #o: Required<Omit<RunWorkerOptions, 'log'>> & Pick<RunWorkerOptions, 'log'>;
  readonly #store: RunStore;
  readonly #undo: UndoLog;
  readonly #locks: ResourceLocks;
  readonly #killSwitch: KillSwitch;
  readonly #freeze: FreezeWindows;
  readonly #active = new Map<string, AbortController>();
  #worker: Worker | undefined;
  #connection: Redis | undefined;
  #unsubscribe: (() => Promise<void>) | undefined;

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
    this.#worker.on('error', (error) => this.#o.log?.(`worker error: ${error.message}`));
    // The processor records every run's end itself; a job that failed around it still gets a verdict.
    this.#worker.on('failed', (job, error) => {
      const runId = job?.id;
      if (runId === undefined) return;
      void this.#store
        .get(runId)
        .then((s) =>
          s === undefined || s.state === 'finished'
            ? undefined
            : this.#end(runId, { verdict: 'errored', reason: `the worker failed: ${error.message}`, exitCode: exitCodeFor('errored') }),
        )
        .catch(() => undefined);
    });
    await this.#worker.waitUntilReady();
  }

  /** Aborts the runs in progress with `reason` (their rollbacks run), waits for them, and disconnects. */
  async close(reason = 'the worker was stopped'): Promise<void> {
    for (const c of this.#active.values()) c.abort(new RunStop('aborted', reason));
    await this.#worker?.close();
    await this.#unsubscribe?.();
    await this.#connection?.quit().catch(() => this.#connection?.disconnect());
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
    const alive = this.#keepAlive(runId);
    await this.#store.update(runId, { state: 'running', worker: this.id, startedAt: takenAt });
    this.#o.log?.(`run ${runId} (${job.experiment}) started`);
    // A halt or abort published between the check above and registering the run is caught here.
    const late = await this.#refusal(runId, undefined);
    if (late !== null) abort.abort(new RunStop('aborted', late));
    let world: RunWorld | undefined;
    let lease: LockLease | undefined;
    const metrics = new Map<string, ProbeMetrics>();
    const stopFlushing = this.#o.clock.every(
      METRICS_FLUSH_MS,
      () => void this.#store.update(runId, { metrics: Object.fromEntries(metrics) }).catch(() => undefined),
    );
    try {
      world = await this.#o.prepare(job, {});
      await this.#store.update(runId, { context: { startedEpochMs: Date.now(), ...(world.simOutputs === undefined ? {} : { simOutputs: world.simOutputs }) } });
      const scope = world.aws.target.endpoint ?? `${world.aws.target.kind}:${world.aws.target.region}`;
      const publish = publishingListener((event) => {
        if (event.type === 'phase') void this.#store.update(runId, { phase: event.name }).catch(() => undefined);
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
          try {
            lease = await this.#locks.acquire(runId, scope, ids, {
              wait: job.waitForLocks,
              signal,
              onLost: (resource) => abort.abort(new RunStop('aborted', `the lock on ${resource} was lost (Redis unreachable for longer than the lease)`)),
            });
          } catch (error) {
            if (error instanceof ResourceLockedError) throw new RunStop('aborted', `refused: ${error.message}`);
            throw error;
          }
        },
        beforeMutation: (step) => this.#undo.beforeMutation(runId, step),
        checkpoint: (step, undo) => this.#undo.checkpoint(runId, step.fault, undo),
        afterMutation: (step, landed) => this.#undo.afterMutation(runId, step.fault, landed),
        afterRollback: (step, record) => this.#undo.afterRollback(runId, step.fault, record.status === 'succeeded'),
      });
      return await this.#endWithJournal(runId, journal);
    } catch (error) {
      // Only preparing the world throws (an experiment that no longer validates, a region that does not answer).
      const reason = error instanceof Error ? error.message : String(error);
      return await this.#end(runId, { verdict: 'errored', reason, exitCode: exitCodeFor('errored') });
    } finally {
      stopFlushing();
      this.#active.delete(runId);
      await lease?.release().catch(() => undefined);
      await world?.close();
      await alive.stop();
    }
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
   * lapsed too (the worker is really gone, not just slow), its undo log is played back.
   */
  async #takeOver(job: RunJob, status: RunStatus): Promise<RunOutcome> {
    const runId = job.runId;
    const redis = this.#o.redis;
    for (;;) {
      const current = await this.#store.get(runId);
      if (current?.state === 'finished') return outcomeOf(current);
      if ((await redis.exists(this.#o.keys.alive(runId))) === 0) break;
      await this.#o.clock.sleep(Math.min(1_000, this.#o.leaseMs / 4));
    }
    const alive = this.#keepAlive(runId);
    try {
      this.#o.log?.(`run ${runId} lost its worker ${status.worker ?? '?'}; undoing what it injected`);
      await this.#store.update(runId, { state: 'recovering', worker: this.id });
      const steps = await this.#undo.steps(runId);
      const context = status.context;
      if (context === undefined || steps.length === 0) {
        return await this.#end(runId, {
          verdict: 'aborted',
          reason: `worker lost: its worker ${status.worker ?? ''} stopped answering before it injected anything; nothing to undo`,
          exitCode: exitCodeFor('aborted'),
        });
      }
      const journal = await recoverLostRun({
        job,
        context,
        steps,
        undoLog: this.#undo,
        registry: this.#o.registry,
        prepare: this.#o.prepare,
        recoveredBy: `worker ${this.id}`,
        rollbackTimeoutMs: this.#o.rollbackTimeoutMs,
        clock: this.#o.clock,
      });
      return await this.#endWithJournal(runId, journal);
    } catch (error) {
      const reason = `worker lost, and its undo could not be completed: ${error instanceof Error ? error.message : String(error)}`;
      return await this.#end(runId, { verdict: 'errored', reason, exitCode: exitCodeFor('errored') });
    } finally {
      await alive.stop();
    }
  }

  async #endWithJournal(runId: string, journal: Journal): Promise<RunOutcome> {
    const journalPath = join(this.#o.resultsDir, `${runId}.json`);
    await writeJournalFile(journalPath, journal);
    const outcome: RunOutcome = { verdict: journal.verdict.status, reason: journal.verdict.reason, exitCode: journal.verdict.exitCode, journalPath };
    await this.#store.finish(runId, { ...outcome, journal });
    this.#o.log?.(`run ${runId} ended: ${outcome.verdict} — ${outcome.reason}`);
    return outcome;
  }

  async #end(runId: string, outcome: RunOutcome): Promise<RunOutcome> {
    await this.#store.finish(runId, outcome);
    this.#o.log?.(`run ${runId} ended: ${outcome.verdict} — ${outcome.reason}`);
    return outcome;
  }

  /** The run's own lease: present while this worker is alive; it tells a slow worker from a dead one. */
  #keepAlive(runId: string): { stop(): Promise<void> } {
    const key = this.#o.keys.alive(runId);
    const redis = this.#o.redis;
    const renew = (): Promise<unknown> => redis.set(key, this.id, 'PX', this.#o.leaseMs).catch(() => undefined);
    void renew();
    const stopRenewing = this.#o.clock.every(Math.floor(this.#o.leaseMs / 3), () => void renew());
    return {
      stop: async () => {
        stopRenewing();
        await redis.del(key).catch(() => undefined);
      },
    };
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
