import { randomBytes } from 'node:crypto';
import type { LoadedExperiment } from '../experiment/load.js';
import type { Journal } from './journal.js';
import { buildJournal } from './run-record.js';
import { RunContext } from './run/context.js';
import { runMethod } from './run/method.js';
import type { RunOptions } from './run/options.js';
import { resolveTargets } from './run/plan.js';
import { stopProbes } from './run/probes.js';
import { awaitRecovery } from './run/recovery.js';
import { runRollbacks } from './run/rollback.js';
import { steadyStateAfter, steadyStateBefore } from './run/steady-state.js';
import { stopVerdict } from './run/verdict.js';

export type { InjectionPoint, MutationStep, ResolvedTargets, RollbackStep, RunOptions } from './run/options.js';
export { INJECTION_POINTS } from './run/options.js';
export { RunStop } from './run/run-stop.js';
export type { StopConditionState } from './stop-conditions.js';

/** A run id that sorts by start time and names the run in logs, locks and CloudTrail session names. */
export function newRunId(): string {
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `gd-${stamp}-${randomBytes(3).toString('hex')}`;
}

/**
 * Runs one experiment through the fixed flow: resolve targets → steady state before → inject faults on their
 * schedule while every probe samples → wait for recovery → rollbacks (always) → steady state after → verdict.
 * Never throws for a run-time failure: the verdict and the journal say what happened. Each phase lives in its own
 * file under `run/`; this function is only their order.
 */
export async function runExperiment(loaded: LoadedExperiment, options: RunOptions): Promise<Journal> {
  const ctx = new RunContext(loaded, options, options.runId ?? newRunId());
  const { record } = ctx;
  try {
    await resolveTargets(ctx);
    await steadyStateBefore(ctx);
    const durationEnds = await runMethod(ctx);
    await awaitRecovery(ctx, durationEnds);
  } catch (error) {
    stopVerdict(ctx, error);
  } finally {
    ctx.ignoreCaller();
    if (record.injectedAt !== null && record.windowEnd === null) record.windowEnd = ctx.clock.now();
    ctx.rollbackStarted = true;
    ctx.durationTimers.abort();
    await runRollbacks(ctx);
    // A run lost to another process ends here: judging its steady state is the new owner's.
    if (record.injectedAt !== null && record.samplers.length > 0 && (await ctx.confirmMayMutate('undo'))) await steadyStateAfter(ctx);
    ctx.endPhase('completed');
    await stopProbes(ctx);
    ctx.close();
    record.endedEpochMs = ctx.clock.epochMs();
  }
  const journal = buildJournal(record, options.registry);
  ctx.notify('verdict', journal.verdict.status, journal.verdict.reason);
  return journal;
}
