import type { Journal } from '../engine/journal.js';
import { formatDuration } from '../experiment/duration.js';
import { timeAxis } from './axis.js';
import { esc } from './escape.js';
import { objectiveStatus, REPORT_STYLE } from './html.js';
import { awsTime, recoveryTime } from './markdown.js';
import { trialStats } from './trials.js';

const WIDTH = 760;
const HEIGHT = 280;
const LEFT = 70;
const RIGHT = 20;
const TOP = 36;
const BOTTOM = 50;

/** A run's time to recovery in AWS ms, or null when it did not recover. */
const recoveryMs = (j: Journal): number | null =>
  j.measurement.recovered && j.measurement.timeToRecovery !== null ? j.measurement.timeToRecovery.value * j.environment.speed : null;

/**
 * The recovery-time trend of one experiment's runs, in run order: a point per run that recovered (a line joins
 * them), a cross at the top for a run that did not, and the RTO target when the runs share one.
 */
export function trendChart(runs: readonly Journal[]): string {
  const times = runs.map(recoveryMs);
  const rtos = new Set(runs.flatMap((j) => j.objectives.filter((o) => o.objective === 'rto' && o.unit === 'ms').map((o) => o.target)));
  const rto = rtos.size === 1 ? [...rtos][0] : undefined;
  const axis = timeAxis(Math.max(1, ...times.map((t) => t ?? 0), rto ?? 0), 6);
  const plotH = HEIGHT - TOP - BOTTOM;
  const y = (ms: number): number => TOP + plotH - (Math.min(ms, axis.endMs) / axis.endMs) * plotH;
  const slot = (WIDTH - LEFT - RIGHT) / Math.max(1, runs.length);
  const x = (i: number): number => LEFT + (i + 0.5) * slot;
  // Run numbers thin out so that their labels never touch.
  const every = Math.max(1, Math.ceil(28 / slot));
  const parts: string[] = [];
  for (const t of axis.ticks) {
    const ty = y(t * axis.unitMs).toFixed(2);
    parts.push(
      `<line x1="${LEFT}" y1="${ty}" x2="${WIDTH - RIGHT}" y2="${ty}" class="grid"/><text x="${LEFT - 6}" y="${ty}" class="ytick" data-value="${t}">${t}</text>`,
    );
  }
  if (rto !== undefined && rto <= axis.endMs) {
    parts.push(
      `<line x1="${LEFT}" y1="${y(rto).toFixed(2)}" x2="${WIDTH - RIGHT}" y2="${y(rto).toFixed(2)}" class="rto"><title>${esc(`RTO ${formatDuration(rto)}`)}</title></line>`,
    );
    parts.push(`<text x="${WIDTH - RIGHT}" y="${(y(rto) - 4).toFixed(2)}" class="rto-label">${esc(`RTO ${formatDuration(rto)}`)}</text>`);
  }
  const line = times.flatMap((t, i) => (t === null ? [] : [`${x(i).toFixed(2)},${y(t).toFixed(2)}`]));
  if (line.length > 1) parts.push(`<polyline points="${line.join(' ')}" class="trend-line"/>`);
  runs.forEach((j, i) => {
    const t = times[i] ?? null;
    const title = `#${i + 1} ${j.runId} (${j.startedAt}): ${t === null ? `not recovered, ${j.verdict.status}` : `recovered in ${recoveryTime(j)}`}`;
    if (t === null) {
      const cx = x(i);
      // Above the plot, where no recovery time is: a run that did not recover has none.
      parts.push(`<path d="M${cx - 5},${TOP - 24}l10,10m0,-10l-10,10" class="not-recovered" data-run="${esc(j.runId)}"><title>${esc(title)}</title></path>`);
    } else
      parts.push(
        `<circle cx="${x(i).toFixed(2)}" cy="${y(t).toFixed(2)}" r="4.5" class="recovered" data-run="${esc(j.runId)}" data-ms="${t.toFixed(0)}"><title>${esc(title)}</title></circle>`,
      );
    if (i % every === 0) parts.push(`<text x="${x(i).toFixed(2)}" y="${HEIGHT - BOTTOM + 16}" class="xtick">#${i + 1}</text>`);
  });
  parts.push(`<text x="${(LEFT + WIDTH - RIGHT) / 2}" y="${HEIGHT - 10}" class="axis-label">run, oldest first</text>`);
  if (times.includes(null)) parts.push(`<text x="${WIDTH - RIGHT}" y="${TOP - 15}" class="not-recovered-key">× did not recover</text>`);
  parts.push(
    `<text x="14" y="${TOP + plotH / 2}" transform="rotate(-90 14 ${TOP + plotH / 2})" class="axis-label">${esc(`time to recovery, ${axis.unit} (AWS time)`)}</text>`,
  );
  return `<svg class="trend" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="recovery time across runs" data-unit="${axis.unit}">${parts.join('')}</svg>`;
}

