import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
  DescribeScalingActivitiesCommand,
  DescribeTagsCommand,
  DetachInstancesCommand,
  ResumeProcessesCommand,
  SetDesiredCapacityCommand,
  SuspendProcessesCommand,
  SetInstanceHealthCommand,
  TerminateInstanceInAutoScalingGroupCommand,
  type Activity,
  type AutoScalingGroup,
} from '@aws-sdk/client-auto-scaling';
import { DescribeSubnetsCommand, RebootInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { ModifyTargetGroupAttributesCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { allInstances, group, instance, referenceWith, sdkError, startSim, targetHealth, targetOf, waitFor, type Sim } from '../support/sim.js';

/** Fast enough for a short test, slow enough that a 15 s (AWS) Pending state lasts 250 ms and is seen by polling. */
const SPEED = 60;
/** For the tests that look at where the group ends up and at no short-lived state: their waits are boots and checks. */
const FAST = 100;
const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];

/**
 * The reference group with room to scale in: min 1. Its grace period outlasts the slowest boot plus the five checks a
 * booting target needs (3 min + 5 × 30 s), so no launch is replaced as unhealthy while these tests count instances.
 */
const elastic = referenceWith((t) => {
  const g = t.autoScalingGroups[0];
  assert.ok(g !== undefined);
  Object.assign(g, { min: 1, max: 6, desired: 3, healthCheckGracePeriod: '10m' });
});

function zoneCounts(g: AutoScalingGroup, states = ['Pending', 'InService']): number[] {
  const counts = new Map<string, number>(ZONES.map((z) => [z, 0]));
  for (const i of g.Instances ?? [])
    if (states.includes(i.LifecycleState ?? '')) counts.set(i.AvailabilityZone ?? '', (counts.get(i.AvailabilityZone ?? '') ?? 0) + 1);
  return [...counts.values()];
}

function inService(g: AutoScalingGroup): string[] {
  return (g.Instances ?? []).filter((i) => i.LifecycleState === 'InService').map((i) => i.InstanceId ?? '');
}

async function activities(sim: Sim): Promise<Activity[]> {
  return (await sim.asg.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'web-asg' }))).Activities ?? [];
}

/** Polls the group, remembering every lifecycle state each instance was seen in, until `done` holds. */
async function watchGroup(
  sim: Sim,
  what: string,
  done: (g: AutoScalingGroup) => boolean,
  timeoutMs = 10_000,
): Promise<{ group: AutoScalingGroup; seen: Map<string, Set<string>> }> {
  const seen = new Map<string, Set<string>>();
  const g = await waitFor(
    what,
    async () => {
      const current = await group(sim.asg);
      for (const i of current.Instances ?? []) {
        const states = seen.get(i.InstanceId ?? '') ?? new Set<string>();
        states.add(i.LifecycleState ?? '?');
        seen.set(i.InstanceId ?? '', states);
      }
      return done(current) ? current : undefined;
    },
    { timeoutMs, intervalMs: 10 },
  );
  return { group: g, seen };
}

