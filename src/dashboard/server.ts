import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RedisClient } from '../orchestrator/redis-connection.js';
import { systemClock } from '../core/clock.js';
import { newRunId } from '../engine/runner.js';
import { GamedayError } from '../errors/gameday-error.js';
import { AuditTrail, type AuditAction, type AuditEntry } from '../orchestrator/audit-trail.js';
import type { Keys } from '../orchestrator/keys.js';
import type { RunJob } from '../orchestrator/run-job.js';
import type { RunQueue } from '../orchestrator/run-queue.js';
import type { RunStatus } from '../orchestrator/run-store.js';
import { Schedules, type GameDayExperiment } from '../orchestrator/schedules.js';
import { renderHtml } from '../report/html.js';
import { recoveryTime } from '../report/markdown.js';
import { DashboardAuth, type AuthOptions, type Operator } from './auth.js';
import { ExperimentDirectory } from './experiment-directory.js';
import { followRun } from './live-events.js';
import {
  renderDashboard,
  renderExperiment,
  renderLiveRun,
  renderLogin,
  renderScheduleRuns,
  type DashboardRun,
  type DashboardState,
  type PageSession,
  type RunChoice,
} from './page.js';

export interface DashboardOptions {
  redis: RedisClient;
  keys: Keys;
  runs: RunQueue;
  /** Port on 127.0.0.1; 0 picks a free one. */
  port: number;
  /** Address to listen on. @defaultValue 127.0.0.1 */
  host?: string;
  /** Runs shown, newest first. @defaultValue 100 */
  limit?: number;
  /** Who may look and act; see `DashboardAuth`. The CLI refuses a non-loopback host without a token or proxy header. */
  auth: AuthOptions;
  /** A directory whose experiment files the dashboard offers to run now (only files under it). */
  experimentsDir?: string;
  /**
   * Reads and validates an experiment file into what a queued run carries (its text, name and sim options); throws a
   * `GamedayError` for a bad file. The CLI passes its own (`experimentForQueue`), which the dashboard cannot import.
   */
  prepareExperiment?(file: string): Promise<GameDayExperiment>;
}

/** A running dashboard: its URL, and how to stop it. */
export interface Dashboard {
  url: string;
  close(): Promise<void>;
}

/** Largest request body the dashboard reads (a form of a few fields). */
const MAX_BODY = 64 * 1024;

/** An operator's request the dashboard refuses, with the HTTP status and the one sentence it answers. */
class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Serves the dashboard (`/`), its state as JSON (`/api/state`), each run's live view (`/runs/RUN`, pushed by
 * `/runs/RUN/events`) and report (`/runs/RUN/report`), the runs each schedule started (`/schedules/NAME`) and each
 * experiment's recovery-time trend (`/experiments/NAME`), read from Redis on every request. Operators act through
 * POSTs under `/api/` (halt, resume, abort, run now, pause and resume a schedule), each signed in, same-origin, and
 * recorded on the audit trail.
 */
