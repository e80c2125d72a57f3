import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CancelInstanceRefreshCommand,
  DescribeInstanceRefreshesCommand,
  DescribeScalingActivitiesCommand,
  ResumeProcessesCommand,
  RollbackInstanceRefreshCommand,
  SetInstanceHealthCommand,
  StartInstanceRefreshCommand,
  SuspendProcessesCommand,
  UpdateAutoScalingGroupCommand,
  type AutoScalingGroup,
  type InstanceRefresh,
  type StartInstanceRefreshCommandInput,
} from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { awsCli } from '../support/aws-cli.js';
import { CREDENTIALS, group, referenceWith, sdkError, startSim, truth, waitFor, type Sim } from '../support/sim.js';

/**
 * Instance refresh (https://docs.aws.amazon.com/autoscaling/ec2/userguide/instance-refresh-overview.html) of the
 * reference group, through the JS SDK and the AWS CLI: a refresh to version 2 of the launch template, launch-first
 * batches that never drop below the desired capacity, a failing refresh rolled back
 * (https://docs.aws.amazon.com/autoscaling/ec2/userguide/instance-refresh-rollback.html), cancellation, AWS's errors and
 * its defaults (https://docs.aws.amazon.com/autoscaling/ec2/userguide/understand-instance-refresh-default-values.html).
 * One region serves every test, each starting from the group on version 1 with every instance on it.
 */
const SPEED = 100;
const WAIT = 90_000;

/** The reference group on version 1 of a launch template that has a version 2 (another image). */
const topology = referenceWith((t) => {
  const lt = t.launchTemplates[0];
  const g = t.autoScalingGroups[0];
  assert.ok(lt !== undefined && g !== undefined);
  Object.assign(lt, { versions: [{ imageId: 'ami-0gameday00000002' }] });
  Object.assign(g, { min: 1, max: 6, desired: 3, launchTemplateVersion: 1 });
});

function versions(g: AutoScalingGroup): string[] {
  return (g.Instances ?? []).map((i) => i.LaunchTemplate?.Version ?? '?');
}

/** The group settled: desired capacity InService, nothing else, every instance on `version`. */
function settledOn(g: AutoScalingGroup, version: string): boolean {
  const instances = g.Instances ?? [];
  return instances.length === g.DesiredCapacity && instances.every((i) => i.LifecycleState === 'InService' && i.LaunchTemplate?.Version === version);
}

