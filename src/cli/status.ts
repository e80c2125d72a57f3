import { formatDuration } from '../experiment/duration.js';
import type { RunStatus } from '../orchestrator/run-store.js';
import type { GlobalOptions } from './output.js';
import { withQueue, type QueueOptions } from './queue-connection.js';

/** `gameday status [RUN]`: a run's state, phase and verdict, and its probes while it runs (the newest run by default). */
export async function statusCommand(globals: GlobalOptions, runId: string | undefined, options: QueueOptions): Promise<number> {
  return withQueue(options, async ({ queue }) => {
    const halt = await queue.killSwitch.state();
    const status = runId === undefined ? (await queue.store.list(1))[0] : await queue.status(runId);
    if (globals.json) {
      process.stdout.write(`${JSON.stringify({ halted: halt, run: status ?? null })}\n`);
      return 0;
    }
    if (halt !== null) process.stdout.write(`gameday is HALTED since ${new Date(halt.since).toISOString()}: ${halt.reason}\n`);
    process.stdout.write(status === undefined ? 'no runs on this queue\n' : describeRun(status));
    return 0;
  });
}

function describeRun(s: RunStatus): string {
  const lines = [
    `run ${s.runId}: ${s.experiment} (${s.file})`,
    `state: ${s.state}${s.phase === undefined || s.state === 'finished' ? '' : `, phase ${s.phase}`}${s.worker === undefined ? '' : `, worker ${s.worker}`}`,
  ];
  if (s.startedAt !== undefined) {
    const took = formatDuration((s.endedAt ?? Date.now()) - s.startedAt);
    lines.push(s.state === 'finished' ? `finished ${s.verdict === undefined ? '' : `${s.verdict.toUpperCase()} `}after ${took}` : `running for: ${took}`);
  }
  if (s.verdict !== undefined) lines.push(`verdict: ${s.verdict.toUpperCase()} — ${s.reason ?? ''}`);
  if (s.abortRequested === true && s.state !== 'finished') lines.push('abort requested');
  if (s.undo === 'outstanding' && s.state === 'finished')
    lines.push(`undo: OUTSTANDING — its resources stay refused to other runs; 'gameday undo ${s.runId}' finishes it`);
  for (const [probe, m] of Object.entries(s.metrics ?? {})) {
    const state = m.ok === null ? 'waiting' : m.ok ? 'ok' : `failing: ${m.reason ?? ''}`;
    const latency = m.lastLatencyMs === null ? '' : `, last ${formatDuration(m.lastLatencyMs)}`;
    lines.push(`  probe ${probe}: ${state} (${m.samples} samples, ${m.failedSamples} failed${latency})`);
  }
  if (s.journalPath !== undefined) lines.push(`journal: ${s.journalPath}`);
  return `${lines.join('\n')}\n`;
}
