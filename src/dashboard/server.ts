import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import type { Keys } from '../orchestrator/keys.js';
import type { RunQueue } from '../orchestrator/run-queue.js';
import { Schedules } from '../orchestrator/schedules.js';
import { renderHtml } from '../report/html.js';
import { recoveryTime } from '../report/markdown.js';
import { renderDashboard, type DashboardRun, type DashboardState } from './page.js';

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
 * Serves the dashboard (`/`), its state as JSON (`/api/state`) and the HTML report of each finished run
 * (`/runs/RUN/report`), read from Redis on every request; it changes nothing.
 */
export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const schedules = new Schedules(options.redis, options.keys);
  const state = async (): Promise<DashboardState> => {
    const [halt, statuses, scheduleList, freezeWindows] = await Promise.all([
      options.runs.killSwitch.state(),
      options.runs.store.list(options.limit ?? 100),
      schedules.list(),
      options.runs.freezeWindows.list(),
    ]);
    const runs = await Promise.all(
      statuses.map(async (r): Promise<DashboardRun> => {
        const journal = r.state === 'finished' ? await options.runs.journal(r.runId) : undefined;
        return journal === undefined ? { ...r, hasReport: false } : { ...r, recovery: recoveryTime(journal), hasReport: true };
      }),
    );
    return { at: Date.now(), halt, runs, schedules: scheduleList, freezeWindows };
  };
  const send = (res: ServerResponse, status: number, type: string, body: string): void => {
    res.writeHead(status, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-store' });
    res.end(body);
  };
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://dashboard').pathname;
    const report = /^\/runs\/([^/]+)\/report$/.exec(path);
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
      send(res, 404, 'text/plain', 'Not found.\n');
    };
    handle().catch((error: unknown) => send(res, 500, 'text/plain', `The dashboard could not read the queue: ${error instanceof Error ? error.message : String(error)}\n`));
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
