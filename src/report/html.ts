import { uncertainty, type Bracket } from '../engine/bracket.js';
import { decodeSamples, type Journal } from '../engine/journal.js';
import { formatDuration } from '../experiment/duration.js';
import { hypothesisChecks } from './hypothesis.js';
import { awsTime, errorMeasures, objectiveValues, recoveryTime } from './markdown.js';

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const WIDTH = 1000;
const LEFT = 150;
const RIGHT = 20;
const LANE = 46;
const TOP = 60;

/**
 * The run's timeline as an SVG: per probe a lane of samples (green in tolerance, red out) with its latency as a line,
 * and the injection, impact, recovery and rollback marked with their uncertainty brackets as bands.
 */
function timeline(j: Journal): string {
  const end = Math.max(j.durationMs, 1);
  const x = (t: number): number => LEFT + (Math.min(Math.max(t, 0), end) / end) * (WIDTH - LEFT - RIGHT);
  const height = TOP + j.probes.length * LANE + 40;
  const parts: string[] = [];
  // Time axis, in AWS time on a sped-up simulated region.
  const speed = j.environment.speed;
  for (let i = 0; i <= 10; i++) {
    const t = (end * i) / 10;
    parts.push(`<line x1="${x(t)}" y1="${TOP - 6}" x2="${x(t)}" y2="${height - 30}" class="grid"/>`);
    parts.push(`<text x="${x(t)}" y="${height - 14}" class="tick">${esc(formatDuration(t * speed))}</text>`);
  }
  j.probes.forEach((p, i) => {
    const y = TOP + i * LANE;
    parts.push(`<text x="${LEFT - 8}" y="${y + LANE / 2}" class="lane">${esc(p.name)}</text>`);
    const samples = decodeSamples(p.samples);
    for (const [k, s] of samples.entries()) {
      const next = samples[k + 1];
      const w = Math.max(0.5, x(next?.start ?? s.end) - x(s.start));
      parts.push(`<rect x="${x(s.start).toFixed(2)}" y="${y + LANE - 14}" width="${w.toFixed(2)}" height="10" class="${s.ok ? 'ok' : 'bad'}"><title>${esc(`${formatDuration(s.start)}: ${s.ok ? 'ok' : (s.reason ?? 'failed')}`)}</title></rect>`);
    }
    const timed = samples.filter((s) => s.latencyMs !== undefined);
    const max = Math.max(1, ...timed.map((s) => s.latencyMs ?? 0));
    if (timed.length > 1) {
      const points = timed.map((s) => `${x(s.start).toFixed(1)},${(y + LANE - 18 - ((s.latencyMs ?? 0) / max) * (LANE - 24)).toFixed(1)}`).join(' ');
      parts.push(`<polyline points="${points}" class="latency"><title>latency, max ${esc(formatDuration(max))}</title></polyline>`);
    }
  });
  const m = j.measurement;
  let marks = 0;
  const mark = (b: Bracket | null, cls: string, label: string): void => {
    if (b === null) return;
    // Labels step up so that close markers stay readable.
    const labelY = TOP - 10 - 12 * (marks++ % 4);
    parts.push(`<rect x="${x(b.lower).toFixed(2)}" y="${TOP - 6}" width="${Math.max(1, x(b.upper) - x(b.lower)).toFixed(2)}" height="${height - 30 - TOP + 6}" class="${cls} bracket"><title>${esc(`${label}: ±${formatDuration(uncertainty(b))}`)}</title></rect>`);
    parts.push(`<line x1="${x(b.value)}" y1="${TOP - 6}" x2="${x(b.value)}" y2="${height - 30}" class="${cls} marker"/>`);
    parts.push(`<text x="${x(b.value) + 3}" y="${labelY}" class="${cls} label">${esc(label)}</text>`);
  };
  mark(m.injectedAt, 'inject', 'injection');
  mark(m.impactAt, 'impact', 'impact');
  mark(m.recoveredAt, 'recover', 'recovered');
  const rollback = j.phases.find((p) => p.name === 'rollback');
  if (rollback !== undefined) mark({ value: rollback.startedAt, lower: rollback.startedAt, upper: rollback.endedAt ?? rollback.startedAt }, 'rollback', 'rollback');
  return `<svg id="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="recovery timeline">${parts.join('')}</svg>`;
}

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1b1f24}h1{font-size:1.4rem}table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border:1px solid #d0d7de;padding:.25rem .6rem;text-align:left;vertical-align:top}th{background:#f6f8fa}
.pass{color:#1a7f37;font-weight:600}.fail{color:#cf222e;font-weight:600}.verdict{font-size:1.1rem;padding:.5rem .8rem;border-radius:6px;display:inline-block}.verdict.passed{background:#dafbe1}.verdict.other{background:#ffebe9}
svg .grid{stroke:#eaeef2}svg .tick{font-size:11px;text-anchor:middle;fill:#57606a}svg .lane{font-size:12px;text-anchor:end;dominant-baseline:middle}svg .ok{fill:#2da44e}svg .bad{fill:#cf222e}svg .latency{fill:none;stroke:#0969da;stroke-width:1}
svg .bracket{opacity:.18}svg .marker{stroke-width:1.5}svg .label{font-size:11px}svg .inject{fill:#8250df;stroke:#8250df}svg .impact{fill:#cf222e;stroke:#cf222e}svg .recover{fill:#1a7f37;stroke:#1a7f37}svg .rollback{fill:#9a6700;stroke:#9a6700}`;

/**
 * One self-contained HTML file (no script, no network): summary and verdict, the timeline, the objectives, each probe's
 * hypothesis, and the actions with their AWS calls. A pure function of the journal.
 */
export function renderHtml(j: Journal): string {
  const m = j.measurement;
  const rows = (cells: string[][]): string => cells.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('');
  const objectives = j.objectives.map((o) => {
    const v = objectiveValues(o);
    return [esc(o.objective), `<span class="${o.status}">${o.status === 'not-evaluated' ? 'not evaluated (aborted)' : o.status.toUpperCase()}</span>`, esc(v.measured), esc(v.target), esc(v.margin), esc(o.detail)];
  });
  const checks = hypothesisChecks(j).map((h) => [esc(h.probe), esc(h.phase), h.held === null ? '—' : h.held ? '<span class="pass">held</span>' : `<span class="fail">failed</span> (${esc(h.reason ?? '')})`, String(h.samples)]);
  const actions = j.activities.flatMap((a) =>
    (a.calls.length === 0 ? [undefined] : a.calls).map((c, i) => [
      i === 0 ? `${esc(a.kind)} ${esc(a.name)}` : '',
      i === 0 ? esc(a.action) : '',
      i === 0 ? esc(a.status) + (a.error === undefined ? '' : `: ${esc(a.error.message)}`) : '',
      c === undefined ? '—' : `${esc(c.service)}:${esc(c.operation)}${c.mutating ? ' (mutating)' : ''}`,
      c === undefined ? '' : c.ok ? 'ok' : `<span class="fail">${esc(c.error?.name ?? 'failed')}</span>`,
      c?.requestId === undefined ? '' : `<code>${esc(c.requestId)}</code>`,
    ]),
  );
  const measures = [
    ['time to impact', m.impactAt === null ? 'no impact observed' : awsTime(j, m.timeToImpact)],
    ['time to recovery', recoveryTime(j)],
    ...errorMeasures(j),
    ...j.probes.filter((p) => p.report?.lostWrites !== undefined).map((p) => [`lost writes (${p.name})`, `${p.report?.lostWrites?.count ?? 0} of ${p.report?.lostWrites?.acknowledged ?? 0} acknowledged`]),
  ].map(([k, v]) => [esc(k ?? ''), esc(v ?? '')]);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(`${j.experiment.name}: ${j.verdict.status}`)}</title><style>${STYLE}</style></head>
<body>
<h1>${esc(j.experiment.name)}</h1>
<p class="verdict ${j.verdict.status === 'passed' ? 'passed' : 'other'}" id="verdict">${esc(j.verdict.status.toUpperCase())} — ${esc(j.verdict.reason)}</p>
<p>Run <code>${esc(j.runId)}</code> on ${esc(j.environment.type)} (${esc(j.environment.region)}${j.environment.speed === 1 ? '' : `, ${j.environment.speed}× faster than AWS; times are AWS time`}), started ${esc(j.startedAt)}, took ${esc(formatDuration(j.durationMs))}.</p>
<table id="measures"><tr><th>measure</th><th>value</th></tr>${rows(measures)}</table>
<h2>Timeline</h2>
${timeline(j)}
<h2>Objectives</h2>
<table id="objectives"><tr><th>objective</th><th>status</th><th>measured</th><th>target</th><th>margin</th><th>detail</th></tr>${rows(objectives)}</table>
<h2>Steady-state hypothesis</h2>
<table id="hypothesis"><tr><th>probe</th><th>phase</th><th>result</th><th>samples</th></tr>${rows(checks)}</table>
<h2>Actions and AWS calls</h2>
<table id="actions"><tr><th>step</th><th>action</th><th>status</th><th>call</th><th>outcome</th><th>request id</th></tr>${rows(actions)}</table>
</body></html>
`;
}
