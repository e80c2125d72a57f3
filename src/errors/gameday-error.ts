/**
 * Stable error codes. A code never changes meaning; new failures get new codes.
 */
export const ErrorCode = {
  InvalidExperiment: 'GD_INVALID_EXPERIMENT',
  InvalidArgument: 'GD_INVALID_ARGUMENT',
  FileNotFound: 'GD_FILE_NOT_FOUND',
  ActionFailed: 'GD_ACTION_FAILED',
  AwsCallFailed: 'GD_AWS_CALL_FAILED',
  Aborted: 'GD_ABORTED',
  Refused: 'GD_REFUSED',
  RedisUnreachable: 'GD_REDIS_UNREACHABLE',
  Halted: 'GD_HALTED',
  Frozen: 'GD_FROZEN',
  UnknownSchedule: 'GD_UNKNOWN_SCHEDULE',
  UnknownRun: 'GD_UNKNOWN_RUN',
  Internal: 'GD_INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Process exit codes, documented in the README. */
export const ExitCode = {
  Passed: 0,
  Failed: 1,
  InvalidInput: 2,
  Aborted: 3,
  Error: 4,
  Refused: 5,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * Base of every error gameday raises on purpose. Its message is one whole sentence meant for the operator.
 */
export class GamedayError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: ExitCode;

  constructor(code: ErrorCode, message: string, options: { exitCode?: ExitCode; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = options.exitCode ?? ExitCode.Error;
  }
}
