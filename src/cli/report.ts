import { readFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { journalSchema, type Journal } from '../engine/journal.js';
import { ErrorCode, ExitCode, GamedayError } from '../errors/gameday-error.js';
import { renderHtml } from '../report/html.js';
import { renderRunsHtml } from '../report/runs-html.js';
import { renderJUnit } from '../report/junit.js';
import { renderTrials } from '../report/trials.js';
import { renderMarkdown } from '../report/markdown.js';
import { renderSummary } from '../report/summary.js';
import { headlineTimes } from '../report/times.js';
import type { GlobalOptions } from './output.js';

export type ReportFormat = 'text' | 'md' | 'junit' | 'json' | 'html';

export interface ReportCommandOptions {
  format: ReportFormat;
  /** Write here instead of standard output. */
  out?: string;
  /** The trend of recovery times across the runs, per experiment, instead of one report per run. */
  compare?: boolean;
}

/** Reads and checks one journal file; a file that is not a journal is refused in one sentence. */
export async function readJournal(file: string): Promise<Journal> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new GamedayError(ErrorCode.FileNotFound, `Cannot read journal ${file}: ${code === 'ENOENT' ? 'no such file' : String(code)}.`, {
      exitCode: ExitCode.InvalidInput,
    });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new GamedayError(ErrorCode.InvalidArgument, `${file} is not a gameday journal: it is not JSON.`, { exitCode: ExitCode.InvalidInput });
  }
  const parsed = journalSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new GamedayError(
      ErrorCode.InvalidArgument,
      `${file} is not a gameday journal: ${issue?.path.join('.') || 'the document'} ${issue?.message ?? 'is invalid'}.`,
      { exitCode: ExitCode.InvalidInput },
    );
  }
  return parsed.data;
}

/** The report of journals in one format: a pure function of the journals. */
export function renderReport(journals: readonly Journal[], format: ReportFormat): string {
  switch (format) {
    case 'text':
      return journals.map(renderSummary).join('\n');
    case 'md':
      return journals.map(renderMarkdown).join('\n');
    case 'junit':
      return renderJUnit(journals);
    case 'html':
      return journals.length === 1 && journals[0] !== undefined ? renderHtml(journals[0]) : renderRunsHtml(journals);
    case 'json':
      return `${JSON.stringify(
        journals.map((j) => ({
          runId: j.runId,
          experiment: j.experiment.name,
          verdict: j.verdict,
          ...(j.outstandingUndo === undefined ? {} : { outstandingUndo: j.outstandingUndo }),
          times: headlineTimes(j),
          measurement: { ...j.measurement, probes: undefined },
          objectives: j.objectives,
        })),
        null,
        2,
      )}\n`;
  }
}

/**
 * `gameday report JOURNAL…`: renders stored journals; exits 0, 7 when any run's rollback failed (a fault may still be
 * in place), or 1 when any other run did not pass.
 */
export async function reportCommand(_globals: GlobalOptions, files: string[], options: ReportCommandOptions): Promise<number> {
  const journals = await Promise.all(files.map(readJournal));
  // In HTML the comparison is the several-run page, drawn, even of a single run.
  const text =
    options.compare === true
      ? options.format === 'html'
        ? renderRunsHtml(journals)
        : renderTrials(journals, { compare: true })
      : renderReport(journals, options.format);
  if (options.out === undefined) process.stdout.write(text);
  else {
    await mkdir(dirname(options.out), { recursive: true });
    await writeFile(options.out, text);
  }
  if (journals.some((j) => j.verdict.status === 'rollback-failed')) return ExitCode.RollbackFailed;
  return journals.every((j) => j.verdict.status === 'passed') ? ExitCode.Passed : ExitCode.Failed;
}
