import { PlanFence } from '../safety/fence.js';
import { clockTimeout, systemClock, type Clock } from '../core/clock.js';
import { silentLogger } from '../core/logger.js';
import { redact } from '../core/redact.js';
import { runActivity, type ActivityEnv, type ActivityRequest } from '../engine/activity.js';
import type { AnyActionDefinition } from '../registry/types.js';
import type { ActivityRecord, Journal } from '../engine/journal.js';
import { buildLostRunJournal } from '../engine/run-record.js';
import { speedOf, wallSchedule } from '../engine/time-scale.js';
import { ErrorCode } from '../errors/gameday-error.js';
import type { Registry } from '../registry/registry.js';
import type { RunJob } from './run-job.js';
import type { RunContext } from './run-store.js';
import type { RollbackEntry, RollbackLog, UndoLog, UndoStep } from './undo-log.js';
import type { RunWorld } from './run-world.js';
import type { PrepareWorld } from './run-world.js';

/**
 * Finishes a run whose worker died: runs the rollback of every fault its undo log says landed (newest first), then,
 * given `rollbacks`, the experiment's own rollbacks not done (in order, each claimed first), marks each step, and
 * builds its journal (verdict `aborted`, reason `worker lost`) with those rollbacks. A fault the worker was injecting
 * when it died (its result never recorded) is reconciled from its intent: its action's `reconcile` reads the present
 * state of its targets, undoes what landed and says what it found and did. Without an intent, the action's
 * checkpointed undo is run (safe either way); without either, the fault is reported, not guessed at: its outcome is
 * unknown.
 */
export async function recoverLostRun(lost: {
  job: RunJob;
  context: RunContext;
  steps: UndoStep[];
  undoLog: UndoLog;
  registry: Registry;
  prepare: PrepareWorld;
  recoveredBy: string;
  rollbackTimeoutMs: number;
  /** Times the rollbacks and their limit. @defaultValue the system clock */
  clock?: Clock;
  /** The experiment's own rollbacks the run recorded; those not done run after the automatic undos, in order. */
  rollbacks?: ExplicitRollbacks;
}): Promise<Journal> {
  const { job, context } = lost;
  const clock = lost.clock ?? systemClock;
  const world = await lost.prepare(job, context.simOutputs === undefined ? {} : { simOutputs: context.simOutputs });
  // Aborted at the end, so no rollback's limit stays pending on the clock.
  const limits = new AbortController();
  try {
    const replay = await replayUndo(world, { ...lost, clock, signal: limits.signal });
    const undone = replay.activities.filter((a) => a.kind === 'auto-rollback' || a.kind === 'rollback');
    const failed = undone.filter((a) => a.status === 'failed').length;
    const speed = speedOf(world.loaded.experiment);
    return buildLostRunJournal({
      runId: job.runId,
      loaded: world.loaded,
      schedule: wallSchedule(world.loaded.experiment, speed),
      speed,
      target: world.aws.target,
      startedEpochMs: context.startedEpochMs,
      endedEpochMs: clock.epochMs(),
      rollback: { startedAt: replay.startedAt, endedAt: replay.endedAt },
      activities: replay.activities,
      reason: `worker lost: its worker stopped answering mid-run; ${lost.recoveredBy} ran ${undone.length} rollback(s) from the undo log${failed === 0 ? '' : `, ${failed} failed`}`,
      registry: lost.registry,
    });
  } finally {
    limits.abort();
    await world.close();
  }
}

/** The experiment's own rollbacks of a run as its log recorded them, and who claims them to run them. */
export interface ExplicitRollbacks {
  log: RollbackLog;
  entries: RollbackEntry[];
  /** Must hold the run's alive lease for its claims to succeed (a worker id, or `gameday undo`). */
  claimant: string;
}

/**
 * Finishes the outstanding undo of a run that already ended with its undo incomplete (a rollback failed, or it was
 * recovered and a rollback failed then): the same replay as a takeover, also retrying undos that failed. Resolves to
 * the undo's activities, in journal time of the run, to append to its journal.
 */
