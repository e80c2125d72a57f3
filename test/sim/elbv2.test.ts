import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RebootInstancesCommand, StartInstancesCommand, StopInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import {
  AddTagsCommand,
  DeregisterTargetsCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeTagsCommand,
  DescribeTargetGroupAttributesCommand,
  ModifyLoadBalancerAttributesCommand,
  ModifyTargetGroupAttributesCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  RegisterTargetsCommand,
  type TargetHealthDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { TruthEvent } from '../../src/sim/ground-truth.js';
import {
  allInstances,
  group,
  httpGet,
  instance,
  referenceWith,
  sdkError,
  startSim,
  targetHealth,
  targetOf,
  truth,
  waitFor,
  workloadUrl,
  type Sim,
} from '../support/sim.js';

const SPEED = 100;
const FAKE_TG = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/nope/0123456789abcdef';
const FAKE_LB = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/nope/0123456789abcdef';

/** A region whose Auto Scaling group does not check its instances during the test, so stopped ones stay stopped. */
const quietGroup = referenceWith((t) => {
  t.timings = { asgHealthCheckPeriod: '1h' };
});

function tgArn(sim: Sim): string {
  const arn = sim.outputs['tg.web-tg.arn'];
  assert.ok(arn !== undefined);
  return arn;
}

/** Polls one target's health, remembering every (state, reason) seen, until `done`. */
async function watchTarget(
  sim: Sim,
  id: string,
  what: string,
  done: (t: TargetHealthDescription | undefined) => boolean,
  timeoutMs = 10_000,
): Promise<{ last: TargetHealthDescription | undefined; seen: string[] }> {
  const seen: string[] = [];
  const last = await waitFor(
    what,
    async () => {
      const t = await targetOf(sim.elb, tgArn(sim), id);
      const label = t === undefined ? 'gone' : `${t.TargetHealth?.State ?? '?'}/${t.TargetHealth?.Reason ?? '-'}`;
      if (seen.at(-1) !== label) seen.push(label);
      return done(t) ? { t } : undefined;
    },
    { timeoutMs, intervalMs: 10 },
  );
  return { last: last.t, seen };
}

function healthEvents(events: TruthEvent[], id: string): TruthEvent[] {
  return events.filter((e) => e.kind === 'target-health' && e.resource === `web-tg/${id}`);
}

describe('ELBv2 describe calls', () => {
  it('DescribeLoadBalancers, DescribeTargetGroups, DescribeListeners and DescribeTargetHealth have the shapes of AWS', async () => {
    const sim = await startSim({ speed: SPEED });
    try {
      const lbs = (await sim.elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? [];
      assert.equal(lbs.length, 1);
      const lb = lbs[0];
      assert.ok(lb !== undefined);
      assert.equal(lb.LoadBalancerName, 'web-alb');
      assert.equal(lb.LoadBalancerArn, sim.outputs['alb.web-alb.arn']);
      assert.match(lb.LoadBalancerArn ?? '', /^arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer\/app\/web-alb\/[0-9a-f]{16}$/);
      assert.equal(lb.DNSName, sim.outputs['alb.web-alb.dnsName']);
      assert.match(lb.DNSName ?? '', /^web-alb-\d+\.us-east-1\.elb\.amazonaws\.com$/);
      assert.equal(lb.Type, 'application');
      assert.equal(lb.Scheme, 'internet-facing');
      assert.equal(lb.State?.Code, 'active');
      assert.equal(lb.IpAddressType, 'ipv4');
      assert.ok(lb.CreatedTime instanceof Date);
      assert.deepEqual(
        lb.AvailabilityZones?.map((z) => z.ZoneName),
        ['us-east-1a', 'us-east-1b', 'us-east-1c'],
      );
      const instances = await allInstances(sim.ec2);
      assert.equal(lb.VpcId, instances[0]?.VpcId);
      // Each zone of the load balancer is in the subnet of that zone's instance.
      for (const z of lb.AvailabilityZones ?? []) {
        assert.equal(z.SubnetId, instances.find((i) => i.Placement?.AvailabilityZone === z.ZoneName)?.SubnetId);
      }
      // By name and by ARN.
      assert.equal((await sim.elb.send(new DescribeLoadBalancersCommand({ Names: ['web-alb'] }))).LoadBalancers?.[0]?.LoadBalancerArn, lb.LoadBalancerArn);
      assert.equal((await sim.elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [lb.LoadBalancerArn ?? ''] }))).LoadBalancers?.length, 1);

      const tgs = (await sim.elb.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: lb.LoadBalancerArn }))).TargetGroups ?? [];
      assert.equal(tgs.length, 1);
      const tg = tgs[0];
      assert.ok(tg !== undefined);
      assert.equal(tg.TargetGroupName, 'web-tg');
      assert.equal(tg.TargetGroupArn, tgArn(sim));
      assert.match(tg.TargetGroupArn ?? '', /^arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup\/web-tg\/[0-9a-f]{16}$/);
      assert.equal(tg.Protocol, 'HTTP');
      assert.equal(tg.Port, 8080);
      assert.equal(tg.VpcId, lb.VpcId);
      assert.equal(tg.TargetType, 'instance');
      assert.equal(tg.HealthCheckProtocol, 'HTTP');
      assert.equal(tg.HealthCheckPort, 'traffic-port');
      assert.equal(tg.HealthCheckEnabled, true);
      assert.equal(tg.HealthCheckPath, '/health');
      // ALB defaults (AWS-FACTS §4): 30 s interval, 5 s timeout, 5 healthy, 2 unhealthy, matcher 200.
      assert.equal(tg.HealthCheckIntervalSeconds, 30);
      assert.equal(tg.HealthCheckTimeoutSeconds, 5);
      assert.equal(tg.HealthyThresholdCount, 5);
      assert.equal(tg.UnhealthyThresholdCount, 2);
      assert.equal(tg.Matcher?.HttpCode, '200');
      assert.deepEqual(tg.LoadBalancerArns, [lb.LoadBalancerArn]);
      assert.equal((await sim.elb.send(new DescribeTargetGroupsCommand({ Names: ['web-tg'] }))).TargetGroups?.[0]?.TargetGroupArn, tg.TargetGroupArn);

      const listeners = (await sim.elb.send(new DescribeListenersCommand({ LoadBalancerArn: lb.LoadBalancerArn }))).Listeners ?? [];
      assert.equal(listeners.length, 1);
      assert.equal(listeners[0]?.Protocol, 'HTTP');
      assert.deepEqual(
        listeners[0]?.DefaultActions?.map((a) => [a.Type, a.TargetGroupArn]),
        [['forward', tg.TargetGroupArn]],
      );

      const health = await targetHealth(sim.elb, tgArn(sim));
      assert.equal(health.length, 3);
      const members = (await group(sim.asg)).Instances ?? [];
      assert.deepEqual(health.map((h) => h.Target?.Id).sort(), members.map((m) => m.InstanceId).sort());
      for (const h of health) {
        assert.equal(h.TargetHealth?.State, 'healthy');
        assert.equal(h.TargetHealth?.Reason, undefined);
        assert.equal(h.Target?.Port, 8080);
        assert.equal(h.HealthCheckPort, '8080');
        assert.equal(h.Target?.AvailabilityZone, members.find((m) => m.InstanceId === h.Target?.Id)?.AvailabilityZone);
      }
      // Asking about an instance that is not registered answers unused / Target.NotRegistered.
      const other = await sim.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tgArn(sim), Targets: [{ Id: 'i-0123456789abcdef0' }] }));
      assert.equal(other.TargetHealthDescriptions?.[0]?.TargetHealth?.State, 'unused');
      assert.equal(other.TargetHealthDescriptions?.[0]?.TargetHealth?.Reason, 'Target.NotRegistered');
    } finally {
      await sim.close();
    }
  });
});

