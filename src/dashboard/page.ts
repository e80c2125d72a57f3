import type { Journal } from '../engine/journal.js';
import type { AuditEntry } from '../orchestrator/audit-trail.js';
import type { Halt } from '../orchestrator/kill-switch.js';
import type { FreezeWindow } from '../orchestrator/freeze-windows.js';
import type { ProbeMetrics, RunStatus } from '../orchestrator/run-store.js';
import type { ScheduleInfo } from '../orchestrator/schedules.js';
import { formatDuration } from '../experiment/duration.js';
import { esc } from '../report/escape.js';
import { REPORT_STYLE } from '../report/html.js';
import { recoveryTime } from '../report/markdown.js';
import { TREND_STYLE, trendChart } from '../report/runs-html.js';

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
  /** The newest entries of the audit trail. */
  audit: AuditEntry[];
  /** Experiments the operator may run now: an id the server knows and a label. */
  runnable: RunChoice[];
  /** Who is looking, as the audit trail will name their actions. */
  who: string;
}

/** One experiment the dashboard can run now: from a schedule or from its `--experiments` directory. */
export interface RunChoice {
  id: string;
  label: string;
}

/** What a page needs to send actions: its operator's CSRF token and whether a log-out button makes sense. */
export interface PageSession {
  csrf: string;
  canLogOut: boolean;
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

/** A time the page shows in the viewer's time zone (see LOCAL_TIMES), with the UTC instant on hover. */
const time = (ms: number | null | undefined): string =>
  ms === null || ms === undefined ? '—' : `<time datetime="${iso(ms)}" title="${iso(ms)}">${iso(ms)}</time>`;

/** Rewrites each time into the viewer's zone and locale; without script the UTC instant stays readable. */
const LOCAL_TIMES = `<script>for(const t of document.querySelectorAll('time[datetime]'))t.textContent=new Date(t.dateTime).toLocaleString(undefined,{year:'numeric',month:'short',day:'numeric',hour:'2-digit',minute:'2-digit',second:'2-digit',hourCycle:'h23',timeZoneName:'short'});</script>`;

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1b1f24}h1{font-size:1.4rem}table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border:1px solid #d0d7de;padding:.25rem .6rem;text-align:left;vertical-align:top}th{background:#f6f8fa}
td.nowrap,time{white-space:nowrap}.passed{color:#1a7f37;font-weight:600}.bad{color:#cf222e;font-weight:600}#halt{padding:.5rem .8rem;border-radius:6px;display:inline-block}#halt.halted{background:#ffebe9}#halt.running{background:#dafbe1}
form.inline{display:inline;margin:0}button{font:inherit;padding:.15rem .6rem;cursor:pointer}#notice{color:#cf222e;font-weight:600}#notice:empty{display:none}.paused{color:#9a6700;font-weight:600}ol#timeline{padding-left:1.5rem}ol#timeline li{white-space:pre-wrap}
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
    td(`<a class="live" href="/runs/${encodeURIComponent(r.runId)}"><code>${esc(r.runId)}</code></a>`, 'nowrap run-id'),
    td(`<a class="experiment" href="/experiments/${encodeURIComponent(r.experiment)}">${esc(r.experiment)}</a>`),
    td(esc(r.state === 'finished' || r.phase === undefined ? r.state : `${r.state} (${r.phase})`)),
    td(r.state === 'finished' ? '' : probeStates(r.metrics)),
    td(
      r.verdict === undefined
        ? ''
        : `<span class="verdict ${r.verdict === 'passed' ? 'passed' : 'bad'}">${esc(r.verdict)}</span>${r.reason === undefined ? '' : ` — ${esc(r.reason)}`}`,
    ),
    td(`<span class="recovery">${esc(r.recovery ?? '')}</span>`),
    td(time(r.startedAt ?? r.submittedAt), 'nowrap started'),
    td(
      r.hasReport
        ? `<a class="report" href="/runs/${encodeURIComponent(r.runId)}/report">report</a>`
        : r.state === 'finished'
          ? ''
          : action(`/api/runs/${encodeURIComponent(r.runId)}/abort`, 'abort', 'Abort', r.abortRequested === true ? ' disabled' : ''),
    ),
  ]);
  return table(
    'runs',
    ['run', 'experiment', 'state', 'probes', 'verdict', 'time to recovery', 'started', ''],
    rows,
    empty,
    (i) => ` data-run="${esc(runs[i]?.runId ?? '')}"`,
  );
}

/** A button that POSTs to `path` (see ACTIONS); `fields` are the form's inputs before it. */
const action = (path: string, name: string, label: string, attrs = '', fields = ''): string =>
  `<form class="inline action" method="post" action="${esc(path)}" data-action="${esc(name)}">${fields}<button type="submit"${attrs}>${esc(label)}</button></form>`;

/**
 * Sends every action form as a JSON POST with the page's CSRF token, then follows the answer: to the page it names
 * (a run started now) or a reload of this one. A refusal is shown in #notice in the server's own sentence.
 */
