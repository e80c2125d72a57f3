import { clockTimeout, systemClock, type Clock } from '../core/clock.js';
import { silentLogger, type Logger } from '../core/logger.js';
import type { AwsClients } from '../aws/clients.js';
import type { Registry } from '../registry/registry.js';
import type { AnyActionDefinition } from '../registry/types.js';
import { runActivity } from './activity.js';
import type { ActivityRecord, OutstandingUndo } from './journal.js';
import type { RollbackRetryOptions } from './run/options.js';
import { retryRollback } from './run/rollback-retry.js';

/** What finishing outstanding undos needs: the definitions, clients for the run's world, and the retry policy. */
export interface ReplayUndoOptions {
  registry: Registry;
  aws: AwsClients;
  /** The run whose undos these are (in logs and CloudTrail session names). */
  runId: string;
  clock?: Clock;
  logger?: Logger;
  /** Deadline of each step, its retries included. @defaultValue 300000 */
  timeoutMs?: number;
  retry?: RollbackRetryOptions;
}

/**
 * Finishes undos a run left outstanding (`Journal.outstandingUndo`, or any list of the same steps), each retried with
 * backoff to its deadline like the run's own rollbacks, in the order given. A fault's automatic undo starts from the
 * fault's journaled result; an experiment rollback runs its action with the journaled arguments. Returns one record
 * per step; never throws for a failed step (its record says why). Arguments the journal redacted are sent redacted.
 */
export async function replayUndo(steps: readonly OutstandingUndo[], options: ReplayUndoOptions): Promise<ActivityRecord[]> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const limits = new AbortController();
  const env = { runId: options.runId, clock, logger, aws: options.aws, speed: 1, origin: clock.now() };
  const records: ActivityRecord[] = [];
  try {
    for (const step of steps) {
      const definition = options.registry.action(step.action) as AnyActionDefinition;
      const timeoutMs = options.timeoutMs ?? 300_000;
      const outcome = await retryRollback(
        { clock, logger, timeoutMs, retry: options.retry, limit: () => clockTimeout(clock, timeoutMs, limits.signal) },
        step.fault,
        (signal) =>
          runActivity(
            {
              kind: step.kind,
              name: step.fault,
              definition,
              args: step.args,
              rawArgs: undefined,
              scope: { runId: options.runId, experiment: '', steps: new Map() },
              targets: step.resources.map((id) => ({ type: definition.targetType ?? '', id, tags: {}, region: step.region, attributes: {} })),
              region: step.region,
              signal,
              ...(step.kind === 'rollback' ? {} : { undo: { args: step.args, result: step.result ?? { output: {} } } }),
            },
            env,
          ),
      );
      records.push(outcome.record);
    }
  } finally {
    limits.abort();
  }
  return records;
}
