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
  /** A run ended early with a verdict (a stop condition, a refusal, an abort): the journal says which. */
  RunStopped: 'GD_RUN_STOPPED',
  /** Another run holds a resource this one would touch. */
  ResourceLocked: 'GD_RESOURCE_LOCKED',
  /** A probe could not take its measurement (a name that does not resolve, a store that does not answer). */
  ProbeFailed: 'GD_PROBE_FAILED',
  /** A `${steps.…}` reference has no value when its step runs. */
  UnresolvedReference: 'GD_UNRESOLVED_REFERENCE',
  /** An FIS experiment template that cannot be read as gameday faults, or written from them. */
  InvalidFisTemplate: 'GD_INVALID_FIS_TEMPLATE',
  /** A file gameday was asked to write (the audit log) could not be written. */
  OutputNotWritten: 'GD_OUTPUT_NOT_WRITTEN',
  /** A simulated region named by its endpoint answers, but did not reach its steady state in its boot time. */
  SimNotReady: 'GD_SIM_NOT_READY',
  /** A rollback failed past its retries, so a fault may still be in place; the journal keeps the outstanding undo. */
  RollbackFailed: 'GD_ROLLBACK_FAILED',
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
  /** `gameday audit --fail-on`: a finding is at or above the chosen severity. */
  FindingsAboveThreshold: 6,
  /** A rollback failed past its retries: a fault may still be in place (verdict `rollback-failed`). */
  RollbackFailed: 7,
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
