import { formatDuration } from '../experiment/duration.js';
import { METHOD_WINDOW, objectiveTarget, rolledBackTarget, type Objectives, type ProbedObjective } from '../experiment/schema.js';
import { uncertainty } from './bracket.js';
import type { ObjectiveResult } from './journal.js';
import { errorShare, latencyBetween, type LatencySummary, type MeasureInput, type Measurement } from './measurement.js';
import type { ProbeReport } from '../registry/types.js';

const pct = (r: number): string => `${(r * 100).toFixed(2)}%`;

/** What objectives are judged on: the measurement, the samples behind it and the probes each objective covers. */
export interface ObjectiveContext {
  measurement: Measurement;
  /** Samples per probe, in the measurement's time base: an objective over its own probes measures them again. */
  samples: MeasureInput['probes'];
  probesOf: Record<ProbedObjective, readonly string[]>;
  /** How many times faster than AWS the world ran: durations are declared, and compared, in AWS time. */
  speed: number;
  reports: readonly { name: string; report: ProbeReport }[];
  /**
   * The method's steps as journaled (each fault's start, end and output; `method` for the whole phase), in the
   * measurement's time base: the windows `during` names, and the releases `rolledBackWithin` times.
   */
  steps?: readonly MethodStep[];
  /** Epoch ms of the measurement's time 0 (epoch = time + epochOffset), to place an instant an action reports in ISO. */
  epochOffset?: number;
}

/** A method step (or the method phase itself) as the journal records it. */
export interface MethodStep {
  name: string;
  start: number;
  /** `null` when it had not ended (the run stopped first). */
  end: number | null;
  output?: Record<string, unknown> | undefined;
}

/** The window an objective is measured over: the fault window, or the step `during` names. */
type Window = { start: number; end: number; step?: string } | null;

/** The window `during` names, or why there is none: a step that never ran or never ended has no window to judge. */
function windowOf(during: string | undefined, ctx: ObjectiveContext): Window | string {
  if (during === undefined) return ctx.measurement.faultWindow;
  const step = ctx.steps?.find((s) => s.name === during);
  if (step === undefined) return during === METHOD_WINDOW ? 'the method phase never ran' : `step ${during} never ran`;
  if (step.end === null) return `${during === METHOD_WINDOW ? 'the method phase' : `step ${during}`} never ended`;
  return { start: step.start, end: step.end, step: during };
}

/** How a result names its window: "the fault window" or "<step>". */
const windowName = (w: Window): string => (w?.step === undefined ? 'the fault window' : w.step === METHOD_WINDOW ? 'the method phase' : `step ${w.step}`);
/** The journal's `during` of a result measured over a step. */
const duringOf = (w: Window): Pick<ObjectiveResult, 'during'> => (w?.step === undefined ? {} : { during: { step: w.step, start: w.start, end: w.end } });

/** An AWS-time result with its wall-clock equivalent, so a reader never has to guess which clock a number is on. */
function awsTime(r: Omit<ObjectiveResult, 'timeBase' | 'wall'>, speed: number): ObjectiveResult {
  return { ...r, timeBase: 'aws', wall: { target: r.target / speed, measured: r.measured === null ? null : r.measured / speed } };
}

/**
 * Checks each declared objective against the measurement of its own probes: PASS or FAIL, with measured value and
 * margin. Recovery times are compared in AWS time (wall time × `speed`); latency and rates are real and never scaled.
 */
