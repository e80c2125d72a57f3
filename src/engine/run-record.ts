import type { AuditEntry } from '../aws/audit.js';
import { METHOD_WINDOW, type Experiment, type ProbeSpec } from '../experiment/schema.js';
import type { LoadedExperiment } from '../experiment/load.js';
import { formatDuration } from '../experiment/duration.js';
import { probeLocation } from '../experiment/client-locations.js';
import type { Registry } from '../registry/registry.js';
import type { ProbeReport, ProbeSession } from '../registry/types.js';
import type { AwsTarget } from '../aws/client-config.js';
import { VERSION } from '../version.js';
import { redact } from '../core/redact.js';
import { uncertainty, type Bracket } from './bracket.js';
import {
  encodeSamples,
  exitCodeFor,
  JOURNAL_SCHEMA,
  relativeMeasurement,
  type ActivityRecord,
  type Journal,
  type OutstandingUndo,
  type Verdict,
} from './journal.js';
import { type EffectFinding, faultEffects } from './effects.js';
import { measure } from './measurement.js';
import { checkObjectives, type MethodStep, notEvaluated } from './objectives.js';
import { objectiveProbes, requestProbes } from '../experiment/objective-probes.js';
import { defaultFastInterval, type ProbeSampler } from './sampler.js';
import { describeCondition, type StopConditionState } from './stop-conditions.js';

/** Everything a run accumulates; `buildJournal` turns it into the journal. Times are monotonic ms. */
export interface RunRecord {
  runId: string;
  loaded: LoadedExperiment;
  /** The experiment on the wall-clock schedule the run followed (see `wallSchedule`). */
  schedule: Experiment;
  /** How many times faster than AWS the world ran. */
  speed: number;
  origin: number;
  /** Where AWS calls went. */
  target: AwsTarget;
  startedEpochMs: number;
  endedEpochMs: number;
  phases: { name: string; startedAt: number; endedAt: number | null; status: 'completed' | 'failed' | 'aborted' | 'skipped'; detail?: string }[];
  targets: Journal['targets'];
  guards: Journal['guards'];
  audit: AuditEntry[];
  auditDropped: number;
  activities: ActivityRecord[];
  samplers: { spec: ProbeSpec; sampler: ProbeSampler; session: ProbeSession; tolerance: unknown; report?: ProbeReport }[];
  injectedAt: Bracket | null;
  lastInjectionAt: number | null;
  windowEnd: number | null;
  stopConditions: StopConditionState[];
  verdict: Verdict;
  reason: string;
  /** Undos that failed past their retries: the run's verdict is `rollback-failed` whatever else happened. */
  outstandingUndo: OutstandingUndo[];
}

const round = (n: number): number => Math.round(n * 1_000) / 1_000;

