import assert from 'node:assert/strict';
import { runProgram } from './cli.js';
import { CREDENTIALS } from './sim.js';

/** What one `aws` invocation printed. */
export interface AwsCliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The AWS CLI (v1, botocore) pointed at an endpoint: a second, independent client of the simulated region, whose
 * waiters and paginators come from AWS's own models. No profile or config file of the machine is read.
 */
export function awsCli(endpoint: string, region = 'us-east-1') {
  const env = {
    ...process.env,
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    AWS_DEFAULT_REGION: region,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_MAX_ATTEMPTS: '1',
    AWS_RETRY_MODE: 'standard',
  };
  /** Runs `aws <args>` as it is; the caller reads the exit code and both streams. */
  // `--endpoint-url` as well as AWS_ENDPOINT_URL: AWS CLI v1 gives `aws rds` commands a default endpoint of its own
  // (https://rds.amazonaws.com) that wins over the environment variable.
  const raw = (...args: string[]): Promise<AwsCliResult> => runProgram('aws', [...args, '--endpoint-url', endpoint], { env, timeoutMs: 120_000 });
  return {
    raw,
    /** Runs `aws <args> --output json`; fails the test on a non-zero exit, naming stderr, and parses what it printed. */
    async json<T = Record<string, unknown>>(...args: string[]): Promise<T> {
      const run = await raw(...args, '--output', 'json');
      assert.equal(run.code, 0, `aws ${args.join(' ')}: ${run.stderr}`);
      return (run.stdout.trim() === '' ? {} : JSON.parse(run.stdout)) as T;
    },
    /** Runs `aws <args>` expecting it to fail; gives stderr (botocore prints the AWS error code and message there). */
    async fails(...args: string[]): Promise<string> {
      const run = await raw(...args, '--output', 'json');
      assert.notEqual(run.code, 0, `aws ${args.join(' ')} should have failed, but printed: ${run.stdout}`);
      return run.stderr;
    },
  };
}
