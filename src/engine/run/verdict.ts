import { AwsCallError, FaultStoppedError } from '../../errors/action-error.js';
import { SafetyError } from '../../errors/safety-error.js';
import type { Verdict } from '../journal.js';
import type { RunContext } from './context.js';
import { RunStop } from './run-stop.js';

/**
 * Records the verdict of a run that stopped before recovery ended: a `RunStop` thrown by a phase or given as the
 * reason of the run's abort says it; anything else is an error of the run itself. The current phase ends with it.
 */
export function stopVerdict(ctx: RunContext, error: unknown): void {
  const { record } = ctx;
  const reason: unknown = ctx.signal.reason;
  const stop = error instanceof RunStop ? error : reason instanceof RunStop ? reason : null;
  if (stop !== null) {
    record.verdict = stop.verdict;
    record.reason = stop.reason;
    ctx.endPhase(stop.verdict === 'aborted' ? 'aborted' : 'failed', stop.reason);
  } else {
    record.verdict = 'errored';
    record.reason = error instanceof Error ? error.message : String(error);
    ctx.endPhase('failed', record.reason);
  }
}

/** AWS answers that say nothing about the fault itself: access, throttling and service failures that outlived retries. */
const AWS_UNAVAILABLE =
  /^(AccessDenied|AccessDeniedException|UnauthorizedOperation|UnrecognizedClientException|InvalidClientTokenId|ExpiredToken|Throttling|ThrottlingException|RequestLimitExceeded|TooManyRequestsException|TimeoutError|RequestTimeout)$/;

/**
 * The verdict of a fault that did not land. `invalid-fault` when the fault itself was refused or had no effect (a
 * failover of a single-AZ instance, nothing to stop); `errored` when AWS could not be used (denied, throttled past the
 * retries, failing or not answering) or gameday's fence refused the call; `refused` for a guard.
 */
export function failureVerdict(error: unknown): Verdict {
  if (error instanceof SafetyError) return 'refused';
  if (error instanceof FaultStoppedError) return 'aborted';
  if (error instanceof AwsCallError && (error.fault === 'server' || !error.reachedAws || AWS_UNAVAILABLE.test(error.awsName))) return 'errored';
  return 'invalid-fault';
}
