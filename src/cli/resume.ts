import { AuditTrail, localOperator } from '../orchestrator/audit-trail.js';
import type { GlobalOptions } from './output.js';
import { withQueue, type QueueOptions } from './queue-connection.js';

/** `gameday resume`: lifts the kill switch; queued runs start again. */
export async function resumeCommand(globals: GlobalOptions, options: QueueOptions): Promise<number> {
  return withQueue(options, async ({ queue, redis, keys }) => {
    const was = await queue.killSwitch.resume();
    await new AuditTrail(redis, keys).record({ who: localOperator(), action: 'resume', target: '', result: was ? 'resumed' : 'was not halted' });
    process.stdout.write(globals.json ? `${JSON.stringify({ resumed: was })}\n` : was ? 'resumed: runs start again\n' : 'gameday was not halted\n');
    return 0;
  });
}
