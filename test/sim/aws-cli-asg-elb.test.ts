import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { awsCli } from '../support/aws-cli.js';
import { group, referenceWith, startSim, truth, waitFor, type Sim } from '../support/sim.js';

/**
 * Auto Scaling's suspended processes (https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-suspend-resume-processes.html),
 * the drain before a termination (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_LoadBalancerTargetGroupState.html),
 * tags, detaching, and ELBv2 attributes, through a second, independent client: the AWS CLI (botocore), its
 * paginators and its waiters.
 */
const SPEED = 100;

/** The reference group with room to shrink: min 1. */
const elastic = referenceWith((t) => {
  const g = t.autoScalingGroups[0];
  assert.ok(g !== undefined);
  Object.assign(g, { min: 1, max: 6, desired: 3, healthCheckGracePeriod: '10m' });
});

interface Group {
  DesiredCapacity: number;
  SuspendedProcesses: { ProcessName: string; SuspensionReason: string }[];
  Instances: { InstanceId: string; LifecycleState: string }[];
}

describe('Auto Scaling and ELBv2, through the AWS CLI', () => {
  let sim: Sim;
  let tg: string;
  const aws = <T = Record<string, unknown>>(...args: string[]): Promise<T> => awsCli(sim.endpoint).json<T>(...args);
  const describeGroup = async (): Promise<Group> => {
    const res = await aws<{ AutoScalingGroups: Group[] }>('autoscaling', 'describe-auto-scaling-groups', '--auto-scaling-group-names', 'web-asg');
    const g = res.AutoScalingGroups[0];
    assert.ok(g !== undefined);
    return g;
  };

  before(async () => {
    sim = await startSim({ topology: elastic, speed: SPEED });
    tg = sim.outputs['tg.web-tg.arn'] ?? '';
  });
  after(async () => {
    await sim.close();
  });

  it('suspend-processes and resume-processes, seen in describe-auto-scaling-groups; an unknown process is a ValidationError', async () => {
    await aws('autoscaling', 'suspend-processes', '--auto-scaling-group-name', 'web-asg', '--scaling-processes', 'Launch', 'AZRebalance');
    const g = await describeGroup();
    assert.deepEqual(g.SuspendedProcesses.map((p) => p.ProcessName).sort(), ['AZRebalance', 'Launch']);
    assert.ok(g.SuspendedProcesses.every((p) => p.SuspensionReason.startsWith('User suspended at ')));
    await aws('autoscaling', 'resume-processes', '--auto-scaling-group-name', 'web-asg');
    assert.deepEqual((await describeGroup()).SuspendedProcesses, []);
    const stderr = await awsCli(sim.endpoint).fails('autoscaling', 'suspend-processes', '--auto-scaling-group-name', 'web-asg', '--scaling-processes', 'Sleep');
    assert.match(stderr, /ValidationError/);
  });

  it('target group attributes: describe, modify within range, and InvalidConfigurationRequest outside it', async () => {
    const read = async (): Promise<Record<string, string>> =>
      Object.fromEntries(
        (await aws<{ Attributes: { Key: string; Value: string }[] }>('elbv2', 'describe-target-group-attributes', '--target-group-arn', tg)).Attributes.map(
          (a) => [a.Key, a.Value],
        ),
      );
    assert.equal((await read())['deregistration_delay.timeout_seconds'], '300');
    const stderr = await awsCli(sim.endpoint).fails(
      'elbv2',
      'modify-target-group-attributes',
      '--target-group-arn',
      tg,
      '--attributes',
      'Key=deregistration_delay.timeout_seconds,Value=-1',
    );
    assert.match(stderr, /InvalidConfigurationRequest/);
    await aws('elbv2', 'modify-target-group-attributes', '--target-group-arn', tg, '--attributes', 'Key=deregistration_delay.timeout_seconds,Value=120');
    assert.equal((await read())['deregistration_delay.timeout_seconds'], '120');
    const lb = await aws<{ Attributes: { Key: string; Value: string }[] }>(
      'elbv2',
      'describe-load-balancer-attributes',
      '--load-balancer-arn',
      sim.outputs['alb.web-alb.arn'] ?? '',
    );
    assert.ok(lb.Attributes.some((a) => a.Key === 'idle_timeout.timeout_seconds' && a.Value === '60'));
  });

  it('terminate-instance-in-auto-scaling-group drains the target for the deregistration delay before the instance shuts down; both waiters see it', async () => {
    const victim = (await group(sim.asg)).Instances?.[0]?.InstanceId ?? '';
    const since = (await truth(sim.endpoint)).length;
    const res = await aws<{ Activity: { StatusCode: string; Cause: string } }>(
      'autoscaling',
      'terminate-instance-in-auto-scaling-group',
      '--instance-id',
      victim,
      '--no-should-decrement-desired-capacity',
    );
    assert.equal(res.Activity.StatusCode, 'InProgress');
    // Both waiters poll every 15 s. The drain (120 s of AWS time, 1.2 s here) may be over before the CLI has started,
    // so the order of events comes from the region's ground truth.
    const [deregistered, terminated] = await Promise.all([
      awsCli(sim.endpoint).raw('elbv2', 'wait', 'target-deregistered', '--target-group-arn', tg, '--targets', `Id=${victim}`),
      awsCli(sim.endpoint).raw('ec2', 'wait', 'instance-terminated', '--instance-ids', victim),
    ]);
    assert.equal(deregistered.code, 0, deregistered.stderr);
    assert.equal(terminated.code, 0, terminated.stderr);
    const events = (await truth(sim.endpoint)).slice(since);
    const draining = events.find((e) => e.kind === 'target-health' && e.resource === `web-tg/${victim}` && e.to === 'draining');
    const shutting = events.find((e) => e.kind === 'instance-state' && e.resource === victim && e.to === 'shutting-down');
    assert.ok(draining !== undefined && shutting !== undefined, JSON.stringify(events.filter((e) => e.resource.includes(victim))));
    assert.ok(shutting.epochMs - draining.epochMs >= sim.wall(120_000) * 0.95, `shut down ${shutting.epochMs - draining.epochMs} ms after the drain began`);
    const activities = await aws<{ Activities: { Description: string; StatusCode: string }[] }>(
      'autoscaling',
      'describe-scaling-activities',
      '--auto-scaling-group-name',
      'web-asg',
    );
    assert.equal(activities.Activities.find((a) => a.Description === `Terminating EC2 instance: ${victim}`)?.StatusCode, 'Successful');
  });

  it('describe-tags pages through the paginator and filters; detach-instances leaves the instance running outside the group', async () => {
    const tags = await aws<{ Tags: { Key: string; Value: string; ResourceId: string }[] }>('autoscaling', 'describe-tags', '--page-size', '1');
    assert.deepEqual(
      tags.Tags.map((t) => `${t.ResourceId}/${t.Key}=${t.Value}`),
      ['web-asg/Name=web', 'web-asg/gameday:allowed=true'],
    );
    const filtered = await aws<{ Tags: { Key: string }[] }>('autoscaling', 'describe-tags', '--filters', 'Name=value,Values=true');
    assert.deepEqual(
      filtered.Tags.map((t) => t.Key),
      ['gameday:allowed'],
    );

    // The SDK polls; the CLI's Python start-up is too slow for it.
    const g = await waitFor('three in service', async () => {
      const x = await group(sim.asg);
      return (x.Instances ?? []).filter((i) => i.LifecycleState === 'InService').length === 3 ? x : undefined;
    });
    const leaving = g.Instances?.[0]?.InstanceId ?? '';
    const detached = await aws<{ Activities: { Description: string; Cause: string }[] }>(
      'autoscaling',
      'detach-instances',
      '--auto-scaling-group-name',
      'web-asg',
      '--instance-ids',
      leaving,
      '--should-decrement-desired-capacity',
    );
    assert.equal(detached.Activities[0]?.Description, `Detaching EC2 instance: ${leaving}`);
    assert.match(detached.Activities[0]?.Cause ?? '', /was detached in response to a user request, shrinking the capacity from 3 to 2\.$/);
    await waitFor('the instance to leave the group', async () => !((await group(sim.asg)).Instances ?? []).some((i) => i.InstanceId === leaving));
    assert.equal((await describeGroup()).DesiredCapacity, 2);
    const described = await aws<{ Reservations: { Instances: { State: { Name: string } }[] }[] }>('ec2', 'describe-instances', '--instance-ids', leaving);
    assert.equal(described.Reservations[0]?.Instances[0]?.State.Name, 'running');
  });
});
