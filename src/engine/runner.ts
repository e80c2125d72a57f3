import { randomBytes, randomInt } from 'node:crypto';
import { systemClock, type Clock } from '../core/clock.js';
import { silentLogger, type Logger } from '../core/logger.js';
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
import { resolveTargets } from './targets.js';
import { speedOf, wallSchedule } from './time-scale.js';

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

/** Why the run stopped early. A hook (or the reason of the caller's abort signal) can throw one to set the verdict. */
export class RunStop extends Error {
  constructor(
    readonly verdict: Verdict,
    readonly reason: string,
  ) {
    super(reason);
  }
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
  const aws = options.aws ?? new AwsClientFactory(awsTargetFor(e.environment, process.env));
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
    activities: [],
    samplers: [],
    injectedAt: null,
    lastInjectionAt: null,
    windowEnd: null,
    stopConditions: e.stopConditions.map((spec, i) => ({ name: spec.name ?? `stop-${i + 1}`, spec, trippedAt: null })),
    verdict: 'passed',
    reason: '',
  };
  const listener = options.listener ?? {};
  const notify = <K extends keyof RunListener>(key: K, ...args: Parameters<NonNullable<RunListener[K]>>): void => {
    try {
      (listener[key] as ((...a: unknown[]) => void) | undefined)?.(...args);
    } catch {
      // A broken view must never break a run.
    }
  };
  const env: ActivityEnv = { runId, clock, logger: options.logger ?? silentLogger, aws, origin };
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
  const measured = e.objectives.probes ?? e.probes.map((p) => p.name);

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

  try {
    phase('resolve-targets');
    if (run.signal.aborted) throw run.signal.reason;
    const seed = options.seed ?? randomInt(2 ** 31);
    for (const fault of e.faults) {
      const definition = options.registry.action(fault.action);
      if (definition === undefined) throw new Error(`Action '${fault.action}' is not registered.`);
      if (fault.targets === undefined) continue;
      const { record: r, selected } = await resolveTargets(fault.name, definition, fault.targets, seed, { ...env, signal: run.signal, recordCall: () => undefined });
      record.targets.push(r);
      resolved.set(fault.name, selected);
      if (selected.length === 0) throw new RunStop('invalid-fault', `fault '${fault.name}' matched no ${r.type} (of ${r.candidates} candidates)`);
    }
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
          firstFailure ??= new RunStop('invalid-fault', `fault '${fault.name}' did not land: ${outcome.record.error?.message ?? 'unknown error'}`);
          method.abort(firstFailure);
          return;
        }
        // The fault landed during its first mutating call (an action may read state before and after it).
        const injection = outcome.record.calls.find((c) => c.mutating) ?? { startedAt: outcome.record.startedAt ?? 0, endedAt: outcome.record.endedAt ?? 0 };
        const call = bracket(origin + injection.startedAt, origin + injection.endedAt);
        record.injectedAt ??= call;
        record.lastInjectionAt = Math.max(record.lastInjectionAt ?? -Infinity, call.upper);
        scope.steps.set(fault.name, { output: outcome.result.output, targets: targets.map((t) => t.id) });
        const entry = { fault, step, definition, args: outcome.args, result: outcome.result, targets, undone: false };
        landed.push(entry);
        if (fault.duration !== undefined) {
          timers.push(
            clock.sleep(fault.duration, method.signal).then(
              async () => {
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
