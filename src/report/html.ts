import type { Journal } from '../engine/journal.js';
import { formatDuration } from '../experiment/duration.js';
import { esc } from './escape.js';
import { hypothesisChecks } from './hypothesis.js';
import { headlineMeasures, objectiveValues } from './markdown.js';
import { callResources } from './resources.js';
import { timeline, TIMELINE_STYLE } from './timeline.js';
import { failureText, journeySummaries } from './journeys.js';
import { effectText, grayFailureText } from './summary.js';

/** The report pages' styles: tables, verdicts, objective statuses (any status, not only pass and fail) and the timeline. */
export const REPORT_STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1b1f24}h1{font-size:1.4rem}table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border:1px solid #d0d7de;padding:.25rem .6rem;text-align:left;vertical-align:top}th{background:#f6f8fa}
.pass{color:#1a7f37;font-weight:600}.fail{color:#cf222e;font-weight:600}.status{color:#57606a;font-weight:600}.verdict{font-size:1.1rem;padding:.5rem .8rem;border-radius:6px;display:inline-block}.verdict.passed{background:#dafbe1}.verdict.other{background:#ffebe9}
td.resources code{display:block;white-space:nowrap}
.rollback-failed{background:#cf222e;color:#fff;padding:.8rem 1rem;border-radius:6px;margin-bottom:1rem}.rollback-failed table{background:#fff;color:#1b1f24}
${TIMELINE_STYLE}`;

/** An objective's status as a coloured word; statuses other than pass and fail (not evaluated…) are shown as they are. */
export function objectiveStatus(status: string): string {
  const cls = status === 'pass' ? 'pass' : status === 'fail' ? 'fail' : 'status';
  // Only an aborted run leaves its objectives unjudged: the fault never had its whole window.
  return `<span class="${cls}">${esc(status === 'not-evaluated' ? 'not evaluated (aborted)' : status.toUpperCase())}</span>`;
}

/** A red banner before everything when undos failed past their retries: what may still be faulted, and why. */
function rollbackFailedBanner(j: Journal): string {
  const outstanding = j.outstandingUndo ?? [];
  if (outstanding.length === 0) return '';
  const rows = outstanding
    .map(
      (u) =>
        `<tr><td>${esc(u.kind)} ${esc(u.fault)}</td><td>${esc(u.action)}</td><td class="resources">${u.resources.map((r) => `<code>${esc(r)}</code>`).join('') || '—'}</td><td>${esc(u.region ?? j.environment.region)}</td><td>${u.attempts}</td><td>${esc(u.error.message)}</td></tr>`,
    )
    .join('');
  const otherwise =
    j.verdict.otherwise === undefined
      ? ''
      : `<p>Otherwise the run was ${esc(j.verdict.otherwise.status.toUpperCase())}: ${esc(j.verdict.otherwise.reason)}</p>`;
  return `<div class="rollback-failed" id="rollback-failed" role="alert"><strong>ROLLBACK FAILED — faults may still be in place.</strong> ${esc(j.verdict.reason)}
<table><tr><th>step</th><th>action</th><th>resources</th><th>region</th><th>attempts</th><th>last error</th></tr>${rows}</table>${otherwise}</div>
`;
}

/**
 * One self-contained HTML file (no script, no network): summary and verdict, the timeline, the objectives, each probe's
 * hypothesis, and the actions with their AWS calls. A pure function of the journal.
 */
export function renderHtml(j: Journal): string {
  const gray = grayFailureText(j);
  const rows = (cells: string[][], columnClasses: readonly string[] = []): string =>
    cells.map((r) => `<tr>${r.map((c, i) => `<td${columnClasses[i] ? ` class="${columnClasses[i]}"` : ''}>${c}</td>`).join('')}</tr>`).join('');
  const objectives = j.objectives.map((o) => {
    const v = objectiveValues(o);
    return [esc(o.objective), objectiveStatus(o.status), esc(v.measured), esc(v.target), esc(v.margin), esc(o.detail)];
  });
  const checks = hypothesisChecks(j).map((h) => [
    esc(h.probe),
    esc(h.phase),
    h.held === null ? '—' : h.held ? '<span class="pass">held</span>' : `<span class="fail">failed</span> (${esc(h.reason ?? '')})`,
    String(h.samples),
  ]);
  const journeys = journeySummaries(j).map((s) => [
    esc(s.probe),
    esc(s.steps.join(' → ')),
    String(s.journeys),
    String(s.failed),
    s.p99During === null ? '—' : esc(formatDuration(s.p99During)),
    esc(failureText(s)),
  ]);
  const actions = j.activities.flatMap((a) =>
    (a.calls.length === 0 ? [undefined] : a.calls).map((c, i) => [
      i === 0 ? `${esc(a.kind)} ${esc(a.name)}` : '',
      i === 0 ? esc(a.action) : '',
      i === 0
        ? esc(a.status) +
          (a.error === undefined ? '' : `: ${esc(a.error.message)}`) +
          (a.effect === undefined ? '' : `<br>effect: ${esc(effectText(a.effect))}`)
        : '',
      c === undefined ? '—' : `${esc(c.service)}:${esc(c.operation)}${c.mutating ? ' (mutating)' : ''}`,
      c === undefined
        ? ''
        : callResources(c.request)
            .map((r) => `<code>${esc(r)}</code>`)
            .join(''),
      c === undefined ? '' : c.ok ? 'ok' : `<span class="fail">${esc(c.error?.name ?? 'failed')}</span>`,
      c?.requestId === undefined ? '' : `<code>${esc(c.requestId)}</code>`,
    ]),
  );
  const measures = headlineMeasures(j).map(([k, v]) => [esc(k), esc(v)]);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(`${j.experiment.name}: ${j.verdict.status}`)}</title><style>${REPORT_STYLE}</style></head>
<body>
${rollbackFailedBanner(j)}<h1>${esc(j.experiment.name)}</h1>
<p class="verdict ${j.verdict.status === 'passed' ? 'passed' : 'other'}" id="verdict">${esc(j.verdict.status.toUpperCase())} — ${esc(j.verdict.reason)}</p>
${gray === undefined ? '' : `<p id="gray-failure"><strong>${esc(gray)}</strong></p>\n`}<p>Run <code>${esc(j.runId)}</code> on ${esc(j.environment.type)} (${esc(j.environment.region)}${j.environment.speed === 1 ? '' : `, ${j.environment.speed}× faster than AWS; times are AWS time`}), started ${esc(j.startedAt)}, took ${esc(formatDuration(j.durationMs))}.</p>
<table id="measures"><tr><th>measure</th><th>value</th></tr>${rows(measures)}</table>
<h2>Timeline</h2>
${timeline(j)}
<h2>Objectives</h2>
<table id="objectives"><tr><th>objective</th><th>status</th><th>measured</th><th>target</th><th>margin</th><th>detail</th></tr>${rows(objectives)}</table>
<h2>Steady-state hypothesis</h2>
<table id="hypothesis"><tr><th>probe</th><th>phase</th><th>result</th><th>samples</th></tr>${rows(checks)}</table>
${
  journeys.length === 0
    ? ''
    : `<h2>Journeys</h2>
<table id="journeys"><tr><th>probe</th><th>steps</th><th>journeys</th><th>failed</th><th>p99 during</th><th>failures</th></tr>${rows(journeys)}</table>
`
}<h2>Actions and AWS calls</h2>
<table id="actions"><tr><th>step</th><th>action</th><th>status</th><th>call</th><th>resources</th><th>outcome</th><th>request id</th></tr>${rows(actions, ['', '', '', '', 'resources'])}</table>
</body></html>
`;
}
