import { redact } from '../../core/redact.js';
import type { AnyActionDefinition } from '../../registry/types.js';
import { runActivity } from '../activity.js';
import type { ActivityRecord } from '../journal.js';
import type { LandedFault, RunContext } from './context.js';

/** Runs the automatic undo of one landed fault (at the end of its duration or in the rollbacks) and tells the hooks. */
export async function undo(ctx: RunContext, entry: LandedFault, kind: ActivityRecord['kind']): Promise<void> {
  ctx.notify('activityStart', kind, entry.fault.name, entry.definition.id);
  const outcome = await runActivity(
    {
      kind,
      name: entry.fault.name,
      definition: entry.definition,
      args: entry.fault.args,
      rawArgs: undefined,
      scope: ctx.scope,
      targets: entry.targets,
      region: entry.step.region,
      signal: ctx.rollbackSignal(),
      undo: { args: entry.args, result: entry.result },
    },
    ctx.env,
  );
  ctx.record.activities.push(outcome.record);
  ctx.notify('activityEnd', outcome.record);
  if (entry.definition.mutating) await ctx.hook(() => ctx.options.afterRollback?.(entry.step, outcome.record));
}

/**
 * Phase `rollback`, which always runs however the run ended: undoes every landed fault not yet undone (last landed
 * first), then runs the experiment's own rollbacks in order. When nothing was attempted, the experiment's rollbacks
 * are recorded as skipped instead.
 */
export async function runRollbacks(ctx: RunContext): Promise<void> {
  const { record, options } = ctx;
  const e = ctx.schedule;
  const pending = ctx.landed.filter((l) => !l.undone && l.definition.rollback !== undefined).reverse();
  if (pending.length === 0 && e.rollbacks.length === 0) return;
  if (!ctx.methodStarted) {
    for (const r of e.rollbacks) {
      record.activities.push({
        kind: 'rollback',
        name: r.name,
        action: r.action,
        args: redact(r.args),
        status: 'skipped',
        startedAt: null,
        endedAt: null,
        calls: [],
      });
    }
    return;
  }
  ctx.phase('rollback');
  for (const entry of pending) {
    entry.undone = true;
    await undo(ctx, entry, 'auto-rollback');
  }
  for (const [i, r] of e.rollbacks.entries()) {
    const definition = options.registry.action(r.action) as AnyActionDefinition;
    ctx.notify('activityStart', 'rollback', r.name, r.action);
    const outcome = await runActivity(
      {
        kind: 'rollback',
        name: r.name,
        definition,
        args: r.args,
        rawArgs: ctx.loaded.raw.rollbacks?.[i]?.args,
        scope: ctx.scope,
        targets: [],
        region: r.region,
        signal: ctx.rollbackSignal(),
      },
      ctx.env,
    );
    record.activities.push(outcome.record);
    ctx.notify('activityEnd', outcome.record);
    if (outcome.result !== null) ctx.scope.steps.set(r.name, { output: outcome.result.output });
  }
  const failed = record.activities.filter((a) => (a.kind === 'rollback' || a.kind === 'auto-rollback' || a.kind === 'fault-end') && a.status === 'failed');
  if (failed.length > 0) ctx.endPhase('failed', `${failed.length} rollback(s) failed: ${failed.map((f) => f.name).join(', ')}`);
}