describe('Auto Scaling instance refresh', () => {
  let sim: Sim;
  const refreshes = async (): Promise<InstanceRefresh[]> =>
    (await sim.asg.send(new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: 'web-asg' }))).InstanceRefreshes ?? [];
  const refresh = async (id: string): Promise<InstanceRefresh> => {
    const r = (await sim.asg.send(new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: 'web-asg', InstanceRefreshIds: [id] }))).InstanceRefreshes?.[0];
    assert.ok(r !== undefined, `refresh ${id} is listed`);
    return r;
  };
  const start = async (input: Omit<StartInstanceRefreshCommandInput, 'AutoScalingGroupName'>): Promise<string> =>
    (await sim.asg.send(new StartInstanceRefreshCommand({ AutoScalingGroupName: 'web-asg', ...input }))).InstanceRefreshId ?? '';
  const until = (id: string, statuses: string[]): Promise<InstanceRefresh> =>
    waitFor(
      `refresh ${id} to be ${statuses.join(' or ')}`,
      async () => {
        const r = await refresh(id);
        return statuses.includes(r.Status ?? '') ? r : undefined;
      },
      { timeoutMs: WAIT, intervalMs: 20 },
    );
  const settled = (version: string): Promise<AutoScalingGroup> =>
    waitFor(
      `every instance InService on version ${version}`,
      async () => {
        const g = await group(sim.asg);
        return settledOn(g, version) ? g : undefined;
      },
      { timeoutMs: WAIT, intervalMs: 20 },
    );
  /** Desired capacity InService and nothing else, whatever the versions. */
  const steady = (): Promise<AutoScalingGroup> =>
    waitFor(
      'the group to be steady',
      async () => {
        const g = await group(sim.asg);
        return (g.Instances ?? []).length === g.DesiredCapacity && (g.Instances ?? []).every((i) => i.LifecycleState === 'InService') ? g : undefined;
      },
      { timeoutMs: WAIT, intervalMs: 20 },
    );
  const toVersion = (v: string) => ({ LaunchTemplate: { LaunchTemplateName: 'web-lt', Version: v } });

  before(async () => {
    sim = await startSim({ topology, speed: SPEED });
  });
  after(async () => {
    await sim.close();
  });

  it('refuses preferences outside AWS rules, and Cancel or Rollback without an active refresh', async () => {
    const cases: [Omit<StartInstanceRefreshCommandInput, 'AutoScalingGroupName'>, RegExp][] = [
      [{ Preferences: { MaxHealthyPercentage: 250 } }, /MaxHealthyPercentage must be between 100 and 200/],
      [{ Preferences: { MinHealthyPercentage: 50, MaxHealthyPercentage: 200 } }, /cannot be greater than 100/],
      [{ Preferences: { AutoRollback: true } }, /AutoRollback requires a desired configuration/],
      [{ Preferences: { CheckpointDelay: 60 } }, /CheckpointDelay requires CheckpointPercentages/],
      [{ Preferences: { CheckpointPercentages: [50, 20] } }, /ascending/],
      [{ Preferences: { AlarmSpecification: { Alarms: ['no-such-alarm'] } } }, /no-such-alarm/],
      [{ DesiredConfiguration: { LaunchTemplate: { LaunchTemplateName: 'web-lt', Version: '9' } } }, /has no version 9/],
    ];
    for (const [input, message] of cases) {
      const e = await sdkError(start(input));
      assert.equal(e.name, 'ValidationError', JSON.stringify(input));
      assert.match(e.message, message);
    }
    assert.deepEqual(await refreshes(), []);
    const cancel = await sdkError(sim.asg.send(new CancelInstanceRefreshCommand({ AutoScalingGroupName: 'web-asg' })));
    assert.equal(cancel.name, 'ActiveInstanceRefreshNotFoundFault');
    const rollback = await sdkError(sim.asg.send(new RollbackInstanceRefreshCommand({ AutoScalingGroupName: 'web-asg' })));
    assert.equal(rollback.name, 'ActiveInstanceRefreshNotFoundFault');
  });

  it('waits while the InstanceRefresh process is suspended (assumed), with a status reason saying so', async () => {
    await sim.asg.send(new SuspendProcessesCommand({ AutoScalingGroupName: 'web-asg', ScalingProcesses: ['InstanceRefresh'] }));
    const id = await start({ DesiredConfiguration: toVersion('2') });
    const waiting = await waitFor('the refresh to say it waits', async () => {
      const r = await refresh(id);
      return /InstanceRefresh process, which is suspended/.test(r.StatusReason ?? '') ? r : undefined;
    });
    assert.equal(waiting.Status, 'InProgress');
    assert.equal(waiting.Preferences?.MinHealthyPercentage, 90);
    assert.equal(waiting.Preferences?.MaxHealthyPercentage, 100);
    assert.equal(waiting.Preferences?.InstanceWarmup, 600, "the group's grace period, without a DefaultInstanceWarmup");
    assert.equal(waiting.InstancesToUpdate, 3);
    assert.equal(waiting.PercentageComplete, 0);
    assert.deepEqual(versions(await group(sim.asg)), ['1', '1', '1']);
    await sim.asg.send(new CancelInstanceRefreshCommand({ AutoScalingGroupName: 'web-asg' }));
    await until(id, ['Cancelled']);
    await sim.asg.send(new ResumeProcessesCommand({ AutoScalingGroupName: 'web-asg', ScalingProcesses: ['InstanceRefresh'] }));
  });

  it('replaces every instance with version 2, launching first with MaxHealthyPercentage 200, never below desired InService', async () => {
    const before = await group(sim.asg);
    assert.deepEqual(versions(before), ['1', '1', '1']);
    const seq = (await truth(sim.endpoint)).length;
    const id = await start({
      DesiredConfiguration: toVersion('2'),
      Preferences: { MinHealthyPercentage: 100, MaxHealthyPercentage: 200, InstanceWarmup: 30 },
    });
    const busy = await sdkError(start({ DesiredConfiguration: toVersion('2') }));
    assert.equal(busy.name, 'InstanceRefreshInProgressFault');
    const done = await until(id, ['Successful', 'Failed']);
    assert.equal(done.Status, 'Successful');
    assert.equal(done.PercentageComplete, 100);
    assert.equal(done.InstancesToUpdate, 0);
    assert.deepEqual(done.ProgressDetails?.LivePoolProgress, { PercentageComplete: 100, InstancesToUpdate: 0 });
    assert.equal(done.DesiredConfiguration?.LaunchTemplate?.Version, '2');
    assert.equal(done.Preferences?.MaxHealthyPercentage, 200);
    assert.equal(done.Preferences?.InstanceWarmup, 30);
    assert.ok(done.EndTime !== undefined && done.StartTime !== undefined && done.EndTime >= done.StartTime);
    const g = await settled('2');
    assert.equal(g.LaunchTemplate?.Version, '2', "the group's launch template becomes the desired configuration");
    // The instances launched first replace the old ones: the group is back at its desired capacity, not twice it.
    assert.deepEqual(versions(g), ['2', '2', '2']);
    // Ground truth: the group's InService count over the refresh never went below its desired capacity.
    let inService = 3;
    let lowest = inService;
    for (const e of await truth(sim.endpoint, seq)) {
      if (e.kind !== 'instance-state' || e.detail?.lifecycle !== true) continue;
      if (e.to === 'InService') inService++;
      if (e.from === 'InService') inService--;
      lowest = Math.min(lowest, inService);
    }
    assert.equal(lowest, 3);
    const statuses = (await truth(sim.endpoint, seq)).filter((e) => e.kind === 'instance-refresh').map((e) => e.to);
    assert.deepEqual(statuses, ['Pending', 'InProgress', 'Successful']);
    const causes = ((await sim.asg.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'web-asg' }))).Activities ?? []).map((a) => a.Cause ?? '');
    assert.ok(causes.some((c) => / an instance was launched in response to an instance refresh\.$/.test(c)));
    assert.ok(causes.some((c) => / an instance was taken out of service in response to an instance refresh\./.test(c)));
  });

  it('through the AWS CLI: start-instance-refresh back to version 1, describe-instance-refreshes until Successful', async () => {
    const aws = awsCli(sim.endpoint);
    const bad = await aws.fails(
      'autoscaling',
      'start-instance-refresh',
      '--auto-scaling-group-name',
      'web-asg',
      '--preferences',
      '{"MinHealthyPercentage": 50, "MaxHealthyPercentage": 200}',
    );
    assert.match(bad, /ValidationError.*cannot be greater than 100/);
    const { InstanceRefreshId: id } = await aws.json<{ InstanceRefreshId: string }>(
      'autoscaling',
      'start-instance-refresh',
      '--auto-scaling-group-name',
      'web-asg',
      '--desired-configuration',
      '{"LaunchTemplate": {"LaunchTemplateName": "web-lt", "Version": "1"}}',
      '--preferences',
      '{"InstanceWarmup": 30, "SkipMatching": true, "BakeTime": 60}',
    );
    const listed = await aws.json<{ InstanceRefreshes: { InstanceRefreshId: string; Status: string; Preferences: Record<string, unknown> }[] }>(
      'autoscaling',
      'describe-instance-refreshes',
      '--auto-scaling-group-name',
      'web-asg',
    );
    assert.equal(listed.InstanceRefreshes[0]?.InstanceRefreshId, id, 'newest first');
    assert.equal(listed.InstanceRefreshes.length, 3);
    assert.equal(listed.InstanceRefreshes[0]?.Preferences.MinHealthyPercentage, 90);
    assert.equal(listed.InstanceRefreshes[0]?.Preferences.SkipMatching, true);
    const statuses = new Set<string>();
    await waitFor(
      'the CLI to report Successful',
      async () => {
        const r = await aws.json<{ InstanceRefreshes: { Status: string }[] }>(
          'autoscaling',
          'describe-instance-refreshes',
          '--auto-scaling-group-name',
          'web-asg',
          '--instance-refresh-ids',
          id,
        );
        const status = r.InstanceRefreshes[0]?.Status ?? '';
        statuses.add(status);
        return status === 'Successful';
      },
      { timeoutMs: WAIT, intervalMs: 50 },
    );
    assert.ok(statuses.has('Baking') || (await truth(sim.endpoint)).some((e) => e.kind === 'instance-refresh' && e.to === 'Baking' && e.detail?.id === id));
    const g = await settled('1');
    assert.equal(g.LaunchTemplate?.Version, '1');
  });

  it('a refresh whose replacements fail health checks rolls back with AutoRollback: every instance ends on version 1', async () => {
    const id = await start({ DesiredConfiguration: toVersion('2'), Preferences: { AutoRollback: true, InstanceWarmup: 30 } });
    // Every version-2 instance is found unhealthy (SetInstanceHealth) until the refresh gives up.
    const marked = new Set<string>();
    const failed = await waitFor(
      'the refresh to roll back',
      async () => {
        const r = await refresh(id);
        if (r.Status !== 'InProgress' && r.Status !== 'Pending') return r;
        for (const i of (await group(sim.asg)).Instances ?? []) {
          if (i.LaunchTemplate?.Version !== '2' || marked.has(i.InstanceId ?? '')) continue;
          marked.add(i.InstanceId ?? '');
          await sim.asg.send(new SetInstanceHealthCommand({ InstanceId: i.InstanceId, HealthStatus: 'Unhealthy' })).catch(() => undefined);
        }
        return undefined;
      },
      { timeoutMs: WAIT, intervalMs: 20 },
    );
    assert.ok(['RollbackInProgress', 'RollbackSuccessful'].includes(failed.Status ?? ''), failed.Status);
    const done = await until(id, ['RollbackSuccessful', 'RollbackFailed']);
    assert.equal(done.Status, 'RollbackSuccessful');
    assert.match(done.RollbackDetails?.RollbackReason ?? '', /failed/);
    assert.ok(done.RollbackDetails?.RollbackStartTime !== undefined);
    assert.equal(typeof done.RollbackDetails?.PercentageCompleteOnRollback, 'number');
    assert.equal(typeof done.RollbackDetails?.InstancesToUpdateOnRollback, 'number');
    const g = await settled('1');
    assert.equal(g.LaunchTemplate?.Version, '1', 'the group keeps its configuration');
  });

  it('CancelInstanceRefresh leaves Cancelled; RollbackInstanceRefresh of a refresh without desired configuration is IrreversibleInstanceRefresh', async () => {
    const id = await start({ DesiredConfiguration: toVersion('2'), Preferences: { InstanceWarmup: 30 } });
    const cancelled = await sim.asg.send(new CancelInstanceRefreshCommand({ AutoScalingGroupName: 'web-asg' }));
    assert.equal(cancelled.InstanceRefreshId, id);
    const done = await until(id, ['Cancelled']);
    assert.ok(done.EndTime !== undefined);
    const again = await sdkError(sim.asg.send(new CancelInstanceRefreshCommand({ AutoScalingGroupName: 'web-asg' })));
    assert.equal(again.name, 'ActiveInstanceRefreshNotFoundFault');

    const plain = await start({ Preferences: { InstanceWarmup: 30 } });
    const irreversible = await sdkError(sim.asg.send(new RollbackInstanceRefreshCommand({ AutoScalingGroupName: 'web-asg' })));
    assert.equal(irreversible.name, 'IrreversibleInstanceRefreshFault');
    await sim.asg.send(new CancelInstanceRefreshCommand({ AutoScalingGroupName: 'web-asg', WaitForTransitioningInstances: false }));
    assert.equal((await refresh(plain)).Status, 'Cancelled');
  });

  it('RollbackInstanceRefresh puts the instances deployed so far back on the previous version', async () => {
    // The cancelled refresh left a mix of versions: the rollback returns them all to the group's version 1.
    await steady();
    const id = await start({ DesiredConfiguration: toVersion('2'), Preferences: { InstanceWarmup: 30, MinHealthyPercentage: 100 } });
    await waitFor('a version-2 instance', async () => versions(await group(sim.asg)).includes('2'), { timeoutMs: WAIT, intervalMs: 20 });
    const res = await sim.asg.send(new RollbackInstanceRefreshCommand({ AutoScalingGroupName: 'web-asg' }));
    assert.equal(res.InstanceRefreshId, id);
    const done = await until(id, ['RollbackSuccessful', 'RollbackFailed']);
    assert.equal(done.Status, 'RollbackSuccessful');
    assert.ok((done.RollbackDetails?.RollbackReason ?? '').length > 0);
    await settled('1');
  });

  it('pauses at a checkpoint for the checkpoint delay (https://docs.aws.amazon.com/autoscaling/ec2/userguide/asg-adding-checkpoints-instance-refresh.html)', async () => {
    await settled('1');
    const id = await start({
      DesiredConfiguration: toVersion('2'),
      Preferences: { InstanceWarmup: 30, CheckpointPercentages: [30, 100], CheckpointDelay: 3600 },
    });
    const paused = await waitFor(
      'the refresh to pause at its checkpoint',
      async () => {
        const r = await refresh(id);
        return /checkpoint 30%/.test(r.StatusReason ?? '') ? r : undefined;
      },
      { timeoutMs: WAIT, intervalMs: 20 },
    );
    assert.equal(paused.Status, 'InProgress');
    assert.equal(paused.PercentageComplete, 33);
    assert.equal(paused.InstancesToUpdate, 2);
    assert.equal(paused.Preferences?.CheckpointDelay, 3600);
    const serving = ((await group(sim.asg)).Instances ?? []).filter((i) => i.LifecycleState === 'InService' || i.LifecycleState === 'Pending');
    assert.deepEqual(serving.map((i) => i.LaunchTemplate?.Version).sort(), ['1', '1', '2'], 'one instance replaced before the pause');
    await sim.asg.send(new RollbackInstanceRefreshCommand({ AutoScalingGroupName: 'web-asg' }));
    const done = await until(id, ['RollbackSuccessful', 'RollbackFailed']);
    assert.equal(done.Status, 'RollbackSuccessful');
    assert.equal(done.RollbackDetails?.PercentageCompleteOnRollback, 33);
    assert.equal(done.RollbackDetails?.InstancesToUpdateOnRollback, 2);
    await settled('1');
  });

  it('fails when an alarm of its AlarmSpecification is in ALARM, and rolls back with AutoRollback', async () => {
    const cw = new CloudWatchClient({ endpoint: sim.endpoint, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
    try {
      await cw.send(new SetAlarmStateCommand({ AlarmName: 'web-healthy-hosts', StateValue: 'ALARM', StateReason: 'testing the instance refresh' }));
      const id = await start({
        DesiredConfiguration: toVersion('2'),
        Preferences: { InstanceWarmup: 30, AutoRollback: true, AlarmSpecification: { Alarms: ['web-healthy-hosts'] } },
      });
      const done = await until(id, ['RollbackSuccessful', 'RollbackFailed', 'Successful']);
      assert.equal(done.Status, 'RollbackSuccessful');
      assert.match(done.RollbackDetails?.RollbackReason ?? '', /web-healthy-hosts/);
      assert.deepEqual(done.Preferences?.AlarmSpecification?.Alarms, ['web-healthy-hosts']);
      await settled('1');
    } finally {
      cw.destroy();
    }
  });

  it("UpdateAutoScalingGroup's LaunchTemplate changes what the group launches, not its running instances; DefaultInstanceWarmup is the refresh's warmup", async () => {
    await sim.asg.send(
      new UpdateAutoScalingGroupCommand({
        AutoScalingGroupName: 'web-asg',
        LaunchTemplate: { LaunchTemplateName: 'web-lt', Version: '2' },
        DefaultInstanceWarmup: 45,
      }),
    );
    const g = await group(sim.asg);
    assert.equal(g.LaunchTemplate?.Version, '2');
    assert.equal(g.DefaultInstanceWarmup, 45);
    assert.ok(settledOn(g, '1'), 'the running instances keep version 1 (drift)');
    const id = await start({});
    const r = await refresh(id);
    assert.equal(r.Preferences?.InstanceWarmup, 45);
    assert.equal(r.DesiredConfiguration, undefined);
    await sim.asg.send(new CancelInstanceRefreshCommand({ AutoScalingGroupName: 'web-asg', WaitForTransitioningInstances: false }));
    await sim.asg.send(
      new UpdateAutoScalingGroupCommand({
        AutoScalingGroupName: 'web-asg',
        LaunchTemplate: { LaunchTemplateName: 'web-lt', Version: '1' },
        DefaultInstanceWarmup: -1,
      }),
    );
    const back = await group(sim.asg);
    assert.equal(back.LaunchTemplate?.Version, '1');
    assert.equal(back.DefaultInstanceWarmup, undefined);
  });

  it('fails (without AutoRollback) when no zone has capacity for the replacements, leaving the group as it is', async () => {
    // The refresh cancelled without waiting may have left a version-2 instance: the group is steady, on version 1.
    await steady();
    const zones = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
    const impair = (method: string, zone: string) =>
      fetch(`${sim.endpoint}/_sim/zones/${zone}/impair`, {
        method,
        ...(method === 'POST' ? { body: JSON.stringify({ power: false, connectivity: false, capacity: true }) } : {}),
      });
    for (const z of zones) assert.equal((await impair('POST', z)).status, 200);
    try {
      const id = await start({ DesiredConfiguration: toVersion('2'), Preferences: { InstanceWarmup: 30 } });
      const done = await until(id, ['Failed', 'Successful', 'RollbackSuccessful']);
      assert.equal(done.Status, 'Failed');
      assert.match(done.StatusReason ?? '', /failed to launch/);
      assert.equal(done.RollbackDetails, undefined);
      const activities = (await sim.asg.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'web-asg' }))).Activities ?? [];
      assert.ok(activities.some((a) => a.StatusCode === 'Failed' && /InsufficientInstanceCapacity|sufficient/.test(`${a.Description} ${a.StatusMessage}`)));
    } finally {
      for (const z of zones) await impair('DELETE', z);
    }
    const g = await steady();
    assert.equal(g.LaunchTemplate?.Version, '1');
  });
});
