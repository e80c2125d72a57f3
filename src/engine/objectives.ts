import { formatDuration } from '../experiment/duration.js';
import type { Objectives } from '../experiment/schema.js';
import { uncertainty } from './bracket.js';
import type { ObjectiveResult } from './journal.js';
import type { Measurement } from './measurement.js';

const pct = (r: number): string => `${(r * 100).toFixed(2)}%`;

/**
 * Checks each declared objective against the measurement: PASS or FAIL, with measured value and margin.
 * Recovery times are compared in AWS time (wall time × `speed`); latency and rates are real and never scaled.
 */
export function checkObjectives(objectives: Objectives, m: Measurement, measuredProbes: readonly string[], speed = 1): ObjectiveResult[] {
  const out: ObjectiveResult[] = [];
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
