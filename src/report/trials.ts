import type { Journal } from '../engine/journal.js';
import { formatDuration } from '../experiment/duration.js';

/** Recovery statistics over repeated runs of one experiment, in AWS time. */
export interface TrialStats {
  experiment: string;
  runs: number;
  recovered: number;
  /** Recovery times (ms, AWS time) of the runs that recovered, in run order. */
  recoveryTimes: number[];
  p50: number | null;
  p95: number | null;
  max: number | null;
  /** A distribution-free confidence interval of the median recovery time, and its level (≥ 95% when it can be had). */
  medianInterval: { lower: number; upper: number; level: number } | null;
}

/** The q-quantile of sorted values (nearest rank). */
function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? null;
}

/** P(X ≤ k) for X ~ Binomial(n, 1/2). */
function binomialCdf(k: number, n: number): number {
  let sum = 0;
  let term = 0.5 ** n;
  for (let i = 0; i <= k; i++) {
    sum += term;
    term = (term * (n - i)) / (i + 1);
  }
  return sum;
}

/**
 * The widest-needed interval [x(j), x(n-j+1)] of order statistics that covers the median with probability at least
 * 95% (the sign-test interval); with fewer than 6 runs no such interval exists, so the full range is given with its
 * actual level.
 */
function medianInterval(sorted: readonly number[]): TrialStats['medianInterval'] {
  const n = sorted.length;
  if (n === 0) return null;
  let j = 1;
  while (j + 1 <= n / 2 && 1 - 2 * binomialCdf(j, n) >= 0.95) j++;
  const level = 1 - 2 * binomialCdf(j - 1, n);
  return { lower: sorted[j - 1] ?? 0, upper: sorted[n - j] ?? 0, level };
}

/** Statistics of the recovery times of journals of one experiment. */
export function trialStats(journals: readonly Journal[]): TrialStats {
  const times = journals
    .filter((j) => j.measurement.recovered && j.measurement.timeToRecovery !== null)
    .map((j) => (j.measurement.timeToRecovery?.value ?? 0) * j.environment.speed);
  const sorted = [...times].sort((a, b) => a - b);
  return {
    experiment: journals[0]?.experiment.name ?? '',
    runs: journals.length,
    recovered: times.length,
    recoveryTimes: times,
    p50: quantile(sorted, 0.5),
    p95: quantile(sorted, 0.95),
    max: sorted.at(-1) ?? null,
    medianInterval: medianInterval(sorted),
  };
}

const t = (ms: number | null | undefined): string => (ms === null || ms === undefined ? '—' : formatDuration(ms));

/**
 * Repeated trials, or the trend of stored runs (`compare`): per experiment, one row per run in time order (verdict,
 * recovery time and its change from the run before, downtime, lost writes) and the statistics. Pure function of the
 * journals.
 */
export function renderTrials(journals: readonly Journal[], options: { compare?: boolean } = {}): string {
  const byExperiment = new Map<string, Journal[]>();
  for (const j of [...journals].sort((a, b) => a.startedAtEpochMs - b.startedAtEpochMs))
    byExperiment.set(j.experiment.name, [...(byExperiment.get(j.experiment.name) ?? []), j]);
  const out: string[] = [];
  for (const [name, runs] of byExperiment) {
    const stats = trialStats(runs);
    out.push(`## ${name}: ${options.compare === true ? 'recovery across stored runs' : `${runs.length} trials`}`, '');
    out.push('| # | run | started | verdict | time to recovery | change | downtime | lost writes |', '|---|---|---|---|---|---|---|---|');
    let previous: number | null = null;
    runs.forEach((j, i) => {
      const s = j.environment.speed;
      const ttr = j.measurement.recovered && j.measurement.timeToRecovery !== null ? j.measurement.timeToRecovery.value * s : null;
      const change = ttr === null || previous === null ? '—' : `${ttr >= previous ? '+' : '−'}${formatDuration(Math.abs(ttr - previous))}`;
      const lost = j.probes.map((p) => p.report?.lostWrites?.count).filter((c) => c !== undefined);
      out.push(
        `| ${i + 1} | \`${j.runId}\` | ${j.startedAt} | ${j.verdict.status} | ${ttr === null ? 'not recovered' : t(ttr)} | ${change} | ${t(j.measurement.downtime.value * s)} | ${lost.length === 0 ? '—' : lost.reduce((a, b) => a + b, 0)} |`,
      );
      if (ttr !== null) previous = ttr;
    });
    const ci = stats.medianInterval;
    out.push(
      '',
      `Recovered in ${stats.recovered} of ${stats.runs} runs. Time to recovery p50 ${t(stats.p50)}, p95 ${t(stats.p95)}, max ${t(stats.max)}` +
        (ci === null
          ? '.'
          : `; the median lies in [${t(ci.lower)}, ${t(ci.upper)}] with ${(ci.level * 100).toFixed(1)}% confidence (order statistics${ci.level < 0.95 ? ', too few runs for 95%' : ''}).`),
      '',
    );
  }
  return `${out.join('\n')}\n`;
}
