import type { FaultSpec } from '../../experiment/schema.js';
import type { AnyActionDefinition, CallRecord } from '../../registry/types.js';
import { faultRegion } from '../../safety/plan.js';
import { readIntent, runActivity } from '../activity.js';
import { bracket } from '../bracket.js';
import type { RunContext } from './context.js';
import type { MutationStep } from './options.js';
import { undo } from './rollback.js';
import { RunStop } from './run-stop.js';
import { failureVerdict } from './verdict.js';

/**
 * Phase `method`: injects every fault at its offset while the probes sample (boosted right after each injection),
 * records when each landed, and schedules the end of faults with a duration. The first fault that fails stops the
 * others. Returns the pending duration ends, which recovery waits for.
 */
export async function runMethod(ctx: RunContext): Promise<Promise<void>[]> {
  ctx.phase('method');
  const e = ctx.schedule;
  // Before anything is injected, so a worker lost at any point after leaves its rollbacks to whoever finishes its undo.
  if (ctx.options.recordRollbacks !== undefined && e.rollbacks.length > 0) {
    try {
      await ctx.options.recordRollbacks(e.rollbacks.map((r, index) => ({ index, name: r.name, action: r.action })));
    } catch (error) {
      throw new RunStop(
        'errored',
        `the experiment's rollbacks could not be recorded, so nothing was injected: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  ctx.methodStart = ctx.clock.now();
  ctx.methodStarted = true;
  const method = new AbortController();
  const stopMethod = (): void => method.abort(ctx.signal.reason);
  ctx.signal.addEventListener('abort', stopMethod, { once: true });
  const state: MethodState = { method, firstFailure: null, durationEnds: [] };
  const faultOrder = [...e.faults].sort((a, b) => a.startAfter - b.startAfter);
  await Promise.all(faultOrder.map((fault) => injectFault(ctx, state, fault)));
  ctx.signal.removeEventListener('abort', stopMethod);
  if (state.firstFailure !== null) throw state.firstFailure;
  if (ctx.signal.aborted) throw ctx.signal.reason;
  return state.durationEnds;
}

interface MethodState {
  /** Aborted when the run stops or a fault fails: faults not yet started never start. */
  method: AbortController;
  firstFailure: RunStop | null;
  durationEnds: Promise<void>[];
}

async function injectFault(ctx: RunContext, state: MethodState, fault: FaultSpec): Promise<void> {
  const { options, record, clock } = ctx;
  const { method } = state;
  const e = ctx.schedule;
  const rawArgs = ctx.loaded.raw.faults[e.faults.indexOf(fault)]?.args;
  try {
    await clock.sleep(ctx.methodStart + fault.startAfter - clock.now(), method.signal);
  } catch {
    return;
  }
  const definition = options.registry.action(fault.action) as AnyActionDefinition;
  const targets = ctx.resolved.get(fault.name) ?? [];
  const boostUntil = clock.now() + Math.min(e.recovery.timeout, 60_000 / ctx.speed);
  for (const s of record.samplers) s.sampler.boost(boostUntil);
  const region = faultRegion(fault, definition, ctx.env.aws.target.region);
  const step: MutationStep = { fault: fault.name, action: fault.action, args: fault.args, targets, region, undoable: definition.rollback !== undefined };
  const fail = (stop: RunStop): void => {
    state.firstFailure ??= stop;
    method.abort(state.firstFailure);
  };
  if (definition.mutating && !ctx.mayMutate('inject')) {
    fail(new RunStop('aborted', `fault '${fault.name}' was not injected: this process no longer owns the run`));
    return;
  }
  let earlierCalls: CallRecord[] | undefined;
  if (definition.mutating && options.beforeMutation !== undefined) {
    // The intent is read only for a run that records it: another process needs it if this one dies while injecting.
    if (definition.intent !== undefined) {
      const intent = await readIntent(
        { name: fault.name, definition, args: fault.args, rawArgs, scope: ctx.scope, targets, region, signal: method.signal },
        ctx.env,
      );
      earlierCalls = intent.calls;
      if (intent.prior === undefined) {
        const why = intent.error instanceof Error ? intent.error.message : String(intent.error);
        fail(new RunStop('errored', `the state of fault '${fault.name}''s targets could not be read before it, so it was not injected: ${why}`));
        return;
      }
      step.prior = intent.prior;
    }
    try {
      await options.beforeMutation(step);
    } catch (error) {
      fail(
        error instanceof RunStop
          ? error
          : new RunStop(
              'errored',
              `the undo of fault '${fault.name}' could not be recorded, so it was not injected: ${error instanceof Error ? error.message : String(error)}`,
            ),
      );
      return;
    }
  }
  ctx.notify('activityStart', 'fault', fault.name, fault.action);
  const checkpoint = definition.mutating ? options.checkpoint?.bind(options) : undefined;
  const atPoint = options.atInjectionPoint?.bind(options);
  const outcome = await runActivity(
    {
      kind: 'fault',
      name: fault.name,
      definition,
      args: fault.args,
      rawArgs,
      scope: ctx.scope,
      targets,
      // The schedule is wall time; the action sends AWS time (a simulated region scales it itself).
      duration: fault.duration === undefined ? undefined : fault.duration * ctx.env.speed,
      region,
      signal: method.signal,
      checkpoint: checkpoint === undefined ? undefined : (undo) => checkpoint(step, undo),
      earlierCalls,
      atFirstMutatingCall:
        definition.mutating && atPoint !== undefined
          ? (moment) => atPoint(moment === 'before' ? 'before-call' : moment === 'answered' ? 'during-call' : 'after-call', step)
          : undefined,
    },
    ctx.env,
  );
  record.activities.push(outcome.record);
  ctx.notify('activityEnd', outcome.record);
  if (definition.mutating) atPoint?.('before-record', step);
  if (definition.mutating) await ctx.hook(() => options.afterMutation?.(step, outcome.result === null ? null : { args: outcome.args, result: outcome.result }));
  if (outcome.result === null) {
    // A fault cut short by an abort did not fail on its own: the abort's reason is the verdict.
    if (ctx.signal.aborted) return;
    fail(new RunStop(failureVerdict(outcome.error), `fault '${fault.name}' did not land: ${outcome.record.error?.message ?? 'unknown error'}`));
    return;
  }
  // The fault landed during its first mutating call (an action may read state before and after it).
  const injection = outcome.record.calls.find((c) => c.mutating) ?? { startedAt: outcome.record.startedAt ?? 0, endedAt: outcome.record.endedAt ?? 0 };
  // Unless the action knows better (FIS reports when its first action really started).
  const call = outcome.result.landed ?? bracket(ctx.origin + injection.startedAt, ctx.origin + injection.endedAt);
  // The first injection is the earliest landing, not the first fault to finish: a followed release lands at its first
  // call and may end after a fault that started later.
  if (record.injectedAt === null || call.value < record.injectedAt.value) record.injectedAt = call;
  record.lastInjectionAt = Math.max(record.lastInjectionAt ?? -Infinity, call.upper);
  ctx.scope.steps.set(fault.name, { output: outcome.result.output, targets: targets.map((t) => t.id) });
  const entry = { fault, step, definition, args: outcome.args, result: outcome.result, targets, undone: false };
  ctx.landed.push(entry);
  if (fault.duration === undefined) return;
  state.durationEnds.push(
    clock.sleep(fault.duration, AbortSignal.any([method.signal, ctx.durationTimers.signal])).then(
      async () => {
        // The run's rollbacks may have undone it already (after an abort during recovery).
        if (entry.undone) return;
        entry.undone = true;
        await undo(ctx, entry, 'fault-end');
      },
      () => undefined,
    ),
  );
}
