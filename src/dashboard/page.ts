import type { Halt } from '../orchestrator/kill-switch.js';
import type { FreezeWindow } from '../orchestrator/freeze-windows.js';
import type { RunStatus } from '../orchestrator/run-store.js';
import type { ScheduleInfo } from '../orchestrator/schedules.js';

/** One run on the dashboard: its status and, once it has a journal, its measured time to recovery. */
export interface DashboardRun extends RunStatus {
  recovery?: string;
  hasReport: boolean;
}

/** Everything the dashboard shows, read at one instant. */
export interface DashboardState {
  at: number;
  halt: Halt | null;
  runs: DashboardRun[];
  schedules: ScheduleInfo[];
  freezeWindows: FreezeWindow[];
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const iso = (ms: number | null | undefined): string => (ms === null || ms === undefined ? '—' : new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z'));

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1b1f24}h1{font-size:1.4rem}table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border:1px solid #d0d7de;padding:.25rem .6rem;text-align:left;vertical-align:top}th{background:#f6f8fa}
.passed{color:#1a7f37;font-weight:600}.bad{color:#cf222e;font-weight:600}#halt{padding:.5rem .8rem;border-radius:6px;display:inline-block}#halt.halted{background:#ffebe9}#halt.running{background:#dafbe1}`;

/**
 * The dashboard page: halt state, runs (queued, running and finished, with verdicts, recovery times and a link to each
 * report), schedules and freeze windows. A pure function of the state; it reloads itself every 5 seconds.
 */
export function renderDashboard(s: DashboardState): string {
  const table = (id: string, head: string[], rows: string[][], empty: string, rowAttrs: (i: number) => string = () => ''): string =>
    rows.length === 0
      ? `<p id="${id}">${esc(empty)}</p>`
      : `<table id="${id}"><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>${rows.map((r, i) => `<tr${rowAttrs(i)}>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</table>`;
  const runs = s.runs.map((r) => [
    `<code>${esc(r.runId)}</code>`,
    esc(r.experiment),
    esc(r.state === 'finished' || r.phase === undefined ? r.state : `${r.state} (${r.phase})`),
    r.verdict === undefined ? '' : `<span class="verdict ${r.verdict === 'passed' ? 'passed' : 'bad'}">${esc(r.verdict)}</span>${r.reason === undefined ? '' : ` — ${esc(r.reason)}`}`,
    `<span class="recovery">${esc(r.recovery ?? '')}</span>`,
    esc(iso(r.startedAt ?? r.submittedAt)),
    r.hasReport ? `<a class="report" href="/runs/${encodeURIComponent(r.runId)}/report">report</a>` : '',
  ]);
  const now = s.at;
  const schedules = s.schedules.map((x) => [esc(x.name), `<code>${esc(x.cron)}</code>`, esc(x.tz), esc(iso(x.next)), esc(x.parallel ? 'parallel' : 'sequence'), esc(x.experiments.join(', '))]);
  const windows = s.freezeWindows.map((w) => [esc(w.name), esc(iso(w.from)), esc(iso(w.to)), esc(w.from <= now && now < w.to ? 'in effect' : w.to <= now ? 'ended' : 'upcoming'), esc(w.reason ?? '')]);
  const halt = s.halt === null ? '<p id="halt" class="running">Runs start normally (not halted).</p>' : `<p id="halt" class="halted">HALTED since ${esc(iso(s.halt.since))}: ${esc(s.halt.reason)}</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5"><title>gameday dashboard</title><style>${STYLE}</style></head>
<body>
<h1>gameday</h1>
${halt}
<h2>Runs</h2>
${table('runs', ['run', 'experiment', 'state', 'verdict', 'time to recovery', 'started', ''], runs, 'No runs on this queue.', (i) => ` data-run="${esc(s.runs[i]?.runId ?? '')}"`)}
<h2>Schedules</h2>
${table('schedules', ['name', 'cron', 'time zone', 'next game day', 'mode', 'experiments'], schedules, 'No schedules.')}
<h2>Freeze windows</h2>
${table('freeze', ['name', 'from', 'to', 'state', 'reason'], windows, 'No freeze windows.')}
<p>Read ${esc(iso(s.at))}; this page reloads every 5 seconds.</p>
</body></html>
`;
}