export async function finishOutstandingUndo(run: {
  job: RunJob;
  context: RunContext;
  steps: UndoStep[];
  undoLog: UndoLog;
  registry: Registry;
  prepare: PrepareWorld;
  rollbackTimeoutMs: number;
  rollbacks: ExplicitRollbacks;
  /** @defaultValue the system clock */
  clock?: Clock;
}): Promise<{ activities: ActivityRecord[]; rollback: { startedAt: number; endedAt: number } }> {
  const clock = run.clock ?? systemClock;
  const world = await run.prepare(run.job, run.context.simOutputs === undefined ? {} : { simOutputs: run.context.simOutputs });
  const limits = new AbortController();
  try {
    const replay = await replayUndo(world, { ...run, clock, signal: limits.signal });
    return {
      activities: replay.activities.filter((a) => a.kind === 'auto-rollback' || a.kind === 'rollback'),
      rollback: { startedAt: replay.startedAt, endedAt: replay.endedAt },
    };
  } finally {
    limits.abort();
    await world.close();
  }
}

/**
 * Plays a run's undo log back on its world: the automatic undo of every fault that landed (or failed to be undone,
 * or was checkpointed while injecting), newest first, then the experiment's own rollbacks not done, in order. The
 * activities start with one record per logged fault (as the journal of a lost run shows them).
 */
async function replayUndo(
  world: RunWorld,
  lost: {
    job: RunJob;
    context: RunContext;
    steps: UndoStep[];
    undoLog: UndoLog;
    registry: Registry;
    rollbackTimeoutMs: number;
    clock: Clock;
    signal: AbortSignal;
    rollbacks?: ExplicitRollbacks | undefined;
  },
): Promise<{ activities: ActivityRecord[]; startedAt: number; endedAt: number }> {
  const { job, context, steps, clock } = lost;
  // Journal times count from the lost run's start, as if it had written them itself.
  const origin = clock.now() - (clock.epochMs() - context.startedEpochMs);
  // The undo steps may only touch what the lost run's faults were aimed at.
  const fence = new PlanFence(steps.flatMap((s) => s.targets));
  const env: ActivityEnv = {
    runId: job.runId,
    clock,
    logger: silentLogger,
    aws: world.aws,
    speed: world.loaded.experiment.environment.type === 'sim' ? world.loaded.experiment.environment.speed : 1,
    origin,
    fence,
  };
  const rel = (): number => Math.round((clock.now() - origin) * 1_000) / 1_000;
  const activities: ActivityRecord[] = steps.map((s) => ({
    kind: 'fault',
    name: s.fault,
    action: s.action,
    args: redact(s.args),
    status: s.state === 'not-landed' ? 'failed' : s.state === 'injecting' ? 'skipped' : 'succeeded',
    startedAt: null,
    endedAt: null,
    ...(s.result === undefined ? {} : { output: redact(s.result.output) as Record<string, unknown> }),
    calls: [],
  }));
  const startedAt = rel();
  // One step's automatic undo: from its recorded result (`undo`), or, for a step its worker died injecting, from its
  // intent (`reconcile`).
  const undoStep = (
    step: UndoStep,
    definition: AnyActionDefinition,
    how: Pick<ActivityRequest, 'undo'> | Pick<ActivityRequest, 'reconcile'>,
  ): ReturnType<typeof runActivity> =>
    runActivity(
      {
        kind: 'auto-rollback',
        name: step.fault,
        definition,
        args: step.args,
        rawArgs: undefined,
        scope: { runId: job.runId, experiment: job.experiment, steps: new Map() },
        targets: step.targets,
        region: step.region,
        signal: clockTimeout(clock, lost.rollbackTimeoutMs, lost.signal),
        ...how,
      },
      env,
    );
  for (const step of [...steps].reverse()) {
    const definition = lost.registry.action(step.action);
    if (step.state === 'injecting' && step.checkpointed !== true && step.prior !== undefined && definition?.reconcile !== undefined) {
      const outcome = await undoStep(step, definition, { reconcile: { args: step.args, prior: step.prior } });
      activities.push(outcome.record);
      const landed = outcome.result === null || outcome.result.output.landed !== false;
      // The fault's own line says what became of it, as far as the present state tells.
      const fault = activities.find((a) => a.kind === 'fault' && a.name === step.fault);
      if (fault !== undefined && outcome.result?.output.landed === true) fault.status = 'succeeded';
      await lost.undoLog.afterReconcile(job.runId, step.fault, landed, outcome.result !== null);
      continue;
    }
    // A step whose undo failed before is tried again: finishing the undo later (gameday undo) is the point.
    if (!step.undoable || (step.state !== 'landed' && step.state !== 'injecting' && step.state !== 'undo-failed')) continue;
    // An injecting step is undone only from its checkpoint: its rollback is then safe whether the change happened or not.
    if ((step.state === 'injecting' && step.checkpointed !== true) || step.result === undefined || definition === undefined) {
      const why =
        definition === undefined
          ? `action '${step.action}' is not registered in this worker`
          : `the worker was lost while injecting it, so whether it landed is unknown; check ${step.targets.map((t) => t.id).join(', ') || JSON.stringify(redact(step.args))}`;
      activities.push({
        kind: 'auto-rollback',
        name: step.fault,
        action: step.action,
        args: redact(step.args),
        status: 'failed',
        startedAt: rel(),
        endedAt: rel(),
        error: { code: ErrorCode.Aborted, message: `Not undone: ${why}.` },
        calls: [],
      });
      await lost.undoLog.afterRollback(job.runId, step.fault, false);
      continue;
    }
    const outcome = await undoStep(step, definition, { undo: { args: step.args, result: step.result } });
    activities.push(outcome.record);
    await lost.undoLog.afterRollback(job.runId, step.fault, outcome.result !== null);
  }
  if (lost.rollbacks !== undefined) await replayRollbacks(world, lost.rollbacks, { ...lost, env, steps, activities, rel });
  return { activities, startedAt, endedAt: rel() };
}

