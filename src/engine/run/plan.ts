import { randomInt } from 'node:crypto';
import { GamedayError } from '../../errors/gameday-error.js';
import { PlanFence } from '../../safety/fence.js';
import { buildPlan } from '../../safety/plan.js';
import type { RunContext } from './context.js';
import { RunStop } from './run-stop.js';

/**
 * Phase `resolve-targets`: resolves (or takes the caller's) plan, records every fault's targets and guards, refuses
 * a plan a guard refused or a fault that matched nothing, fences mutating calls to the plan, and lets the caller
 * claim the targets.
 */
export async function resolveTargets(ctx: RunContext): Promise<void> {
  const { options, record, loaded } = ctx;
  ctx.phase('resolve-targets');
  if (ctx.signal.aborted) throw ctx.signal.reason;
  const plan =
    options.plan ??
    (await buildPlan(
      ctx.schedule,
      options.registry,
      { ...ctx.env, signal: ctx.signal, recordCall: () => undefined },
      options.seed ?? randomInt(2 ** 31),
      loaded.raw.faults,
      options.operator,
    ).catch((error: unknown) => {
      // A refused read (an unknown health check, missing permissions) means the fault cannot be planned.
      if (error instanceof GamedayError) throw new RunStop('invalid-fault', `the plan could not be made: ${error.message}`);
      throw error;
    }));
  record.guards = plan.guards;
  for (const f of plan.faults) {
    if (f.source === 'none') continue;
    record.targets.push({
      fault: f.fault,
      type: f.type,
      selection: f.selection,
      seed: plan.seed,
      candidates: f.candidates,
      withoutOptIn: f.withoutOptIn,
      selected: f.resources.map((r) => ({ id: r.id, ...(r.arn === undefined ? {} : { arn: r.arn }), tags: r.tags })),
    });
    ctx.resolved.set(f.fault, f.resources);
  }
  if (plan.refusal !== null) throw new RunStop('refused', `refused by the ${plan.refusal.guard} guard: ${plan.refusal.message}`);
  for (const f of plan.faults) {
    if (f.source !== 'none' && f.resources.length === 0) {
      const optIn = f.withoutOptIn > 0 ? `; ${f.withoutOptIn} more lack the opt-in tags` : '';
      throw new RunStop('invalid-fault', `fault '${f.fault}' matched no ${f.type} (of ${f.candidates} candidates${optIn})`);
    }
  }
  // From here on, a mutating call may only name what the plan holds.
  ctx.env.fence = new PlanFence(plan.faults.flatMap((f) => f.resources));
  await options.beforeInject?.(
    [...ctx.resolved].map(([fault, resources]) => ({ fault, resources })),
    ctx.signal,
  );
  if (ctx.signal.aborted) throw ctx.signal.reason;
}
