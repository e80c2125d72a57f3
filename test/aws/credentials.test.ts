import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { AwsClientFactory } from '../../src/aws/client-factory.js';
import { defaultRetryMode } from '../../src/aws/client-config.js';
import { awsTargetFor } from '../../src/aws/target.js';
import { BIN, runProgram, tempDir } from '../support/cli.js';
import { requestLog, startSim, type Sim } from '../support/sim.js';

const base: { allowedAccountIds: string[]; speed: number } = { allowedAccountIds: [], speed: 1 };

/** What the SDK resolved from a client's config: its retry strategy's mode and the attempts it allows. */
async function retriesOf(client: {
  config: { retryStrategy: () => Promise<unknown>; maxAttempts: () => Promise<number> };
}): Promise<{ mode: string; maxAttempts: number }> {
  const strategy = (await client.config.retryStrategy()) as { mode?: string };
  return { mode: strategy.mode ?? 'unknown', maxAttempts: await client.config.maxAttempts() };
}

describe('retry mode', () => {
  it('is adaptive for a live account and standard elsewhere, unless the experiment says', async () => {
    assert.equal(defaultRetryMode('aws'), 'adaptive');
    assert.equal(defaultRetryMode('sim'), 'standard');
    const cases: [Parameters<typeof awsTargetFor>[0], { mode: string; maxAttempts: number }][] = [
      [
        { ...base, type: 'aws', region: 'eu-west-1' },
        { mode: 'adaptive', maxAttempts: 3 },
      ],
      [
        { ...base, type: 'localstack', endpoint: 'http://127.0.0.1:4566' },
        { mode: 'standard', maxAttempts: 3 },
      ],
      [
        { ...base, type: 'sim', endpoint: 'http://127.0.0.1:4566' },
        { mode: 'standard', maxAttempts: 3 },
      ],
      [
        { ...base, type: 'aws', retryMode: 'standard', maxAttempts: 7 },
        { mode: 'standard', maxAttempts: 7 },
      ],
      [
        { ...base, type: 'sim', endpoint: 'http://127.0.0.1:4566', retryMode: 'adaptive', maxAttempts: 1 },
        { mode: 'adaptive', maxAttempts: 1 },
      ],
    ];
    for (const [environment, expected] of cases) {
      const aws = new AwsClientFactory(awsTargetFor(environment, {}));
      try {
        // Every client of the factory gets the same settings.
        assert.deepEqual(await retriesOf(await aws.ec2()), expected, JSON.stringify(environment));
        assert.deepEqual(await retriesOf(await aws.rds()), expected, JSON.stringify(environment));
      } finally {
        await aws.destroy();
      }
    }
  });
});

