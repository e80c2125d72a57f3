import assert from 'node:assert/strict';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { runProgram } from './cli.js';
import { CREDENTIALS } from './sim.js';

/** What one `aws` invocation printed. */
export interface AwsCliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

let program: Promise<string> | undefined;

/**
 * The `aws` program the shell would run. A pyenv shim on PATH (a bash script that runs `pyenv exec`) is resolved once
 * to the program it would run: the shim costs more than a second of every call on a loaded machine.
 */
function awsProgram(): Promise<string> {
  program ??= (async () => {
    for (const dir of (process.env.PATH ?? '').split(delimiter)) {
      const candidate = join(dir, 'aws');
      if (
        !(await access(candidate, constants.X_OK).then(
          () => true,
          () => false,
        ))
      )
        continue;
      if (!/[\\/]\.pyenv[\\/]shims$/.test(dir)) return candidate;
      const which = await runProgram('pyenv', ['which', 'aws'], { timeoutMs: 30_000 }).catch(() => undefined);
      return which?.code === 0 && which.stdout.trim() !== '' ? which.stdout.trim() : candidate;
    }
    return 'aws';
  })();
  return program;
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
  /**
   * Runs `aws <args>`; the caller reads the exit code and both streams. `--endpoint-url` is passed as well as
   * AWS_ENDPOINT_URL: some of the CLI v1's service customizations (rds) do not read the variable.
   */
  const raw = async (...args: string[]): Promise<AwsCliResult> =>
    runProgram(await awsProgram(), [...args, '--endpoint-url', endpoint], { env, timeoutMs: 120_000 });
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
