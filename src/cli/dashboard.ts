import { readFile, stat } from 'node:fs/promises';
import { ErrorCode, ExitCode, GamedayError } from '../errors/gameday-error.js';
import { isLoopback } from '../dashboard/auth.js';
import { startDashboard, type Dashboard } from '../dashboard/server.js';
import { localOperator } from '../orchestrator/audit-trail.js';
import type { GlobalOptions } from './output.js';
import { openQueue, type QueueOptions } from './queue-connection.js';
import { experimentForQueue } from './run-queued.js';

export interface DashboardCommandOptions extends QueueOptions {
  port: number;
  host: string;
  /** A file holding the token the log-in page asks for; else `GAMEDAY_DASHBOARD_TOKEN`. */
  tokenFile?: string;
  /** A header a trusted reverse proxy sets to the user's name (e.g. X-Forwarded-User). */
  trustProxyHeader?: string;
  /** A directory whose experiment files the dashboard may run now. */
  experiments?: string;
}

/**
 * `gameday dashboard`: serves the web page of runs, halt state, schedules, freeze windows and the audit trail, and
 * the operators' actions, until Ctrl-C. Refuses a non-loopback address without a token or a proxy header.
 */
export async function dashboardCommand(globals: GlobalOptions, options: DashboardCommandOptions): Promise<number> {
  const token = await tokenOf(options);
  const proxyHeader = options.trustProxyHeader;
  if (proxyHeader !== undefined && !/^[A-Za-z0-9-]+$/.test(proxyHeader))
    throw invalid(`--trust-proxy-header '${proxyHeader}' is not a header name (letters, digits and '-').`);
  if (!isLoopback(options.host) && token === undefined && proxyHeader === undefined)
    throw invalid(
      `The dashboard will not listen on ${options.host}, which other machines reach, without a token (--token-file or GAMEDAY_DASHBOARD_TOKEN) or --trust-proxy-header.`,
    );
  if (options.experiments !== undefined) {
    const dir = options.experiments;
    if (
      !(await stat(dir).then(
        (s) => s.isDirectory(),
        () => false,
      ))
    )
      throw invalid(`--experiments ${dir} is not a directory.`);
  }
  const connection = await openQueue(options);
  let dashboard: Dashboard;
  try {
    dashboard = await startDashboard({
      redis: connection.redis,
      keys: connection.keys,
      runs: connection.queue,
      port: options.port,
      host: options.host,
      auth: {
        ...(token === undefined ? {} : { token }),
        ...(proxyHeader === undefined ? {} : { proxyHeader }),
        localOperator: localOperator(),
      },
      ...(options.experiments === undefined ? {} : { experimentsDir: options.experiments }),
      // The seam to the queued run's files: what `run --queue` carries for a file, validated here.
      prepareExperiment: async (file) => {
        const { loaded: _, ...experiment } = await experimentForQueue(file, {});
        return experiment;
      },
    });
  } catch (error) {
    await connection.close();
    const code = (error as { code?: string }).code;
    const why = code === 'EADDRINUSE' ? 'it is in use' : code === 'EACCES' ? 'permission denied' : error instanceof Error ? error.message : String(error);
    throw invalid(`The dashboard cannot listen on ${options.host}:${options.port}: ${why}.`);
  }
  // Listening before the ready line: a Ctrl-C right after it must close the connections, not kill the process.
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  process.stdout.write(globals.json ? `${JSON.stringify({ url: dashboard.url })}\n` : `dashboard on ${dashboard.url} (Ctrl-C stops it)\n`);
  await stopped;
  await dashboard.close();
  await connection.close();
  return 0;
}

/** The token from `--token-file` (its first line), else `GAMEDAY_DASHBOARD_TOKEN`; an empty one is refused. */
async function tokenOf(options: DashboardCommandOptions): Promise<string | undefined> {
  if (options.tokenFile !== undefined) {
    let text: string;
    try {
      text = await readFile(options.tokenFile, 'utf8');
    } catch (error) {
      const code = (error as { code?: string }).code;
      throw new GamedayError(ErrorCode.FileNotFound, `The dashboard's token file ${options.tokenFile} cannot be read (${code ?? String(error)}).`, {
        exitCode: ExitCode.InvalidInput,
      });
    }
    const token = text.split(/\r?\n/)[0]?.trim() ?? '';
    if (token === '') throw invalid(`The dashboard's token file ${options.tokenFile} is empty.`);
    return token;
  }
  const env = process.env.GAMEDAY_DASHBOARD_TOKEN;
  if (env === undefined) return undefined;
  if (env.trim() === '') throw invalid('GAMEDAY_DASHBOARD_TOKEN is set but empty.');
  return env.trim();
}

function invalid(message: string): GamedayError {
  return new GamedayError(ErrorCode.InvalidArgument, message, { exitCode: ExitCode.InvalidInput });
}