export function checkObjectives(objectives: Objectives, ctx: ObjectiveContext): ObjectiveResult[] {
  const { measurement: m, speed, probesOf } = ctx;
  const out: ObjectiveResult[] = [];
  const on = (o: ProbedObjective): { probes: string[] } => ({ probes: [...probesOf[o]] });
  if (objectives.rpo !== undefined) {
    const rpo = {
      ...checkRpo(
        objectives.rpo,
        ctx.reports.filter((r) => probesOf.rpo.includes(r.name)),
        speed,
      ),
      ...on('rpo'),
    };
    out.push(rpo.unit === 'ms' ? awsTime(rpo, speed) : rpo);
  }
  const rto = objectiveTarget(objectives, 'rto');
  if (rto !== undefined) {
    const target = rto.target;
    const ttr =
      m.timeToRecovery === null
        ? null
        : { value: m.timeToRecovery.value * speed, lower: m.timeToRecovery.lower * speed, upper: m.timeToRecovery.upper * speed };
    const covers = ` (${probesOf.rto.join(', ')})`;
    if (ttr === null) {
      out.push(
        awsTime(
          {
            objective: 'rto',
            target,
            unit: 'ms',
            ...on('rto'),
            measured: null,
            uncertainty: null,
            margin: null,
            status: 'fail',
            detail: `not recovered${covers}, RTO ${formatDuration(target)}`,
          },
          speed,
        ),
      );
    } else {
      const u = uncertainty(ttr);
      out.push(
        awsTime(
          {
            objective: 'rto',
            target,
            unit: 'ms',
            ...on('rto'),
            measured: ttr.value,
            uncertainty: u,
            margin: target - ttr.value,
            status: ttr.value <= target ? 'pass' : 'fail',
            detail: `recovered in ${formatDuration(ttr.value)} ±${formatDuration(u)}${covers}, RTO ${formatDuration(target)}`,
          },
          speed,
        ),
      );
    }
  }
  if (objectives.switchover !== undefined) out.push(awsTime(checkSwitchover(objectives.switchover, m, speed), speed));
  const maxErrorRate = objectiveTarget(objectives, 'maxErrorRate');
  if (maxErrorRate !== undefined) out.push(checkErrorRate(maxErrorRate.target, windowOf(maxErrorRate.during, ctx), ctx));
  const maxP99 = objectiveTarget(objectives, 'maxP99Latency');
  if (maxP99 !== undefined) out.push(checkP99(maxP99.target, windowOf(maxP99.during, ctx), ctx));
  const journeys = objectiveTarget(objectives, 'minJourneySuccessRate');
  if (journeys !== undefined) out.push(checkJourneySuccess(journeys.target, windowOf(journeys.during, ctx), ctx));
  const journeyP99 = objectiveTarget(objectives, 'maxJourneyP99');
  if (journeyP99 !== undefined) out.push(checkP99(journeyP99.target, windowOf(journeyP99.during, ctx), ctx, 'maxJourneyP99'));
  const rolledBack = rolledBackTarget(objectives);
  if (rolledBack !== undefined) out.push(awsTime(checkRolledBack(rolledBack, ctx), speed));
  return out;
}

function checkErrorRate(target: number, window: Window | string, ctx: ObjectiveContext): ObjectiveResult {
  const base = { objective: 'maxErrorRate' as const, target, unit: 'ratio' as const, probes: [...ctx.probesOf.maxErrorRate] };
  if (typeof window === 'string')
    return { ...base, measured: null, uncertainty: null, margin: null, status: 'fail', detail: `${window}, so no error rate was measured` };
  const share = errorShare(ctx.samples, ctx.probesOf.maxErrorRate, window);
  const rate = share.errorRate;
  if (rate === null)
    return {
      ...base,
      ...duringOf(window),
      measured: null,
      uncertainty: null,
      margin: null,
      status: 'fail',
      detail: window?.step === undefined ? 'no fault window to measure an error rate over' : `no time in ${windowName(window)} to measure an error rate over`,
    };
  return {
    ...base,
    ...duringOf(window),
    measured: rate.value,
    uncertainty: uncertainty(rate),
    margin: target - rate.value,
    status: rate.value <= target ? 'pass' : 'fail',
    detail: `${share.probes.join(', ')} out of tolerance ${pct(rate.value)} of ${windowName(window)} (${share.failedSamples} of ${share.samples} samples failed), limit ${pct(target)}`,
  };
}

/**
 * The share of the window in which the journey probes completed their journeys: the complement of their error share,
 * measured, like maxErrorRate, as time out of tolerance rather than as a count of journeys, since the sampler takes
 * journeys faster around a change and a count would weigh the failing moments more than the time they lasted.
 */
