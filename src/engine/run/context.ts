import { clockTimeout, systemClock, type Clock } from '../../core/clock.js';
import { silentLogger } from '../../core/logger.js';
import type { RunScope } from '../../experiment/interpolate.js';
import type { LoadedExperiment } from '../../experiment/load.js';
import type { Experiment, FaultSpec } from '../../experiment/schema.js';
import { cloudWatchAlarms } from '../../probes/aws/cloudwatch-alarms.js';
import type { ActionResult, AnyActionDefinition, Resource } from '../../registry/types.js';
import type { ActivityEnv } from '../activity.js';
import type { PhaseName, RunListener } from '../events.js';
import type { RunRecord } from '../run-record.js';
import { StopConditionWatch } from '../stop-conditions.js';
import { speedOf, wallSchedule } from '../time-scale.js';
import type { MutationPurpose, MutationStep, RunOptions } from './options.js';
import { RunStop } from './run-stop.js';

/** Calls kept in the journal's audit section; the audit log file keeps them all. */
const JOURNAL_AUDIT_LIMIT = 5_000;

/** A fault that landed, with what its undo needs. */
export interface LandedFault {
  fault: FaultSpec;
  step: MutationStep;
  definition: AnyActionDefinition;
  args: unknown;
  result: ActionResult;
  targets: Resource[];
  /** Set once its undo ran (at the end of its duration or in the rollbacks), so it runs once. */
  undone: boolean;
}

type Phase = RunRecord['phases'][number];

/**
 * What the phases of one run share: its schedule, record, clock, stop signal and listener, and the state one phase
 * leaves for the next. Each phase is a function of it (see the other files of this folder).
 */
export class RunContext {
  readonly loaded: LoadedExperiment;
  readonly options: RunOptions;
  /** The experiment on the wall-clock schedule the run follows; the journal keeps it as written. */
  readonly schedule: Experiment;
  readonly clock: Clock;
  readonly record: RunRecord;
  readonly env: ActivityEnv;
  readonly stopConditions: StopConditionWatch;
  readonly scope: RunScope & { steps: Map<string, { output?: Record<string, unknown>; targets?: string[] }> };
  /** Each fault's targets, once planned. */
  readonly resolved = new Map<string, Resource[]>();
  readonly landed: LandedFault[] = [];
  /** Cancels the timers that end faults with a duration once the run is over: its rollbacks undo them instead. */
  readonly durationTimers = new AbortController();
  /** Monotonic instant the method began; stop conditions only look at what follows it. */
  methodStart = Infinity;
  methodStarted = false;
  /** Once set, no stop condition trips and no fault's duration ends it: the rollbacks own the world. */
  rollbackStarted = false;
  readonly #run = new AbortController();
  readonly #waiters = new Set<() => void>();
  readonly #stopAudit: () => void;
  /** Cancels the rollback limits' timers once the run is over. */
  readonly #limits = new AbortController();
  #phase: Phase | undefined;