/** One experiment's runs in columns, oldest first: what a reader compares across runs, row by row. */
function sideBySide(runs: readonly Journal[]): string {
  let previous: number | null = null;
  const change = runs.map((j) => {
    const t = recoveryMs(j);
    const text = t === null || previous === null ? '—' : `${t >= previous ? '+' : '−'}${formatDuration(Math.abs(t - previous))}`;
    if (t !== null) previous = t;
    return text;
  });
  const objectives = [...new Set(runs.flatMap((j) => j.objectives.map((o) => o.objective)))];
  const lost = (j: Journal): string => {
    const counts = j.probes.map((p) => p.report?.lostWrites?.count).filter((c) => c !== undefined);
    return counts.length === 0 ? '—' : String(counts.reduce((a, b) => a + b, 0));
  };
  const rows: [string, (j: Journal, i: number) => string][] = [
    ['started', (j) => esc(j.startedAt)],
    ['verdict', (j) => `<span class="${j.verdict.status === 'passed' ? 'pass' : 'fail'}">${esc(j.verdict.status.toUpperCase())}</span>`],
    ['time to impact', (j) => esc(j.measurement.impactAt === null ? 'no impact observed' : awsTime(j, j.measurement.timeToImpact))],
    ['time to recovery', (j) => esc(recoveryTime(j))],
    ['change', (_j, i) => esc(change[i] ?? '—')],
    ['downtime', (j) => esc(awsTime(j, j.measurement.downtime))],
    ['error rate', (j) => (j.measurement.errorRate === null ? '—' : `${(j.measurement.errorRate.value * 100).toFixed(2)}%`)],
    ['lost writes', (j) => esc(lost(j))],
    ...objectives.map((name): [string, (j: Journal) => string] => [
      `objective ${name}`,
      (j) => {
        const o = j.objectives.find((x) => x.objective === name);
        return o === undefined ? '—' : objectiveStatus(o.status);
      },
    ]),
  ];
  const head = `<tr><th></th>${runs.map((j, i) => `<th data-run="${esc(j.runId)}">#${i + 1}<br><code>${esc(j.runId)}</code></th>`).join('')}</tr>`;
  const body = rows
    .map(([name, cell]) => `<tr data-row="${esc(name)}"><th>${esc(name)}</th>${runs.map((j, i) => `<td>${cell(j, i)}</td>`).join('')}</tr>`)
    .join('');
  return `<div class="scroll"><table class="side-by-side">${head}${body}</table></div>`;
}

/** The trend chart's own style, beside the report's (`REPORT_STYLE`) and the timeline's axes. */
export const TREND_STYLE = `svg .ytick{font-size:11px;text-anchor:end;dominant-baseline:middle;fill:#57606a}svg .xtick{font-size:11px;text-anchor:middle;fill:#57606a}
svg .trend-line{fill:none;stroke:#0969da;stroke-width:1.5}svg .recovered{fill:#0969da}svg .not-recovered{stroke:#cf222e;stroke-width:2;fill:none}svg .not-recovered-key{font-size:11px;text-anchor:end;fill:#cf222e}svg .rto-label{font-size:11px;text-anchor:end;fill:#cf222e}`;

const STYLE = `${REPORT_STYLE}
.scroll{overflow-x:auto}table.side-by-side td,table.side-by-side th{white-space:nowrap}${TREND_STYLE}`;

/**
 * Several runs on one self-contained page (no script, no network): per experiment, its runs side by side and the trend
 * of their recovery time as a chart, with the statistics of `--compare`. A pure function of the journals.
 */
export function renderRunsHtml(journals: readonly Journal[]): string {
  const byExperiment = new Map<string, Journal[]>();
  for (const j of [...journals].sort((a, b) => a.startedAtEpochMs - b.startedAtEpochMs))
    byExperiment.set(j.experiment.name, [...(byExperiment.get(j.experiment.name) ?? []), j]);
  const t = (ms: number | null): string => (ms === null ? '—' : formatDuration(ms));
  const sections = [...byExperiment].map(([name, runs]) => {
    const stats = trialStats(runs);
    const ci = stats.medianInterval;
    const summary =
      `Recovered in ${stats.recovered} of ${stats.runs} runs. Time to recovery p50 ${t(stats.p50)}, p95 ${t(stats.p95)}, max ${t(stats.max)}` +
      (ci === null
        ? '.'
        : `; the median lies in [${t(ci.lower)}, ${t(ci.upper)}] with ${(ci.level * 100).toFixed(1)}% confidence${ci.level < 0.95 ? ' (too few runs for 95%)' : ''}.`);
    return `<section class="experiment" data-experiment="${esc(name)}">
<h2>${esc(name)}: ${runs.length} run${runs.length === 1 ? '' : 's'}</h2>
<h3>Recovery time across runs</h3>
${trendChart(runs)}
<p class="stats">${esc(summary)}</p>
<h3>Runs side by side</h3>
${sideBySide(runs)}
</section>`;
  });
  const passed = journals.filter((j) => j.verdict.status === 'passed').length;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(`gameday: ${journals.length} runs`)}</title><style>${STYLE}</style></head>
<body>
<h1>${journals.length} runs of ${byExperiment.size} experiment${byExperiment.size === 1 ? '' : 's'}</h1>
<p id="verdict" class="verdict ${passed === journals.length ? 'passed' : 'other'}">${passed} of ${journals.length} passed</p>
${sections.join('\n')}
</body></html>
`;
}
