import { uncertainty, type Bracket } from '../engine/bracket.js';
import type { Journal, ObjectiveResult } from '../engine/journal.js';
import { formatDuration } from '../experiment/duration.js';
import { hypothesisChecks } from './hypothesis.js';
import { failureText, journeySummaries } from './journeys.js';
import { effectText, grayFailureText } from './summary.js';

/** Durations of a run in AWS time (wall × speed), with the uncertainty. */
export function awsTime(j: Journal, b: Bracket | null): string {
  if (b === null) return '—';
  const s = j.environment.speed;
  return `${formatDuration(b.value * s)} ±${formatDuration(uncertainty(b) * s)}`;
}

/** The measured time to recovery in AWS time, or why there is none. */
export function recoveryTime(j: Journal): string {
  const m = j.measurement;
  return m.injectedAt === null ? '—' : m.recovered ? awsTime(j, m.timeToRecovery) : 'not recovered';
}

/**
 * Downtime and error rate as [measure, value] rows, naming the probes each covers: what users met (request probes)
 * apart from resource-state deviation (AWS-state probes); one figure for a journal from before the split.
 */
export function errorMeasures(j: Journal): [string, string][] {
  const m = j.measurement;
  const pct = (b: Bracket | null): string =>
    b === null ? '—' : `${(b.value * 100).toFixed(2)}% (${(b.lower * 100).toFixed(2)}–${(b.upper * 100).toFixed(2)}%)`;
  if (m.requests === undefined && m.resourceState === undefined)
    return [
      ['downtime', awsTime(j, m.downtime)],
      ['error rate', pct(m.errorRate)],
    ];
  const rows: [string, string][] = [];
  if (m.requests !== null && m.requests !== undefined) {
    const covers = m.requests.probes.join(', ');
    rows.push(
      [`downtime (requests: ${covers})`, awsTime(j, m.requests.downtime)],
      [`error rate (requests: ${covers})`, `${pct(m.requests.errorRate)}; ${m.requests.failedSamples} of ${m.requests.samples} samples failed`],
    );
  }
  if (m.resourceState !== null && m.resourceState !== undefined) {
    rows.push([
      `resource state out of tolerance (${m.resourceState.probes.join(', ')})`,
      `${pct(m.resourceState.errorRate)}, ${awsTime(j, m.resourceState.downtime)}`,
    ]);
  }
  return rows;
}

/**
 * The run's headline figures as [measure, value] rows, in the order every report shows them: time to impact, time to
 * recovery, downtime and error rate (`errorMeasures`), and each write ledger's lost writes.
 */
export function headlineMeasures(j: Journal): [string, string][] {
  const m = j.measurement;
  return [
    ['time to impact', m.impactAt === null ? 'no impact observed' : awsTime(j, m.timeToImpact)],
    ['time to recovery', recoveryTime(j)],
    ...errorMeasures(j),
    ...j.probes.flatMap((p): [string, string][] => {
      const lost = p.report?.lostWrites;
      return lost === undefined ? [] : [[`lost writes (${p.name})`, `${lost.count} of ${lost.acknowledged} acknowledged`]];
    }),
  ];
}

/** An objective's measured value and target in its unit. */
export function objectiveValues(o: ObjectiveResult): { measured: string; target: string; margin: string } {
  const fmt = (v: number | null): string => {
    if (v === null) return '—';
    if (o.unit === 'ms') return formatDuration(Math.abs(v));
    if (o.unit === 'ratio') return `${(Math.abs(v) * 100).toFixed(2)}%`;
    return `${Math.abs(v)} write${Math.abs(v) === 1 ? '' : 's'}`;
  };
  const u = o.uncertainty === null || o.uncertainty === 0 ? '' : ` ±${o.unit === 'ms' ? formatDuration(o.uncertainty) : String(o.uncertainty)}`;
  return {
    measured: `${fmt(o.measured)}${o.measured === null ? '' : u}`,
    target: fmt(o.target),
    margin: o.margin === null ? '—' : `${o.margin < 0 ? '−' : '+'}${fmt(o.margin)}`,
  };
}

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** A `rollback-failed` run's outstanding undos as a table, then what the verdict would otherwise have been. */
function outstandingMarkdown(j: Journal): string[] {
  const outstanding = j.outstandingUndo ?? [];
  if (outstanding.length === 0) return [];
  const lines = [
    '**Faults may still be in place.** These undos failed past their retries:',
    '',
    '| step | action | resources | region | attempts | last error |',
    '|---|---|---|---|---|---|',
    ...outstanding.map(
      (u) =>
        `| ${u.kind} ${cell(u.fault)} | ${u.action} | ${cell(u.resources.join(', ') || '—')} | ${u.region ?? j.environment.region} | ${u.attempts} | ${cell(u.error.message)} |`,
    ),
    '',
  ];
  const otherwise = j.verdict.otherwise;
  if (otherwise !== undefined) lines.push(`Otherwise the run was **${otherwise.status.toUpperCase()}**: ${otherwise.reason}`, '');
  return lines;
}

