import type { GlobalOptions } from './output.js';
import { withQueue, type QueueOptions } from './queue-connection.js';

/** `gameday resume`: lifts the kill switch; queued runs start again. */
export async function resumeCommand(globals: GlobalOptions, options: QueueOptions): Promise<number> {
  return withQueue(options, async ({ queue }) => {
    const was = await queue.killSwitch.resume();
    process.stdout.write(globals.json ? `${JSON.stringify({ resumed: was })}\n` : was ? 'resumed: runs start again\n' : 'gameday was not halted\n');
    return 0;
  });
}