function checkJourneySuccess(target: number, window: Window | string, ctx: ObjectiveContext): ObjectiveResult {
  const probes = ctx.probesOf.minJourneySuccessRate;
  const base = { objective: 'minJourneySuccessRate' as const, target, unit: 'ratio' as const, probes: [...probes] };
  const none = (detail: string): ObjectiveResult => ({
    ...base,
    ...(typeof window === 'string' ? {} : duringOf(window)),
    measured: null,
    uncertainty: null,
    margin: null,
    status: 'fail',
    detail,
  });
  if (typeof window === 'string') return none(`${window}, so no journey was measured`);
  const share = errorShare(ctx.samples, probes, window);
  const rate = share.errorRate;
  if (rate === null)
    return none(window?.step === undefined ? 'no fault window to measure journeys over' : `no time in ${windowName(window)} to measure journeys over`);
  if (share.samples === 0) return none(`no journey was taken during ${windowName(window)}`);
  const success = { value: 1 - rate.value, lower: 1 - rate.upper, upper: 1 - rate.lower };
  return {
    ...base,
    ...duringOf(window),
    measured: success.value,
    uncertainty: uncertainty(success),
    margin: success.value - target,
    status: success.value >= target ? 'pass' : 'fail',
    detail: `${share.probes.join(', ')} completed journeys ${pct(success.value)} of ${windowName(window)} (${share.failedSamples} of ${share.samples} journeys failed), minimum ${pct(target)}`,
  };
}

function checkP99(
  target: number,
  window: Window | string,
  ctx: ObjectiveContext,
  objective: 'maxP99Latency' | 'maxJourneyP99' = 'maxP99Latency',
): ObjectiveResult {
  const names = ctx.probesOf[objective];
  const what = objective === 'maxJourneyP99' ? 'completed journeys' : 'responses';
  const base = { objective, target, unit: 'ms' as const, timeBase: 'real' as const, probes: [...names] };
  if (typeof window === 'string')
    return { ...base, measured: null, uncertainty: null, margin: null, status: 'fail', detail: `${window}, so no latency was measured` };
  // Over the fault window the measurement has the percentiles already; over a step they are taken from its samples.
  const during = (name: string): LatencySummary | null => {
    if (window?.step === undefined) return ctx.measurement.probes[name]?.latency.during ?? null;
    const samples = ctx.samples.find((p) => p.name === name)?.samples ?? [];
    return latencyBetween(samples, window.start, window.end);
  };
  const worst = names
    .map((name) => ({ name, during: during(name) }))
    .filter((p) => p.during !== null)
    .sort((a, b) => (b.during?.p99 ?? 0) - (a.during?.p99 ?? 0))[0];
  if (worst === undefined || worst.during === null)
    return {
      ...base,
      ...duringOf(window),
      measured: null,
      uncertainty: null,
      margin: null,
      status: 'fail',
      detail: `no ${what === 'responses' ? 'response' : 'journey'} was timed during ${windowName(window)}`,
    };
  const p99 = worst.during.p99;
  return {
    ...base,
    ...duringOf(window),
    measured: p99,
    uncertainty: null,
    margin: target - p99,
    status: p99 <= target ? 'pass' : 'fail',
    detail: `p99 ${formatDuration(p99)} on ${worst.name} (${worst.during.count} ${what}${window?.step === undefined ? '' : ` during ${windowName(window)}`}), limit ${formatDuration(target)}`,
  };
}

/**
 * Rollback time of a release: from its step's start (as journaled) to the instant its action reports the rollback
 * complete (`rolledBackAt`, ISO 8601, in its output), in AWS time. The step is the one named, else the only fault.
 * A release whose output has no `rolledBackAt` never rolled back, and fails. The instant is taken as the action
 * reports it, with no bounds of its own, so no uncertainty is given (assumed exact to the millisecond).
 */