describe('Auto Scaling DescribeAutoScalingGroups', () => {
  it('describes the reference group as AWS does', async () => {
    const sim = await startSim({ speed: SPEED });
    try {
      const res = await sim.asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web-asg'] }));
      assert.equal(res.AutoScalingGroups?.length, 1);
      const g = res.AutoScalingGroups?.[0] as AutoScalingGroup;
      assert.equal(g.AutoScalingGroupName, 'web-asg');
      assert.match(g.AutoScalingGroupARN ?? '', /^arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:[0-9a-f-]{36}:autoScalingGroupName\/web-asg$/);
      assert.equal(g.MinSize, 3);
      assert.equal(g.MaxSize, 6);
      assert.equal(g.DesiredCapacity, 3);
      assert.equal(g.DefaultCooldown, 300);
      assert.equal(g.HealthCheckType, 'ELB');
      assert.equal(g.HealthCheckGracePeriod, 600);
      assert.deepEqual(g.AvailabilityZones, ZONES);
      assert.deepEqual(g.TargetGroupARNs, [sim.outputs['tg.web-tg.arn']]);
      assert.deepEqual(g.TerminationPolicies, ['Default']);
      assert.equal(g.LaunchTemplate?.LaunchTemplateName, 'web-lt');
      assert.match(g.LaunchTemplate?.LaunchTemplateId ?? '', /^lt-[0-9a-f]+$/);
      assert.ok(g.CreatedTime instanceof Date);
      const subnets = (await sim.ec2.send(new DescribeSubnetsCommand({}))).Subnets ?? [];
      assert.deepEqual((g.VPCZoneIdentifier ?? '').split(',').sort(), subnets.map((s) => s.SubnetId).sort());
      const tags = Object.fromEntries((g.Tags ?? []).map((t) => [t.Key, t]));
      assert.equal(tags.Name?.Value, 'web');
      assert.equal(tags.Name?.ResourceId, 'web-asg');
      assert.equal(tags.Name?.ResourceType, 'auto-scaling-group');
      assert.equal(tags.Name?.PropagateAtLaunch, true);
      assert.equal(tags['gameday:allowed']?.Value, 'true');
      assert.equal(g.Instances?.length, 3);
      for (const i of g.Instances ?? []) {
        assert.equal(i.LifecycleState, 'InService');
        assert.equal(i.HealthStatus, 'Healthy');
        assert.equal(i.InstanceType, 't3.micro');
        assert.equal(i.ProtectedFromScaleIn, false);
        assert.equal(i.LaunchTemplate?.LaunchTemplateName, 'web-lt');
      }
      assert.deepEqual(zoneCounts(g), [1, 1, 1]);
      // The group's instances are the EC2 instances carrying its tag.
      const tagged = await allInstances(sim.ec2, { Filters: [{ Name: 'tag:aws:autoscaling:groupName', Values: ['web-asg'] }] });
      assert.deepEqual(tagged.map((i) => i.InstanceId).sort(), (g.Instances ?? []).map((i) => i.InstanceId).sort());
      // DescribeAutoScalingInstances agrees.
      const asi = (await sim.asg.send(new DescribeAutoScalingInstancesCommand({}))).AutoScalingInstances ?? [];
      assert.deepEqual(asi.map((i) => i.InstanceId).sort(), (g.Instances ?? []).map((i) => i.InstanceId).sort());
      assert.ok(asi.every((i) => i.AutoScalingGroupName === 'web-asg' && i.LifecycleState === 'InService'));
      // Without names, every group; an unknown name is no error, just no group.
      assert.equal((await sim.asg.send(new DescribeAutoScalingGroupsCommand({}))).AutoScalingGroups?.length, 1);
      assert.deepEqual((await sim.asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['nope'] }))).AutoScalingGroups, []);
      // The launch activities of the group's creation are over.
      const acts = await activities(sim);
      assert.equal(acts.filter((a) => a.Description?.startsWith('Launching a new EC2 instance')).length, 3);
      assert.ok(acts.every((a) => a.StatusCode === 'Successful' && a.Progress === 100 && a.EndTime instanceof Date));
    } finally {
      await sim.close();
    }
  });
});

