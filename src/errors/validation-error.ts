import { ErrorCode, ExitCode, GamedayError } from './gameday-error.js';

/** Where in an experiment file a problem is. `line` and `column` are 1-based; absent when the file is unparseable as a whole. */
export interface SourceLocation {
  file: string;
  line?: number;
  column?: number;
}

/** One problem found while validating an experiment. */
export interface ValidationIssue extends SourceLocation {
  /** Dotted field path, for example `faults[0].args.url`; empty for the document itself. */
  path: string;
  message: string;
}

/** Formats an issue as the single sentence shown to the operator. */
export function formatIssue(issue: ValidationIssue): string {
  const where = issue.line === undefined ? issue.file : `${issue.file}:${issue.line}:${issue.column ?? 1}`;
  const field = issue.path === '' ? '' : ` at ${issue.path}`;
  return `${where}${field}: ${issue.message}`;
}

/** An experiment file was refused before anything ran. Exit code 2. */
export class ExperimentValidationError extends GamedayError {
  readonly issues: readonly ValidationIssue[];

  constructor(issues: readonly ValidationIssue[]) {
    const first = issues[0];
    const head = first === undefined ? 'The experiment is invalid.' : formatIssue(first);
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
    super(ErrorCode.InvalidExperiment, `${head}${more}`, { exitCode: ExitCode.InvalidInput });
    this.issues = issues;
  }
}