function checkRolledBack(o: { within: number; step?: string }, ctx: ObjectiveContext): ObjectiveResult {
  const base = { objective: 'rolledBackWithin' as const, target: o.within, unit: 'ms' as const };
  const fail = (detail: string): ObjectiveResult => ({ ...base, measured: null, uncertainty: null, margin: null, status: 'fail', detail });
  const faults = (ctx.steps ?? []).filter((s) => s.name !== METHOD_WINDOW);
  const step = o.step === undefined ? (faults.length === 1 ? faults[0] : undefined) : faults.find((s) => s.name === o.step);
  if (step === undefined) return fail(o.step === undefined ? 'no single release step to time (name it with step:)' : `step ${o.step} never ran`);
  const limit = `limit ${formatDuration(o.within)}`;
  const reported = step.output?.rolledBackAt;
  const status = typeof step.output?.status === 'string' ? ` (status ${step.output.status})` : '';
  const at = typeof reported === 'string' ? Date.parse(reported) : Number.NaN;
  if (Number.isNaN(at)) return fail(`step ${step.name} never rolled back${status}, ${limit}`);
  const measured = (at - (ctx.epochOffset ?? 0) - step.start) * ctx.speed;
  return {
    ...base,
    measured,
    uncertainty: null,
    margin: o.within - measured,
    status: measured <= o.within ? 'pass' : 'fail',
    detail: `step ${step.name} rolled back ${formatDuration(Math.max(0, measured))} after it started${status}, ${limit}`,
  };
}

/**
 * The objectives of a run stopped before they could be judged (an operator's abort or halt, Ctrl-C, a stop condition):
 * neither met nor missed, so they are reported as not evaluated rather than failed.
 */
export function notEvaluated(objectives: Objectives, probesOf: ObjectiveContext['probesOf'], reason: string): ObjectiveResult[] {
  const out: ObjectiveResult[] = [];
  const skip = (objective: ObjectiveResult['objective'], target: number, unit: ObjectiveResult['unit'], probes: readonly string[]): void => {
    const timeBase = unit !== 'ms' ? {} : { timeBase: objective === 'maxP99Latency' || objective === 'maxJourneyP99' ? ('real' as const) : ('aws' as const) };
    out.push({
      objective,
      target,
      unit,
      ...timeBase,
      probes: [...probes],
      measured: null,
      uncertainty: null,
      margin: null,
      status: 'not-evaluated',
      detail: `not evaluated (aborted): ${reason}`,
    });
  };
  const rpo = objectives.rpo;
  if (rpo !== undefined) {
    if (rpo.writes !== undefined) skip('rpo', rpo.writes, 'writes', probesOf.rpo);
    else skip('rpo', rpo.ms, 'ms', probesOf.rpo);
  }
  const rto = objectiveTarget(objectives, 'rto');
  if (rto !== undefined) skip('rto', rto.target, 'ms', probesOf.rto);
  if (objectives.switchover !== undefined) skip('switchover', objectives.switchover.within, 'ms', [objectives.switchover.probe]);
  const rate = objectiveTarget(objectives, 'maxErrorRate');
  if (rate !== undefined) skip('maxErrorRate', rate.target, 'ratio', probesOf.maxErrorRate);
  const p99 = objectiveTarget(objectives, 'maxP99Latency');
  if (p99 !== undefined) skip('maxP99Latency', p99.target, 'ms', probesOf.maxP99Latency);
  const journeys = objectiveTarget(objectives, 'minJourneySuccessRate');
  if (journeys !== undefined) skip('minJourneySuccessRate', journeys.target, 'ratio', probesOf.minJourneySuccessRate);
  const journeyP99 = objectiveTarget(objectives, 'maxJourneyP99');
  if (journeyP99 !== undefined) skip('maxJourneyP99', journeyP99.target, 'ms', probesOf.maxJourneyP99);
  const rolledBack = rolledBackTarget(objectives);
  if (rolledBack !== undefined) skip('rolledBackWithin', rolledBack.within, 'ms', []);
  return out;
}

/**
 * RPO from the write ledgers' read-back: the number of acknowledged writes lost, or the span of time they covered
 * (in AWS time). A ledger that could not read back fails the objective: an unmeasured RPO is not a met one.
 */
