import { performance } from 'node:perf_hooks';
import { serveWorkloadControl, Workload } from '../../src/sim/workload.js';
import type { Journal } from '../../src/engine/journal.js';

/** A workload with its control endpoint, both on free loopback ports. */
export async function startWorkload(): Promise<{ workload: Workload; control: string; close(): Promise<void> }> {
  const workload = await new Workload({ name: 'test-web' }).start();
  const control = await serveWorkloadControl(workload);
  return {
    workload,
    control: control.url,
    close: async () => {
      await control.close();
      await workload.close();
    },
  };
}

/** Converts a monotonic instant of this process into a journal time (ms since the run's origin). */
export function toJournalTime(journal: Journal, monotonic: number): number {
  return performance.timeOrigin + monotonic - journal.startedAtEpochMs;
}