/** Runs the experiment's own rollbacks not done, in order, each claimed first so no two processes run one. */
async function replayRollbacks(
  world: RunWorld,
  rollbacks: ExplicitRollbacks,
  run: {
    job: RunJob;
    registry: Registry;
    rollbackTimeoutMs: number;
    clock: Clock;
    signal: AbortSignal;
    env: ActivityEnv;
    steps: UndoStep[];
    activities: ActivityRecord[];
    rel: () => number;
  },
): Promise<void> {
  const { job, activities, rel } = run;
  const schedule = wallSchedule(world.loaded.experiment, speedOf(world.loaded.experiment));
  // What `${steps.…}` in a rollback's arguments may name: the faults' results and the rollbacks that ran before.
  const scopeSteps = new Map<string, { output?: Record<string, unknown>; targets?: string[] }>();
  for (const s of run.steps) if (s.result !== undefined) scopeSteps.set(s.fault, { output: s.result.output, targets: s.targets.map((t) => t.id) });
  for (const r of rollbacks.entries) if (r.state === 'done' && r.output !== undefined) scopeSteps.set(r.name, { output: r.output });
  for (const entry of rollbacks.entries) {
    if (entry.state === 'done') continue;
    const spec = schedule.rollbacks[entry.index];
    const definition = run.registry.action(entry.action);
    const notRun = (message: string): void => {
      activities.push({
        kind: 'rollback',
        name: entry.name,
        action: entry.action,
        args: {},
        status: 'failed',
        startedAt: rel(),
        endedAt: rel(),
        error: { code: ErrorCode.Aborted, message },
        calls: [],
      });
    };
    if (spec === undefined || spec.name !== entry.name || definition === undefined) {
      notRun(
        definition === undefined
          ? `Not run: action '${entry.action}' is not registered in this process.`
          : `Not run: the experiment no longer declares rollback '${entry.name}' at position ${entry.index + 1}.`,
      );
      await rollbacks.log.finished(job.runId, entry.index, { succeeded: false });
      continue;
    }
    const claim = await rollbacks.log.claim(job.runId, entry.index, rollbacks.claimant);
    if (claim === 'done') continue;
    if (claim === 'not-owner') {
      notRun(`Not run: ${rollbacks.claimant} no longer holds this run's undo (another process took it over).`);
      return;
    }
    const outcome = await runActivity(
      {
        kind: 'rollback',
        name: spec.name,
        definition,
        args: spec.args,
        rawArgs: world.loaded.raw.rollbacks?.[entry.index]?.args,
        scope: { runId: job.runId, experiment: job.experiment, steps: scopeSteps },
        targets: [],
        region: spec.region,
        signal: clockTimeout(run.clock, run.rollbackTimeoutMs, run.signal),
      },
      run.env,
    );
    activities.push(outcome.record);
    if (outcome.result !== null) scopeSteps.set(spec.name, { output: outcome.result.output });
    await rollbacks.log.finished(job.runId, entry.index, {
      succeeded: outcome.result !== null,
      ...(outcome.result === null ? {} : { output: outcome.result.output }),
    });
  }
}
