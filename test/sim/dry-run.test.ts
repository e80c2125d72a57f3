import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RebootInstancesCommand, StartInstancesCommand, StopInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { IAMClient, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { allInstances, armApiFault, CREDENTIALS, requestLog, sdkError, startSim, truth } from '../support/sim.js';

describe('EC2 DryRun on the simulated region', () => {
  it('answers DryRunOperation (412) to every mutating call and changes nothing', async () => {
    const sim = await startSim({ speed: 50 });
    try {
      const before = await allInstances(sim.ec2);
      const running = before.filter((i) => i.State?.Name === 'running').map((i) => i.InstanceId ?? '');
      assert.ok(running.length >= 3, 'the reference architecture runs instances');
      const ids = running.slice(0, 2);
      const since = (await truth(sim.endpoint)).at(-1)?.seq ?? 0;
      for (const command of [
        new TerminateInstancesCommand({ InstanceIds: ids, DryRun: true }),
        new StopInstancesCommand({ InstanceIds: ids, DryRun: true }),
        new RebootInstancesCommand({ InstanceIds: ids, DryRun: true }),
        // Running instances cannot be started; a dry run checks the permission, not the state.
        new StartInstancesCommand({ InstanceIds: ids, DryRun: true }),
      ]) {
        const e = await sdkError(sim.ec2.send(command as TerminateInstancesCommand));
        assert.equal(e.name, 'DryRunOperation', command.constructor.name);
        assert.equal(e.$metadata?.httpStatusCode, 412);
        assert.equal(e.message, 'Request would have succeeded, but DryRun flag is set.');
      }
      // An id that does not exist is still refused as such.
      assert.equal(
        (await sdkError(sim.ec2.send(new StopInstancesCommand({ InstanceIds: ['i-0123456789abcdef0'], DryRun: true })))).name,
        'InvalidInstanceID.NotFound',
      );

      const after = await allInstances(sim.ec2);
      assert.deepEqual(
        after.map((i) => [i.InstanceId, i.State?.Name]),
        before.map((i) => [i.InstanceId, i.State?.Name]),
      );
      const touched = (await truth(sim.endpoint, since)).filter((e) => e.kind === 'instance-state' && ids.includes(e.resource));
      assert.deepEqual(touched, [], 'no instance changed state');
      const dry = (await requestLog(sim.endpoint)).filter((r) => r.service === 'ec2' && r.action !== 'DescribeInstances');
      assert.deepEqual([...new Set(dry.map((r) => r.errorCode))], ['DryRunOperation', 'InvalidInstanceID.NotFound']);
      assert.ok(
        dry.every((r) => r.accessKeyId === CREDENTIALS.accessKeyId),
        'the request log names the signing key',
      );
    } finally {
      await sim.close();
    }
  });
});

describe('IAM SimulatePrincipalPolicy on the simulated region', () => {
  it('allows every action, unless an API fault refuses the simulation', async () => {
    const sim = await startSim({ speed: 100, ready: false });
    const iam = new IAMClient({ endpoint: sim.endpoint, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
    try {
      const principal = 'arn:aws:iam::123456789012:user/gameday-sim';
      const out = await iam.send(
        new SimulatePrincipalPolicyCommand({ PolicySourceArn: principal, ActionNames: ['ec2:StopInstances', 'rds:FailoverDBCluster'] }),
      );
      assert.deepEqual(
        out.EvaluationResults?.map((r) => [r.EvalActionName, r.EvalResourceName, r.EvalDecision]),
        [
          ['ec2:StopInstances', '*', 'allowed'],
          ['rds:FailoverDBCluster', '*', 'allowed'],
        ],
      );
      assert.equal(out.IsTruncated, false);
      // Shorter than the model's 20 characters: the model's constraint answers first, as AWS's validation does.
      assert.equal(
        (await sdkError(iam.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: 'not-an-arn', ActionNames: ['ec2:StopInstances'] })))).name,
        'ValidationError',
      );
      assert.equal(
        (
          await sdkError(
            iam.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: 'arn:aws:iam::not-an-account:user/x', ActionNames: ['ec2:StopInstances'] })),
          )
        ).name,
        'InvalidInputException',
        "an ARN of a valid length that names no principal is the operation's InvalidInput",
      );

      await armApiFault(sim.endpoint, { service: 'iam', action: 'SimulatePrincipalPolicy', error: 'AccessDenied' });
      const denied = await sdkError(iam.send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: principal, ActionNames: ['ec2:StopInstances'] })));
      assert.equal(denied.name, 'AccessDenied');
      assert.equal(denied.$metadata?.httpStatusCode, 403);
    } finally {
      iam.destroy();
      await sim.close();
    }
  });
});
