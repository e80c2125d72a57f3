import { formatDuration } from '../experiment/duration.js';
import type { StopConditionSpec } from '../experiment/schema.js';
import { latencyBetween } from './measurement.js';
import type { Sample } from './sampler.js';

/** A stop condition being watched, and whether it tripped. */
export interface StopConditionState {
  name: string;
  spec: StopConditionSpec;
  trippedAt: number | null;
  detail?: string;
}

export function describeCondition(s: StopConditionSpec): string {
  if (s.alarm !== undefined) return `CloudWatch alarm ${s.alarm} in ALARM`;
  if (s.failingFor !== undefined) return `${s.probe} failing for ${formatDuration(s.failingFor)}`;
  if (s.errorRateAbove !== undefined) return `${s.probe} error rate above ${(s.errorRateAbove * 100).toFixed(1)}% over ${formatDuration(s.window)}`;
  return `${s.probe} p99 latency above ${formatDuration(s.p99LatencyAbove ?? 0)} over ${formatDuration(s.window)}`;
}

/** Index of the first sample that ends at or after `t` (samples are in time order). */
function firstEndingAfter(samples: readonly Sample[], t: number): number {
  let lo = 0;
  let hi = samples.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((samples[mid] as Sample).end < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Evaluates a condition at `now` over the probe's samples since `since` (the start of the method phase).
 * `failingSince` is when the probe's current failing streak began (the sampler tracks it), or `null` when it is ok.
 * Only the window is read, so a long run does not make each evaluation slower. Returns why it trips, or `null`.
 */
export function evaluateStopCondition(s: StopConditionSpec, samples: readonly Sample[], since: number, now: number, failingSince: number | null): string | null {
  if (s.failingFor !== undefined) {
    if (failingSince === null) return null;
    const from = Math.max(since, failingSince);
    return now - from >= s.failingFor ? `${s.probe} has been failing for ${formatDuration(now - from)}` : null;
  }
  if (now - since < s.window) return null;
  const from = now - s.window;
  const first = firstEndingAfter(samples, from);
  if (s.errorRateAbove !== undefined) {
    let failing = 0;
    for (let i = Math.max(0, first - 1); i < samples.length; i++) {
      const cur = samples[i] as Sample;
      const next = samples[i + 1];
      const a = Math.max(from, cur.start);
      const b = Math.min(now, next === undefined ? now : next.start);
      if (!cur.ok && b > a) failing += b - a;
    }
    const rate = failing / s.window;
    return rate > s.errorRateAbove ? `${s.probe} was out of tolerance ${(rate * 100).toFixed(1)}% of the last ${formatDuration(s.window)}` : null;
  }
  const lat = latencyBetween(samples.slice(first), from, now);
  if (lat === null || s.p99LatencyAbove === undefined) return null;
  return lat.p99 > s.p99LatencyAbove ? `${s.probe} p99 latency was ${formatDuration(lat.p99)} over the last ${formatDuration(s.window)}` : null;
}