describe('named profiles', () => {
  let sim: Sim;
  let files: Awaited<ReturnType<typeof tempDir>>;
  const saved: Record<string, string | undefined> = {};
  const vars = [
    'AWS_CONFIG_FILE',
    'AWS_SHARED_CREDENTIALS_FILE',
    'AWS_PROFILE',
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'AWS_EC2_METADATA_DISABLED',
  ];

  before(async () => {
    sim = await startSim({ speed: 100, ready: false });
    files = await tempDir('gameday-profiles-');
    for (const v of vars) saved[v] = process.env[v];
    // The machine's own configuration must not leak in: only the temporary files exist for the SDK.
    process.env.AWS_CONFIG_FILE = await files.write('config', '[default]\nregion = us-east-1\n\n[profile chaos]\nregion = eu-west-1\n');
    process.env.AWS_SHARED_CREDENTIALS_FILE = await files.write(
      'credentials',
      '[default]\naws_access_key_id = AKIDDEFAULTPROFILE01\naws_secret_access_key = default-secret\n\n[chaos]\naws_access_key_id = AKIDCHAOSPROFILE0001\naws_secret_access_key = chaos-secret\n',
    );
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
    delete process.env.AWS_PROFILE;
    delete process.env.AWS_ACCESS_KEY_ID;
    delete process.env.AWS_SECRET_ACCESS_KEY;
    delete process.env.AWS_SESSION_TOKEN;
  });

  after(async () => {
    for (const v of vars) {
      if (saved[v] === undefined) delete process.env[v];
      else process.env[v] = saved[v];
    }
    await files.cleanup();
    await sim.close();
  });

  /** The access key ids the region saw on calls of `action`. */
  const keysOf = async (action: string): Promise<string[]> => [
    ...new Set((await requestLog(sim.endpoint)).filter((r) => r.action === action).map((r) => r.accessKeyId ?? '')),
  ];

  it('signs every call with the keys of environment.profile, and says where they came from', async () => {
    const aws = new AwsClientFactory(awsTargetFor({ ...base, type: 'aws', region: 'us-east-1', endpoint: sim.endpoint, profile: 'chaos' }, process.env));
    try {
      await (await aws.ec2()).send(new DescribeInstancesCommand({}));
      assert.deepEqual(await keysOf('DescribeInstances'), ['AKIDCHAOSPROFILE0001']);
      const resolved = await aws.resolveCredentials();
      assert.equal(resolved.accessKeyId, 'AKIDCHAOSPROFILE0001');
      assert.equal(resolved.source, 'profile chaos (shared credentials file)');
    } finally {
      await aws.destroy();
    }
  });

  it('follows AWS_PROFILE as the SDK does when the experiment names none', async () => {
    process.env.AWS_PROFILE = 'chaos';
    const aws = new AwsClientFactory(awsTargetFor({ ...base, type: 'aws', region: 'us-east-1', endpoint: sim.endpoint }, process.env));
    try {
      assert.equal((await aws.resolveCredentials()).accessKeyId, 'AKIDCHAOSPROFILE0001');
    } finally {
      delete process.env.AWS_PROFILE;
      await aws.destroy();
    }
    const fallback = new AwsClientFactory(awsTargetFor({ ...base, type: 'aws', region: 'us-east-1', endpoint: sim.endpoint }, process.env));
    try {
      assert.equal((await fallback.resolveCredentials()).accessKeyId, 'AKIDDEFAULTPROFILE01');
    } finally {
      await fallback.destroy();
    }
  });

  it('assumes environment.roleArn with the profile’s keys, then acts as the role', async () => {
    const environment = {
      ...base,
      type: 'aws' as const,
      region: 'us-east-1',
      endpoint: sim.endpoint,
      profile: 'chaos',
      roleArn: 'arn:aws:iam::210987654321:role/gameday-chaos',
    };
    const aws = new AwsClientFactory(awsTargetFor(environment, process.env, undefined, 'gd-profile-test'));
    try {
      const identity = await (await aws.sts()).send(new GetCallerIdentityCommand({}));
      assert.equal(identity.Account, '210987654321');
      assert.equal(identity.Arn, 'arn:aws:sts::210987654321:assumed-role/gameday-chaos/gameday-gd-profile-test');
      assert.deepEqual(await keysOf('AssumeRole'), ['AKIDCHAOSPROFILE0001']);
      const [roleKey] = await keysOf('GetCallerIdentity');
      assert.match(roleKey ?? '', /^ASIA/);
      assert.match((await aws.resolveCredentials()).source, /^role arn:aws:iam::210987654321:role\/gameday-chaos, assumed with profile chaos/);
    } finally {
      await aws.destroy();
    }
  });
});

describe('no credentials at all', () => {
  it('says no credentials were found and where it looked, not that AWS refused the call', async () => {
    const tmp = await tempDir();
    try {
      const file = await tmp.write(
        'aws.yaml',
        `apiVersion: gameday/v1
metadata: { name: no-credentials }
environment: { type: aws, region: eu-west-1, endpoint: "http://127.0.0.1:9", allowedAccountIds: ["111111111111"] }
probes:
  - { name: site, probe: http, args: { url: "https://example.invalid/health" } }
faults:
  - { name: stop, action: aws.ec2.stop-instances, targets: { tags: { app: web }, selection: COUNT(1) } }
`,
      );
      // Only the temporary (missing) files exist for the SDK: none of the machine's AWS settings leak in.
      const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_')));
      const env = { ...clean, AWS_CONFIG_FILE: `${tmp.dir}/config`, AWS_SHARED_CREDENTIALS_FILE: `${tmp.dir}/credentials`, AWS_EC2_METADATA_DISABLED: 'true' };
      const files = `shared config/credentials files \\(${tmp.dir}/config, ${tmp.dir}/credentials\\)`;
      const plain = await runProgram(process.execPath, [BIN, 'plan', file], { env });
      assert.equal(plain.code, 4, plain.stderr);
      assert.match(
        plain.stderr,
        new RegExp(
          `^error: No AWS credentials found \\(looked in: environment variables, ${files}, SSO, container/instance metadata\\); sts:GetCallerIdentity was not sent\\.\\n$`,
        ),
      );
      const named = await runProgram(process.execPath, [BIN, 'plan', file, '--profile', 'prod'], { env });
      assert.equal(named.code, 4, named.stderr);
      assert.match(named.stderr, new RegExp(`^error: No AWS credentials found \\(looked in: ${files}, profile prod, SSO, container/instance metadata\\)`));
      for (const r of [plain, named]) assert.doesNotMatch(r.stderr, /AWS refused|\n\s+at /);
    } finally {
      await tmp.cleanup();
    }
  });
});
