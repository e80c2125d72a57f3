import type { GlobalOptions } from './output.js';
import { withQueue, type QueueOptions } from './queue-connection.js';

/** `gameday abort RUN`: takes a waiting run off the queue, or has its worker abort it (rollbacks run). */
export async function abortCommand(globals: GlobalOptions, runId: string, options: QueueOptions): Promise<number> {
  return withQueue(options, async ({ queue }) => {
    const what = await queue.abort(runId);
    const text = {
      dequeued: `run ${runId} was waiting; it is off the queue`,
      aborting: `run ${runId} is aborting; its worker runs the rollbacks ('gameday status ${runId}' follows it)`,
      finished: `run ${runId} had already finished; nothing to abort`,
    }[what];
    process.stdout.write(globals.json ? `${JSON.stringify({ runId, result: what })}\n` : `${text}\n`);
    return 0;
  });
}
