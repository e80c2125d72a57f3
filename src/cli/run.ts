import { join } from 'node:path';
import { writeJournalFile } from '../report/journal-file.js';
import { prepareRun } from './run-setup.js';
import { performance } from 'node:perf_hooks';
import { runExperiment } from '../engine/runner.js';
import { defaultRegistry } from '../registry/default-registry.js';
import { renderSummary } from '../report/summary.js';
import type { Journal } from '../engine/journal.js';
import type { Experiment } from '../experiment/schema.js';
import { plainView, ttyView, type LiveView } from './live-view.js';
import type { GlobalOptions } from './output.js';

export interface RunCommandOptions {
  results: string;
  journal?: string;
  seed?: number;
  view: 'auto' | 'tty' | 'plain' | 'none';
  /** Overrides environment.speed of a sim experiment. */
  speed?: number;
  /** Overrides environment.topology of a sim experiment. */
  topology?: string;
  /** Enqueue the run for a worker and follow it. */
  queue?: boolean;
  /** Enqueue, print the run id and return. */
  detach?: boolean;
  /** On the queue: wait for locked resources instead of refusing the run. */
  waitForLocks?: boolean;
  redis?: string;
  prefix?: string;
}

/** `gameday run FILE`: validates, runs in this process (or on the queue), writes the journal, exits with the verdict's code. */
export async function runCommand(globals: GlobalOptions, file: string, options: RunCommandOptions): Promise<number> {
  if (options.queue === true || options.detach === true) return (await import('./run-queued.js')).runQueued(globals, file, options);
  const registry = defaultRegistry();
  const prepared = await prepareRun(file, {
    registry,
    ...(options.topology === undefined ? {} : { topology: options.topology }),
    ...(options.speed === undefined ? {} : { speed: options.speed }),
    notice: (line) => {
      if (kindOfView(options, globals) !== 'none') process.stderr.write(`${line}\n`);
    },
  });
  const { loaded, aws } = prepared;
  const view = liveViewFor(options, globals, loaded.experiment);
  const abort = new AbortController();
  const stopListening = onInterrupt(() => abort.abort());
  try {
    const journal = await runExperiment(loaded, {
      registry,
      aws,
      signal: abort.signal,
      ...(view === undefined ? {} : { listener: view }),
      ...(options.seed === undefined ? {} : { seed: options.seed }),
    });
    view?.close();
    return await reportJournal(journal, options, globals);
  } finally {
    view?.close();
    stopListening();
    await prepared.close();
  }
}

/** The live view the options and the terminal ask for. */
export function liveViewFor(options: RunCommandOptions, globals: GlobalOptions, experiment: Experiment): LiveView | undefined {
  const origin = performance.now();
  const kind = kindOfView(options, globals);
  if (kind === 'tty') return ttyView(process.stderr, origin, experiment.metadata.name, experiment.probes.map((p) => p.name));
  return kind === 'plain' ? plainView(process.stderr, origin) : undefined;
}

/**
 * The first SIGINT or SIGTERM calls `abort` (rollbacks run); the second exits at once. Returns the function that
 * stops listening.
 */
export function onInterrupt(abort: () => void): () => void {
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write(`\n${signal}: aborting; rollbacks are running (press Ctrl-C again to exit without them)\n`);
      abort();
    } else {
      process.stderr.write(`${signal}: exiting before rollbacks finished; check the resources named in the journal\n`);
      process.exit(3);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

/** Writes the journal where the options say and prints its summary (or JSON); returns the verdict's exit code. */
export async function reportJournal(journal: Journal, options: Pick<RunCommandOptions, 'journal' | 'results'>, globals: GlobalOptions): Promise<number> {
  const path = options.journal ?? join(options.results, `${journal.runId}.json`);
  await writeJournalFile(path, journal);
  if (globals.json) process.stdout.write(`${JSON.stringify({ runId: journal.runId, journal: path, verdict: journal.verdict, measurement: journal.measurement, objectives: journal.objectives })}\n`);
  else process.stdout.write(`${renderSummary(journal)}journal: ${path}\n`);
  return journal.verdict.exitCode;
}

function kindOfView(options: RunCommandOptions, globals: GlobalOptions): 'tty' | 'plain' | 'none' {
  if (options.view !== 'auto') return options.view;
  return globals.json ? 'none' : process.stderr.isTTY ? 'tty' : 'plain';
}
