import { ErrorCode, ExitCode, GamedayError } from '../errors/gameday-error.js';
import { startDashboard, type Dashboard } from '../dashboard/server.js';
import type { GlobalOptions } from './output.js';
import { openQueue, type QueueOptions } from './queue-connection.js';

export interface DashboardCommandOptions extends QueueOptions {
  port: number;
  host: string;
}

/** `gameday dashboard`: serves the web page of runs, halt state, schedules and freeze windows until Ctrl-C. */
export async function dashboardCommand(globals: GlobalOptions, options: DashboardCommandOptions): Promise<number> {
  const connection = await openQueue(options);
  let dashboard: Dashboard;
  try {
    dashboard = await startDashboard({ redis: connection.redis, keys: connection.keys, runs: connection.queue, port: options.port, host: options.host });
  } catch (error) {
    await connection.close();
    const code = (error as { code?: string }).code;
    const why = code === 'EADDRINUSE' ? 'it is in use' : code === 'EACCES' ? 'permission denied' : error instanceof Error ? error.message : String(error);
    throw new GamedayError(ErrorCode.InvalidArgument, `The dashboard cannot listen on ${options.host}:${options.port}: ${why}.`, {
      exitCode: ExitCode.InvalidInput,
    });
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
