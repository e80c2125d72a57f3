import { PlanFence } from '../safety/fence.js';
import { clockTimeout, systemClock, type Clock } from '../core/clock.js';
import { silentLogger } from '../core/logger.js';
import { redact } from '../core/redact.js';
import { runActivity, type ActivityEnv } from '../engine/activity.js';
import type { ActivityRecord, Journal } from '../engine/journal.js';
import { buildLostRunJournal } from '../engine/run-record.js';
import { speedOf, wallSchedule } from '../engine/time-scale.js';
import { ErrorCode } from '../errors/gameday-error.js';
import type { Registry } from '../registry/registry.js';
import type { RunJob } from './run-job.js';
import type { RunContext } from './run-store.js';
import type { UndoLog, UndoStep } from './undo-log.js';
import type { PrepareWorld } from './run-world.js';

/**
 * Finishes a run whose worker died: runs the rollback of every fault its undo log says landed (newest first), marks
 * each step, and builds its journal (verdict `aborted`, reason `worker lost`) with those rollbacks. A fault the worker
 * was injecting when it died is reported, not guessed at: its outcome is unknown; unless the action checkpointed its
 * undo before its mutating call, whose rollback is then run, being safe either way.
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
}): Promise<Journal> {
  const { job, context, steps } = lost;
  const clock = lost.clock ?? systemClock;
  const world = await lost.prepare(job, context.simOutputs === undefined ? {} : { simOutputs: context.simOutputs });
  // Aborted at the end, so no rollback's limit stays pending on the clock.
  const limits = new AbortController();
  try {
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
    for (const step of [...steps].reverse()) {
      if (!step.undoable || (step.state !== 'landed' && step.state !== 'injecting')) continue;
      const definition = lost.registry.action(step.action);
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
      const outcome = await runActivity(
        {
          kind: 'auto-rollback',
          name: step.fault,
          definition,
          args: step.args,
          rawArgs: undefined,
          scope: { runId: job.runId, experiment: job.experiment, steps: new Map() },
          targets: step.targets,
          region: step.region,
          signal: clockTimeout(clock, lost.rollbackTimeoutMs, limits.signal),
          undo: { args: step.args, result: step.result },
        },
        env,
      );
      activities.push(outcome.record);
      await lost.undoLog.afterRollback(job.runId, step.fault, outcome.result !== null);
    }
    const undone = activities.filter((a) => a.kind === 'auto-rollback');
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
      rollback: { startedAt, endedAt: rel() },
      activities,
      reason: `worker lost: its worker stopped answering mid-run; ${lost.recoveredBy} ran ${undone.length} rollback(s) from the undo log${failed === 0 ? '' : `, ${failed} failed`}`,
      registry: lost.registry,
    });
  } finally {
    limits.abort();
    await world.close();
  }
}