/** Builds the journal. The only place its shape is made. */
export function buildJournal(r: RunRecord, registry: Registry): Journal {
  const e = r.schedule;
  const written = r.loaded.experiment;
  const probesOf = objectiveProbes(e, registry);
  // Impact and recovery are those of the RTO's probes (every probe unless narrowed).
  const measuredProbes = probesOf.rto;
  const samples = r.samplers.map((s) => ({ name: s.spec.name, samples: s.sampler.samples }));
  const m = measure({
    probes: samples,
    measured: measuredProbes,
    requestProbes: requestProbes(e, registry),
    injectedAt: r.injectedAt,
    lastInjectionAt: r.lastInjectionAt,
    windowEnd: r.windowEnd,
    stableForMs: e.recovery.stableFor,
    observeAtLeastMs: e.recovery.observeAtLeast,
  });
  const reports = r.samplers.filter((s) => s.report !== undefined).map((s) => ({ name: s.spec.name, report: s.report as ProbeReport }));
  // Objectives are about the response to a fault: with nothing injected there is nothing to judge, and a run stopped
  // before the end (an operator, a stop condition) is neither a met nor a missed objective.
  const rel = (t: number): number => round(t - r.origin);
  const judged =
    r.injectedAt === null
      ? []
      : r.verdict === 'aborted'
        ? notEvaluated(e.objectives, probesOf, r.reason)
        : checkObjectives(e.objectives, {
            measurement: m,
            samples,
            probesOf,
            speed: r.speed,
            reports,
            steps: methodSteps(r),
            epochOffset: r.startedEpochMs - r.origin,
          });
  // A window an objective was measured over is journaled, like every instant, in ms since the run started.
  const objectives = judged.map((o) => (o.during === undefined ? o : { ...o, during: { ...o.during, start: rel(o.during.start), end: rel(o.during.end) } }));
  let verdict = r.verdict;
  let reason = r.reason;
  if (verdict === 'passed') {
    const missed = objectives.filter((o) => o.status === 'fail');
    if (!m.recovered) {
      verdict = 'not-recovered';
      reason = 'no stable window was observed after the injection';
    } else if (missed.length > 0) {
      verdict = 'failed-objective';
      reason = `objective${missed.length > 1 ? 's' : ''} missed: ${missed.map((o) => `${o.objective} (${o.detail})`).join('; ')}`;
    } else {
      const ttr = m.timeToRecovery;
      const impact =
        m.impactAt === null
          ? 'no impact observed'
          : `recovered in ${formatDuration((ttr?.value ?? 0) * r.speed)} ±${formatDuration((ttr === null ? 0 : uncertainty(ttr)) * r.speed)}${r.speed === 1 ? '' : ' AWS-equivalent'}`;
      reason = `${impact}; ${objectives.length === 0 ? 'no objectives declared' : `all ${objectives.length} objective(s) met`}`;
    }
  }
  // A degradation no probe saw measured an unharmed system: whatever the objectives said, it proved nothing.
  const effects: Map<string, EffectFinding> =
    r.injectedAt === null ? new Map() : faultEffects({ ...r, samples: new Map(samples.map((p) => [p.name, p.samples])) }, registry);
  const unseen = [...effects].filter(([, f]) => f.seen === false);
  if (unseen.length > 0 && (verdict === 'passed' || verdict === 'not-recovered' || verdict === 'failed-objective')) {
    verdict = 'invalid-fault';
    reason = unseen.map(([name, f]) => `fault '${name}' (${f.expected}) landed but no probe saw it take effect: ${f.detail}`).join('; ');
  }
  // A fault that may still be in place is the headline, whatever the objectives said; the rest is kept beside it.
  const outstanding = r.outstandingUndo;
  const otherwise = outstanding.length === 0 ? undefined : { status: verdict, reason };
  if (outstanding.length > 0) {
    verdict = 'rollback-failed';
    reason = rollbackFailedReason(outstanding, r.runId);
  }
  return {
    schema: JOURNAL_SCHEMA,
    runId: r.runId,
    gameday: { version: VERSION },
    experiment: {
      file: r.loaded.file,
      name: e.metadata.name,
      ...(e.metadata.description === undefined ? {} : { description: e.metadata.description }),
      tags: e.metadata.tags,
      // Probe and action arguments may carry connection URLs with passwords.
      spec: redact(written),
    },
    environment: {
      type: e.environment.type,
      region: r.target.region,
      ...(r.target.endpoint === undefined ? {} : { endpoint: r.target.endpoint }),
      speed: r.speed,
      ...(e.environment.seed === undefined ? {} : { seed: e.environment.seed }),
    },
    startedAt: new Date(r.startedEpochMs).toISOString(),
    startedAtEpochMs: r.startedEpochMs,
    endedAt: new Date(r.endedEpochMs).toISOString(),
    durationMs: round(r.endedEpochMs - r.startedEpochMs),
    verdict: { status: verdict, reason, exitCode: exitCodeFor(verdict), ...(otherwise === undefined ? {} : { otherwise }) },
    ...(outstanding.length === 0 ? {} : { outstandingUndo: outstanding }),
    phases: r.phases.map((p) => ({
      name: p.name,
      startedAt: rel(p.startedAt),
      endedAt: p.endedAt === null ? null : rel(p.endedAt),
      status: p.status,
      ...(p.detail === undefined ? {} : { detail: p.detail }),
    })),
    targets: r.targets,
    guards: r.guards,
    audit: {
      calls: r.audit.map(({ epochMs, ...rest }) => ({
        ...rest,
        at: Math.round((epochMs - r.startedEpochMs) * 1_000) / 1_000,
        durationMs: Math.round(rest.durationMs * 1_000) / 1_000,
      })),
      dropped: r.auditDropped,
    },
    activities: r.activities.map((a) => {
      const effect = a.kind === 'fault' ? effects.get(a.name) : undefined;
      if (effect === undefined) return a;
      return { ...a, effect: effect.at === undefined ? effect : { ...effect, at: rel(effect.at) } };
    }),
    probes: r.samplers.map((s) => ({
      name: s.spec.name,
      probe: s.spec.probe,
      ...placedAt(s.spec.args),
      ...journeyOf(registry, s.spec),
      intervalMs: s.spec.interval,
      fastIntervalMs: s.spec.fastInterval ?? defaultFastInterval(s.spec.interval),
      tolerance: s.tolerance,
      ...(s.report === undefined ? {} : { report: s.report }),
      samples: encodeSamples(s.sampler.samples, r.origin),
    })),
    measurement: relativeMeasurement(m, r.origin, measuredProbes),
    objectives,
    stopConditions: r.stopConditions.map((s) => ({
      name: s.name,
      ...(s.spec.probe === undefined ? {} : { probe: s.spec.probe }),
      ...(s.spec.alarm === undefined ? {} : { alarm: s.spec.alarm }),
      condition: describeCondition(s.spec),
      trippedAt: s.trippedAt === null ? null : rel(s.trippedAt),
      ...(s.detail === undefined ? {} : { detail: s.detail }),
    })),
  };
}