const ACTIONS = `<script>
const csrf=document.querySelector('meta[name=csrf]').content;
for(const f of document.querySelectorAll('form.action'))f.addEventListener('submit',async e=>{e.preventDefault();
const b=f.querySelector('button');b.disabled=true;const n=document.getElementById('notice');
try{const r=await fetch(f.action,{method:'POST',headers:{'content-type':'application/json','x-csrf-token':csrf},body:JSON.stringify(Object.fromEntries(new FormData(f)))});
const a=await r.json();if(!r.ok){n.textContent=a.error;b.disabled=false;return}if(a.go)location.assign(a.go);else location.reload()}
catch(x){n.textContent='The dashboard did not answer: '+x;b.disabled=false}});
</script>`;

/**
 * Reloads the page every 5 seconds, except while the operator is typing in one of its fields (a halt's reason would
 * be lost).
 */
const RELOAD = `<script>setInterval(()=>{const a=document.activeElement;if(a&&(a.tagName==='INPUT'||a.tagName==='SELECT'))return;
for(const i of document.querySelectorAll('input[type=text]'))if(i.value)return;location.reload()},5000);</script>`;

const page = (title: string, body: string, session?: PageSession, options: { reload?: boolean; style?: string } = {}): string => `<!doctype html>
<html lang="en"><head><meta charset="utf-8">${session === undefined ? '' : `<meta name="csrf" content="${esc(session.csrf)}">`}<title>${esc(title)}</title><style>${options.style ?? STYLE}</style></head>
<body>
${session === undefined ? '' : `<p id="notice" role="alert"></p>`}
${body}
${LOCAL_TIMES}
${session === undefined ? '' : ACTIONS}
${options.reload === true ? RELOAD : ''}
</body></html>
`;

/**
 * The dashboard page: halt state, runs (queued, running with their probes' live states, and finished, with verdicts,
 * recovery times and a link to each report), schedules (each linking to the runs it started) and freeze windows. A
 * pure function of the state; it reloads itself every 5 seconds and shows times in the viewer's time zone.
 */
