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

/**
 * An experiment whose one probe, `web`, checks the workload's /health every `interval` of AWS time, followed by `rest`
 * (faults, recovery…). At speed 100 the in-process simulated region, which it does not use, starts at once; its
 * durations are AWS time, so 25s is 250 ms of wall time.
 */
export function workloadExperiment(w: { workload: Workload }, name: string, rest: string, interval = '25s'): string {
  return `apiVersion: gameday/v1
metadata: { name: ${name} }
environment: { type: sim, speed: 100 }
steadyState: { samples: 1 }
probes:
  - name: web
    probe: http
    args: { url: "${w.workload.url}/health", timeout: 1s }
    interval: ${interval}
${rest}`;
}