describe('ELBv2 target health', () => {
  // https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html : a target
  // registered while its instance still boots fails its first checks (UnhealthyThresholdCount of them make it
  // unhealthy), and an unhealthy target needs HealthyThresholdCount consecutive passes to be healthy.
  it('a new group instance is registered as initial at running, fails its checks while it boots, then needs the healthy threshold', async () => {
    const sim = await startSim({ speed: SPEED });
    try {
      const before = new Set((await group(sim.asg)).Instances?.map((i) => i.InstanceId));
      const [victim] = await allInstances(sim.ec2);
      await sim.ec2.send(new TerminateInstancesCommand({ InstanceIds: [victim?.InstanceId ?? ''] }));
      const fresh = await waitFor(
        'a replacement in the group',
        async () => (await group(sim.asg)).Instances?.find((i) => !before.has(i.InstanceId))?.InstanceId,
      );
      const { last } = await watchTarget(sim, fresh, 'the new target to be healthy', (t) => t?.TargetHealth?.State === 'healthy', 20_000);
      assert.equal(last?.Target?.AvailabilityZone, victim?.Placement?.AvailabilityZone);
      const events = healthEvents(await truth(sim.endpoint), fresh);
      assert.deepEqual(
        events.map((e) => [e.from, e.to, e.detail?.reason]),
        [
          [undefined, 'initial', 'Elb.RegistrationInProgress'],
          ['initial', 'unhealthy', 'Target.FailedHealthChecks'],
          ['unhealthy', 'healthy', undefined],
        ],
      );
      // Registration follows the instance reaching running (InService).
      const running = (await truth(sim.endpoint)).find((e) => e.kind === 'instance-state' && e.resource === fresh && e.to === 'running');
      assert.ok(running !== undefined && running.seq < (events[0]?.seq ?? 0));
      // Five passing checks, 30 s apart: at least four intervals (120 s AWS) from unhealthy to healthy.
      const [, unhealthy, healthy] = events as [TruthEvent, TruthEvent, TruthEvent];
      const aws = (healthy.epochMs - unhealthy.epochMs) * SPEED;
      assert.ok(aws >= 0.8 * 4 * 30_000, `unhealthy → healthy took ${(aws / 1000).toFixed(0)} s AWS`);
    } finally {
      await sim.close();
    }
  });

  it('a stopped instance is unused (Target.InvalidState); started again it goes initial, boots, and turns healthy', async () => {
    const sim = await startSim({ topology: quietGroup, speed: SPEED });
    try {
      const [victim] = await allInstances(sim.ec2);
      const id = victim?.InstanceId ?? '';
      await sim.ec2.send(new StopInstancesCommand({ InstanceIds: [id] }));
      const stopped = await targetOf(sim.elb, tgArn(sim), id);
      assert.equal(stopped?.TargetHealth?.State, 'unused');
      assert.equal(stopped?.TargetHealth?.Reason, 'Target.InvalidState');
      assert.equal(stopped?.TargetHealth?.Description, 'Target is in the stopped state');
      await waitFor('the instance to be stopped', async () => (await instance(sim.ec2, id)).State?.Name === 'stopped');
      assert.equal((await targetOf(sim.elb, tgArn(sim), id))?.TargetHealth?.State, 'unused');
      const since = (await truth(sim.endpoint)).length;
      await sim.ec2.send(new StartInstancesCommand({ InstanceIds: [id] }));
      await watchTarget(sim, id, 'the restarted target to be healthy', (t) => t?.TargetHealth?.State === 'healthy', 20_000);
      const events = healthEvents(await truth(sim.endpoint, since), id);
      // Running again, it is checked at once; its OS and application are still starting, so it fails first.
      assert.deepEqual(
        events.map((e) => [e.from, e.to, e.detail?.reason]),
        [
          ['unused', 'initial', 'Elb.InitialHealthChecking'],
          ['initial', 'unhealthy', 'Target.FailedHealthChecks'],
          ['unhealthy', 'healthy', undefined],
        ],
      );
    } finally {
      await sim.close();
    }
  });

  it('a terminated group instance is draining (Target.DeregistrationInProgress), then gone after the deregistration delay', async () => {
    const topology = referenceWith((t) => {
      const lb = t.loadBalancers[0];
      assert.ok(lb !== undefined);
      Object.assign(lb.targetGroup, { deregistrationDelay: '60s' });
    });
    const sim = await startSim({ topology, speed: SPEED });
    try {
      const [victim] = await allInstances(sim.ec2);
      const id = victim?.InstanceId ?? '';
      await sim.ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
      const { seen } = await watchTarget(sim, id, 'the target to be gone', (t) => t === undefined);
      assert.ok(seen.includes('draining/Target.DeregistrationInProgress'), `states seen: ${seen.join(' → ')}`);
      assert.equal(seen.at(-1), 'gone');
      const events = healthEvents(await truth(sim.endpoint), id);
      const draining = events.find((e) => e.to === 'draining');
      assert.ok(draining !== undefined);
      assert.equal(draining.detail?.reason, 'Target.DeregistrationInProgress');
      // Asked by id once gone, the target is not registered.
      const res = await sim.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tgArn(sim), Targets: [{ Id: id }] }));
      assert.equal(res.TargetHealthDescriptions?.[0]?.TargetHealth?.Reason, 'Target.NotRegistered');
    } finally {
      await sim.close();
    }
  });

  it('a target whose workload fails turns unhealthy after the unhealthy threshold and healthy again after the healthy threshold', async () => {
    const intervalAws = 10_000;
    const topology = referenceWith((t) => {
      const lb = t.loadBalancers[0];
      const g = t.autoScalingGroups[0];
      assert.ok(lb !== undefined && g !== undefined);
      Object.assign(lb.targetGroup, { healthCheck: { path: '/health', interval: '10s', timeout: '5s', healthyThreshold: 3, unhealthyThreshold: 2 } });
      // EC2 health checks: the group does not replace an instance its target group calls unhealthy.
      g.healthCheckType = 'EC2';
      t.timings = { instanceReboot: '60s' };
    });
    const speed = 50;
    const sim = await startSim({ topology, speed });
    const interval = intervalAws / speed;
    try {
      const tg = (await sim.elb.send(new DescribeTargetGroupsCommand({ Names: ['web-tg'] }))).TargetGroups?.[0];
      assert.equal(tg?.HealthCheckIntervalSeconds, 10);
      assert.equal(tg?.HealthyThresholdCount, 3);
      const [victim] = await allInstances(sim.ec2);
      const id = victim?.InstanceId ?? '';
      const url = workloadUrl(victim ?? {}, (await targetOf(sim.elb, tgArn(sim), id))?.Target?.Port, '/health');
      const since = (await truth(sim.endpoint)).length;
      const rebootedAt = Date.now();
      await sim.ec2.send(new RebootInstancesCommand({ InstanceIds: [id] }));
      const down = await watchTarget(sim, id, 'the target to be unhealthy', (t) => t?.TargetHealth?.State === 'unhealthy');
      assert.equal(down.last?.TargetHealth?.Reason, 'Target.FailedHealthChecks');
      assert.deepEqual(down.seen, ['healthy/-', 'unhealthy/Target.FailedHealthChecks']);
      // The instance is still running for EC2; only its workload is down.
      assert.equal((await instance(sim.ec2, id)).State?.Name, 'running');
      const upAt = await waitFor('the workload to answer after the reboot', async () => ((await httpGet(url, 500)).status === 200 ? Date.now() : undefined), {
        intervalMs: 5,
      });
      const up = await watchTarget(sim, id, 'the target to be healthy again', (t) => t?.TargetHealth?.State === 'healthy');
      assert.deepEqual(up.seen, ['unhealthy/Target.FailedHealthChecks', 'healthy/-']);

      const events = healthEvents(await truth(sim.endpoint, since), id);
      assert.deepEqual(
        events.map((e) => [e.from, e.to]),
        [
          ['healthy', 'unhealthy'],
          ['unhealthy', 'healthy'],
        ],
      );
      const [unhealthy, healthy] = events as [TruthEvent, TruthEvent];
      // Two failed checks one interval apart: at least one interval after the reboot, at most about three.
      const detect = unhealthy.epochMs - rebootedAt;
      assert.ok(detect >= 0.8 * interval && detect <= 3 * interval + 300, `unhealthy ${detect.toFixed(0)}ms after the reboot (interval ${interval}ms)`);
      // Three passing checks: at least two intervals after the workload came back.
      const recover = healthy.epochMs - upAt;
      assert.ok(
        recover >= 0.8 * 2 * interval && recover <= 4 * interval + 300,
        `healthy ${recover.toFixed(0)}ms after the workload came back (interval ${interval}ms)`,
      );
      // The load balancer's capacity dipped to 2 and came back to 3.
      const capacity = (await truth(sim.endpoint, since)).filter((e) => e.kind === 'alb-capacity').map((e) => e.to);
      assert.deepEqual(capacity, ['2', '3']);
    } finally {
      await sim.close();
    }
  });

  it('DeregisterTargets drains a target; RegisterTargets brings it back through initial to healthy', async () => {
    const sim = await startSim({ speed: SPEED });
    try {
      const [victim] = await allInstances(sim.ec2);
      const id = victim?.InstanceId ?? '';
      await sim.elb.send(new DeregisterTargetsCommand({ TargetGroupArn: tgArn(sim), Targets: [{ Id: id }] }));
      const draining = await targetOf(sim.elb, tgArn(sim), id);
      assert.equal(draining?.TargetHealth?.State, 'draining');
      assert.equal(draining?.TargetHealth?.Reason, 'Target.DeregistrationInProgress');
      await sim.elb.send(new RegisterTargetsCommand({ TargetGroupArn: tgArn(sim), Targets: [{ Id: id }] }));
      await watchTarget(sim, id, 'the re-registered target to be healthy', (t) => t?.TargetHealth?.State === 'healthy');
      const events = healthEvents(await truth(sim.endpoint), id).map((e) => e.to);
      assert.deepEqual(events.slice(-3), ['draining', 'initial', 'healthy']);
      // Registering a target that is already registered is a no-op.
      await sim.elb.send(new RegisterTargetsCommand({ TargetGroupArn: tgArn(sim), Targets: [{ Id: id }] }));
      assert.equal((await targetOf(sim.elb, tgArn(sim), id))?.TargetHealth?.State, 'healthy');
      assert.equal((await targetHealth(sim.elb, tgArn(sim))).length, 3);
    } finally {
      await sim.close();
    }
  });
});

