/**
 * What kind of failure an AWS SDK call ended in. The one place that tells a call AWS answered (and refused) from one
 * that never reached AWS, and a failure that may pass from one that will not.
 *
 * - `unreachable`: no HTTP answer at all — connection refused or reset, DNS failure, socket timeout, TLS failure. The
 *   SDK throws Node's own network error (a `code` such as `ECONNREFUSED`, no HTTP status, no `$fault`).
 * - `throttled`: AWS answered, asking to slow down (a throttling error name or HTTP 429).
 * - `server`: AWS answered with a service failure (`$fault: 'server'` or HTTP 5xx).
 * - `refused`: AWS answered and refused the request (validation, access, a missing resource…): asking again changes nothing.
 * - `no-credentials`: nothing was sent, for want of credentials.
 * - `aborted`: the caller's signal ended the call.
 */
export type AwsFailureKind = 'unreachable' | 'throttled' | 'server' | 'refused' | 'no-credentials' | 'aborted';

/** Error names AWS uses for "too many requests" across services and protocols. */
const THROTTLING =
  /^(Throttling|ThrottlingException|ThrottledException|RequestLimitExceeded|TooManyRequestsException|RequestThrottled|RequestThrottledException|SlowDown|PriorRequestNotComplete|ProvisionedThroughputExceededException|BandwidthLimitExceeded|LimitExceededException)$/;

/** Node's network error codes (and TLS's), as the SDK's HTTP handler rethrows them. */
const NETWORK_CODE =
  /^(E[A-Z_]+|ERR_TLS_[A-Z_]+|ERR_SSL_[A-Z_]+|CERT_[A-Z_]+|UNABLE_TO_[A-Z_]+|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|HOSTNAME_MISMATCH)$/;

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $response?: unknown;
}

/** Classifies an error thrown by an AWS SDK `send` (see `AwsFailureKind`). */
export function classifyAwsFailure(error: unknown): AwsFailureKind {
  const e = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  const name = typeof e.name === 'string' ? e.name : '';
  if (name === 'AbortError') return 'aborted';
  if (name === 'CredentialsProviderError') return 'no-credentials';
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  const answered = status !== undefined || e.$fault === 'client' || e.$fault === 'server' || e.$response !== undefined;
  if (!answered) {
    // The SDK's socket timeout is a TimeoutError without a code; Node's errors carry one.
    if (name === 'TimeoutError' || (typeof e.code === 'string' && NETWORK_CODE.test(e.code))) return 'unreachable';
  }
  if (THROTTLING.test(name) || status === 429) return 'throttled';
  if (e.$fault === 'server' || (status !== undefined && status >= 500)) return 'server';
  return 'refused';
}

/** Whether a failure of this kind may pass if the call is made again later: network, throttling and service failures. */
export function mayPass(kind: AwsFailureKind): boolean {
  return kind === 'unreachable' || kind === 'throttled' || kind === 'server';
}

/** How a service's signing name reads in a sentence ("the EC2 endpoint"). */
const SERVICE_NAMES: Record<string, string> = {
  ec2: 'EC2',
  autoscaling: 'Auto Scaling',
  elasticloadbalancing: 'Elastic Load Balancing',
  rds: 'RDS',
  route53: 'Route 53',
  fis: 'FIS',
  ssm: 'SSM',
  sts: 'STS',
  iam: 'IAM',
  monitoring: 'CloudWatch',
  cloudformation: 'CloudFormation',
};

/** A service's name in a sentence, from its signing name (`ec2` → `EC2`); unknown ones as they are. */
export function serviceName(signingName: string): string {
  return SERVICE_NAMES[signingName] ?? signingName;
}
