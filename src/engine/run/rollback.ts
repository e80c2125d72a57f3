import { redact } from '../../core/redact.js';
import type { AnyActionDefinition } from '../../registry/types.js';
import { callResources } from '../../report/resources.js';
import { runActivity } from '../activity.js';
import type { ActivityRecord, OutstandingUndo } from '../journal.js';
import type { LandedFault, RunContext } from './context.js';
import type { RollbackStep } from './options.js';
import { retryRollback, type RetriedOutcome, type RetryEnv } from './rollback-retry.js';

/**
 * Runs the automatic undo of one landed fault (at the end of its duration or in the rollbacks), retried while its
 * failure may pass (`retryRollback`), and tells the hooks. One that still fails is left outstanding in the record.
 */
export async function undo(ctx: RunContext, entry: LandedFault, kind: ActivityRecord['kind']): Promise<void> {
  // Lost to another process, which undoes the fault from the run's log: undoing it here too could restore a resource
  // that another run has faulted since.
  if (!ctx.mayMutate('undo')) {
    ctx.record.activities.push(skippedRecord(kind, entry.fault.name, entry.definition.id, entry.args));
    return;
  }
  ctx.notify('activityStart', kind, entry.fault.name, entry.definition.id);
  const outcome = await retryRollback(retryEnv(ctx), entry.fault.name, (signal) =>
    runActivity(
      {
        kind,
        name: entry.fault.name,
        definition: entry.definition,
        args: entry.fault.args,
        rawArgs: undefined,
        scope: ctx.scope,
        targets: entry.targets,
        region: entry.step.region,
        signal,
        undo: { args: entry.args, result: entry.result },
      },
      ctx.env,
    ),
  );
  ctx.record.activities.push(outcome.record);
  if (outcome.result === null)
    leaveOutstanding(ctx, outcome, {
      resources: entry.targets.map((t) => t.id),
      region: entry.step.region,
      args: entry.args,
      result: { output: redact(entry.result.output) as Record<string, unknown> },
    });
  ctx.notify('activityEnd', outcome.record);
  if (entry.definition.mutating) await ctx.hook(() => ctx.options.afterRollback?.(entry.step, outcome.record));
}

/** A run's rollback steps retry on its clock, up to its rollback deadline, within its limits. */
function retryEnv(ctx: RunContext): RetryEnv {
  return {
    clock: ctx.clock,
    logger: ctx.env.logger,
    timeoutMs: ctx.options.rollbackTimeoutMs,
    retry: ctx.options.rollbackRetry,
    limit: () => ctx.rollbackSignal(),
  };
}

/**
 * Records an undo that failed past its retries as outstanding: what may still be faulted (the fault's targets, else
 * the resources its calls named) and what finishing it needs, for the verdict and the journal.
 */
function leaveOutstanding(
  ctx: RunContext,
  outcome: RetriedOutcome,
  undo: { resources: string[]; region: string | undefined; args: unknown; result?: OutstandingUndo['result'] },
): void {
  const { record } = outcome;
  const named = record.calls.flatMap((c) => callResources(c.request));
  const resources = undo.resources.length > 0 ? undo.resources : [...new Set(named)];
  ctx.record.outstandingUndo.push({
    kind: record.kind === 'fault' ? 'rollback' : record.kind,
    fault: record.name,
    action: record.action,
    resources,
    region: undo.region ?? ctx.env.aws.target.region,
    args: redact(undo.args),
    ...(undo.result === undefined ? {} : { result: undo.result }),
    error: record.error ?? { code: 'GD_ACTION_FAILED', message: 'unknown error' },
    attempts: outcome.attempts,
    firstAttemptAt: record.startedAt ?? 0,
    lastAttemptAt: outcome.lastAttemptAt ?? record.startedAt ?? 0,
  });
}

/**
 * Phase `rollback`, which always runs however the run ended: undoes every landed fault not yet undone (last landed
 * first), then runs the experiment's own rollbacks in order, each retried while its failure may pass. When nothing was
 * attempted, the experiment's rollbacks are recorded as skipped instead.
 */
export async function runRollbacks(ctx: RunContext): Promise<void> {
  const { record, options } = ctx;
  const e = ctx.schedule;
  const pending = ctx.landed.filter((l) => !l.undone && l.definition.rollback !== undefined).reverse();
  if (pending.length === 0 && e.rollbacks.length === 0) return;
  // Nothing attempted, or the run was lost to another process, which finishes its undo from the log.
  if (!ctx.methodStarted || !(await ctx.confirmMayMutate('undo'))) {
    if (ctx.methodStarted) ctx.env.logger.warn('the rollbacks are skipped: this process no longer owns the run, and the process that does undoes it');
    for (const entry of pending) record.activities.push(skippedRecord('auto-rollback', entry.fault.name, entry.definition.id, entry.args));
    for (const r of e.rollbacks) record.activities.push(skippedRecord('rollback', r.name, r.action, r.args));
    return;
  }
  ctx.phase('rollback');
  for (const entry of pending) {
    entry.undone = true;
    await undo(ctx, entry, 'auto-rollback');
  }
  for (const [i, r] of e.rollbacks.entries()) {
    const definition = options.registry.action(r.action) as AnyActionDefinition;
    const step = { index: i, name: r.name, action: r.action };
    if (!ctx.mayMutate('undo') || !(await claimRollback(ctx, step))) {
      record.activities.push(skippedRecord('rollback', r.name, r.action, r.args));
      continue;
    }
    ctx.notify('activityStart', 'rollback', r.name, r.action);
    const outcome = await retryRollback(retryEnv(ctx), r.name, (signal) =>
      runActivity(
        {
          kind: 'rollback',
          name: r.name,
          definition,
          args: r.args,
          rawArgs: ctx.loaded.raw.rollbacks?.[i]?.args,
          scope: ctx.scope,
          targets: [],
          region: r.region,
          signal,
        },
        ctx.env,
      ),
    );
    record.activities.push(outcome.record);
    if (outcome.result === null) leaveOutstanding(ctx, outcome, { resources: [], region: r.region, args: outcome.args ?? r.args });
    ctx.notify('activityEnd', outcome.record);
    if (outcome.result !== null) ctx.scope.steps.set(r.name, { output: outcome.result.output });
    await ctx.hook(() => options.afterRollbackStep?.(step, outcome.record, outcome.result?.output));
  }
  const failed = record.activities.filter((a) => (a.kind === 'rollback' || a.kind === 'auto-rollback' || a.kind === 'fault-end') && a.status === 'failed');
  if (failed.length > 0) ctx.endPhase('failed', `${failed.length} rollback(s) failed: ${failed.map((f) => f.name).join(', ')}`);
}

/** A rollback step that did not run. */
function skippedRecord(kind: ActivityRecord['kind'], name: string, action: string, args: unknown): ActivityRecord {
  return { kind, name, action, args: redact(args), status: 'skipped', startedAt: null, endedAt: null, calls: [] };
}

/** Whether this run still runs one of its own rollbacks: the hook may say another process did; its failure does not stop a rollback. */
async function claimRollback(ctx: RunContext, step: RollbackStep): Promise<boolean> {
  const claim = ctx.options.beforeRollbackStep;
  if (claim === undefined) return true;
  try {
    return await claim.call(ctx.options, step);
  } catch (error) {
    ctx.env.logger.warn(`rollback '${step.name}' could not be claimed, so it runs anyway: ${error instanceof Error ? error.message : String(error)}`);
    return true;
  }
}