describe('Auto Scaling replacement', () => {
  it('replaces an instance terminated through EC2: Terminating, then a replacement Pending → InService in the same zone', async () => {
    const sim = await startSim({ speed: SPEED });
    try {
      const before = await group(sim.asg);
      const victim = before.Instances?.find((i) => i.AvailabilityZone === 'us-east-1b');
      assert.ok(victim?.InstanceId !== undefined);
      const original = new Set((before.Instances ?? []).map((i) => i.InstanceId));
      await sim.ec2.send(new TerminateInstancesCommand({ InstanceIds: [victim.InstanceId] }));
      const { group: after, seen } = await watchGroup(sim, 'a replacement InService and the victim gone', (g) => {
        const ids = (g.Instances ?? []).map((i) => i.InstanceId);
        return !ids.includes(victim.InstanceId) && inService(g).length === 3;
      });
      assert.ok(seen.get(victim.InstanceId)?.has('Terminating'), `the victim was seen Terminating (${[...(seen.get(victim.InstanceId) ?? [])].join(',')})`);
      const fresh = (after.Instances ?? []).filter((i) => !original.has(i.InstanceId));
      assert.equal(fresh.length, 1, 'exactly one replacement');
      const replacement = fresh[0];
      assert.ok(replacement?.InstanceId !== undefined);
      assert.deepEqual([...(seen.get(replacement.InstanceId) ?? [])], ['Pending', 'InService']);
      assert.equal(replacement.AvailabilityZone, 'us-east-1b', 'launched in the zone that lost an instance');
      assert.deepEqual(zoneCounts(after), [1, 1, 1]);
      assert.equal(after.DesiredCapacity, 3);
      assert.equal(replacement.HealthStatus, 'Healthy');
      // EC2 agrees: the replacement runs with the group's tags, the victim is terminated.
      const ec2Replacement = await instance(sim.ec2, replacement.InstanceId);
      assert.equal(ec2Replacement.State?.Name, 'running');
      assert.equal(ec2Replacement.Tags?.find((t) => t.Key === 'aws:autoscaling:groupName')?.Value, 'web-asg');
      assert.equal((await instance(sim.ec2, victim.InstanceId)).State?.Name, 'terminated');
      // Both activities are recorded, newest first, and end Successful.
      const acts = await activities(sim);
      const terminating = acts.findIndex((a) => a.Description === `Terminating EC2 instance: ${victim.InstanceId}`);
      const launching = acts.findIndex((a) => a.Description === `Launching a new EC2 instance: ${replacement.InstanceId}`);
      assert.ok(terminating >= 0 && launching >= 0, JSON.stringify(acts.map((a) => a.Description)));
      assert.ok(launching < terminating, 'the launch is newer than the termination');
      for (const a of [acts[terminating], acts[launching]]) {
        assert.equal(a?.StatusCode, 'Successful');
        assert.equal(a?.Progress, 100);
        assert.equal(a?.AutoScalingGroupName, 'web-asg');
        assert.match(a?.ActivityId ?? '', /^[0-9a-f-]{36}$/);
        assert.match(a?.Cause ?? '', /^At \d{4}-\d\d-\d\dT/);
        assert.ok(a?.StartTime instanceof Date && a.EndTime instanceof Date && a.EndTime >= a.StartTime);
      }
      // The replacement serves behind the load balancer.
      await waitFor(
        'the replacement target to be healthy',
        async () =>
          (await targetHealth(sim.elb, sim.outputs['tg.web-tg.arn'] ?? '')).find((t) => t.Target?.Id === replacement.InstanceId)?.TargetHealth?.State ===
          'healthy',
      );
    } finally {
      await sim.close();
    }
  });

  it('replaces an instance that fails its ELB health checks (health check type ELB)', async () => {
    const topology = referenceWith((t) => {
      t.timings = { instanceReboot: '1h' };
    });
    const sim = await startSim({ topology, speed: SPEED });
    try {
      const before = await group(sim.asg);
      const victim = before.Instances?.[0]?.InstanceId ?? '';
      // A reboot that never ends: the instance stays `running` for EC2, but its workload does not answer.
      await sim.ec2.send(new RebootInstancesCommand({ InstanceIds: [victim] }));
      const { group: after, seen } = await watchGroup(
        sim,
        'the unhealthy instance to be replaced',
        (g) => !(g.Instances ?? []).some((i) => i.InstanceId === victim) && inService(g).length === 3,
        // The group's 10-minute grace period (from the region's start, 10 s here) runs out first, then a boot.
        30_000,
      );
      assert.ok(seen.get(victim)?.has('Terminating'));
      assert.deepEqual(zoneCounts(after), [1, 1, 1]);
      const acts = await activities(sim);
      const cause = acts.find((a) => a.Description === `Terminating EC2 instance: ${victim}`)?.Cause ?? '';
      assert.match(cause, /ELB system health check failure/);
    } finally {
      await sim.close();
    }
  });

  it('SetInstanceHealth Unhealthy gets the instance replaced', async () => {
    const sim = await startSim({ speed: SPEED });
    try {
      const before = await group(sim.asg);
      const victim = before.Instances?.[1];
      assert.ok(victim?.InstanceId !== undefined);
      await sim.asg.send(new SetInstanceHealthCommand({ InstanceId: victim.InstanceId, HealthStatus: 'Unhealthy' }));
      const { group: after, seen } = await watchGroup(
        sim,
        'the instance marked unhealthy to be replaced',
        (g) => !(g.Instances ?? []).some((i) => i.InstanceId === victim.InstanceId) && inService(g).length === 3,
      );
      assert.ok(seen.get(victim.InstanceId)?.has('Terminating'));
      const replacement = (after.Instances ?? []).find((i) => !(before.Instances ?? []).some((b) => b.InstanceId === i.InstanceId));
      assert.equal(replacement?.AvailabilityZone, victim.AvailabilityZone);
      assert.equal((await instance(sim.ec2, victim.InstanceId)).State?.Name, 'terminated');
      const acts = await activities(sim);
      assert.ok(acts.some((a) => a.Description === `Terminating EC2 instance: ${victim.InstanceId}` && a.StatusCode === 'Successful'));
      // An invalid status is refused.
      const e = await sdkError(sim.asg.send(new SetInstanceHealthCommand({ InstanceId: replacement?.InstanceId ?? '', HealthStatus: 'Sick' })));
      assert.equal(e.name, 'ValidationError');
    } finally {
      await sim.close();
    }
  });
});

