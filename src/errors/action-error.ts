import { ErrorCode, GamedayError } from './gameday-error.js';

/**
 * An action ran but its fault did not land (the call was refused or the expected effect is missing).
 * The run ends with verdict `invalid-fault`.
 */
export class ActionFailedError extends GamedayError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(ErrorCode.ActionFailed, message, options);
  }
}

/**
 * A fault was cut short by something outside gameday's run (an FIS stop condition, the FIS safety lever, an operator
 * stopping the FIS experiment). The run ends with verdict `aborted`, its rollbacks done.
 */
export class FaultStoppedError extends GamedayError {
  constructor(message: string) {
    super(ErrorCode.ActionFailed, message);
  }
}

/**
 * An AWS SDK call failed. Keeps the SDK's exception `name` and `$fault` so callers can branch on them.
 */
export class AwsCallError extends GamedayError {
  readonly awsName: string;
  readonly fault: 'client' | 'server' | 'unknown';
  readonly operation: string;
  readonly requestId: string | undefined;

  constructor(operation: string, cause: unknown) {
    const err = cause as { name?: unknown; $fault?: unknown; message?: unknown; $metadata?: { requestId?: unknown } };
    const awsName = typeof err?.name === 'string' ? err.name : 'UnknownError';
    const fault = err?.$fault === 'client' || err?.$fault === 'server' ? err.$fault : 'unknown';
    const detail = typeof err?.message === 'string' && err.message !== '' ? `: ${err.message}` : '';
    // Without credentials nothing reached AWS: the SDK's own sentence (where it looked) says it better than "refused".
    const message =
      awsName === 'CredentialsProviderError' && typeof err.message === 'string'
        ? `${err.message.replace(/\.$/, '')}; ${operation} was not sent.`
        : `AWS refused ${operation} (${awsName})${detail.replace(/\.?$/, '.')}`;
    super(ErrorCode.AwsCallFailed, message, { cause });
    this.awsName = awsName;
    this.fault = fault;
    this.operation = operation;
    this.requestId = typeof err?.$metadata?.requestId === 'string' ? err.$metadata.requestId : undefined;
  }
}