describe('ELBv2 errors', () => {
  it('unknown load balancers and target groups raise LoadBalancerNotFoundException and TargetGroupNotFoundException', async () => {
    const sim = await startSim({ speed: SPEED });
    try {
      const cases: [string, Promise<unknown>, string][] = [
        ['lb by name', sim.elb.send(new DescribeLoadBalancersCommand({ Names: ['nope'] })), 'LoadBalancerNotFoundException'],
        ['lb by arn', sim.elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [FAKE_LB] })), 'LoadBalancerNotFoundException'],
        ['tgs of unknown lb', sim.elb.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: FAKE_LB })), 'LoadBalancerNotFoundException'],
        ['listeners of unknown lb', sim.elb.send(new DescribeListenersCommand({ LoadBalancerArn: FAKE_LB })), 'LoadBalancerNotFoundException'],
        ['tg by name', sim.elb.send(new DescribeTargetGroupsCommand({ Names: ['nope'] })), 'TargetGroupNotFoundException'],
        ['tg by arn', sim.elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [FAKE_TG] })), 'TargetGroupNotFoundException'],
        ['health of unknown tg', sim.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: FAKE_TG })), 'TargetGroupNotFoundException'],
        [
          'register in unknown tg',
          sim.elb.send(new RegisterTargetsCommand({ TargetGroupArn: FAKE_TG, Targets: [{ Id: 'i-0123456789abcdef0' }] })),
          'TargetGroupNotFoundException',
        ],
      ];
      for (const [label, call, name] of cases) {
        const e = await sdkError(call);
        assert.equal(e.name, name, label);
        assert.equal(e.$fault, 'client', label);
        assert.equal(e.$metadata?.httpStatusCode, 400, label);
      }
    } finally {
      await sim.close();
    }
  });

  it('registering an instance that is not running, or does not exist, raises InvalidTargetException', async () => {
    const topology = referenceWith((t) => {
      t.timings = { asgHealthCheckPeriod: '1h', instanceShuttingDown: '10s' };
    });
    const sim = await startSim({ topology, speed: SPEED });
    try {
      const [victim, other] = await allInstances(sim.ec2);
      const id = victim?.InstanceId ?? '';
      await sim.ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
      await waitFor('the instance to be terminated', async () => (await instance(sim.ec2, id)).State?.Name === 'terminated');
      for (const [label, targets] of [
        ['terminated', [{ Id: id }]],
        ['unknown', [{ Id: 'i-0123456789abcdef0' }]],
        ['one bad among good', [{ Id: other?.InstanceId ?? '' }, { Id: id }]],
      ] as const) {
        const e = await sdkError(sim.elb.send(new RegisterTargetsCommand({ TargetGroupArn: tgArn(sim), Targets: [...targets] })));
        assert.equal(e.name, 'InvalidTargetException', label);
        assert.equal(e.$fault, 'client', label);
        assert.equal(e.$metadata?.httpStatusCode, 400, label);
      }
      const t = await targetOf(sim.elb, tgArn(sim), id);
      // Still listed as unused (its instance is terminated) or draining, never registered again.
      assert.ok(
        t === undefined || t.TargetHealth?.State === 'draining' || (t.TargetHealth?.State === 'unused' && t.TargetHealth.Reason === 'Target.InvalidState'),
        `the terminated instance was not registered again (${t?.TargetHealth?.State ?? '-'})`,
      );
    } finally {
      await sim.close();
    }
  });
});

