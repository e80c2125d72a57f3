import { formatDuration } from '../experiment/duration.js';
import { objectiveTarget, type Objectives, type ProbedObjective } from '../experiment/schema.js';
import { uncertainty } from './bracket.js';
import type { ObjectiveResult } from './journal.js';
import { errorShare, type MeasureInput, type Measurement } from './measurement.js';
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
}

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
  if (maxErrorRate !== undefined) {
    const target = maxErrorRate.target;
    const share = errorShare(ctx.samples, probesOf.maxErrorRate, m.faultWindow);
    const rate = share.errorRate;
    out.push(
      rate === null
        ? {
            objective: 'maxErrorRate',
            target,
            unit: 'ratio',
            ...on('maxErrorRate'),
            measured: null,
            uncertainty: null,
            margin: null,
            status: 'fail',
            detail: 'no fault window to measure an error rate over',
          }
        : {
            objective: 'maxErrorRate',
            target,
            unit: 'ratio',
            ...on('maxErrorRate'),
            measured: rate.value,
            uncertainty: uncertainty(rate),
            margin: target - rate.value,
            status: rate.value <= target ? 'pass' : 'fail',
            detail: `${share.probes.join(', ')} out of tolerance ${pct(rate.value)} of the fault window (${share.failedSamples} of ${share.samples} samples failed), limit ${pct(target)}`,
          },
    );
  }
  const maxP99 = objectiveTarget(objectives, 'maxP99Latency');
  if (maxP99 !== undefined) {
    const target = maxP99.target;
    const worst = probesOf.maxP99Latency
      .map((name) => ({ name, during: m.probes[name]?.latency.during ?? null }))
      .filter((p) => p.during !== null)
      .sort((a, b) => (b.during?.p99 ?? 0) - (a.during?.p99 ?? 0))[0];
    const base = { objective: 'maxP99Latency' as const, target, unit: 'ms' as const, timeBase: 'real' as const, ...on('maxP99Latency') };
    if (worst === undefined || worst.during === null) {
      out.push({ ...base, measured: null, uncertainty: null, margin: null, status: 'fail', detail: 'no response was timed during the fault window' });
    } else {
      const p99 = worst.during.p99;
      out.push({
        ...base,
        measured: p99,
        uncertainty: null,
        margin: target - p99,
        status: p99 <= target ? 'pass' : 'fail',
        detail: `p99 ${formatDuration(p99)} on ${worst.name} (${worst.during.count} responses), limit ${formatDuration(target)}`,
      });
    }
  }
  return out;
}

/**
 * The objectives of a run stopped before they could be judged (an operator's abort or halt, Ctrl-C, a stop condition):
 * neither met nor missed, so they are reported as not evaluated rather than failed.
 */
export function notEvaluated(objectives: Objectives, probesOf: ObjectiveContext['probesOf'], reason: string): ObjectiveResult[] {
  const out: ObjectiveResult[] = [];
  const skip = (objective: ObjectiveResult['objective'], target: number, unit: ObjectiveResult['unit'], probes: readonly string[]): void => {
    const timeBase = unit !== 'ms' ? {} : { timeBase: objective === 'maxP99Latency' ? ('real' as const) : ('aws' as const) };
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