describe('Auto Scaling capacity', () => {
  it('SetDesiredCapacity up launches balanced over the zones; down terminates and deregisters the extra instances', async () => {
    const sim = await startSim({ topology: elastic, speed: SPEED });
    const tg = sim.outputs['tg.web-tg.arn'] ?? '';
    try {
      await sim.asg.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'web-asg', DesiredCapacity: 5 }));
      const now = await group(sim.asg);
      assert.equal(now.DesiredCapacity, 5);
      const { group: up, seen } = await watchGroup(sim, 'five instances InService', (g) => inService(g).length === 5);
      assert.deepEqual(zoneCounts(up).sort(), [1, 2, 2]);
      const added = [...seen.entries()].filter(([, s]) => s.has('Pending')).map(([id]) => id);
      assert.equal(added.length, 2, 'two launches');
      await waitFor('five healthy targets', async () => (await targetHealth(sim.elb, tg)).filter((t) => t.TargetHealth?.State === 'healthy').length === 5);

      await sim.asg.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'web-asg', DesiredCapacity: 2 }));
      const { group: down } = await watchGroup(sim, 'two instances left', (g) => (g.Instances ?? []).length === 2 && inService(g).length === 2);
      assert.equal(down.DesiredCapacity, 2);
      assert.deepEqual(zoneCounts(down).sort(), [0, 1, 1], 'the two remaining instances are in different zones');
      const removed = (up.Instances ?? []).map((i) => i.InstanceId ?? '').filter((id) => !inService(down).includes(id));
      assert.equal(removed.length, 3);
      for (const id of removed) assert.equal((await instance(sim.ec2, id)).State?.Name, 'terminated');
      const targets = await targetHealth(sim.elb, tg);
      for (const id of removed) {
        const t = targets.find((x) => x.Target?.Id === id);
        assert.ok(t === undefined || t.TargetHealth?.State === 'draining', `${id} no longer takes traffic`);
      }
      const acts = await activities(sim);
      for (const id of removed) {
        const a = acts.find((x) => x.Description === `Terminating EC2 instance: ${id}`);
        assert.equal(a?.StatusCode, 'Successful');
        // AWS's wording (https://repost.aws/knowledge-center/auto-scaling-scale-down).
        assert.match(
          a?.Cause ?? '',
          new RegExp(
            `^At \\S+Z a user request explicitly set group desired capacity changing the desired capacity from 5 to 2\\.  At \\S+Z an instance was taken out of service in response to a difference between desired and actual capacity, shrinking the capacity from 5 to 2\\.  At \\S+Z instance ${id} was selected for termination\\.$`,
          ),
        );
      }
    } finally {
      await sim.close();
    }
  });

  it('scaling in leaves the remaining instances spread over the zones, even after replacements reordered them', async () => {
    const sim = await startSim({ topology: elastic, speed: FAST });
    try {
      await sim.asg.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'web-asg', DesiredCapacity: 6 }));
      let g = (await watchGroup(sim, 'six instances InService', (x) => inService(x).length === 6)).group;
      assert.deepEqual(zoneCounts(g), [2, 2, 2]);
      // Replace the oldest instance of zones b and c, so the group's instances are no longer in launch order by zone.
      for (const zone of ['us-east-1b', 'us-east-1c']) {
        const victim = g.Instances?.find((i) => i.AvailabilityZone === zone)?.InstanceId ?? '';
        await sim.asg.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: victim, ShouldDecrementDesiredCapacity: false }));
        g = (await watchGroup(sim, `the ${zone} replacement`, (x) => !(x.Instances ?? []).some((i) => i.InstanceId === victim) && inService(x).length === 6))
          .group;
        assert.deepEqual(zoneCounts(g), [2, 2, 2]);
      }
      await sim.asg.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'web-asg', DesiredCapacity: 3 }));
      const down = (await watchGroup(sim, 'three instances left', (x) => (x.Instances ?? []).length === 3 && inService(x).length === 3)).group;
      // AWS's default termination policy removes each instance from the zone with the most instances.
      assert.deepEqual(zoneCounts(down), [1, 1, 1], JSON.stringify(down.Instances?.map((i) => i.AvailabilityZone)));
    } finally {
      await sim.close();
    }
  });

  it('TerminateInstanceInAutoScalingGroup without decrement replaces the instance', async () => {
    const sim = await startSim({ speed: SPEED });
    try {
      const before = await group(sim.asg);
      const victim = before.Instances?.[2];
      assert.ok(victim?.InstanceId !== undefined);
      const res = await sim.asg.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: victim.InstanceId, ShouldDecrementDesiredCapacity: false }));
      assert.equal(res.Activity?.Description, `Terminating EC2 instance: ${victim.InstanceId}`);
      assert.equal(res.Activity?.StatusCode, 'InProgress');
      assert.equal(res.Activity?.AutoScalingGroupName, 'web-asg');
      assert.match(res.Activity?.ActivityId ?? '', /^[0-9a-f-]{36}$/);
      const right = await group(sim.asg);
      assert.equal(right.DesiredCapacity, 3);
      assert.equal(right.Instances?.find((i) => i.InstanceId === victim.InstanceId)?.LifecycleState, 'Terminating');
      // Deregistered first: it drains for the target group's deregistration delay (300 s) before it shuts down.
      assert.equal((await instance(sim.ec2, victim.InstanceId)).State?.Name, 'running');
      assert.equal((await targetOf(sim.elb, sim.outputs['tg.web-tg.arn'] ?? '', victim.InstanceId))?.TargetHealth?.State, 'draining');
      const { group: after, seen } = await watchGroup(
        sim,
        'a replacement',
        (g) => !(g.Instances ?? []).some((i) => i.InstanceId === victim.InstanceId) && inService(g).length === 3,
        20_000,
      );
      const replacement = (after.Instances ?? []).find((i) => !(before.Instances ?? []).some((b) => b.InstanceId === i.InstanceId));
      assert.ok(replacement?.InstanceId !== undefined);
      assert.ok(seen.get(replacement.InstanceId)?.has('Pending'));
      assert.equal(replacement.AvailabilityZone, victim.AvailabilityZone);
      const acts = await activities(sim);
      assert.equal(acts.find((a) => a.ActivityId === res.Activity?.ActivityId)?.StatusCode, 'Successful');
    } finally {
      await sim.close();
    }
  });

  it('TerminateInstanceInAutoScalingGroup with decrement shrinks the group without a replacement', async () => {
    const sim = await startSim({ topology: elastic, speed: FAST });
    try {
      const before = await group(sim.asg);
      const victim = before.Instances?.[0]?.InstanceId ?? '';
      const launchesBefore = (await activities(sim)).filter((a) => a.Description?.startsWith('Launching')).length;
      const res = await sim.asg.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: victim, ShouldDecrementDesiredCapacity: true }));
      assert.equal(res.Activity?.StatusCode, 'InProgress');
      assert.match(res.Activity?.Cause ?? '', /shrinking the capacity from 3 to 2/);
      assert.equal((await group(sim.asg)).DesiredCapacity, 2);
      // Wait until the instance is terminated and gone from the group: several health checks of the group later.
      const { group: after } = await watchGroup(sim, 'the victim to leave the group', (g) => !(g.Instances ?? []).some((i) => i.InstanceId === victim), 20_000);
      assert.equal((await instance(sim.ec2, victim)).State?.Name, 'terminated');
      assert.equal(after.DesiredCapacity, 2);
      assert.equal((after.Instances ?? []).length, 2);
      assert.equal(inService(after).length, 2);
      assert.equal((await activities(sim)).filter((a) => a.Description?.startsWith('Launching')).length, launchesBefore, 'no replacement was launched');
    } finally {
      await sim.close();
    }
  });

  it('TerminateInstanceInAutoScalingGroup with decrement at the minimum size is a ValidationError and terminates nothing', async () => {
    // The reference group has min = desired = 3.
    const sim = await startSim({ speed: SPEED });
    try {
      const victim = (await group(sim.asg)).Instances?.[0]?.InstanceId ?? '';
      const e = await sdkError(sim.asg.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: victim, ShouldDecrementDesiredCapacity: true })));
      assert.equal(e.name, 'ValidationError');
      assert.equal(e.$metadata?.httpStatusCode, 400);
      // AWS: "Currently, desiredSize equals minSize (3). Terminating instance without replacement will violate group's min size constraint. …"
      assert.match(e.message, /desiredSize equals minSize \(3\)/);
      const g = await group(sim.asg);
      assert.equal(g.DesiredCapacity, 3);
      assert.equal(g.Instances?.find((i) => i.InstanceId === victim)?.LifecycleState, 'InService');
      assert.equal((await instance(sim.ec2, victim)).State?.Name, 'running');
    } finally {
      await sim.close();
    }
  });

  it('validation errors: unknown group, capacity outside [min, max], unknown instance', async () => {
    const sim = await startSim({ speed: SPEED });
    try {
      const cases: [string, Promise<unknown>, RegExp][] = [
        ['unknown group', sim.asg.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'nope', DesiredCapacity: 3 })), /nope/],
        ['above max', sim.asg.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'web-asg', DesiredCapacity: 7 })), /above max value 6/],
        ['below min', sim.asg.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'web-asg', DesiredCapacity: 2 })), /below min value 3/],
        [
          'terminate unknown',
          sim.asg.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: 'i-0123456789abcdef0', ShouldDecrementDesiredCapacity: false })),
          /i-0123456789abcdef0/,
        ],
        [
          'health of unknown',
          sim.asg.send(new SetInstanceHealthCommand({ InstanceId: 'i-0123456789abcdef0', HealthStatus: 'Unhealthy' })),
          /i-0123456789abcdef0/,
        ],
      ];
      for (const [label, call, message] of cases) {
        const e = await sdkError(call);
        assert.equal(e.name, 'ValidationError', label);
        assert.equal(e.$fault, 'client', label);
        assert.equal(e.$metadata?.httpStatusCode, 400, label);
        assert.match(e.message, message, label);
      }
      const g = await group(sim.asg);
      assert.equal(g.DesiredCapacity, 3);
      assert.equal(inService(g).length, 3);
    } finally {
      await sim.close();
    }
  });
});