/**
 * The journal of a run whose process died before it could write one: nothing was measured, and `activities` are the
 * undo steps another process ran for it (times in ms since `startedEpochMs`, like every journal time).
 */
export function buildLostRunJournal(lost: {
  runId: string;
  loaded: LoadedExperiment;
  schedule: Experiment;
  speed: number;
  target: AwsTarget;
  startedEpochMs: number;
  endedEpochMs: number;
  rollback: { startedAt: number; endedAt: number };
  activities: ActivityRecord[];
  reason: string;
  registry: Registry;
}): Journal {
  const failed = lost.activities.filter((a) => a.status === 'failed');
  return buildJournal(
    {
      runId: lost.runId,
      loaded: lost.loaded,
      schedule: lost.schedule,
      speed: lost.speed,
      origin: 0,
      target: lost.target,
      startedEpochMs: lost.startedEpochMs,
      endedEpochMs: lost.endedEpochMs,
      phases: [
        {
          name: 'rollback',
          ...lost.rollback,
          status: failed.length === 0 ? 'completed' : 'failed',
          ...(failed.length === 0 ? {} : { detail: `${failed.length} rollback(s) failed: ${failed.map((f) => f.name).join(', ')}` }),
        },
      ],
      targets: [],
      guards: [],
      audit: [],
      auditDropped: 0,
      activities: lost.activities,
      samplers: [],
      injectedAt: null,
      lastInjectionAt: null,
      windowEnd: null,
      stopConditions: [],
      verdict: 'aborted',
      reason: lost.reason,
      outstandingUndo: [],
    },
    lost.registry,
  );
}

/**
 * The reason of a `rollback-failed` verdict: every resource that may still be faulted, by which fault and action,
 * how long its undo was tried (wall-clock, as its deadline: waiting out a network or throttling failure is not sped
 * up with the world), its last error, and how to finish it.
 */
export function rollbackFailedReason(outstanding: readonly OutstandingUndo[], runId: string): string {
  const each = outstanding.map((u) => {
    const what = u.resources.length === 0 ? `what ${u.kind === 'rollback' ? 'rollback' : 'fault'} '${u.fault}' was to restore` : u.resources.join(', ');
    const by = u.kind === 'rollback' ? `rollback '${u.fault}', ${u.action}` : `${u.action}, fault '${u.fault}'`;
    const span = u.lastAttemptAt - u.firstAttemptAt;
    const tried = u.attempts === 1 ? 'tried once' : `tried ${u.attempts} times over ${formatDuration(span)}`;
    return `${what} may still be faulted (${by}); ${tried}; last error: ${u.error.message.replace(/\.$/, '')}`;
  });
  return `Rollback failed: ${each.join('. ')}. Finish with 'gameday undo ${runId}'.`;
}

/** The method phase and each fault as the run recorded them, on the monotonic clock: the windows objectives may name. */
function methodSteps(r: RunRecord): MethodStep[] {
  const phase = r.phases.find((p) => p.name === METHOD_WINDOW);
  const faults = r.activities
    .filter((a) => a.kind === 'fault' && a.startedAt !== null)
    .map((a) => ({ name: a.name, start: r.origin + (a.startedAt ?? 0), end: a.endedAt === null ? null : r.origin + a.endedAt, output: a.output }));
  return [...(phase === undefined ? [] : [{ name: METHOD_WINDOW, start: phase.startedAt, end: phase.endedAt }]), ...faults];
}

/** The journal's `from` of a probe placed at a client location. */
/** A journey probe's steps, as the journal lists them. */
function journeyOf(registry: Registry, spec: ProbeSpec): { steps?: string[] } {
  const steps = registry.probe(spec.probe)?.steps?.(spec.args);
  return steps === undefined ? {} : { steps };
}

function placedAt(args: unknown): { from?: string } {
  const at = probeLocation(args);
  return at === undefined ? {} : { from: at };
}
