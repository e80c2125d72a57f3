import type { GlobalOptions } from './output.js';
import { withQueue, type QueueOptions } from './queue-connection.js';

/** `gameday list`: queued, running and finished runs, newest first, with their verdicts. */
export async function listCommand(globals: GlobalOptions, options: QueueOptions & { limit: number }): Promise<number> {
  return withQueue(options, async ({ queue }) => {
    const runs = await queue.store.list(options.limit);
    if (globals.json) {
      process.stdout.write(`${JSON.stringify({ runs })}\n`);
      return 0;
    }
    if (runs.length === 0) process.stdout.write('no runs on this queue\n');
    for (const r of runs) {
      const where = r.state === 'finished' ? (r.verdict ?? '') : r.state === 'queued' ? '' : (r.phase ?? '');
      process.stdout.write(`${r.runId}  ${r.state.padEnd(10)} ${where.padEnd(19)} ${r.experiment}${r.state === 'finished' && r.reason !== undefined ? ` — ${r.reason}` : ''}\n`);
    }
    return 0;
  });
}
