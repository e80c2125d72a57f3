import { hostname } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../core/clock.js';
import { ErrorCode, ExitCode, GamedayError } from '../errors/gameday-error.js';
import { runJobSchema } from '../orchestrator/run-job.js';
import { claimUndo, finishRunUndo, stillFaulted } from '../orchestrator/run-undo.js';
import { RollbackLog, UndoLog } from '../orchestrator/undo-log.js';
import { defaultRegistry } from '../registry/default-registry.js';
import { writeJournalFile } from '../report/journal-file.js';
import type { GlobalOptions } from './output.js';
import { withQueue, type QueueOptions } from './queue-connection.js';
import { prepareRun } from './run-setup.js';
import { undoJournalCommand, type UndoJournalOptions } from './undo-journal.js';

export interface UndoCommandOptions extends QueueOptions, Omit<UndoJournalOptions, 'journal'> {
  /** Where the journal of a run whose worker was lost is written (a finished run's is rewritten where it was). */
  results: string;
  /** Instead of a run id: the journal of a run that had no queue. */
  journal?: string;
}

/** How long this command's hold on the run lasts if it dies: then a worker may take the run over. */
const LEASE_MS = 30_000;
/** Limit for each rollback, as a worker's default. */
const ROLLBACK_TIMEOUT_MS = 300_000;

/**
 * `gameday undo RUN`: finishes a run's outstanding undo from its durable log (the automatic undos and the experiment's
 * own rollbacks not done) for a run whose worker is gone or whose undo failed, with the same code as a worker's
 * takeover, holding the run's resource locks meanwhile. Exit 0 when everything is undone; otherwise exit 7
 * (`rollback-failed`), naming what is still faulted. With `--journal FILE` instead of a run id: the journal's
 * outstanding undo of a run that had no queue (`undo-journal.ts`).
 */
export async function undoCommand(globals: GlobalOptions, runId: string | undefined, options: UndoCommandOptions): Promise<number> {
  if ((runId === undefined) === (options.journal === undefined))
    throw new GamedayError(
      ErrorCode.InvalidArgument,
      runId === undefined
        ? 'gameday undo needs a run id (a run on the queue) or --journal FILE (a run that had no queue).'
        : `gameday undo takes a run id or --journal, not both (run ${runId}, journal ${options.journal ?? ''}).`,
      { exitCode: ExitCode.InvalidInput },
    );
  if (options.journal !== undefined) return undoJournalCommand(globals, { ...options, journal: options.journal });
  return undoQueuedRun(globals, runId ?? '', options);
}

async function undoQueuedRun(globals: GlobalOptions, runId: string, options: UndoCommandOptions): Promise<number> {
  return withQueue(options, async ({ redis, keys, queue }) => {
    const status = await queue.status(runId);
    const undoLog = new UndoLog(redis, keys);
    const rollbackLog = new RollbackLog(redis, keys);
    const worker = await redis.get(keys.alive(runId));
    if (worker !== null) throw stillRunning(runId, worker);
    if (status.state === 'queued') throw refused(`run ${runId} has not started, so it has nothing to undo; 'gameday abort ${runId}' takes it off the queue.`);
    // Undoing a run that is whole is not an error: a script may call undo after every run, and the answer is "nothing".
    if (status.state === 'finished' && (await stillFaulted(undoLog, rollbackLog, runId)).length === 0) {
      process.stdout.write(
        globals.json
          ? `${JSON.stringify({ runId, undone: true, activities: [] })}\n`
          : `run ${runId} has nothing left to undo: every fault it injected was undone and every rollback ran\n`,
      );
      return 0;
    }
    const job = await queue.jobs.getJob(runId);
    if (job === undefined)
      throw refused(`run ${runId}'s job is no longer on the queue (finished jobs are kept 7 days), so its experiment cannot be read again to undo it.`);
    const claimant = `gameday-undo-${hostname()}-${process.pid}`;
    const claim = await claimUndo(redis, keys, runId, claimant, LEASE_MS, systemClock);
    if ('heldBy' in claim) throw stillRunning(runId, claim.heldBy);
    const registry = defaultRegistry();
    try {
      const parsed = runJobSchema.parse(job.data);
      const undo = await finishRunUndo(
        {
          redis,
          keys,
          registry,
          prepare: (j, existing) =>
            prepareRun(j.file, {
              registry,
              text: j.text,
              runId: j.runId,
              ...(j.topology === undefined ? {} : { topology: j.topology }),
              ...(j.speed === undefined ? {} : { speed: j.speed }),
              ...existing,
            }),
          rollbackTimeoutMs: ROLLBACK_TIMEOUT_MS,
          leaseMs: LEASE_MS,
          clock: systemClock,
          job: parsed,
          status,
          claimant,
          recoveredBy: 'gameday undo',
        },
        async (u) => {
          const journalPath = status.journalPath ?? join(options.results, `${runId}.json`);
          if (u.journal !== undefined) await writeJournalFile(journalPath, u.journal);
          await queue.store.finish(runId, {
            verdict: u.verdict,
            reason: u.reason,
            exitCode: u.exitCode,
            ...(u.journal === undefined ? {} : { journal: u.journal, journalPath }),
          });
          return u;
        },
      );
      const result = {
        runId,
        undone: undo.faulted.length === 0,
        faulted: undo.faulted,
        activities: undo.activities.map((a) => ({
          kind: a.kind,
          name: a.name,
          action: a.action,
          status: a.status,
          ...(a.error === undefined ? {} : { error: a.error.message }),
        })),
        verdict: undo.verdict,
        reason: undo.reason,
      };
      if (globals.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      else {
        for (const a of result.activities)
          process.stdout.write(`${a.kind} ${a.name} (${a.action}): ${a.status}${a.error === undefined ? '' : ` — ${a.error}`}\n`);
        if (result.undone) process.stdout.write(`run ${runId} is undone: nothing it injected is left faulted\n`);
      }
      if (result.undone) return 0;
      process.stderr.write(
        globals.json
          ? `${JSON.stringify({ error: ErrorCode.ActionFailed, message: incomplete(runId, undo.faulted) })}\n`
          : `error: ${incomplete(runId, undo.faulted)}\n`,
      );
      return ExitCode.RollbackFailed;
    } finally {
      await claim.lease.stop();
    }
  });
}

function incomplete(runId: string, faulted: readonly string[]): string {
  return `The undo of run ${runId} is still incomplete; still faulted: ${faulted.join(', ')}; 'gameday undo ${runId}' tries again.`;
}

function stillRunning(runId: string, worker: string): GamedayError {
  return refused(`run ${runId} is running on worker ${worker}; 'gameday abort ${runId}' stops it (its worker runs the rollbacks).`);
}

function refused(message: string): GamedayError {
  return new GamedayError(ErrorCode.Refused, message, { exitCode: ExitCode.Refused });
}
