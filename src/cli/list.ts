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
    if (runs.length === 0) {
      process.stdout.write('no runs on this queue\n');
      return 0;
    }
    const rows = [
      ['RUN', 'STATE', 'VERDICT/PHASE', 'EXPERIMENT'],
      ...runs.map((r) => [
        r.runId,
        r.state,
        r.state === 'finished' ? (r.verdict ?? '') : r.state === 'queued' ? '' : (r.phase ?? ''),
        `${r.experiment}${r.state === 'finished' && r.reason !== undefined ? ` — ${r.reason}` : ''}`,
      ]),
    ];
    // Each column as wide as its widest cell, so the header sits over its values whatever the run ids' length.
    const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length))) ?? [];
    for (const row of rows) process.stdout.write(`${row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ')}\n`);
    return 0;
  });
}
