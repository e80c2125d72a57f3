import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RebootInstancesCommand, StopInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import {
  GetCommandInvocationCommand,
  ListCommandInvocationsCommand,
  ListCommandsCommand,
  SendCommandCommand,
  SSMClient,
  type CommandInvocation,
} from '@aws-sdk/client-ssm';
import { allInstances, CREDENTIALS, group, httpGet, referenceWith, sdkError, startSim, targetHealth, waitFor, workloadUrl, type Sim } from '../support/sim.js';

const SPEED = 60;
const KILL = 'AWSFIS-Run-Kill-Process';

const ssmOf = (sim: Sim): SSMClient => new SSMClient({ endpoint: sim.endpoint, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });

/** The invocations of a command once none is Pending or InProgress. */
async function ended(ssm: SSMClient, commandId: string): Promise<CommandInvocation[]> {
  return waitFor('the invocations to end', async () => {
    const list = (await ssm.send(new ListCommandInvocationsCommand({ CommandId: commandId, Details: true }))).CommandInvocations ?? [];
    return list.length > 0 && list.every((i) => i.Status !== 'Pending' && i.Status !== 'InProgress') && list;
  });
}

// https://docs.aws.amazon.com/fis/latest/userguide/actions-ssm-agent.html (AWSFIS-Run-Kill-Process: ProcessName, Signal)
// https://docs.aws.amazon.com/systems-manager/latest/userguide/monitor-commands.html (Pending → InProgress → Success)
describe('the simulated SSM Run Command through the SDK', () => {
  it('kills the workload process of the instances a tag targets: Pending, InProgress, Success; refused until a reboot', async () => {
    // An EC2-checked group that does not replace the instance: what the load balancer sees is the application alone.
    const topology = referenceWith((t) => {
      const g = t.autoScalingGroups[0];
      assert.ok(g !== undefined);
      g.healthCheckType = 'EC2';
    });
    const sim = await startSim({ topology, speed: SPEED });
    const ssm = ssmOf(sim);
    try {
      const [victim] = await allInstances(sim.ec2, { Filters: [{ Name: 'instance-state-name', Values: ['running'] }] });
      const id = victim?.InstanceId ?? '';
      const sent = await ssm.send(
        new SendCommandCommand({
          DocumentName: KILL,
          Targets: [
            { Key: 'InstanceIds', Values: [id] },
            { Key: 'tag:aws:autoscaling:groupName', Values: ['web-asg'] },
          ],
          Parameters: { ProcessName: ['gameday-app'], Signal: ['SIGKILL'] },
        }),
      );
      const commandId = sent.Command?.CommandId ?? '';
      assert.equal(sent.Command?.Status, 'Pending');
      assert.equal(sent.Command?.TargetCount, 1);
      // Before delivery the instance still answers.
      assert.equal((await httpGet(workloadUrl(victim ?? {}, 8080))).status, 200);
      await waitFor('the invocation to be in progress or done', async () => {
        const got = await ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: id }));
        return got.Status !== 'Pending';
      });
      const [invocation] = await ended(ssm, commandId);
      assert.equal(invocation?.Status, 'Success');
      assert.equal(invocation?.CommandPlugins?.[0]?.ResponseCode, 0);
      const got = await ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: id }));
      assert.equal(got.Status, 'Success');
      assert.match(got.StandardOutputContent ?? '', /SIGKILL/);
      assert.equal((await ssm.send(new ListCommandsCommand({ CommandId: commandId }))).Commands?.[0]?.Status, 'Success');

      // Nothing listens on the port any more, and the load balancer marks the target unhealthy; EC2 still says running.
      assert.equal((await httpGet(workloadUrl(victim ?? {}, 8080))).error, 'ECONNREFUSED');
      const tg = sim.outputs['tg.web-tg.arn'] ?? '';
      await waitFor(
        'the target to be unhealthy',
        async () => (await targetHealth(sim.elb, tg)).find((t) => t.Target?.Id === id)?.TargetHealth?.State === 'unhealthy',
        {
          timeoutMs: 20_000,
        },
      );
      assert.equal((await group(sim.asg)).Instances?.find((i) => i.InstanceId === id)?.HealthStatus, 'Healthy');
      assert.equal((await httpGet(workloadUrl(victim ?? {}, 8080))).error, 'ECONNREFUSED');

      // A reboot starts the process again.
      await sim.ec2.send(new RebootInstancesCommand({ InstanceIds: [id] }));
      await waitFor('the rebooted instance to serve', async () => (await httpGet(workloadUrl(victim ?? {}, 8080))).status === 200, { timeoutMs: 20_000 });
    } finally {
      ssm.destroy();
      await sim.close();
    }
  });

  it('refuses an unknown document and a terminated instance; fails an unknown process and a stopped instance', async () => {
    const topology = referenceWith((t) => {
      const g = t.autoScalingGroups[0];
      assert.ok(g !== undefined);
      g.healthCheckType = 'EC2';
      t.timings = { asgHealthCheckPeriod: '10h' };
    });
    const sim = await startSim({ topology, speed: SPEED });
    const ssm = ssmOf(sim);
    try {
      const [a, b, c] = (await allInstances(sim.ec2)).map((i) => i.InstanceId ?? '');
      const unknownDoc = await sdkError(
        ssm.send(new SendCommandCommand({ DocumentName: 'No-Such-Doc', InstanceIds: [a ?? ''], Parameters: { ProcessName: ['x'] } })),
      );
      assert.equal(unknownDoc.name, 'InvalidDocument');

      const wrong = await ssm.send(new SendCommandCommand({ DocumentName: KILL, InstanceIds: [a ?? ''], Parameters: { ProcessName: ['nginx'] } }));
      const [failed] = await ended(ssm, wrong.Command?.CommandId ?? '');
      assert.equal(failed?.Status, 'Failed');
      assert.equal(failed?.CommandPlugins?.[0]?.ResponseCode, 1);
      assert.equal((await ssm.send(new ListCommandsCommand({ CommandId: wrong.Command?.CommandId ?? '' }))).Commands?.[0]?.Status, 'Failed');

      await sim.ec2.send(new StopInstancesCommand({ InstanceIds: [b ?? ''] }));
      const toStopped = await ssm.send(new SendCommandCommand({ DocumentName: KILL, InstanceIds: [b ?? ''], Parameters: { ProcessName: ['gameday-app'] } }));
      const [undeliverable] = await ended(ssm, toStopped.Command?.CommandId ?? '');
      assert.equal(undeliverable?.Status, 'Failed');
      assert.equal(undeliverable?.StatusDetails, 'Undeliverable');

      await sim.ec2.send(new TerminateInstancesCommand({ InstanceIds: [c ?? ''] }));
      const terminated = await sdkError(
        ssm.send(new SendCommandCommand({ DocumentName: KILL, InstanceIds: [c ?? ''], Parameters: { ProcessName: ['gameday-app'] } })),
      );
      assert.equal(terminated.name, 'InvalidInstanceId');
      const badSignal = await sdkError(
        ssm.send(new SendCommandCommand({ DocumentName: KILL, InstanceIds: [a ?? ''], Parameters: { ProcessName: ['gameday-app'], Signal: ['SIGHUP'] } })),
      );
      assert.equal(badSignal.name, 'InvalidParameters');
    } finally {
      ssm.destroy();
      await sim.close();
    }
  });
});
