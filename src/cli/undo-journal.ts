import { AwsClientFactory } from '../aws/client-factory.js';
import { awsTargetFor } from '../aws/target.js';
import { replayUndo } from '../engine/replay-undo.js';
import { ErrorCode, ExitCode, GamedayError } from '../errors/gameday-error.js';
import type { EnvironmentSpec } from '../experiment/schema.js';
import { defaultRegistry } from '../registry/default-registry.js';
import type { GlobalOptions } from './output.js';
import { readJournal } from './report.js';

export interface UndoJournalOptions {
  journal: string;
  /** aws: finish the undo without asking (the steps are printed first). */
  yes?: boolean;
  /** Wall-clock deadline of each step, its retries included. */
  rollbackTimeout?: number;
}

/**
 * `gameday undo --journal FILE`: finishes the undos a run in this process left outstanding (verdict
 * `rollback-failed`), from its journal, the durable record of a run that had no queue. Exits 0 once every one is done,
 * 7 while any still fails.
 */
export async function undoJournalCommand(globals: GlobalOptions, options: UndoJournalOptions): Promise<number> {
  const journal = await readJournal(options.journal);
  const steps = journal.outstandingUndo ?? [];
  if (steps.length === 0) {
    if (globals.json) process.stdout.write(`${JSON.stringify({ runId: journal.runId, undone: [], failed: [] })}\n`);
    else process.stdout.write(`Run ${journal.runId} left no undo outstanding: nothing to do.\n`);
    return ExitCode.Passed;
  }
  const environment = (journal.experiment.spec as { environment?: EnvironmentSpec }).environment;
  if (environment === undefined)
    throw new GamedayError(ErrorCode.InvalidArgument, `${options.journal} does not say the run's environment (experiment.spec.environment).`, {
      exitCode: ExitCode.InvalidInput,
    });
  for (const s of steps)
    process.stderr.write(`undo ${s.kind} '${s.fault}' (${s.action}) in ${s.region ?? journal.environment.region} on ${s.resources.join(', ') || '—'}\n`);
  if (environment.type === 'aws' && options.yes !== true)
    throw new GamedayError(ErrorCode.InvalidArgument, 'Finishing an undo changes a live account: review the steps above and add --yes.', {
      exitCode: ExitCode.InvalidInput,
    });
  const sim = journal.environment.endpoint === undefined ? undefined : { endpoint: journal.environment.endpoint, region: journal.environment.region };
  const aws = new AwsClientFactory(awsTargetFor(environment, process.env, environment.type === 'sim' ? sim : undefined, journal.runId));
  try {
    const records = await replayUndo(steps, {
      registry: defaultRegistry(),
      aws,
      runId: journal.runId,
      ...(options.rollbackTimeout === undefined ? {} : { timeoutMs: options.rollbackTimeout }),
    });
    const failed = records.filter((r) => r.status !== 'succeeded');
    if (globals.json) process.stdout.write(`${JSON.stringify({ runId: journal.runId, activities: records })}\n`);
    else
      for (const r of records)
        process.stdout.write(
          `${r.status === 'succeeded' ? 'undone' : 'still failing'}: ${r.kind} '${r.name}' (${r.action})${r.attempts === undefined ? '' : ` after ${r.attempts} attempts`}${r.error === undefined ? `: ${JSON.stringify(r.output ?? {})}` : `: ${r.error.message}`}\n`,
        );
    return failed.length === 0 ? ExitCode.Passed : ExitCode.RollbackFailed;
  } finally {
    await aws.destroy();
  }
}
