import type { Halt } from '../orchestrator/kill-switch.js';
import type { FreezeWindow } from '../orchestrator/freeze-windows.js';
import type { ProbeMetrics, RunStatus } from '../orchestrator/run-store.js';
import type { ScheduleInfo } from '../orchestrator/schedules.js';
import { formatDuration } from '../experiment/duration.js';
import { esc } from '../report/escape.js';

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
  /** The runs each schedule's game days started, by schedule name. */
  scheduleRuns: Record<string, string[]>;
  freezeWindows: FreezeWindow[];
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

/** A time the page shows in the viewer's time zone (see LOCAL_TIMES), with the UTC instant on hover. */
const time = (ms: number | null | undefined): string =>
  ms === null || ms === undefined ? '—' : `<time datetime="${iso(ms)}" title="${iso(ms)}">${iso(ms)}</time>`;

/** Rewrites each time into the viewer's zone and locale; without script the UTC instant stays readable. */
const LOCAL_TIMES = `<script>for(const t of document.querySelectorAll('time[datetime]'))t.textContent=new Date(t.dateTime).toLocaleString(undefined,{year:'numeric',month:'short',day:'numeric',hour:'2-digit',minute:'2-digit',second:'2-digit',hourCycle:'h23',timeZoneName:'short'});</script>`;

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1b1f24}h1{font-size:1.4rem}table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border:1px solid #d0d7de;padding:.25rem .6rem;text-align:left;vertical-align:top}th{background:#f6f8fa}
td.nowrap,time{white-space:nowrap}.passed{color:#1a7f37;font-weight:600}.bad{color:#cf222e;font-weight:600}#halt{padding:.5rem .8rem;border-radius:6px;display:inline-block}#halt.halted{background:#ffebe9}#halt.running{background:#dafbe1}
ul.probes{list-style:none;margin:0;padding:0}.probe{white-space:nowrap}.probe .state{font-weight:600}.probe.ok .state{color:#1a7f37}.probe.failing .state{color:#cf222e}.probe.unknown .state{color:#57606a}`;

/** A running run's probes as they were at the worker's last flush: state, last observed value and latency. */
function probeStates(metrics: Record<string, ProbeMetrics> | undefined): string {
  const entries = Object.entries(metrics ?? {});
  if (entries.length === 0) return '';
  const items = entries.map(([name, m]) => {
    const state = m.ok === null ? 'unknown' : m.ok ? 'ok' : 'failing';
    const last = [
      m.lastValue === undefined ? undefined : `last value ${String(m.lastValue)}`,
      m.lastLatencyMs === null ? undefined : formatDuration(m.lastLatencyMs),
    ].filter((x) => x !== undefined);
    return `<li class="probe ${state}" data-probe="${esc(name)}"${m.reason === undefined ? '' : ` title="${esc(m.reason)}"`}>${esc(name)}: <span class="state">${state}</span>${last.length === 0 ? '' : ` <span class="last">(${esc(last.join(', '))})</span>`}</li>`;
  });
  return `<ul class="probes">${items.join('')}</ul>`;
}

const table = (id: string, head: string[], rows: string[][], empty: string, rowAttrs: (i: number) => string = () => ''): string =>
  rows.length === 0
    ? `<p id="${id}">${esc(empty)}</p>`
    : `<table id="${id}"><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>${rows.map((r, i) => `<tr${rowAttrs(i)}>${r.join('')}</tr>`).join('')}</table>`;

const td = (html: string, cls?: string): string => `<td${cls === undefined ? '' : ` class="${cls}"`}>${html}</td>`;

/** The runs table: id, experiment, state, live probe states, verdict, recovery time, start and a link to the report. */
function runsTable(runs: readonly DashboardRun[], empty: string): string {
  const rows = runs.map((r) => [
    td(`<code>${esc(r.runId)}</code>`, 'nowrap run-id'),
    td(esc(r.experiment)),
    td(esc(r.state === 'finished' || r.phase === undefined ? r.state : `${r.state} (${r.phase})`)),
    td(r.state === 'finished' ? '' : probeStates(r.metrics)),
    td(
      r.verdict === undefined
        ? ''
        : `<span class="verdict ${r.verdict === 'passed' ? 'passed' : 'bad'}">${esc(r.verdict)}</span>${r.reason === undefined ? '' : ` — ${esc(r.reason)}`}`,
    ),
    td(`<span class="recovery">${esc(r.recovery ?? '')}</span>`),
    td(time(r.startedAt ?? r.submittedAt), 'nowrap started'),
    td(r.hasReport ? `<a class="report" href="/runs/${encodeURIComponent(r.runId)}/report">report</a>` : ''),
  ]);
  return table(
    'runs',
    ['run', 'experiment', 'state', 'probes', 'verdict', 'time to recovery', 'started', ''],
    rows,
    empty,
    (i) => ` data-run="${esc(runs[i]?.runId ?? '')}"`,
  );
}

const page = (title: string, body: string): string => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5"><title>${esc(title)}</title><style>${STYLE}</style></head>
<body>
${body}
${LOCAL_TIMES}
</body></html>
`;

/**
 * The dashboard page: halt state, runs (queued, running with their probes' live states, and finished, with verdicts,
 * recovery times and a link to each report), schedules (each linking to the runs it started) and freeze windows. A
 * pure function of the state; it reloads itself every 5 seconds and shows times in the viewer's time zone.
 */
export function renderDashboard(s: DashboardState): string {
  const now = s.at;
  const schedules = s.schedules.map((x) => {
    const started = s.scheduleRuns[x.name]?.length ?? 0;
    return [
      td(esc(x.name)),
      td(`<code>${esc(x.cron)}</code>`, 'nowrap'),
      td(esc(x.tz)),
      td(time(x.next), 'nowrap'),
      td(esc(x.parallel ? 'parallel' : 'sequence')),
      td(esc(x.experiments.join(', '))),
      td(`<a class="schedule-runs" href="/schedules/${encodeURIComponent(x.name)}">${started} run${started === 1 ? '' : 's'}</a>`),
    ];
  });
  const windows = s.freezeWindows.map((w) => [
    td(esc(w.name)),
    td(time(w.from), 'nowrap'),
    td(time(w.to), 'nowrap'),
    td(esc(w.from <= now && now < w.to ? 'in effect' : w.to <= now ? 'ended' : 'upcoming')),
    td(esc(w.reason ?? '')),
  ]);
  const halt =
    s.halt === null
      ? '<p id="halt" class="running">Runs start normally (not halted).</p>'
      : `<p id="halt" class="halted">HALTED since ${time(s.halt.since)}: ${esc(s.halt.reason)}</p>`;
  return page(
    'gameday dashboard',
    `<h1>gameday</h1>
${halt}
<h2>Runs</h2>
${runsTable(s.runs, 'No runs on this queue.')}
<h2>Schedules</h2>
${table('schedules', ['name', 'cron', 'time zone', 'next game day', 'mode', 'experiments', 'started'], schedules, 'No schedules.')}
<h2>Freeze windows</h2>
${table('freeze', ['name', 'from', 'to', 'state', 'reason'], windows, 'No freeze windows.')}
<p>Read ${time(s.at)}; this page reloads every 5 seconds.</p>`,
  );
}

/** The runs one schedule's game days started, newest first, as the dashboard lists runs. */
export function renderScheduleRuns(name: string, runs: readonly DashboardRun[]): string {
  return page(
    `gameday: schedule ${name}`,
    `<h1>Runs of schedule ${esc(name)}</h1>
<p><a href="/">← dashboard</a></p>
${runsTable(runs, `No run of schedule '${name}' is kept on this queue.`)}`,
  );
}
