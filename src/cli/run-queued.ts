import { resolve } from 'node:path';
import { newRunId } from '../engine/runner.js';
import { loadExperimentText, type LoadedExperiment } from '../experiment/load.js';
import type { RunJob } from '../orchestrator/run-job.js';
import type { GameDayExperiment } from '../orchestrator/schedules.js';
import { defaultRegistry } from '../registry/default-registry.js';
import type { GlobalOptions } from './output.js';
import { openQueue, type QueueOptions } from './queue-connection.js';
import { bundleRunFiles } from './run-files.js';
import { liveViewFor, onInterrupt, reportJournal, type RunOutputOptions } from './run-output.js';
import { worldOutputs } from './run-setup.js';

/**
 * Validates an experiment file here and returns what a queued run of it carries: its absolute path (for locations and
 * messages), its text, the files of its world (`bundleRunFiles`: topology and the templates it names, so a worker on any
 * machine runs it), its name, and the sim options. Throws the validation error (exit 2) for a bad file, and a
 * one-sentence error for a file of its world that cannot be read.
 */
export async function experimentForQueue(
  file: string,
  options: { topology?: string; speed?: number },
): Promise<GameDayExperiment & { loaded: LoadedExperiment }> {
  // Gathered first: a missing topology or template is named with the file that names it.
  const files = await bundleRunFiles(file, options);
  const text = files.texts[files.experiment] ?? '';
  const loaded = await loadExperimentText(text, file, {
    registry: defaultRegistry(),
    simOutputs: (t, endpoint) => worldOutputs(options.topology ?? t, endpoint),
  });
  return {
    loaded,
    file: resolve(file),
    text,
    experiment: loaded.experiment.metadata.name,
    // Still given, so a worker of an older gameday (which reads no `files`) runs the job by path as before.
    ...(options.topology === undefined ? {} : { topology: resolve(options.topology) }),
    files,
    ...(options.speed === undefined ? {} : { speed: options.speed }),
  };
}

/** What `gameday run --queue` reads of the run command's options. */
export interface QueuedRunOptions extends RunOutputOptions, QueueOptions {
  seed?: number;
  topology?: string;
  speed?: number;
  /** Enqueue, print the run id and return. */
  detach?: boolean;
  /** Wait for locked resources instead of refusing the run. */
  waitForLocks?: boolean;
}

/**
 * `gameday run FILE --queue`: validates here, enqueues the run with the file's text, and follows it with the same
 * live lines and summary as a run in this process. Ctrl-C asks the worker to abort (its rollbacks run).
 */
export async function runQueued(globals: GlobalOptions, file: string, options: QueuedRunOptions): Promise<number> {
  const { loaded, ...experiment } = await experimentForQueue(file, options);
  const job: RunJob = {
    runId: newRunId(),
    ...experiment,
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    waitForLocks: options.waitForLocks === true,
    submittedAt: Date.now(),
  };
  const connection = await openQueue(options);
  try {
    const queue = connection.queue;
    if (options.detach === true) {
      await queue.submit(job);
      process.stdout.write(globals.json ? `${JSON.stringify({ runId: job.runId })}\n` : `${job.runId}\n`);
      return 0;
    }
    const view = liveViewFor(options, globals, loaded.experiment);
    const followed = await queue.follow(job.runId, view ?? {});
    const stopListening = onInterrupt(
      () => void queue.abort(job.runId).catch(() => undefined),
      () => view,
    );
    try {
      await queue.submit(job);
      view?.notice(`queued as ${job.runId}`);
      const status = await followed.finished;
      view?.close();
      const journal = await queue.journal(job.runId);
      if (journal !== undefined) return await reportJournal(journal, options, globals);
      const verdict = status.verdict ?? 'errored';
      if (globals.json)
        process.stdout.write(`${JSON.stringify({ runId: job.runId, verdict: { status: verdict, reason: status.reason, exitCode: status.exitCode } })}\n`);
      else process.stdout.write(`verdict: ${verdict.toUpperCase()} — ${status.reason ?? ''}\nrun: ${job.runId} (no journal: nothing ran)\n`);
      return status.exitCode ?? 4;
    } finally {
      view?.close();
      stopListening();
      await followed.stop();
    }
  } finally {
    await connection.close();
  }
}