  constructor(loaded: LoadedExperiment, options: RunOptions, runId: string) {
    const speed = speedOf(loaded.experiment);
    this.loaded = loaded;
    this.options = options;
    this.schedule = wallSchedule(loaded.experiment, speed);
    this.clock = options.clock ?? systemClock;
    const origin = this.clock.now();
    const e = this.schedule;
    this.record = {
      runId,
      loaded,
      schedule: e,
      speed,
      origin,
      target: options.aws.target,
      startedEpochMs: this.clock.toEpochMs(origin),
      endedEpochMs: 0,
      phases: [],
      targets: [],
      guards: [],
      audit: [],
      auditDropped: 0,
      activities: [],
      samplers: [],
      injectedAt: null,
      lastInjectionAt: null,
      windowEnd: null,
      stopConditions: e.stopConditions.map((spec, i) => ({ name: spec.name ?? `stop-${i + 1}`, spec, trippedAt: null })),
      verdict: 'passed',
      reason: '',
      outstandingUndo: [],
    };
    this.env = { runId, clock: this.clock, logger: options.logger ?? silentLogger, aws: options.aws, speed, origin };
    if (options.mayMutate !== undefined) this.env.mayMutate = (purpose) => options.mayMutate?.(purpose) !== false;
    this.scope = { runId, experiment: e.metadata.name, steps: new Map() };
    this.stopConditions = new StopConditionWatch({
      conditions: this.record.stopConditions,
      clock: this.clock,
      alarms: options.alarms ?? cloudWatchAlarms(options.aws),
      onTrip: (sc, why, stop) => {
        this.notify('stopCondition', sc.name, why);
        this.stop(stop);
      },
      onFailure: (stop) => this.stop(stop),
    });
    this.#stopAudit = options.aws.onCall((entry) => {
      if (this.record.audit.length < JOURNAL_AUDIT_LIMIT) this.record.audit.push(entry);
      else this.record.auditDropped++;
      try {
        options.onAwsCall?.(entry);
      } catch {
        // A failing audit sink is reported by its owner; it must not break the run.
      }
    });
    if (options.signal?.aborted === true) this.#onOuterAbort();
    options.signal?.addEventListener('abort', this.#onOuterAbort, { once: true });
  }

  /** Aborted when the run stops early; its reason is the `RunStop`. */
  get signal(): AbortSignal {
    return this.#run.signal;
  }

  get origin(): number {
    return this.record.origin;
  }

  get speed(): number {
    return this.record.speed;
  }

  /** Stops the run with `stop` unless it already stopped (the first reason wins). */
  stop(stop: RunStop): void {
    if (!this.#run.signal.aborted) this.#run.abort(stop);
  }

  /** Tells the listener; a broken view must never break a run. */
  notify<K extends keyof RunListener>(key: K, ...args: Parameters<NonNullable<RunListener[K]>>): void {
    try {
      (this.options.listener?.[key] as ((...a: unknown[]) => void) | undefined)?.(...args);
    } catch {
      // Listener isolation: the view reports its own failures.
    }
  }

  /** Whether this process may still change the world for the run (`RunOptions.mayMutate`). */
  mayMutate(purpose: MutationPurpose): boolean {
    return this.options.mayMutate?.(purpose) !== false;
  }

  /** Like `mayMutate`, but asks the caller to settle a doubt (`RunOptions.confirmMayMutate`); `false` if that fails. */
  async confirmMayMutate(purpose: MutationPurpose): Promise<boolean> {
    if (this.mayMutate(purpose)) return true;
    return (await this.options.confirmMayMutate?.(purpose).catch(() => false)) === true;
  }

  /** Runs an observer hook; its failure is logged and never changes the run. */
  async hook(call: () => Promise<void> | undefined): Promise<void> {
    try {
      await call();
    } catch (error) {
      this.env.logger.warn(`a run hook failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Ends the current phase as completed and starts `name`. */
  phase(name: PhaseName): void {
    this.endPhase('completed');
    this.#phase = { name, startedAt: this.clock.now(), endedAt: null, status: 'completed' };
    this.record.phases.push(this.#phase);
    this.notify('phase', name, this.#phase.startedAt - this.origin);
  }

  endPhase(status: 'completed' | 'failed' | 'aborted', detail?: string): void {
    const current = this.#phase;
    if (current === undefined || current.endedAt !== null) return;
    current.endedAt = this.clock.now();
    current.status = status;
    if (detail !== undefined) current.detail = detail;
  }

  /**
   * Resolves `true` once `check` holds, `false` at `deadline` (monotonic ms), re-checking on every sample; rejects with
   * the reason of `signal` when it aborts first.
   */
  until(check: () => boolean, deadline: number, signal?: AbortSignal): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      const timer = new AbortController();
      const done = (fn: () => void): void => {
        this.#waiters.delete(evaluate);
        timer.abort();
        signal?.removeEventListener('abort', onAbort);
        fn();
      };
      const onAbort = (): void => done(() => reject(signal?.reason));
      const evaluate = (): void => {
        if (check()) done(() => resolve(true));
        else if (this.clock.now() >= deadline) done(() => resolve(false));
      };
      if (signal?.aborted === true) return reject(signal.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.add(evaluate);
      this.clock.sleep(Math.max(0, deadline - this.clock.now()), timer.signal).then(evaluate, () => undefined);
      evaluate();
    });
  }

  /** Re-checks every `until` in progress (a sample arrived). */
  wake(): void {
    for (const w of [...this.#waiters]) w();
  }

  /** The limit of one rollback or look-back report, which runs even after an abort. */
  rollbackSignal(): AbortSignal {
    return clockTimeout(this.clock, this.options.rollbackTimeoutMs ?? 300_000, this.#limits.signal);
  }

  /** From the rollbacks on, the caller's abort no longer stops anything: what is left must run. */
  ignoreCaller(): void {
    this.options.signal?.removeEventListener('abort', this.#onOuterAbort);
  }

  /** Ends the run's hold on its clients (the audit trail) and on the clock (pending limits). */
  close(): void {
    this.#stopAudit();
    this.#limits.abort();
  }

  readonly #onOuterAbort = (): void => {
    const reason: unknown = this.options.signal?.reason;
    this.stop(reason instanceof RunStop ? reason : new RunStop('aborted', 'the run was aborted by the operator'));
  };
}
