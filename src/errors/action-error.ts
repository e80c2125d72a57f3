import { classifyAwsFailure, mayPass, serviceName, type AwsFailureKind } from './aws-failure.js';
import { ErrorCode, GamedayError } from './gameday-error.js';

/**
 * An action ran but its fault did not land (the call was refused or the expected effect is missing).
 * The run ends with verdict `invalid-fault`.
 */
export class ActionFailedError extends GamedayError {
  /**
   * Set by an action whose failure may pass (a state AWS is still settling into): a rollback that fails with it is
   * tried again. Unset, the failure is retryable only when its `cause` is (a network or throttling error).
   */
  readonly retryable: boolean | undefined;

  constructor(message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(ErrorCode.ActionFailed, message, options.cause === undefined ? {} : { cause: options.cause });
    this.retryable = options.retryable;
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

/** Where a call was sent, so that a call that never reached AWS can say where it tried. */
export interface AwsCallWhere {
  /** The endpoint every service was sent to (sim, LocalStack, an override); AWS's own endpoints otherwise. */
  endpoint?: string | undefined;
  /** The Region the call was signed for. */
  region?: string | undefined;
}

/**
 * An AWS SDK call failed. Keeps the SDK's exception `name` and `$fault` so callers can branch on them, and what kind
 * of failure it was (`classifyAwsFailure`): a call that never reached AWS is not worded as AWS's refusal.
 */
export class AwsCallError extends GamedayError {
  /** The SDK's exception name; for a call that never reached AWS, Node's network error code (`ECONNREFUSED`). */
  readonly awsName: string;
  readonly fault: 'client' | 'server' | 'unknown';
  readonly operation: string;
  readonly requestId: string | undefined;
  readonly kind: AwsFailureKind;

  /** `operation` is `service:Operation` with the service's signing name (`ec2:DescribeInstances`). */
  constructor(operation: string, cause: unknown, where: AwsCallWhere = {}) {
    const err = cause as { name?: unknown; code?: unknown; $fault?: unknown; message?: unknown; $metadata?: { requestId?: unknown } };
    const kind = classifyAwsFailure(cause);
    const sdkName = typeof err?.name === 'string' ? err.name : 'UnknownError';
    const awsName = kind === 'unreachable' && typeof err?.code === 'string' ? err.code : sdkName;
    const fault = err?.$fault === 'client' || err?.$fault === 'server' ? err.$fault : 'unknown';
    const text = typeof err?.message === 'string' ? err.message : '';
    const detail = text === '' ? '' : `: ${text}`;
    let message: string;
    if (kind === 'no-credentials' && text !== '') {
      // Without credentials nothing reached AWS: the SDK's own sentence (where it looked) says it better than "refused".
      message = `${text.replace(/\.$/, '')}; ${operation} was not sent.`;
    } else if (kind === 'unreachable') {
      const [service = operation, op = operation] = operation.split(':');
      const endpoint = where.endpoint !== undefined ? ` ${where.endpoint}` : where.region !== undefined ? ` in ${where.region}` : '';
      message = `Could not reach the ${serviceName(service)} endpoint${endpoint} for ${op}${detail.replace(/\.?$/, '.')}`;
    } else message = `AWS refused ${operation} (${awsName})${detail.replace(/\.?$/, '.')}`;
    super(ErrorCode.AwsCallFailed, message, { cause });
    this.awsName = awsName;
    this.fault = fault;
    this.operation = operation;
    this.kind = kind;
    this.requestId = typeof err?.$metadata?.requestId === 'string' ? err.$metadata.requestId : undefined;
  }

  /** Whether AWS answered at all (it refused, throttled or failed), as opposed to a call that never reached it. */
  get reachedAws(): boolean {
    return this.kind !== 'unreachable' && this.kind !== 'no-credentials' && this.kind !== 'aborted';
  }

  /** Whether the same call may succeed later: network, throttling and service failures (`mayPass`). */
  get retryable(): boolean {
    return mayPass(this.kind);
  }
}

/**
 * Whether a failed action or rollback may succeed if tried again later: a call that never reached AWS, throttling, a
 * service failure (5xx), or a failure its action marked retryable. Never a validation error, a refusal such as
 * AccessDenied, a missing resource or an abort: those fail the same way every time.
 */
export function isRetryable(error: unknown): boolean {
  if (error instanceof AwsCallError) return error.retryable;
  if (error instanceof ActionFailedError) return error.retryable ?? isRetryable(error.cause);
  return false;
}