export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const schedules = new Schedules(options.redis, options.keys);
  const trail = new AuditTrail(options.redis, options.keys);
  const auth = new DashboardAuth(options.auth);
  const directory = options.experimentsDir === undefined ? undefined : new ExperimentDirectory(options.experimentsDir);
  const following = new Set<() => Promise<void>>();

  const withJournal = async (r: RunStatus): Promise<DashboardRun> => {
    const journal = r.state === 'finished' ? await options.runs.journal(r.runId) : undefined;
    return journal === undefined ? { ...r, hasReport: false } : { ...r, recovery: recoveryTime(journal), hasReport: true };
  };

  /** The experiments one can run now: each schedule's, then the directory's files. */
  const runnable = async (): Promise<Map<string, RunChoice & { experiment: () => Promise<GameDayExperiment> }>> => {
    const out = new Map<string, RunChoice & { experiment: () => Promise<GameDayExperiment> }>();
    for (const [name, day] of await schedules.gameDays())
      day.experiments.forEach((e, i) => {
        const id = `schedule:${name}:${i}`;
        out.set(id, { id, label: `${e.experiment} (schedule ${name})`, experiment: async () => e });
      });
    const prepare = options.prepareExperiment;
    if (directory !== undefined && prepare !== undefined)
      for (const file of await directory.list()) {
        const id = `file:${file}`;
        out.set(id, { id, label: file, experiment: async () => prepare(await directory.resolve(file)) });
      }
    return out;
  };

  const state = async (who: string): Promise<DashboardState> => {
    const [halt, statuses, scheduleList, scheduleRuns, freezeWindows, audit, choices] = await Promise.all([
      options.runs.killSwitch.state(),
      options.runs.store.list(options.limit ?? 100),
      schedules.list(),
      schedules.runsBySchedule(),
      options.runs.freezeWindows.list(),
      trail.list(50),
      runnable(),
    ]);
    return {
      at: Date.now(),
      halt,
      runs: await Promise.all(statuses.map(withJournal)),
      schedules: scheduleList,
      scheduleRuns: Object.fromEntries(scheduleRuns),
      freezeWindows,
      audit,
      runnable: [...choices.values()].map(({ id, label }) => ({ id, label })),
      who,
    };
  };

  const scheduleRuns = async (name: string): Promise<DashboardRun[] | undefined> => {
    const [known, byName] = await Promise.all([schedules.list(), schedules.runsBySchedule()]);
    const ids = byName.get(name);
    if (ids === undefined && !known.some((x) => x.name === name)) return undefined;
    const statuses = await Promise.all((ids ?? []).map((id) => options.runs.store.get(id)));
    return Promise.all(statuses.filter((r): r is RunStatus => r !== undefined).map(withJournal));
  };

  /** Runs one action and records it, refused or not, on the audit trail with who asked. */
  const act = async (
    who: Operator,
    what: { action: AuditAction; target: string; detail?: string },
    work: () => Promise<{ result: string; go?: string }>,
  ): Promise<{ entry: AuditEntry; go?: string }> => {
    const detail = what.detail === undefined ? {} : { detail: what.detail };
    try {
      const done = await work();
      const entry = await trail.record({ who: who.who, ...what, ...detail, result: done.result });
      return { entry, ...(done.go === undefined ? {} : { go: done.go }) };
    } catch (error) {
      if (!(error instanceof GamedayError || error instanceof Refusal)) throw error;
      await trail.record({ who: who.who, ...what, ...detail, result: `refused: ${error.message}` });
      throw error instanceof Refusal ? error : new Refusal(409, error.message);
    }
  };

  const actions: { pattern: RegExp; run(who: Operator, match: string, body: Record<string, string>): ReturnType<typeof act> }[] = [
    {
      pattern: /^\/api\/halt$/,
      run: (who, _, body) => {
        const reason = (body.reason ?? '').trim();
        return act(who, { action: 'halt', target: '', detail: reason }, async () => {
          if (reason === '') throw new Refusal(400, 'A halt needs a reason (the field beside the Halt button).');
          await options.runs.killSwitch.halt(`${reason} (by ${who.who})`);
          return { result: 'halted' };
        });
      },
    },
    {
      pattern: /^\/api\/resume$/,
      run: (who) =>
        act(who, { action: 'resume', target: '' }, async () => ({ result: (await options.runs.killSwitch.resume()) ? 'resumed' : 'was not halted' })),
    },
    {
      pattern: /^\/api\/runs\/([^/]+)\/abort$/,
      run: (who, runId) => act(who, { action: 'abort', target: runId }, async () => ({ result: await options.runs.abort(runId) })),
    },
    {
      pattern: /^\/api\/run$/,
      run: async (who, _, body) => {
        const id = body.experiment ?? '';
        const choice = (await runnable()).get(id);
        return act(who, { action: 'run', target: choice?.label ?? id }, async () => {
          if (choice === undefined) throw new Refusal(400, `'${id}' is not one of the experiments this dashboard offers to run.`);
          const experiment = await choice.experiment();
          const job: RunJob = { runId: newRunId(), ...experiment, waitForLocks: false, submittedAt: Date.now() };
          await options.runs.submit(job);
          return { result: `${job.runId} queued`, go: `/runs/${encodeURIComponent(job.runId)}` };
        });
      },
    },
    {
      pattern: /^\/api\/schedules\/([^/]+)\/pause$/,
      run: (who, name) =>
        act(who, { action: 'schedule-pause', target: name }, async () => ({ result: (await schedules.pause(name)).paused ? 'paused' : 'active' })),
    },
    {
      pattern: /^\/api\/schedules\/([^/]+)\/resume$/,
      run: (who, name) =>
        act(who, { action: 'schedule-resume', target: name }, async () => {
          const info = await schedules.resume(name);
          return { result: info.next === null ? 'active' : `active, next ${new Date(info.next).toISOString()}` };
        }),
    },
  ];

  const send = (res: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void => {
    res.writeHead(status, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-store', 'x-frame-options': 'DENY', ...headers });
    res.end(body);
  };
  const json = (res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void =>
    send(res, status, 'application/json', JSON.stringify(value), headers);

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://dashboard');
    const path = url.pathname;
    const api = path.startsWith('/api/') || path.endsWith('/events');
    const handle = async (): Promise<void> => {
      const host = auth.hostProblem(req);
      if (host !== undefined) return send(res, 421, 'text/plain', `${host}\n`);
      if (req.method === 'POST') return post(req, res, path);
      if (req.method !== 'GET') return send(res, 405, 'text/plain', 'The dashboard answers GET, and POST for its actions.\n');
      if (path === '/login') return auth.usesToken ? send(res, 200, 'text/html', renderLogin(safeNext(url.searchParams.get('next')))) : redirect(res, '/');
      const who = auth.identify(req);
      if (who === undefined) {
        if (api) return json(res, 401, { error: 'Log in first: this dashboard needs its token (or the proxy’s user header).' });
        if (!auth.usesToken) return send(res, 401, 'text/plain', 'The proxy named no user; this dashboard answers only through its proxy.\n');
        return send(res, 401, 'text/html', renderLogin(safeNext(path)));
      }
      const session: PageSession = { csrf: who.csrf, canLogOut: who.via === 'session' };
      if (path === '/') return send(res, 200, 'text/html', renderDashboard(await state(who.who), session));
      if (path === '/api/state') return json(res, 200, await state(who.who));
      const run = /^\/runs\/([^/]+)(\/report|\/events)?$/.exec(path);
      if (run?.[1] !== undefined) {
        const runId = decodeURIComponent(run[1]);
        if (run[2] === '/report') {
          const journal = await options.runs.journal(runId);
          if (journal === undefined) return send(res, 404, 'text/plain', `No journal of run '${runId}' is kept on this queue.\n`);
          return send(res, 200, 'text/html', renderHtml(journal));
        }
        const status = await options.runs.store.get(runId);
        if (status === undefined) return send(res, 404, 'text/plain', `No run '${runId}' is known to this queue (it may have expired).\n`);
        if (run[2] === '/events') {
          const stop = followRun(res, { redis: options.redis, keys: options.keys, runs: options.runs, status, clock: systemClock });
          following.add(stop);
          req.once('close', () => void stop().finally(() => following.delete(stop)));
          return;
        }
        if (status.state === 'finished' && (await options.runs.journal(runId)) !== undefined) return redirect(res, `/runs/${encodeURIComponent(runId)}/report`);
        return send(res, 200, 'text/html', renderLiveRun(status, session));
      }
      const schedule = /^\/schedules\/([^/]+)$/.exec(path);
      if (schedule?.[1] !== undefined) {
        const name = decodeURIComponent(schedule[1]);
        const runs = await scheduleRuns(name);
        if (runs === undefined)
          return send(res, 404, 'text/plain', `No schedule '${name}' is known to this queue, and no kept run was started by one of that name.\n`);
        return send(res, 200, 'text/html', renderScheduleRuns(name, runs, session));
      }
      const experiment = /^\/experiments\/([^/]+)$/.exec(path);
      if (experiment?.[1] !== undefined) {
        const name = decodeURIComponent(experiment[1]);
        const statuses = (await options.runs.store.list(1_000)).filter((r) => r.experiment === name);
        const runs = await Promise.all(statuses.map(withJournal));
        const journals = (await Promise.all(statuses.filter((r) => r.state === 'finished').map((r) => options.runs.journal(r.runId)))).filter(
          (j) => j !== undefined,
        );
        return send(res, 200, 'text/html', renderExperiment(name, journals, runs, session));
      }
      send(res, 404, 'text/plain', 'Not found.\n');
    };
    handle().catch((error: unknown) => {
      if (error instanceof Refusal) return json(res, error.status, { error: error.message });
      const why = `The dashboard could not read the queue: ${error instanceof Error ? error.message : String(error)}`;
      if (res.headersSent) return res.end();
      return api || req.method === 'POST' ? json(res, 500, { error: why }) : send(res, 500, 'text/plain', `${why}\n`);
    });
  });

  const post = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    // Same-origin first, before the body or the credentials are looked at: a cross-site form learns nothing.
    const crossOrigin = auth.crossOriginProblem(req);
    if (crossOrigin !== undefined) throw new Refusal(403, crossOrigin);
    const body = await readBody(req);
    if (path === '/login') {
      const cookie = auth.login(body.token ?? '', body.name ?? '');
      if (cookie === undefined) return send(res, 401, 'text/html', renderLogin(safeNext(body.next), 'That is not this dashboard’s token.'));
      return redirect(res, safeNext(body.next), { 'set-cookie': cookie });
    }
    const who = auth.identify(req);
    if (who === undefined) throw new Refusal(401, 'Log in first: this dashboard needs its token (or the proxy’s user header).');
    if (path === '/logout') return json(res, 200, { go: '/' }, { 'set-cookie': auth.logout(req) });
    if (!auth.csrfMatches(who, header(req, 'x-csrf-token') ?? body.csrf))
      throw new Refusal(403, 'The request lacks the CSRF token of the dashboard’s page; reload the page and try again.');
    for (const a of actions) {
      const match = a.pattern.exec(path);
      if (match === null) continue;
      const done = await a.run(who, decodeURIComponent(match[1] ?? ''), body);
      return json(res, 200, { result: done.entry, ...(done.go === undefined ? {} : { go: done.go }), state: await state(who.who) });
    }
    throw new Refusal(404, `No action at ${path}.`);
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${shown}:${address.port}/`,
    close: async () => {
      await Promise.all([...following].map((stop) => stop()));
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await schedules.close();
    },
  };
}

const redirect = (res: ServerResponse, to: string, headers: Record<string, string> = {}): void => {
  res.writeHead(303, { location: to, 'cache-control': 'no-store', ...headers });
  res.end();
};

/** Where to go after logging in: a path on this dashboard only, never another site. */
function safeNext(next: string | null | undefined): string {
  return next !== null && next !== undefined && /^\/(?![/\\])/.test(next) ? next : '/';
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** A JSON object or a urlencoded form, as string fields; anything else is refused in one sentence. */
async function readBody(req: IncomingMessage): Promise<Record<string, string>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new Refusal(413, `The request's body is larger than ${MAX_BODY / 1024} KiB.`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  const type = header(req, 'content-type') ?? '';
  if (type.startsWith('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(text));
  if (!type.startsWith('application/json')) throw new Refusal(415, `The dashboard reads JSON or form bodies, not '${type}'.`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Refusal(400, 'The request’s body is not JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Refusal(400, 'The request’s body is not a JSON object.');
  return Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string'));
}