function checkRpo(rpo: { writes: number } | { ms: number }, reports: readonly { name: string; report: ProbeReport }[], speed: number): ObjectiveResult {
  const ledgers = reports.filter((r) => r.report.lostWrites !== undefined || r.report.error !== undefined);
  const broken = ledgers.find((r) => r.report.lostWrites === undefined);
  const base =
    'writes' in rpo
      ? { objective: 'rpo' as const, target: rpo.writes, unit: 'writes' as const }
      : { objective: 'rpo' as const, target: rpo.ms, unit: 'ms' as const };
  if (ledgers.length === 0 || broken !== undefined) {
    return {
      ...base,
      measured: null,
      uncertainty: null,
      margin: null,
      status: 'fail',
      detail: broken === undefined ? 'no write ledger reported' : `ledger ${broken.name} could not be read back: ${broken.report.error ?? 'no report'}`,
    };
  }
  const lost = ledgers.reduce((n, r) => n + (r.report.lostWrites?.count ?? 0), 0);
  const acknowledged = ledgers.reduce((n, r) => n + (r.report.lostWrites?.acknowledged ?? 0), 0);
  if ('writes' in rpo) {
    return {
      ...base,
      measured: lost,
      uncertainty: 0,
      margin: rpo.writes - lost,
      status: lost <= rpo.writes ? 'pass' : 'fail',
      detail: `${lost} of ${acknowledged} acknowledged writes lost, RPO ${rpo.writes} write${rpo.writes === 1 ? '' : 's'}`,
    };
  }
  const windows = ledgers.map((r) => r.report.lostWrites?.window ?? null).filter((w) => w !== null);
  const worst = windows.sort((a, b) => b.value - a.value)[0];
  const value = (worst?.value ?? 0) * speed;
  const u = worst === undefined ? 0 : ((worst.upper - worst.lower) / 2) * speed;
  return {
    ...base,
    measured: value,
    uncertainty: u,
    margin: rpo.ms - value,
    status: value <= rpo.ms ? 'pass' : 'fail',
    detail: `${lost} acknowledged write${lost === 1 ? '' : 's'} lost, covering ${formatDuration(value)} ±${formatDuration(u)}, RPO ${formatDuration(rpo.ms)}`,
  };
}

/**
 * Failover time as a client sees it: from the injection to the first change of the probe's serving address (a probe
 * resolving through a `resolver`) or, for probes without one, of its observed value (a dns probe's answers), in AWS
 * time. With `to`, only a change to that value counts.
 */
function checkSwitchover(o: { probe: string; within: number; to?: string | undefined }, m: Measurement, speed: number): ObjectiveResult {
  const base = { objective: 'switchover' as const, target: o.within, unit: 'ms' as const };
  const pm = m.probes[o.probe];
  const injected = m.injectedAt;
  const wanted = o.to === undefined ? '' : ` to ${o.to}`;
  if (pm === undefined || injected === null)
    return { ...base, measured: null, uncertainty: null, margin: null, status: 'fail', detail: `nothing was injected, so probe ${o.probe} could not switch` };
  const changes = pm.endpointChanges.length > 0 ? pm.endpointChanges : pm.valueChanges;
  const change = changes.find((c) => c.at.upper >= injected.lower && (o.to === undefined || String(c.to) === o.to));
  if (change === undefined) {
    return {
      ...base,
      measured: null,
      uncertainty: null,
      margin: null,
      status: 'fail',
      detail: `probe ${o.probe} never switched${wanted} after the injection, limit ${formatDuration(o.within)}`,
    };
  }
  const after = {
    value: (change.at.value - injected.value) * speed,
    lower: Math.max(0, change.at.lower - injected.upper) * speed,
    upper: (change.at.upper - injected.lower) * speed,
  };
  const u = uncertainty(after);
  return {
    ...base,
    measured: after.value,
    uncertainty: u,
    margin: o.within - after.value,
    status: after.value <= o.within ? 'pass' : 'fail',
    detail: `probe ${o.probe} switched from ${String(change.from) || '(none)'} to ${String(change.to) || '(none)'} ${formatDuration(after.value)} ±${formatDuration(u)} after the injection, limit ${formatDuration(o.within)}`,
  };
}