/**
 * Target group and load balancer attributes, as the API reference lists them
 * (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetGroupAttribute.html,
 * https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_LoadBalancerAttribute.html), the drain that
 * follows the deregistration delay, and tags (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DescribeTags.html).
 */
describe('ELBv2 attributes and tags', () => {
  let sim: Sim;
  before(async () => {
    sim = await startSim({ topology: quietGroup, speed: SPEED });
  });
  after(async () => {
    await sim.close();
  });

  const tgAttributes = async (): Promise<Record<string, string>> =>
    Object.fromEntries(
      ((await sim.elb.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: tgArn(sim) }))).Attributes ?? []).map((a) => [a.Key, a.Value]),
    );

  it('target group attributes: AWS defaults, ranges checked, and the drain lasts the deregistration delay', async () => {
    const defaults = await tgAttributes();
    assert.equal(defaults['deregistration_delay.timeout_seconds'], '300');
    assert.equal(defaults['stickiness.enabled'], 'false');
    assert.equal(defaults['stickiness.type'], 'lb_cookie');
    assert.equal(defaults['load_balancing.algorithm.type'], 'round_robin');
    assert.equal(defaults['slow_start.duration_seconds'], '0');

    for (const [Key, Value] of [
      ['deregistration_delay.timeout_seconds', '3601'],
      ['slow_start.duration_seconds', '10'],
      ['stickiness.type', 'source_ip'],
      ['load_balancing.algorithm.type', 'fastest'],
      ['no.such.attribute', '1'],
    ] as const) {
      const e = await sdkError(
        sim.elb.send(
          new ModifyTargetGroupAttributesCommand({
            TargetGroupArn: tgArn(sim),
            Attributes: [
              { Key: 'stickiness.enabled', Value: 'true' },
              { Key, Value },
            ],
          }),
        ),
      );
      assert.equal(e.name, 'InvalidConfigurationRequestException', `${Key}=${Value}`);
      assert.equal(e.$metadata?.httpStatusCode, 400);
    }
    assert.deepEqual(await tgAttributes(), defaults, 'a rejected call changes nothing');

    const res = await sim.elb.send(
      new ModifyTargetGroupAttributesCommand({
        TargetGroupArn: tgArn(sim),
        Attributes: [
          { Key: 'deregistration_delay.timeout_seconds', Value: '60' },
          { Key: 'stickiness.enabled', Value: 'true' },
          { Key: 'slow_start.duration_seconds', Value: '30' },
          { Key: 'load_balancing.algorithm.type', Value: 'least_outstanding_requests' },
        ],
      }),
    );
    const modified = Object.fromEntries((res.Attributes ?? []).map((a) => [a.Key, a.Value]));
    assert.equal(modified['deregistration_delay.timeout_seconds'], '60');
    assert.equal(modified['load_balancing.algorithm.type'], 'least_outstanding_requests');
    assert.deepEqual(await tgAttributes(), modified);

    // The drain follows the new delay: 60 s (0.6 s here), not the default 300 s (3 s).
    const id = (await targetHealth(sim.elb, tgArn(sim)))[0]?.Target?.Id ?? '';
    const since = (await truth(sim.endpoint)).length;
    await sim.elb.send(new DeregisterTargetsCommand({ TargetGroupArn: tgArn(sim), Targets: [{ Id: id }] }));
    await waitFor('the target to finish draining', async () => (await targetOf(sim.elb, tgArn(sim), id)) === undefined, { timeoutMs: sim.wall(300_000) });
    const drained = (await truth(sim.endpoint)).slice(since).find((e) => e.resource === `web-tg/${id}` && e.to === 'draining');
    assert.ok(drained !== undefined);
    const took = Date.now() - drained.epochMs;
    assert.ok(took >= sim.wall(60_000) * 0.95 && took < sim.wall(300_000), `drained after ${took} ms`);
    await sim.elb.send(new RegisterTargetsCommand({ TargetGroupArn: tgArn(sim), Targets: [{ Id: id }] }));
  });

  it('load balancer attributes: ALB defaults; the idle timeout is checked and kept; cross-zone cannot be turned off', async () => {
    const lbArn = sim.outputs['alb.web-alb.arn'] ?? '';
    const read = async (): Promise<Record<string, string>> =>
      Object.fromEntries(
        ((await sim.elb.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: lbArn }))).Attributes ?? []).map((a) => [a.Key, a.Value]),
      );
    const attrs = await read();
    assert.equal(attrs['idle_timeout.timeout_seconds'], '60');
    assert.equal(attrs['load_balancing.cross_zone.enabled'], 'true');
    assert.equal(attrs['deletion_protection.enabled'], 'false');
    assert.equal(attrs['routing.http2.enabled'], 'true');
    for (const [Key, Value] of [
      ['idle_timeout.timeout_seconds', '4001'],
      ['load_balancing.cross_zone.enabled', 'false'],
    ] as const) {
      const e = await sdkError(sim.elb.send(new ModifyLoadBalancerAttributesCommand({ LoadBalancerArn: lbArn, Attributes: [{ Key, Value }] })));
      assert.equal(e.name, 'InvalidConfigurationRequestException', `${Key}=${Value}`);
    }
    await sim.elb.send(
      new ModifyLoadBalancerAttributesCommand({
        LoadBalancerArn: lbArn,
        Attributes: [
          { Key: 'idle_timeout.timeout_seconds', Value: '120' },
          { Key: 'deletion_protection.enabled', Value: 'true' },
        ],
      }),
    );
    const after = await read();
    assert.equal(after['idle_timeout.timeout_seconds'], '120');
    assert.equal(after['deletion_protection.enabled'], 'true');
    const e = await sdkError(sim.elb.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: FAKE_LB })));
    assert.equal(e.name, 'LoadBalancerNotFoundException');
  });

  it('AddTags and DescribeTags on a load balancer and a target group, by ARN', async () => {
    const lbArn = sim.outputs['alb.web-alb.arn'] ?? '';
    await sim.elb.send(new AddTagsCommand({ ResourceArns: [lbArn, tgArn(sim)], Tags: [{ Key: 'team', Value: 'web' }] }));
    const res = await sim.elb.send(new DescribeTagsCommand({ ResourceArns: [lbArn, tgArn(sim)] }));
    assert.deepEqual(
      res.TagDescriptions?.map((d) => [d.ResourceArn, d.Tags?.map((t) => `${t.Key}=${t.Value}`)]),
      [
        [lbArn, ['team=web']],
        [tgArn(sim), ['team=web']],
      ],
    );
    assert.equal((await sdkError(sim.elb.send(new DescribeTagsCommand({ ResourceArns: [FAKE_LB] })))).name, 'LoadBalancerNotFoundException');
    assert.equal((await sdkError(sim.elb.send(new DescribeTagsCommand({ ResourceArns: [FAKE_TG] })))).name, 'TargetGroupNotFoundException');
    assert.equal((await sdkError(sim.elb.send(new DescribeTagsCommand({ ResourceArns: Array.from({ length: 21 }, () => lbArn) })))).name, 'ValidationError');
  });
});