const capitalized = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** A Markdown summary of one run, fit for a CI step summary: a pure function of the journal. */
export function renderMarkdown(j: Journal): string {
  const gray = grayFailureText(j);
  const m = j.measurement;
  const icon =
    j.verdict.status === 'passed'
      ? '✅'
      : j.verdict.status === 'rollback-failed'
        ? '🚨'
        : j.verdict.status === 'aborted' || j.verdict.status === 'refused'
          ? '⚠️'
          : '❌';
  const lines: string[] = [
    `## ${icon} ${j.experiment.name}: ${j.verdict.status.toUpperCase()}`,
    '',
    `${j.verdict.reason}`,
    '',
    ...outstandingMarkdown(j),
    ...(gray === undefined ? [] : [`**${capitalized(gray)}**`, '']),
    `Run \`${j.runId}\` on ${j.environment.type} (${j.environment.region}${j.environment.speed === 1 ? '' : `, ${j.environment.speed}× faster than AWS; times below are AWS time`}), started ${j.startedAt}, took ${formatDuration(j.durationMs)}.`,
    '',
    '| measure | value |',
    '|---|---|',
    ...headlineMeasures(j).map(([k, v]) => `| ${cell(k)} | ${cell(v)} |`),
  ];
  if (j.objectives.length > 0) {
    lines.push('', '### Objectives', '', '| objective | status | measured | target | margin |', '|---|---|---|---|---|');
    for (const o of j.objectives) {
      const v = objectiveValues(o);
      lines.push(
        `| ${o.objective} | ${o.status === 'pass' ? 'PASS' : o.status === 'not-evaluated' ? 'not evaluated (aborted)' : '**FAIL**'} | ${v.measured} | ${v.target} | ${v.margin} |`,
      );
    }
  }
  lines.push('', '### Probes', '', '| probe | samples | failed | p50 before | p99 during | steady before | steady after |', '|---|---|---|---|---|---|---|');
  const checks = hypothesisChecks(j);
  const held = (probe: string, phase: string): string => {
    const c = checks.find((x) => x.probe === probe && x.phase === phase);
    return c?.held === null || c === undefined ? '—' : c.held ? 'held' : `**failed** (${cell(c.reason ?? 'out of tolerance')})`;
  };
  for (const p of j.probes) {
    const pm = m.probes[p.name];
    const lat = (v: number | undefined): string => (v === undefined ? '—' : formatDuration(v));
    lines.push(
      `| ${cell(p.name)} (${p.probe}${p.from === undefined ? '' : ` from ${cell(p.from)}`}) | ${pm?.samples ?? 0} | ${pm?.failedSamples ?? 0} | ${lat(pm?.latency.before?.p50)} | ${lat(pm?.latency.during?.p99)} | ${held(p.name, 'steady-state-before')} | ${held(p.name, 'steady-state-after')} |`,
    );
  }
  const journeys = journeySummaries(j);
  if (journeys.length > 0) {
    lines.push('', '### Journeys', '', '| probe | steps | journeys | failed | p99 during | failures |', '|---|---|---|---|---|---|');
    for (const s of journeys) {
      lines.push(
        `| ${cell(s.probe)} | ${cell(s.steps.join(' → '))} | ${s.journeys} | ${s.failed} | ${s.p99During === null ? '—' : formatDuration(s.p99During)} | ${cell(failureText(s))} |`,
      );
    }
  }
  const acts = j.activities;
  if (acts.length > 0) {
    lines.push('', '### Actions', '', '| step | action | status | AWS calls |', '|---|---|---|---|');
    for (const a of acts) {
      const calls = a.calls.map((c) => `${c.operation}${c.ok ? '' : ' ✗'}`).join(', ') || '—';
      lines.push(`| ${a.kind} ${cell(a.name)} | ${a.action} | ${a.status}${a.error === undefined ? '' : `: ${cell(a.error.message)}`} | ${cell(calls)} |`);
    }
  }
  for (const a of acts) if (a.effect !== undefined) lines.push('', `Effect of **${a.name}**: ${effectText(a.effect)}.`);
  const tripped = j.stopConditions.filter((s) => s.trippedAt !== null);
  for (const s of tripped) lines.push('', `Stop condition **${s.name}** (${s.condition}) tripped at ${formatDuration(s.trippedAt ?? 0)}: ${s.detail ?? ''}`);
  const refused = j.guards.filter((g) => g.status === 'refused');
  if (j.guards.length > 0)
    lines.push('', `Guards: ${refused.length === 0 ? `all ${j.guards.length} passed` : refused.map((g) => `**${g.guard}** refused: ${g.detail}`).join('; ')}.`);
  return `${lines.join('\n')}\n`;
}
