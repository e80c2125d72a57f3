import { AuditTrail, localOperator } from '../orchestrator/audit-trail.js';
import type { GlobalOptions } from './output.js';
import { withQueue, type QueueOptions } from './queue-connection.js';

/** `gameday halt`: the kill switch. Every worker aborts its runs (rollbacks run) and refuses new ones until resume. */
export async function haltCommand(globals: GlobalOptions, options: QueueOptions & { reason: string }): Promise<number> {
  return withQueue(options, async ({ queue, redis, keys }) => {
    const halt = await queue.killSwitch.halt(options.reason);
    const running = (await queue.store.list(200)).filter((r) => r.state === 'running').length;
    await new AuditTrail(redis, keys).record({ who: localOperator(), action: 'halt', target: '', detail: options.reason, result: 'halted' });
    process.stdout.write(
      globals.json
        ? `${JSON.stringify({ halted: halt, running })}\n`
        : `halted: ${running} running run(s) are aborting and rolling back; no run starts until 'gameday resume'\n`,
    );
    return 0;
  });
}
