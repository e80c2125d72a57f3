import { randomBytes, randomInt } from 'node:crypto';
import { systemClock, type Clock } from '../core/clock.js';
import { silentLogger, type Logger } from '../core/logger.js';
import type { DescribeAlarmsCommandOutput } from '@aws-sdk/client-cloudwatch';
import type { AuditEntry } from '../aws/audit.js';
import { awsSend } from '../aws/call.js';
import { sdk } from '../aws/sdk.js';
import { AwsClientFactory } from '../aws/client-factory.js';
import { awsTargetFor } from '../aws/target.js';
import { redact } from '../core/redact.js';
import { formatDuration } from '../experiment/duration.js';
import type { RunScope } from '../experiment/interpolate.js';
import type { LoadedExperiment } from '../experiment/load.js';
import type { FaultSpec } from '../experiment/schema.js';
import type { Registry } from '../registry/registry.js';
import type { ActionResult, AnyActionDefinition, Resource } from '../registry/types.js';
import { runActivity, type ActivityEnv } from './activity.js';
import { bracket, type Bracket } from './bracket.js';
import type { PhaseName, RunListener } from './events.js';
import { buildJournal, type RunRecord } from './run-record.js';
import type { ActivityRecord, Journal, Verdict } from './journal.js';
import { defaultFastInterval, ProbeSampler, type Sample } from './sampler.js';
import { describeCondition, evaluateStopCondition, type StopConditionState } from './stop-conditions.js';
import { GamedayError } from '../errors/gameday-error.js';
import { AwsCallError, FaultStoppedError } from '../errors/action-error.js';
import { SafetyError } from '../errors/safety-error.js';
import { PlanFence } from '../safety/fence.js';
import { buildPlan, type OperatorPolicy, type Plan } from '../safety/plan.js';
import { speedOf, wallSchedule } from './time-scale.js';
import { RunStop } from './run-stop.js';
import { objectiveProbes } from '../experiment/objective-probes.js';

export interface RunOptions {
  registry: Registry;
  clock?: Clock;
  logger?: Logger;
  /** Aborting it stops the run; rollbacks still run. */
  signal?: AbortSignal;
  runId?: string;
  /** AWS clients for the experiment's environment; built from it when absent. */
  aws?: AwsClientFactory;
  listener?: RunListener;
  /** Seed of target selection; random (and recorded) when absent. */
  seed?: number;
  /** Limit for each rollback, which runs even after an abort. @defaultValue 300000 */
  rollbackTimeoutMs?: number;
  /** A plan already resolved (and shown to the operator): the run touches exactly it instead of resolving again. */
  plan?: Plan;
  /** The operator's own limits (the machine's configuration), which the experiment cannot widen. */
  operator?: OperatorPolicy;
  /** Every AWS call of the run, as it happens (for an append-only audit log). */
  onAwsCall?: (entry: AuditEntry) => void;
  /**
   * Called once every fault's targets are resolved, before the steady state is checked and before anything is
   * injected (to claim the resources, for example). Throwing a `RunStop` ends the run with its verdict; any other
   * error ends it as `errored`.
   */
  beforeInject?(targets: readonly ResolvedTargets[], signal: AbortSignal): Promise<void>;
  /** Called before a mutating fault runs; when it throws, the fault does not run and the run ends as `errored`. */
  beforeMutation?(step: MutationStep): Promise<void>;
  /** Called after a mutating fault ran: with what its undo needs when it landed, with `null` when it did not. */
  afterMutation?(step: MutationStep, landed: { args: unknown; result: ActionResult } | null): Promise<void>;
  /** Called after the automatic undo of a landed fault ran (successfully or not). */
  afterRollback?(step: MutationStep, record: ActivityRecord): Promise<void>;
}

/** Calls kept in the journal's audit section; the audit log file keeps them all. */
const JOURNAL_AUDIT_LIMIT = 5_000;

/** The resources one fault is aimed at. */
export interface ResolvedTargets {
  fault: string;
  resources: Resource[];
}

