import { formatDuration } from '../experiment/duration.js';
import type { Objectives } from '../experiment/schema.js';
import { uncertainty } from './bracket.js';
import type { ObjectiveResult } from './journal.js';
import type { Measurement } from './measurement.js';
import type { ProbeReport } from '../registry/types.js';

const pct = (r: number): string => `${(r * 100).toFixed(2)}%`;

/**
 * Checks each declared objective against the measurement: PASS or FAIL, with measured value and margin.
 * Recovery times are compared in AWS time (wall time × `speed`); latency and rates are real and never scaled.
 */
export function checkObjectives(
  objectives: Objectives,
  m: Measurement,
  measuredProbes: readonly string[],
  speed = 1,
  reports: readonly { name: string; report: ProbeReport }[] = [],
): ObjectiveResult[] {
  const out: ObjectiveResult[] = [];
  if (objectives.rpo !== undefined) out.push(checkRpo(objectives.rpo, reports, speed));
  if (objectives.rto !== undefined) {
    const target = objectives.rto;
    const ttr = m.timeToRecovery === null ? null : { value: m.timeToRecovery.value * speed, lower: m.timeToRecovery.lower * speed, upper: m.timeToRecovery.upper * speed };
    if (ttr === null) {
      out.push({ objective: 'rto', target, unit: 'ms', measured: null, uncertainty: null, margin: null, status: 'fail', detail: `not recovered, RTO ${formatDuration(target)}` });
    } else {
      const pass = ttr.value <= target;
      const u = uncertainty(ttr);
      out.push({
        objective: 'rto',
        target,
        unit: 'ms',
        measured: ttr.value,
        uncertainty: u,
        margin: target - ttr.value,
        status: pass ? 'pass' : 'fail',
        detail: `recovered in ${formatDuration(ttr.value)} ±${formatDuration(u)}, RTO ${formatDuration(target)}`,
      });
    }
  }
  if (objectives.switchover !== undefined) out.push(checkSwitchover(objectives.switchover, m, speed));
  if (objectives.maxErrorRate !== undefined) {
    const target = objectives.maxErrorRate;
    const rate = m.errorRate;
    out.push(
      rate === null
        ? { objective: 'maxErrorRate', target, unit: 'ratio', measured: null, uncertainty: null, margin: null, status: 'fail', detail: 'no fault window to measure an error rate over' }
        : {
            objective: 'maxErrorRate',
            target,
            unit: 'ratio',
            measured: rate.value,
            uncertainty: uncertainty(rate),
            margin: target - rate.value,
            status: rate.value <= target ? 'pass' : 'fail',
            detail: `out of tolerance ${pct(rate.value)} of the fault window, limit ${pct(target)}`,
          },
    );
  }
  if (objectives.maxP99Latency !== undefined) {
    const target = objectives.maxP99Latency;
    const worst = measuredProbes
      .map((name) => ({ name, during: m.probes[name]?.latency.during ?? null }))
      .filter((p) => p.during !== null)
      .sort((a, b) => (b.during?.p99 ?? 0) - (a.during?.p99 ?? 0))[0];
    if (worst === undefined || worst.during === null) {
      out.push({ objective: 'maxP99Latency', target, unit: 'ms', measured: null, uncertainty: null, margin: null, status: 'fail', detail: 'no response was timed during the fault window' });
    } else {
      const p99 = worst.during.p99;
      out.push({
        objective: 'maxP99Latency',
        target,
        unit: 'ms',
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
 * RPO from the write ledgers' read-back: the number of acknowledged writes lost, or the span of time they covered
 * (in AWS time). A ledger that could not read back fails the objective: an unmeasured RPO is not a met one.
 */
function checkRpo(rpo: { writes: number } | { ms: number }, reports: readonly { name: string; report: ProbeReport }[], speed: number): ObjectiveResult {
  const ledgers = reports.filter((r) => r.report.lostWrites !== undefined || r.report.error !== undefined);
  const broken = ledgers.find((r) => r.report.lostWrites === undefined);
  const base = 'writes' in rpo ? { objective: 'rpo' as const, target: rpo.writes, unit: 'writes' as const } : { objective: 'rpo' as const, target: rpo.ms, unit: 'ms' as const };
  if (ledgers.length === 0 || broken !== undefined) {
    return { ...base, measured: null, uncertainty: null, margin: null, status: 'fail', detail: broken === undefined ? 'no write ledger reported' : `ledger ${broken.name} could not be read back: ${broken.report.error ?? 'no report'}` };
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
  if (pm === undefined || injected === null) return { ...base, measured: null, uncertainty: null, margin: null, status: 'fail', detail: `nothing was injected, so probe ${o.probe} could not switch` };
  const changes = pm.endpointChanges.length > 0 ? pm.endpointChanges : pm.valueChanges;
  const change = changes.find((c) => c.at.upper >= injected.lower && (o.to === undefined || String(c.to) === o.to));
  if (change === undefined) {
    return { ...base, measured: null, uncertainty: null, margin: null, status: 'fail', detail: `probe ${o.probe} never switched${wanted} after the injection, limit ${formatDuration(o.within)}` };
  }
  const after = { value: (change.at.value - injected.value) * speed, lower: Math.max(0, change.at.lower - injected.upper) * speed, upper: (change.at.upper - injected.lower) * speed };
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
