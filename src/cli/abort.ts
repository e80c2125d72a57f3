import { GamedayError } from '../errors/gameday-error.js';
import { AuditTrail, localOperator } from '../orchestrator/audit-trail.js';
import type { GlobalOptions } from './output.js';
import { withQueue, type QueueOptions } from './queue-connection.js';

/** `gameday abort RUN`: takes a waiting run off the queue, or has its worker abort it (rollbacks run). */
export async function abortCommand(globals: GlobalOptions, runId: string, options: QueueOptions): Promise<number> {
  return withQueue(options, async ({ queue, redis, keys }) => {
    const trail = new AuditTrail(redis, keys);
    let what: Awaited<ReturnType<typeof queue.abort>>;
    try {
      what = await queue.abort(runId);
    } catch (error) {
      // A refused abort (an unknown run) is on the trail too: someone meant to stop something.
      if (error instanceof GamedayError)
        await trail.record({ who: localOperator(), action: 'abort', target: runId, result: `refused: ${error.message}` }).catch(() => undefined);
      throw error;
    }
    await trail.record({ who: localOperator(), action: 'abort', target: runId, result: what });
    const text = {
      dequeued: `run ${runId} was waiting; it is off the queue`,
      aborting: `run ${runId} is aborting; its worker runs the rollbacks ('gameday status ${runId}' follows it)`,
      finished: `run ${runId} had already finished; nothing to abort`,
    }[what];
    process.stdout.write(globals.json ? `${JSON.stringify({ runId, result: what })}\n` : `${text}\n`);
    return 0;
  });
}
