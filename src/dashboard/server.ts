import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import type { Keys } from '../orchestrator/keys.js';
import type { RunQueue } from '../orchestrator/run-queue.js';
import { Schedules } from '../orchestrator/schedules.js';
import { renderHtml } from '../report/html.js';
import { recoveryTime } from '../report/markdown.js';
import type { RunStatus } from '../orchestrator/run-store.js';
import { renderDashboard, renderScheduleRuns, type DashboardRun, type DashboardState } from './page.js';

export interface DashboardOptions {
  redis: Redis;
  keys: Keys;
  runs: RunQueue;
  /** Port on 127.0.0.1; 0 picks a free one. */
  port: number;
  /** Address to listen on. @defaultValue 127.0.0.1 */
  host?: string;
  /** Runs shown, newest first. @defaultValue 100 */
  limit?: number;
}

/** A running dashboard: its URL, and how to stop it. */
export interface Dashboard {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves the dashboard (`/`), its state as JSON (`/api/state`), the HTML report of each finished run
 * (`/runs/RUN/report`) and the runs each schedule started (`/schedules/NAME`), read from Redis on every request; it
 * changes nothing.
 */
export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const schedules = new Schedules(options.redis, options.keys);
  const withJournal = async (r: RunStatus): Promise<DashboardRun> => {
    const journal = r.state === 'finished' ? await options.runs.journal(r.runId) : undefined;
    return journal === undefined ? { ...r, hasReport: false } : { ...r, recovery: recoveryTime(journal), hasReport: true };
  };
  const state = async (): Promise<DashboardState> => {
    const [halt, statuses, scheduleList, scheduleRuns, freezeWindows] = await Promise.all([
      options.runs.killSwitch.state(),
      options.runs.store.list(options.limit ?? 100),
      schedules.list(),
      schedules.runsBySchedule(),
      options.runs.freezeWindows.list(),
    ]);
    return {
      at: Date.now(),
      halt,
      runs: await Promise.all(statuses.map(withJournal)),
      schedules: scheduleList,
      scheduleRuns: Object.fromEntries(scheduleRuns),
      freezeWindows,
    };
  };
  const scheduleRuns = async (name: string): Promise<DashboardRun[] | undefined> => {
    const [known, byName] = await Promise.all([schedules.list(), schedules.runsBySchedule()]);
    const ids = byName.get(name);
    if (ids === undefined && !known.some((x) => x.name === name)) return undefined;
    const statuses = await Promise.all((ids ?? []).map((id) => options.runs.store.get(id)));
    return Promise.all(statuses.filter((r): r is RunStatus => r !== undefined).map(withJournal));
  };
  const send = (res: ServerResponse, status: number, type: string, body: string): void => {
    res.writeHead(status, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-store' });
    res.end(body);
  };
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://dashboard').pathname;
    const report = /^\/runs\/([^/]+)\/report$/.exec(path);
    const schedule = /^\/schedules\/([^/]+)$/.exec(path);
    const handle = async (): Promise<void> => {
      if (req.method !== 'GET') return send(res, 405, 'text/plain', 'The dashboard only answers GET.\n');
      if (path === '/') return send(res, 200, 'text/html', renderDashboard(await state()));
      if (path === '/api/state') return send(res, 200, 'application/json', JSON.stringify(await state()));
      if (report?.[1] !== undefined) {
        const runId = decodeURIComponent(report[1]);
        const journal = await options.runs.journal(runId);
        if (journal === undefined) return send(res, 404, 'text/plain', `No journal of run '${runId}' is kept on this queue.\n`);
        return send(res, 200, 'text/html', renderHtml(journal));
      }
      if (schedule?.[1] !== undefined) {
        const name = decodeURIComponent(schedule[1]);
        const runs = await scheduleRuns(name);
        if (runs === undefined)
          return send(res, 404, 'text/plain', `No schedule '${name}' is known to this queue, and no kept run was started by one of that name.\n`);
        return send(res, 200, 'text/html', renderScheduleRuns(name, runs));
      }
      send(res, 404, 'text/plain', 'Not found.\n');
    };
    handle().catch((error: unknown) =>
      send(res, 500, 'text/plain', `The dashboard could not read the queue: ${error instanceof Error ? error.message : String(error)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.address}:${address.port}/`,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await schedules.close();
    },
  };
}
