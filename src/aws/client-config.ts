import type { Agent as HttpAgent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import { ErrorCode, GamedayError } from '../errors/gameday-error.js';

/** Where and as whom gameday talks to AWS. */
export interface AwsTarget {
  /** `sim` and `localstack` always get an explicit endpoint; `aws` uses the SDK's own resolution. */
  kind: 'sim' | 'localstack' | 'aws';
  region: string;
  /** Overrides the endpoint of every service (the simulated region and LocalStack serve all services on one port). */
  endpoint?: string | undefined;
  /** Static credentials; when absent the SDK's default provider chain applies. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined;
  /**
   * Longest wait for an answer to one attempt before the SDK gives up on it (and retries it if that is safe).
   * @defaultValue 20000
   */
  requestTimeoutMs?: number | undefined;
  /**
   * Named profile of the shared config files (`~/.aws/config`, `~/.aws/credentials`; SSO profiles included) whose
   * credentials are used when `credentials` is absent. Without it the SDK's default chain applies, which reads
   * `AWS_PROFILE` itself.
   */
  profile?: string | undefined;
  /** A role to assume (STS AssumeRole) with the credentials above; every client then acts as that role. */
  assumeRole?: { roleArn: string; sessionName: string; externalId?: string } | undefined;
  /**
   * The SDK's retry mode. `adaptive` adds client-side rate limiting that slows down when AWS throttles.
   * @defaultValue `adaptive` for `aws`, `standard` otherwise (see {@link defaultRetryMode})
   */
  retryMode?: RetryMode | undefined;
  /**
   * Attempts per call, the first included.
   * @defaultValue 3
   */
  maxAttempts?: number | undefined;
}

/** The SDK's retry modes gameday offers (the SDK's `legacy` mode is left out). */
export type RetryMode = 'standard' | 'adaptive';

/**
 * The retry mode of a target that does not name one. A live account shares its API rate limits with the production
 * workload gameday tests: adaptive mode backs off client-side once AWS throttles, so probes and faults never crowd
 * out the workload's own calls (an ASG replacing instances, a deployment). The simulated region and LocalStack have
 * no shared limits, and their throttling is a fault under test: standard mode retries it the same way every time,
 * without token-bucket delays that would blur the measured recovery.
 */
export function defaultRetryMode(kind: AwsTarget['kind']): RetryMode {
  return kind === 'aws' ? 'adaptive' : 'standard';
}

/** Credentials as the SDK's providers return them. */
export type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date };

/** What every SDK client of one target is constructed with. */
export interface ClientConfig {
  region: string;
  endpoint?: string;
  credentials?: Credentials | (() => Promise<Credentials>);
  maxAttempts: number;
  retryMode: RetryMode;
  requestHandler: { httpAgent: HttpAgent; httpsAgent: HttpsAgent; requestTimeout: number; connectionTimeout: number };
}

/** The clients' settings for `target`, sharing `agents`, without credentials (the factory's credential source adds them). */
export function clientConfig(target: AwsTarget, agents: { httpAgent: HttpAgent; httpsAgent: HttpsAgent }): ClientConfig {
  if (target.kind !== 'aws' && target.endpoint === undefined) {
    throw new GamedayError(ErrorCode.InvalidArgument, `The ${target.kind} environment has no endpoint; set environment.endpoint.`);
  }
  // A call that never answers must not hold a run (or its rollbacks) forever.
  const requestHandler = { ...agents, requestTimeout: target.requestTimeoutMs ?? 20_000, connectionTimeout: 5_000 };
  const config: ClientConfig = {
    region: target.region,
    maxAttempts: target.maxAttempts ?? 3,
    retryMode: target.retryMode ?? defaultRetryMode(target.kind),
    requestHandler,
  };
  if (target.endpoint !== undefined) config.endpoint = target.endpoint;
  return config;
}
