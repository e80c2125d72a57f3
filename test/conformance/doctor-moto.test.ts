/**
 * `gameday doctor` against moto_server (moto 5.2.1) as a live account reached through `environment.endpoint`: the
 * default credential chain (here AWS_ACCESS_KEY_ID), STS, EC2 dry runs and read calls as moto answers them. moto
 * answers a dry run with DryRunOperation whether or not the instance exists, and does not implement IAM's
 * SimulatePrincipalPolicy, so those permissions are reported as not checked.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DescribeInstancesCommand, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { gameday } from '../support/cli.js';
import { MOTO_AMI, motoAvailability, motoRuns, motoClients, startMoto, type Moto, type MotoClients } from '../support/moto.js';

const availability = motoAvailability();

interface DoctorJson {
  ready: boolean;
  environment: { type: string; region: string; endpoint: string | null; retryMode: string };
  checks: { check: string; status: string; detail: string }[];
}

describe('gameday doctor against moto_server', () => {
  if (!motoRuns(availability)) return;

  let moto: Moto;
  let clients: MotoClients;
  before(async () => {
    moto = await startMoto();
    clients = motoClients(moto.endpoint);
  });
  after(async () => {
    clients?.destroy();
    await moto?.close();
  });

  it('finds environment credentials, checks the account and dry-runs EC2 without changing anything', async () => {
    const run = await clients.ec2.send(new RunInstancesCommand({ ImageId: MOTO_AMI, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1 }));
    const id = run.Instances?.[0]?.InstanceId ?? '';
    const env = {
      AWS_PROFILE: '',
      AWS_CONFIG_FILE: '/nonexistent/gameday-config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/gameday-credentials',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ACCESS_KEY_ID: 'AKIDMOTODOCTOR000001',
      AWS_SECRET_ACCESS_KEY: 'moto-secret',
      AWS_SESSION_TOKEN: '',
      GAMEDAY_ALLOWED_ACCOUNT_IDS: '123456789012',
      REDIS_URL: '',
    };
    const res = await gameday(['doctor', '--environment', 'aws', '--endpoint', moto.endpoint, '--region', 'us-east-1', '--json'], { env });
    assert.equal(res.code, 0, res.stdout + res.stderr);
    const out = JSON.parse(res.stdout) as DoctorJson;
    assert.deepEqual(out.environment, { type: 'aws', region: 'us-east-1', endpoint: moto.endpoint, profile: null, retryMode: 'adaptive', maxAttempts: 3 });
    const check = (name: string): { status: string; detail: string } | undefined => {
      const c = out.checks.find((x) => x.check === name);
      return c === undefined ? undefined : { status: c.status, detail: c.detail };
    };
    assert.deepEqual(check('credentials'), { status: 'ok', detail: 'environment variables (AWS_ACCESS_KEY_ID), access key AKID…0001' });
    assert.deepEqual(check('identity'), {
      status: 'ok',
      detail: 'account 123456789012 as arn:aws:sts::123456789012:user/moto, allowed by GAMEDAY_ALLOWED_ACCOUNT_IDS',
    });
    for (const action of ['TerminateInstances', 'StopInstances', 'StartInstances', 'RebootInstances']) {
      assert.deepEqual(check(`permission ec2:${action}`), { status: 'ok', detail: 'dry-run: allowed (DryRun answered DryRunOperation)' }, action);
    }
    assert.deepEqual(check('permission ec2:DescribeInstances'), { status: 'ok', detail: 'read: the read-only call succeeded' });
    // moto has no IAM policy simulation: not checked, which is a warning, not a failure.
    const simulated = out.checks.filter((c) => c.detail.startsWith('simulate:'));
    assert.ok(simulated.length > 0);
    for (const c of simulated) {
      assert.equal(c.status, 'warn');
      assert.match(
        c.detail,
        /^simulate: could not be checked: iam:SimulatePrincipalPolicy failed: the endpoint answered HTTP 500 with something other than an AWS response/,
      );
    }
    assert.deepEqual(
      out.checks.filter((c) => c.status === 'fail'),
      [],
    );

    const state = await clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
    assert.equal(state.Reservations?.[0]?.Instances?.[0]?.State?.Name, 'running');

    // --strict: the permissions left unchecked make it fail.
    const strict = await gameday(['doctor', '--environment', 'aws', '--endpoint', moto.endpoint, '--region', 'us-east-1', '--strict'], { env });
    assert.equal(strict.code, 1, strict.stdout + strict.stderr);
    assert.match(strict.stdout, /^not ready: \d+ ok, \d+ warnings, 0 failed, 1 skipped$/m);
  });
});
