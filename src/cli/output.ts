import { GamedayError, ExitCode } from '../errors/gameday-error.js';
import { ExperimentValidationError, formatIssue } from '../errors/validation-error.js';

/** Global flags every command honours. */
export interface GlobalOptions {
  debug: boolean;
  json: boolean;
}

/** Prints a failure as one sentence per problem (a stack trace only with --debug) and returns the exit code. */
export function reportError(error: unknown, options: GlobalOptions, stderr: NodeJS.WritableStream = process.stderr): number {
  if (options.debug && error instanceof Error) stderr.write(`${error.stack ?? error.message}\n`);
  if (error instanceof ExperimentValidationError) {
    if (options.json) {
      stderr.write(`${JSON.stringify({ error: error.code, issues: error.issues })}\n`);
    } else {
      for (const issue of error.issues) stderr.write(`error: ${formatIssue(issue)}\n`);
    }
    return error.exitCode;
  }
  if (error instanceof GamedayError) {
    stderr.write(options.json ? `${JSON.stringify({ error: error.code, message: error.message })}\n` : `error: ${error.message}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  stderr.write(
    options.json ? `${JSON.stringify({ error: 'GD_INTERNAL', message })}\n` : `error: ${message}${options.debug ? '' : ' (run with --debug for details)'}\n`,
  );
  return ExitCode.Error;
}