export function renderDashboard(s: DashboardState, session: PageSession): string {
  const now = s.at;
  const schedules = s.schedules.map((x) => {
    const started = s.scheduleRuns[x.name]?.length ?? 0;
    const path = `/api/schedules/${encodeURIComponent(x.name)}`;
    return [
      td(esc(x.name)),
      td(`<code>${esc(x.cron)}</code>`, 'nowrap'),
      td(esc(x.tz)),
      td(x.paused ? '<span class="paused">paused</span>' : time(x.next), 'nowrap'),
      td(esc(x.parallel ? 'parallel' : 'sequence')),
      td(esc(x.experiments.join(', '))),
      td(`<a class="schedule-runs" href="/schedules/${encodeURIComponent(x.name)}">${started} run${started === 1 ? '' : 's'}</a>`),
      td(x.paused ? action(`${path}/resume`, 'schedule-resume', 'Resume') : action(`${path}/pause`, 'schedule-pause', 'Pause')),
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
      ? `<p id="halt" class="running">Runs start normally (not halted).</p> ${action('/api/halt', 'halt', 'Halt', '', '<input type="text" name="reason" placeholder="reason" required aria-label="reason"> ')}`
      : `<p id="halt" class="halted">HALTED since ${time(s.halt.since)}: ${esc(s.halt.reason)}</p> ${action('/api/resume', 'resume', 'Resume')}`;
  const runNow =
    s.runnable.length === 0
      ? ''
      : `<p>${action(
          '/api/run',
          'run',
          'Run now',
          '',
          `<select name="experiment" aria-label="experiment">${s.runnable.map((c) => `<option value="${esc(c.id)}">${esc(c.label)}</option>`).join('')}</select> `,
        )}</p>`;
  const audit = s.audit.map((a) => [
    td(time(a.at), 'nowrap'),
    td(esc(a.who), 'who'),
    td(esc(a.action), 'what'),
    td(a.target === '' ? '' : `<code>${esc(a.target)}</code>`),
    td(esc(a.detail ?? '')),
    td(esc(a.result), 'result'),
  ]);
  return page(
    'gameday dashboard',
    `<h1>gameday</h1>
<p id="who">Signed in as <strong>${esc(s.who)}</strong>${session.canLogOut ? ` ${action('/logout', 'logout', 'Log out')}` : ''}</p>
${halt}
<h2>Runs</h2>
${runNow}
${runsTable(s.runs, 'No runs on this queue.')}
<h2>Schedules</h2>
${table('schedules', ['name', 'cron', 'time zone', 'next game day', 'mode', 'experiments', 'started', ''], schedules, 'No schedules.')}
<h2>Freeze windows</h2>
${table('freeze', ['name', 'from', 'to', 'state', 'reason'], windows, 'No freeze windows.')}
<h2>Audit trail</h2>
${table('audit', ['when', 'who', 'action', 'target', 'detail', 'result'], audit, 'Nobody has acted yet.')}
<p>Read ${time(s.at)}; this page reloads every 5 seconds.</p>`,
    session,
    { reload: true },
  );
}

/** The runs one schedule's game days started, newest first, as the dashboard lists runs. */
export function renderScheduleRuns(name: string, runs: readonly DashboardRun[], session: PageSession): string {
  return page(
    `gameday: schedule ${name}`,
    `<h1>Runs of schedule ${esc(name)}</h1>
<p><a href="/">← dashboard</a></p>
${runsTable(runs, `No run of schedule '${name}' is kept on this queue.`)}`,
    session,
  );
}

/** The log-in page: the token (and a name for the audit trail), posted back to `/login`. */
export function renderLogin(next: string, problem?: string): string {
  return page(
    'gameday: log in',
    `<h1>gameday</h1>
${problem === undefined ? '' : `<p id="login-problem" class="bad">${esc(problem)}</p>`}
<form id="login" method="post" action="/login">
<input type="hidden" name="next" value="${esc(next)}">
<p><label>Token <input type="password" name="token" required autocomplete="current-password"></label></p>
<p><label>Your name, for the audit trail (optional) <input type="text" name="name" autocomplete="username"></label></p>
<p><button type="submit">Log in</button></p>
</form>`,
  );
}

/** The live view's script: the run's status and timeline events over server-sent events, then its report. */
const LIVE = `<script>
const es=new EventSource(location.pathname+'/events');
const ms=(v)=>v===null||v===undefined?'—':v<1000?Math.round(v)+'ms':(v/1000).toFixed(1)+'s';
es.addEventListener('status',e=>{const s=JSON.parse(e.data);
document.getElementById('run-state').textContent=s.state+(s.phase&&s.state!=='finished'?' ('+s.phase+')':'')+(s.abortRequested&&s.state!=='finished'?', aborting':'');
const t=document.getElementById('probes');t.replaceChildren();
for(const [name,m] of Object.entries(s.metrics||{})){const r=document.createElement('tr');r.dataset.probe=name;
const st=m.ok===null?'unknown':m.ok?'ok':'failing';r.className='probe '+st;
for(const [c,v] of [['name',name],['state',st],['samples',String(m.samples)],['failed',String(m.failedSamples)],['latency',ms(m.lastLatencyMs)],['value',m.lastValue===undefined?'':String(m.lastValue)]]){const d=document.createElement('td');d.className=c;d.textContent=v;r.append(d)}
t.append(r)}});
es.addEventListener('event',e=>{const v=JSON.parse(e.data);const li=document.createElement('li');li.className='event '+v.type;
li.textContent=new Date(v.at).toLocaleTimeString(undefined,{hourCycle:'h23'})+'  '+v.text;document.getElementById('timeline').append(li)});
es.addEventListener('end',e=>{es.close();const v=JSON.parse(e.data);document.getElementById('live').textContent='The run ended: '+v.verdict+'.';
if(v.report)location.assign(v.report)});
</script>`;

/**
 * A run's live view: its state and phase, each probe's state, sample counts and last latency, and its timeline of
 * events as they arrive, all pushed by `/runs/RUN/events`; when the run ends the page opens its report.
 */
export function renderLiveRun(status: RunStatus, session: PageSession): string {
  return page(
    `gameday: run ${status.runId}`,
    `<h1>Run <code>${esc(status.runId)}</code>: <a href="/experiments/${encodeURIComponent(status.experiment)}">${esc(status.experiment)}</a></h1>
<p><a href="/">← dashboard</a></p>
<p>State: <strong id="run-state">${esc(status.state)}</strong> ${status.state === 'finished' ? '' : action(`/api/runs/${encodeURIComponent(status.runId)}/abort`, 'abort', 'Abort')}</p>
<h2>Probes</h2>
<table><thead><tr><th>probe</th><th>state</th><th>samples</th><th>failed</th><th>last latency</th><th>last value</th></tr></thead><tbody id="probes"></tbody></table>
<h2>Timeline</h2>
<ol id="timeline"></ol>
<p id="live">Live: this page follows the run as it goes.</p>
${LIVE}`,
    session,
  );
}

/** One experiment's finished runs on this queue: the recovery-time trend of `gameday report --runs`, and the runs. */
export function renderExperiment(name: string, journals: readonly Journal[], runs: readonly DashboardRun[], session: PageSession): string {
  const ordered = [...journals].sort((a, b) => a.startedAtEpochMs - b.startedAtEpochMs);
  const recovered = ordered.filter((j) => j.measurement.recovered).length;
  return page(
    `gameday: ${name}`,
    `<h1>Experiment ${esc(name)}</h1>
<p><a href="/">← dashboard</a></p>
<h2>Recovery time across runs</h2>
${ordered.length === 0 ? '<p id="trend">No finished run of it has a journal on this queue yet.</p>' : `<div id="trend">${trendChart(ordered)}</div><p class="stats">Recovered in ${recovered} of ${ordered.length} runs; the last: ${esc(recoveryTime(ordered[ordered.length - 1] as Journal))}.</p>`}
<h2>Runs</h2>
${runsTable(runs, `No run of ${name} is kept on this queue.`)}`,
    session,
    { style: `${STYLE}\n${REPORT_STYLE.replace(/^body\{[^}]*\}/, '')}\n${TREND_STYLE}` },
  );
}
