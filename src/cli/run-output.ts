import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Journal } from '../engine/journal.js';
import { probeLocation } from '../experiment/client-locations.js';
import type { Experiment } from '../experiment/schema.js';
import { writeJournalFile } from '../report/journal-file.js';
import { renderSummary } from '../report/summary.js';
import { headlineTimes } from '../report/times.js';
import { plainView, ttyView, type LiveView } from './live-view.js';
import type { GlobalOptions } from './output.js';

/** What a run in this process and a queued run followed from here both show: the same view, the same journal file. */
export interface RunOutputOptions {
  results: string;
  journal?: string;
  view: 'auto' | 'tty' | 'plain' | 'none';
}

/** The live view the options and the terminal ask for. */
export function liveViewFor(options: Pick<RunOutputOptions, 'view'>, globals: GlobalOptions, experiment: Experiment): LiveView | undefined {
  const origin = performance.now();
  const kind = kindOfView(options, globals);
  if (kind === 'tty')
    return ttyView(
      process.stderr,
      origin,
      experiment.metadata.name,
      experiment.probes.map((p) => p.name),
      new Map(
        experiment.probes.flatMap((p) => {
          const at = probeLocation(p.args);
          return at === undefined ? [] : [[p.name, at] as const];
        }),
      ),
    );
  return kind === 'plain' ? plainView(process.stderr, origin) : undefined;
}

/**
 * The first SIGINT or SIGTERM calls `abort` (rollbacks run); the second exits at once. The live view in use then, if
 * any, is cleared before the notice so that no stale frame stays on screen. Returns the function that stops listening.
 */
export function onInterrupt(abort: () => void, view: () => LiveView | undefined = () => undefined): () => void {
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupts++;
    if (interrupts === 1) {
      view()?.interrupt();
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

/**
 * Writes the journal where the options say and prints its summary (or JSON), ending with where the journal and any
 * `reports` were written; returns the verdict's exit code.
 */
export async function reportJournal(
  journal: Journal,
  options: Pick<RunOutputOptions, 'journal' | 'results'>,
  globals: GlobalOptions,
  reports: readonly string[] = [],
): Promise<number> {
  const path = options.journal ?? join(options.results, `${journal.runId}.json`);
  await writeJournalFile(path, journal);
  if (globals.json)
    process.stdout.write(`${JSON.stringify({ runId: journal.runId, journal: path, ...(reports.length === 0 ? {} : { reports }), verdict: journal.verdict, ...(journal.outstandingUndo === undefined ? {} : { outstandingUndo: journal.outstandingUndo }), times: headlineTimes(journal), measurement: journal.measurement, objectives: journal.objectives })}
`);
  else
    process.stdout.write(`${renderSummary(journal)}journal: ${path}
${
  // A run in this process has no queue: its journal is the record of the undo left outstanding.
  journal.outstandingUndo === undefined ? '' : `finish the undo: gameday undo --journal ${path}\n`
}${reports
  .map(
    (r) => `report: ${r}
`,
  )
  .join('')}`);
  return journal.verdict.exitCode;
}

/** Which view `auto` means here: none under --json, a redrawn frame on a terminal, plain lines into a pipe. */
export function kindOfView(options: Pick<RunOutputOptions, 'view'>, globals: GlobalOptions): 'tty' | 'plain' | 'none' {
  if (options.view !== 'auto') return options.view;
  return globals.json ? 'none' : process.stderr.isTTY ? 'tty' : 'plain';
}