/**
 * Suspended processes (https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-suspend-resume-processes.html), tags
 * (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeTags.html) and detaching
 * (https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-detach-attach-instances.html), with AWS's activity causes
 * (https://docs.aws.amazon.com/autoscaling/ec2/userguide/replace-unhealthy-instance.html).
 */
describe('Auto Scaling processes, tags and detaching', () => {
  let sim: Sim;
  before(async () => {
    sim = await startSim({ topology: elastic, speed: 100 });
    // A 60-s drain (0.6 s at speed 100) keeps the tests short; the drain's own length is shown in elbv2.test.ts.
    await sim.elb.send(
      new ModifyTargetGroupAttributesCommand({
        TargetGroupArn: sim.outputs['tg.web-tg.arn'],
        Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '60' }],
      }),
    );
  });
  after(async () => {
    await sim.close();
  });

  it("a suspended ReplaceUnhealthy keeps an unhealthy instance in service; resumed, it is replaced with AWS's causes", async () => {
    assert.deepEqual((await group(sim.asg)).SuspendedProcesses, [], 'AWS always sends the list, empty when nothing is suspended');
    await sim.asg.send(new SuspendProcessesCommand({ AutoScalingGroupName: 'web-asg', ScalingProcesses: ['HealthCheck', 'ReplaceUnhealthy'] }));
    const suspended = (await group(sim.asg)).SuspendedProcesses ?? [];
    assert.deepEqual(suspended.map((p) => p.ProcessName).sort(), ['HealthCheck', 'ReplaceUnhealthy']);
    for (const p of suspended) assert.match(p.SuspensionReason ?? '', /^User suspended at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    const victim = inService(await group(sim.asg))[0] ?? '';
    await sim.asg.send(new SetInstanceHealthCommand({ InstanceId: victim, HealthStatus: 'Unhealthy' }));
    // A negative: three of the group's 10-s health checks pass without a replacement.
    await new Promise((resolve) => setTimeout(resolve, sim.wall(30_000)));
    const held = await group(sim.asg);
    const member = held.Instances?.find((i) => i.InstanceId === victim);
    assert.equal(member?.LifecycleState, 'InService');
    assert.equal(member?.HealthStatus, 'Unhealthy');
    assert.equal((held.Instances ?? []).length, 3, 'nothing launched');

    await sim.asg.send(new ResumeProcessesCommand({ AutoScalingGroupName: 'web-asg', ScalingProcesses: ['ReplaceUnhealthy'] }));
    const acts = await waitFor('the replacement to start', async () => {
      const a = await activities(sim);
      return a.some((x) => x.Description?.startsWith('Launching') && x.Cause?.includes('unhealthy instance needing to be replaced')) ? a : undefined;
    });
    const terminating = acts.find((a) => a.Description === `Terminating EC2 instance: ${victim}`);
    assert.match(terminating?.Cause ?? '', /^At \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ an instance was taken out of service in response to a user health-check\.$/);
    assert.equal(JSON.parse(terminating?.Details ?? '{}')['Availability Zone'], member?.AvailabilityZone);
    assert.deepEqual(
      ((await group(sim.asg)).SuspendedProcesses ?? []).map((p) => p.ProcessName),
      ['HealthCheck'],
    );
    await sim.asg.send(new ResumeProcessesCommand({ AutoScalingGroupName: 'web-asg' }));
    assert.deepEqual((await group(sim.asg)).SuspendedProcesses, []);
    await watchGroup(sim, 'three in service again', (g) => (g.Instances ?? []).length === 3 && inService(g).length === 3);

    const e = await sdkError(sim.asg.send(new SuspendProcessesCommand({ AutoScalingGroupName: 'web-asg', ScalingProcesses: ['Launch', 'Nap'] })));
    assert.equal(e.name, 'ValidationError');
    assert.equal(e.$metadata?.httpStatusCode, 400);
    assert.deepEqual((await group(sim.asg)).SuspendedProcesses, [], 'a bad name suspends nothing');
  });

  it('a suspended Launch stops scaling out; resumed, the group reaches its desired capacity', async () => {
    await sim.asg.send(new SuspendProcessesCommand({ AutoScalingGroupName: 'web-asg', ScalingProcesses: ['Launch'] }));
    await sim.asg.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'web-asg', DesiredCapacity: 4 }));
    await new Promise((resolve) => setTimeout(resolve, sim.wall(30_000)));
    const held = await group(sim.asg);
    assert.equal(held.DesiredCapacity, 4);
    assert.equal((held.Instances ?? []).length, 3, 'no launch while Launch is suspended');
    await sim.asg.send(new ResumeProcessesCommand({ AutoScalingGroupName: 'web-asg', ScalingProcesses: ['Launch'] }));
    await watchGroup(sim, 'four in service', (g) => inService(g).length === 4);
  });

  it("DescribeTags filters and pages the group's tags", async () => {
    const all = (await sim.asg.send(new DescribeTagsCommand({}))).Tags ?? [];
    assert.deepEqual(
      all.map((t) => [t.ResourceId, t.ResourceType, t.Key, t.Value, t.PropagateAtLaunch]),
      [
        ['web-asg', 'auto-scaling-group', 'Name', 'web', true],
        ['web-asg', 'auto-scaling-group', 'gameday:allowed', 'true', true],
      ],
    );
    const byKey = await sim.asg.send(
      new DescribeTagsCommand({
        Filters: [
          { Name: 'key', Values: ['Name', 'Owner'] },
          { Name: 'auto-scaling-group', Values: ['web-asg'] },
        ],
      }),
    );
    assert.deepEqual(
      byKey.Tags?.map((t) => t.Value),
      ['web'],
    );
    assert.deepEqual((await sim.asg.send(new DescribeTagsCommand({ Filters: [{ Name: 'propagate-at-launch', Values: ['false'] }] }))).Tags, []);
    const first = await sim.asg.send(new DescribeTagsCommand({ MaxRecords: 1 }));
    assert.equal(first.Tags?.length, 1);
    assert.ok(first.NextToken !== undefined);
    const second = await sim.asg.send(new DescribeTagsCommand({ MaxRecords: 1, NextToken: first.NextToken }));
    assert.equal(second.Tags?.[0]?.Key, 'gameday:allowed');
    assert.equal(second.NextToken, undefined);
    const e = await sdkError(sim.asg.send(new DescribeTagsCommand({ Filters: [{ Name: 'colour', Values: ['red'] }] })));
    assert.equal(e.name, 'ValidationError');
  });

  it('DetachInstances drains the instance, leaves it running outside the group, and replaces it unless told to decrement', async () => {
    const before = await group(sim.asg);
    const [keep, shrink] = inService(before);
    assert.ok(keep !== undefined && shrink !== undefined);
    const res = await sim.asg.send(new DetachInstancesCommand({ AutoScalingGroupName: 'web-asg', InstanceIds: [keep], ShouldDecrementDesiredCapacity: false }));
    assert.equal(res.Activities?.[0]?.Description, `Detaching EC2 instance: ${keep}`);
    assert.match(res.Activities?.[0]?.Cause ?? '', new RegExp(`^At \\S+Z instance ${keep} was detached in response to a user request\\.$`));
    const detaching = await group(sim.asg);
    assert.equal(detaching.Instances?.find((i) => i.InstanceId === keep)?.LifecycleState, 'Detaching');
    assert.equal((await targetOf(sim.elb, sim.outputs['tg.web-tg.arn'] ?? '', keep))?.TargetHealth?.State, 'draining');
    const res2 = await sim.asg.send(
      new DetachInstancesCommand({ AutoScalingGroupName: 'web-asg', InstanceIds: [shrink], ShouldDecrementDesiredCapacity: true }),
    );
    assert.match(res2.Activities?.[0]?.Cause ?? '', /shrinking the capacity from 4 to 3\.$/);
    const { group: after } = await watchGroup(
      sim,
      'both detached and one replacement in service',
      (g) => !(g.Instances ?? []).some((i) => i.InstanceId === keep || i.InstanceId === shrink) && inService(g).length === 3,
    );
    assert.equal(after.DesiredCapacity, 3);
    for (const id of [keep, shrink]) assert.equal((await instance(sim.ec2, id)).State?.Name, 'running', `${id} keeps running`);
    const acts = await activities(sim);
    for (const id of [keep, shrink]) assert.equal(acts.find((a) => a.Description === `Detaching EC2 instance: ${id}`)?.StatusCode, 'Successful');
    const e = await sdkError(
      sim.asg.send(new DetachInstancesCommand({ AutoScalingGroupName: 'web-asg', InstanceIds: [keep], ShouldDecrementDesiredCapacity: true })),
    );
    assert.equal(e.name, 'ValidationError');
    assert.match(e.message, new RegExp(keep));
  });
});