/** A mutating fault about to change the world: what the hooks get to record its undo. */
export interface MutationStep {
  /** The fault's name, unique in its experiment. */
  fault: string;
  action: string;
  /** Arguments as parsed at load time (run-time references not yet filled in). */
  args: unknown;
  targets: Resource[];
  /** Whether the action has an automatic rollback. */
  undoable: boolean;
}

export function newRunId(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `gd-${stamp}-${randomBytes(3).toString('hex')}`;
}

/**
 * Runs one experiment through the fixed flow: resolve targets → steady state before → inject faults on their
 * schedule while every probe samples → wait for recovery → rollbacks (always) → steady state after → verdict.
 * Never throws for a run-time failure: the verdict and the journal say what happened.
 */
export async function runExperiment(loaded: LoadedExperiment, options: RunOptions): Promise<Journal> {
  const speed = speedOf(loaded.experiment);
  // Everything below runs on the wall-clock schedule; the journal keeps the experiment as written.
  const e = wallSchedule(loaded.experiment, speed);
  const clock = options.clock ?? systemClock;
  const runId = options.runId ?? newRunId();
  const origin = clock.now();
  const aws = options.aws ?? new AwsClientFactory(awsTargetFor(e.environment, process.env, undefined, runId));
  const record: RunRecord = {
    runId,
    loaded,
    schedule: e,
    speed,
    origin,
    target: aws.target,
    startedEpochMs: clock.toEpochMs(origin),
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
  };
  const stopAudit = aws.onCall((entry) => {
    if (record.audit.length < JOURNAL_AUDIT_LIMIT) record.audit.push(entry);
    else record.auditDropped++;
    try {
      options.onAwsCall?.(entry);
    } catch {
      // A failing audit sink is reported by its owner; it must not break the run.
    }
  });
  const listener = options.listener ?? {};
  const notify = <K extends keyof RunListener>(key: K, ...args: Parameters<NonNullable<RunListener[K]>>): void => {
    try {
      (listener[key] as ((...a: unknown[]) => void) | undefined)?.(...args);
    } catch {
      // A broken view must never break a run.
    }
  };
  const env: ActivityEnv = { runId, clock, logger: options.logger ?? silentLogger, aws, speed, origin };
  const run = new AbortController();
  const stopWith = (stop: RunStop): void => {
    if (!run.signal.aborted) run.abort(stop);
  };
  const onOuterAbort = (): void => {
    const reason: unknown = options.signal?.reason;
    stopWith(reason instanceof RunStop ? reason : new RunStop('aborted', 'the run was aborted by the operator'));
  };
  if (options.signal?.aborted === true) onOuterAbort();
  options.signal?.addEventListener('abort', onOuterAbort, { once: true });

  const waiters = new Set<() => void>();
  const wake = (): void => {
    for (const w of [...waiters]) w();
  };
  /** Resolves `true` when `check` holds, `false` at `deadline`; rejects when the run is stopped. */
  const until = (check: () => boolean, deadline: number): Promise<boolean> =>
    new Promise<boolean>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (fn: () => void): void => {
        waiters.delete(evaluate);
        clearTimeout(timer);
        run.signal.removeEventListener('abort', onAbort);
        fn();
      };
      const onAbort = (): void => done(() => reject(run.signal.reason));
      const evaluate = (): void => {
        if (check()) done(() => resolve(true));
        else if (clock.now() >= deadline) done(() => resolve(false));
      };
      if (run.signal.aborted) return reject(run.signal.reason);
      run.signal.addEventListener('abort', onAbort, { once: true });
      waiters.add(evaluate);
      timer = setTimeout(evaluate, Math.max(0, deadline - clock.now()));
      evaluate();
    });

  let currentPhase: RunRecord['phases'][number] | undefined;
  const phase = (name: PhaseName): void => {
    endPhase('completed');
    currentPhase = { name, startedAt: clock.now(), endedAt: null, status: 'completed' };
    record.phases.push(currentPhase);
    notify('phase', name, currentPhase.startedAt - origin);
  };
  const endPhase = (status: 'completed' | 'failed' | 'aborted', detail?: string): void => {
    if (currentPhase === undefined || currentPhase.endedAt !== null) return;
    currentPhase.endedAt = clock.now();
    currentPhase.status = status;
    if (detail !== undefined) currentPhase.detail = detail;
  };

  const scope: RunScope & { steps: Map<string, { output?: Record<string, unknown>; targets?: string[] }> } = {
    runId,
    experiment: e.metadata.name,
    steps: new Map(),
  };
  /** Cancels the timers that end faults with a duration once the run is over: its rollbacks undo them instead. */
  const durationTimers = new AbortController();
  const landed: { fault: FaultSpec; step: MutationStep; definition: AnyActionDefinition; args: unknown; result: ActionResult; targets: Resource[]; undone: boolean }[] = [];
  /** Runs an observer hook; its failure is logged and never changes the run. */
  const hook = async (call: () => Promise<void> | undefined): Promise<void> => {
    try {
      await call();
    } catch (error) {
      env.logger.warn(`a run hook failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const resolved = new Map<string, Resource[]>();
  let methodStart = Infinity;
  let rollbackStarted = false;
  let methodStarted = false;
  // Recovery is awaited on the RTO's probes, the ones the journal measures impact and recovery on.
  const measured = objectiveProbes(e, options.registry).rto;

  const onSample = (sampler: ProbeSampler, sample: Sample): void => {
    notify('sample', sampler.name, sample);
    const previous = sampler.samples[sampler.samples.length - 2];
    if (previous === undefined || previous.ok !== sample.ok) notify('probeState', sampler.name, sample.ok, sample.reason, sample.end - origin);
    if (!rollbackStarted && sample.end >= methodStart) {
      for (const sc of record.stopConditions) {
        if (sc.trippedAt !== null || sc.spec.probe !== sampler.name) continue;
        const why = evaluateStopCondition(sc.spec, sampler.samples, methodStart, sample.end, sampler.failingSince);
        if (why === null) continue;
        sc.trippedAt = sample.end;
        sc.detail = why;
        notify('stopCondition', sc.name, why);
        stopWith(new RunStop('aborted', `stop condition '${sc.name}' (${describeCondition(sc.spec)}) tripped: ${why}`));
      }
    }
    wake();
  };

  const alarmConditions = record.stopConditions.filter((sc) => sc.spec.alarm !== undefined);
  /** The first alarm stop condition in ALARM now, with CloudWatch's reason; undefined when none is. */
  const alarmsInAlarm = async (): Promise<{ sc: StopConditionState; why: string } | undefined> => {
    if (alarmConditions.length === 0) return undefined;
    const { DescribeAlarmsCommand } = await sdk.cloudWatch();
    const out: DescribeAlarmsCommandOutput = await awsSend({ ...env, signal: run.signal, recordCall: () => undefined }, 'cloudWatch', new DescribeAlarmsCommand({ AlarmNames: alarmConditions.map((sc) => sc.spec.alarm ?? '') }));
    for (const sc of alarmConditions) {
      const alarm = out.MetricAlarms?.find((a) => a.AlarmName === sc.spec.alarm) ?? out.CompositeAlarms?.find((a) => a.AlarmName === sc.spec.alarm);
      if (alarm === undefined) throw new RunStop('errored', `stop condition '${sc.name}' watches CloudWatch alarm ${sc.spec.alarm ?? ''}, which does not exist`);
      if (alarm.StateValue === 'ALARM') return { sc, why: `alarm ${sc.spec.alarm ?? ''} is in ALARM (${alarm.StateReason ?? 'no reason given'})` };
    }
    return undefined;
  };
  /** Reads the alarms every poll interval from the injection until the rollbacks start; one in ALARM aborts the run. */
  const watchAlarms = (): void => {
    if (alarmConditions.length === 0) return;
    const every = Math.min(...alarmConditions.map((sc) => sc.spec.pollInterval));
    const poll = async (): Promise<void> => {
      while (!rollbackStarted && !run.signal.aborted) {
        try {
          await clock.sleep(every, run.signal);
        } catch {
          return;
        }
        if (rollbackStarted) return;
        let hit: Awaited<ReturnType<typeof alarmsInAlarm>>;
        try {
          hit = await alarmsInAlarm();
        } catch (error) {
          // An unreadable alarm is an unwatched stop condition: stop rather than carry on blind.
          stopWith(error instanceof RunStop ? error : new RunStop('errored', `the stop condition alarms could not be read: ${error instanceof Error ? error.message : String(error)}`));
          return;
        }
        if (hit === undefined) continue;
        hit.sc.trippedAt = clock.now();
        hit.sc.detail = hit.why;
        notify('stopCondition', hit.sc.name, hit.why);
        stopWith(new RunStop('aborted', `stop condition '${hit.sc.name}' (${describeCondition(hit.sc.spec)}) tripped: ${hit.why}`));
        return;
      }
    };
    void poll();
  };

  try {
    phase('resolve-targets');
    if (run.signal.aborted) throw run.signal.reason;
    const plan = options.plan ?? (await buildPlan(e, options.registry, { ...env, signal: run.signal, recordCall: () => undefined }, options.seed ?? randomInt(2 ** 31), loaded.raw.faults, options.operator).catch((error: unknown) => {
      // A refused read (an unknown health check, missing permissions) means the fault cannot be planned.
      if (error instanceof GamedayError) throw new RunStop('invalid-fault', `the plan could not be made: ${error.message}`);
      throw error;
    }));
    record.guards = plan.guards;
    for (const f of plan.faults) {
      if (f.source === 'none') continue;
      record.targets.push({ fault: f.fault, type: f.type, selection: f.selection, seed: plan.seed, candidates: f.candidates, withoutOptIn: f.withoutOptIn, selected: f.resources.map((r) => ({ id: r.id, ...(r.arn === undefined ? {} : { arn: r.arn }), tags: r.tags })) });
      resolved.set(f.fault, f.resources);
    }
    if (plan.refusal !== null) throw new RunStop('refused', `refused by the ${plan.refusal.guard} guard: ${plan.refusal.message}`);
    for (const f of plan.faults) {
      if (f.source !== 'none' && f.resources.length === 0) {
        const optIn = f.withoutOptIn > 0 ? `; ${f.withoutOptIn} more lack the opt-in tags` : '';
        throw new RunStop('invalid-fault', `fault '${f.fault}' matched no ${f.type} (of ${f.candidates} candidates${optIn})`);
      }
    }
    // From here on, a mutating call may only name what the plan holds.
    env.fence = new PlanFence(plan.faults.flatMap((f) => f.resources));
    await options.beforeInject?.([...resolved].map(([fault, resources]) => ({ fault, resources })), run.signal);
    if (run.signal.aborted) throw run.signal.reason;

    phase('steady-state-before');
    for (const p of e.probes) {
      const definition = options.registry.probe(p.probe);
      if (definition === undefined) throw new Error(`Probe '${p.probe}' is not registered.`);
      const tolerance = p.tolerance ?? definition.defaultTolerance;
      const session = definition.open(p.args, { ...env, signal: run.signal, recordCall: () => undefined }, tolerance);
      const sampler = new ProbeSampler({
        name: p.name,
        definition,
        session,
        tolerance,
        intervalMs: p.interval,
        fastIntervalMs: p.fastInterval ?? defaultFastInterval(p.interval),
        settleMs: 5 * p.interval,
        clock,
        onSample,
      });
      record.samplers.push({ spec: p, sampler, session, tolerance });
    }
    for (const s of record.samplers) s.sampler.start();
    const need = e.steadyState.samples;
    const steady = await until(
      () => record.samplers.every((s) => s.sampler.samples.length >= need) || record.samplers.some((s) => s.sampler.samples.slice(0, need).some((x) => !x.ok)),
      clock.now() + e.steadyState.timeout,
    );
    const failing = record.samplers.find((s) => s.sampler.samples.slice(0, need).some((x) => !x.ok));
    if (failing !== undefined) {
      const bad = failing.sampler.samples.find((x) => !x.ok);
      throw new RunStop('not-steady', `the steady state did not hold before injection: probe '${failing.spec.name}' ${bad?.reason ?? 'failed'}`);
    }
    if (!steady) throw new RunStop('not-steady', `the steady state could not be established within ${formatDuration(e.steadyState.timeout)}`);
    // An alarm stop condition already in ALARM means the system is not steady: nothing is injected.
    const alarmed = await alarmsInAlarm();
    if (alarmed !== undefined) throw new RunStop('not-steady', `the steady state did not hold before injection: stop condition '${alarmed.sc.name}' (${describeCondition(alarmed.sc.spec)}): ${alarmed.why}`);
    watchAlarms();

    phase('method');
    methodStart = clock.now();
    methodStarted = true;
    const method = new AbortController();
    const stopMethod = (): void => method.abort(run.signal.reason);
    run.signal.addEventListener('abort', stopMethod, { once: true });
    const faultOrder = [...e.faults].sort((a, b) => a.startAfter - b.startAfter);
    let firstFailure: RunStop | null = null;
    const timers: Promise<void>[] = [];
    await Promise.all(
      faultOrder.map(async (fault) => {
        const rawArgs = loaded.raw.faults[e.faults.indexOf(fault)]?.args;
        try {
          await clock.sleep(methodStart + fault.startAfter - clock.now(), method.signal);
        } catch {
          return;
        }
        const definition = options.registry.action(fault.action) as AnyActionDefinition;
        const targets = resolved.get(fault.name) ?? [];
        const boostUntil = clock.now() + Math.min(e.recovery.timeout, 60_000 / speed);
        for (const s of record.samplers) s.sampler.boost(boostUntil);
        const step: MutationStep = { fault: fault.name, action: fault.action, args: fault.args, targets, undoable: definition.rollback !== undefined };
        if (definition.mutating && options.beforeMutation !== undefined) {
          try {
            await options.beforeMutation(step);
          } catch (error) {
            firstFailure ??= new RunStop('errored', `the undo of fault '${fault.name}' could not be recorded, so it was not injected: ${error instanceof Error ? error.message : String(error)}`);
            method.abort(firstFailure);
            return;
          }
        }
        notify('activityStart', 'fault', fault.name, fault.action);
        const outcome = await runActivity({ kind: 'fault', name: fault.name, definition, args: fault.args, rawArgs, scope, targets, signal: method.signal }, env);
        record.activities.push(outcome.record);
        notify('activityEnd', outcome.record);
        if (definition.mutating) await hook(() => options.afterMutation?.(step, outcome.result === null ? null : { args: outcome.args, result: outcome.result }));
        if (outcome.result === null) {
          // A fault cut short by an abort did not fail on its own: the abort's reason is the verdict.
          if (run.signal.aborted) return;
          firstFailure ??= new RunStop(failureVerdict(outcome.error), `fault '${fault.name}' did not land: ${outcome.record.error?.message ?? 'unknown error'}`);
          method.abort(firstFailure);
          return;
        }
        // The fault landed during its first mutating call (an action may read state before and after it).
        const injection = outcome.record.calls.find((c) => c.mutating) ?? { startedAt: outcome.record.startedAt ?? 0, endedAt: outcome.record.endedAt ?? 0 };
        // Unless the action knows better (FIS reports when its first action really started).
        const call = outcome.result.landed ?? bracket(origin + injection.startedAt, origin + injection.endedAt);
        record.injectedAt ??= call;
        record.lastInjectionAt = Math.max(record.lastInjectionAt ?? -Infinity, call.upper);
        scope.steps.set(fault.name, { output: outcome.result.output, targets: targets.map((t) => t.id) });
        const entry = { fault, step, definition, args: outcome.args, result: outcome.result, targets, undone: false };
        landed.push(entry);
        if (fault.duration !== undefined) {
          timers.push(
            clock.sleep(fault.duration, AbortSignal.any([method.signal, durationTimers.signal])).then(
              async () => {
                // The run's rollbacks may have undone it already (after an abort during recovery).
                if (entry.undone) return;
                entry.undone = true;
                await undo(entry, 'fault-end');
              },
              () => undefined,
            ),
          );
        }
      }),
    );
    run.signal.removeEventListener('abort', stopMethod);
    if (firstFailure !== null) throw firstFailure;
    if (run.signal.aborted) throw run.signal.reason;

    phase('recovery');
    const injected = record.injectedAt as Bracket | null;
    const probesOfInterest = record.samplers.filter((s) => measured.includes(s.spec.name));
    const earliest = (record.lastInjectionAt ?? clock.now()) + e.recovery.observeAtLeast;
    const recovered = await until(() => {
      const now = clock.now();
      if (now < earliest || injected === null) return false;
      let start = injected.upper;
      for (const s of probesOfInterest) {
        const since = s.sampler.okSince;
        if (since === null) return false;
        start = Math.max(start, since.upper);
      }
      return now - start >= e.recovery.stableFor;
    }, (injected?.lower ?? clock.now()) + e.recovery.timeout);
    record.windowEnd = clock.now();
    await Promise.all(timers);
    if (!recovered) {
      throw new RunStop('not-recovered', `the steady state did not return within the recovery timeout (${formatDuration(e.recovery.timeout)})`);
    }
    notify('recovered', record.windowEnd - origin);
  } catch (error) {
    const stop = error instanceof RunStop ? error : run.signal.reason instanceof RunStop ? run.signal.reason : null;
    if (stop !== null) {
      record.verdict = stop.verdict;
      record.reason = stop.reason;
      endPhase(stop.verdict === 'aborted' ? 'aborted' : 'failed', stop.reason);
    } else {
      record.verdict = 'errored';
      record.reason = error instanceof Error ? error.message : String(error);
      endPhase('failed', record.reason);
    }
  } finally {
    options.signal?.removeEventListener('abort', onOuterAbort);
    if (record.injectedAt !== null && record.windowEnd === null) record.windowEnd = clock.now();
    rollbackStarted = true;
    durationTimers.abort();
    await rollbacks();
    if (record.injectedAt !== null && record.samplers.length > 0) await steadyAfter();
    endPhase('completed');
    await Promise.all(record.samplers.map((s) => s.sampler.stop()));
    // Probes that look back (a write ledger reading its rows) report once sampling has stopped.
    await Promise.all(
      record.samplers.map(async (s) => {
        if (s.session.finish === undefined || record.injectedAt === null) return;
        try {
          s.report = await s.session.finish(AbortSignal.timeout(options.rollbackTimeoutMs ?? 300_000));
        } catch (error) {
          s.report = { summary: 'no report', error: error instanceof Error ? error.message : String(error) };
        }
      }),
    );
    await Promise.all(record.samplers.map((s) => s.session.close().catch(() => undefined)));
    stopAudit();
    if (options.aws === undefined) await aws.destroy();
    record.endedEpochMs = clock.epochMs();
  }
  const journal = buildJournal(record, options.registry);
  notify('verdict', journal.verdict.status, journal.verdict.reason);
  return journal;

  async function undo(entry: (typeof landed)[number], kind: ActivityRecord['kind']): Promise<void> {
    const signal = AbortSignal.timeout(options.rollbackTimeoutMs ?? 300_000);
    notify('activityStart', kind, entry.fault.name, entry.definition.id);
    const outcome = await runActivity(
      { kind, name: entry.fault.name, definition: entry.definition, args: entry.fault.args, rawArgs: undefined, scope, targets: entry.targets, signal, undo: { args: entry.args, result: entry.result } },
      env,
    );
    record.activities.push(outcome.record);
    notify('activityEnd', outcome.record);
    if (entry.definition.mutating) await hook(() => options.afterRollback?.(entry.step, outcome.record));
  }

  async function rollbacks(): Promise<void> {
    const pending = landed.filter((l) => !l.undone && l.definition.rollback !== undefined).reverse();
    if (pending.length === 0 && e.rollbacks.length === 0) return;
    if (!methodStarted) {
      // Nothing was attempted, so there is nothing to undo: explicit rollbacks are recorded as skipped, not called.
      for (const r of e.rollbacks) {
        record.activities.push({ kind: 'rollback', name: r.name, action: r.action, args: redact(r.args), status: 'skipped', startedAt: null, endedAt: null, calls: [] });
      }
      return;
    }
    phase('rollback');
    for (const entry of pending) {
      entry.undone = true;
      await undo(entry, 'auto-rollback');
    }
    for (const [i, r] of e.rollbacks.entries()) {
      const definition = options.registry.action(r.action) as AnyActionDefinition;
      const signal = AbortSignal.timeout(options.rollbackTimeoutMs ?? 300_000);
      notify('activityStart', 'rollback', r.name, r.action);
      const outcome = await runActivity({ kind: 'rollback', name: r.name, definition, args: r.args, rawArgs: loaded.raw.rollbacks?.[i]?.args, scope, targets: [], signal }, env);
      record.activities.push(outcome.record);
      notify('activityEnd', outcome.record);
      if (outcome.result !== null) scope.steps.set(r.name, { output: outcome.result.output });
    }
    const failed = record.activities.filter((a) => (a.kind === 'rollback' || a.kind === 'auto-rollback' || a.kind === 'fault-end') && a.status === 'failed');
    if (failed.length > 0) endPhase('failed', `${failed.length} rollback(s) failed: ${failed.map((f) => f.name).join(', ')}`);
  }

  async function steadyAfter(): Promise<void> {
    phase('steady-state-after');
    const need = e.steadyState.samples;
    const from = record.samplers.map((s) => s.sampler.samples.length);
    const streakOk = (): boolean =>
      record.samplers.every((s, i) => {
        const after = s.sampler.samples.slice(from[i]);
        return after.length >= need && after.slice(-need).every((x) => x.ok);
      });
    const deadline = clock.now() + e.steadyState.timeout;
    // The run's own signal may be aborted by now; the check after rollbacks must still happen.
    const held = await new Promise<boolean>((resolve) => {
      const evaluate = (): void => {
        if (streakOk()) finish(true);
        else if (clock.now() >= deadline) finish(false);
      };
      const timer = setTimeout(evaluate, Math.max(0, deadline - clock.now()));
      const finish = (v: boolean): void => {
        waiters.delete(evaluate);
        clearTimeout(timer);
        resolve(v);
      };
      waiters.add(evaluate);
      evaluate();
    });
    if (!held) {
      endPhase('failed', `the steady state did not hold after rollbacks within ${formatDuration(e.steadyState.timeout)}`);
      if (record.verdict === 'passed') {
        record.verdict = 'not-recovered';
        record.reason = `the steady state did not hold after rollbacks within ${formatDuration(e.steadyState.timeout)}`;
      }
    }
  }
}

export type { StopConditionState };

/** AWS answers that say nothing about the fault itself: access, throttling and service failures that outlived retries. */
const AWS_UNAVAILABLE = /^(AccessDenied|AccessDeniedException|UnauthorizedOperation|UnrecognizedClientException|InvalidClientTokenId|ExpiredToken|Throttling|ThrottlingException|RequestLimitExceeded|TooManyRequestsException|TimeoutError|RequestTimeout)$/;

/**
 * The verdict of a fault that did not land. `invalid-fault` when the fault itself was refused or had no effect (a
 * failover of a single-AZ instance, nothing to stop); `errored` when AWS could not be used (denied, throttled past the
 * retries, failing or not answering) or gameday's fence refused the call; `refused` for a guard.
 */
function failureVerdict(error: unknown): Verdict {
  if (error instanceof SafetyError) return 'refused';
  if (error instanceof FaultStoppedError) return 'aborted';
  if (error instanceof AwsCallError && (error.fault === 'server' || AWS_UNAVAILABLE.test(error.awsName))) return 'errored';
  return 'invalid-fault';
}
