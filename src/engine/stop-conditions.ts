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
  if (s.failingFor !== undefined) return `${s.probe} failing for ${formatDuration(s.failingFor)}`;
  if (s.errorRateAbove !== undefined) return `${s.probe} error rate above ${(s.errorRateAbove * 100).toFixed(1)}% over ${formatDuration(s.window)}`;
  return `${s.probe} p99 latency above ${formatDuration(s.p99LatencyAbove ?? 0)} over ${formatDuration(s.window)}`;
}

/**
 * Evaluates a condition at `now` over the probe's samples taken since `since` (the start of the method phase).
 * Returns why it trips, or `null`.
 */
export function evaluateStopCondition(s: StopConditionSpec, samples: readonly Sample[], since: number, now: number): string | null {
  if (s.failingFor !== undefined) {
    let i = samples.length - 1;
    if (i < 0 || (samples[i] as Sample).ok) return null;
    while (i > 0 && !(samples[i - 1] as Sample).ok && (samples[i - 1] as Sample).start >= since) i--;
    const from = Math.max(since, (samples[i] as Sample).start);
    return now - from >= s.failingFor ? `${s.probe} has been failing for ${formatDuration(now - from)}` : null;
  }
  if (now - since < s.window) return null;
  const from = now - s.window;
  if (s.errorRateAbove !== undefined) {
    let failing = 0;
    for (let i = 0; i < samples.length; i++) {
      const cur = samples[i] as Sample;
      const next = samples[i + 1];
      const a = Math.max(from, cur.start);
      const b = Math.min(now, next === undefined ? now : next.start);
      if (!cur.ok && b > a) failing += b - a;
    }
    const rate = failing / s.window;
    return rate > s.errorRateAbove ? `${s.probe} was out of tolerance ${(rate * 100).toFixed(1)}% of the last ${formatDuration(s.window)}` : null;
  }
  const lat = latencyBetween(samples, from, now);
  if (lat === null || s.p99LatencyAbove === undefined) return null;
  return lat.p99 > s.p99LatencyAbove ? `${s.probe} p99 latency was ${formatDuration(lat.p99)} over the last ${formatDuration(s.window)}` : null;
}
