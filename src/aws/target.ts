import type { EnvironmentSpec } from '../experiment/schema.js';
import type { AwsTarget } from './client-config.js';

/** Credentials the simulated region accepts; static, so the machine's own credential chain is never consulted. */
export const SIM_CREDENTIALS = { accessKeyId: 'AKIDGAMEDAYSIM000000', secretAccessKey: 'gameday-simulated-region' };

/**
 * Where an experiment's AWS calls go, following the SDK's conventions: the experiment's region, else `AWS_REGION`,
 * else `AWS_DEFAULT_REGION`. A live account (`aws`) uses the SDK's default credential chain and endpoint resolution
 * (`environment.profile`, else `AWS_PROFILE`, `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_<SERVICE>`); sim and localstack always get an explicit endpoint
 * and static credentials, so they can never reach a live account by accident.
 */
export function awsTargetFor(e: EnvironmentSpec, env: NodeJS.ProcessEnv, sim?: { endpoint: string; region: string }, runId?: string): AwsTarget {
  const target = baseTarget(e, env, sim);
  if (e.roleArn === undefined) return target;
  // The session name is what CloudTrail shows: every change can be traced to its run.
  const sessionName = `gameday-${runId ?? 'session'}`.slice(0, 64);
  return { ...target, assumeRole: { roleArn: e.roleArn, sessionName, ...(e.externalId === undefined ? {} : { externalId: e.externalId }) } };
}

function baseTarget(e: EnvironmentSpec, env: NodeJS.ProcessEnv, sim?: { endpoint: string; region: string }): AwsTarget {
  const retries = { ...(e.retryMode === undefined ? {} : { retryMode: e.retryMode }), ...(e.maxAttempts === undefined ? {} : { maxAttempts: e.maxAttempts }) };
  return { ...kindTarget(e, env, sim), ...retries };
}

function kindTarget(e: EnvironmentSpec, env: NodeJS.ProcessEnv, sim?: { endpoint: string; region: string }): AwsTarget {
  const region = e.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  switch (e.type) {
    case 'sim':
      return { kind: 'sim', region: e.region ?? sim?.region ?? 'us-east-1', endpoint: sim?.endpoint ?? e.endpoint, credentials: SIM_CREDENTIALS };
    case 'localstack':
      return {
        kind: 'localstack',
        region,
        endpoint: e.endpoint ?? env.AWS_ENDPOINT_URL ?? 'http://localhost.localstack.cloud:4566',
        credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID ?? 'test', secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? 'test' },
      };
    case 'aws':
      return { kind: 'aws', region, endpoint: e.endpoint, profile: e.profile };
  }
}
