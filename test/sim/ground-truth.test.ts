import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DescribeAutoScalingGroupsCommand, SetDesiredCapacityCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { TruthEvent } from '../../src/sim/ground-truth.js';
import { allInstances, requestLog, sdkError, startSim, truth, waitForEvent } from '../support/sim.js';

const KINDS = ['instance-state', 'target-health', 'alb-capacity', 'asg-activity'];
/** The reference architecture's alarm may have been evaluated by the time the region is ready. */
const MAYBE = ['alarm-state'];

function index(events: TruthEvent[], match: (e: TruthEvent) => boolean, what: string): number {
  const i = events.findIndex(match);
  assert.ok(i >= 0, `no event for ${what}`);
  return i;
}

describe('ground truth: GET /_sim/events', () => {
  it('records the start of the region: instances, group activities, target health and ALB capacity, in order, with epochMs', async () => {
    const startedAt = Date.now();
    const sim = await startSim({ speed: 100 });
    try {
      const events = await truth(sim.endpoint);
      const finishedAt = Date.now();
      assert.deepEqual(
        events.map((e) => e.seq),
        events.map((_e, i) => i + 1),
        'sequence numbers count from 1',
      );
      for (const [i, e] of events.entries()) {
        assert.ok(KINDS.includes(e.kind) || MAYBE.includes(e.kind), e.kind);
        assert.equal(typeof e.epochMs, 'number');
        assert.ok(e.epochMs >= startedAt - 5 && e.epochMs <= finishedAt + 5, `event ${e.seq} at ${e.epochMs}`);
        if (i > 0) assert.ok(e.epochMs >= (events[i - 1] as TruthEvent).epochMs, 'time does not go backwards');
        assert.equal(typeof e.resource, 'string');
        assert.equal(typeof e.to, 'string');
      }
      assert.deepEqual([...new Set(events.map((e) => e.kind))].filter((k) => !MAYBE.includes(k)).sort(), [...KINDS].sort());
      // A boot-time ALARM (too few healthy hosts yet) is over when the region is ready.
      assert.notEqual(events.filter((e) => e.kind === 'alarm-state').at(-1)?.to, 'ALARM');
      const ids = (await allInstances(sim.ec2)).map((i) => i.InstanceId ?? '');
      for (const id of ids) {
        const own = events.filter((e) => e.kind === 'instance-state' && e.resource === id).map((e) => e.to);
        assert.deepEqual(own, ['pending', 'running']);
        const lifecycle = events.filter((e) => e.resource === `web-asg/${id}`).map((e) => e.to);
        assert.deepEqual(lifecycle, ['Pending', 'InService']);
        const health = events.filter((e) => e.resource === `web-tg/${id}`).map((e) => e.to);
        assert.deepEqual(health, ['initial', 'healthy']);
        const zone = events.find((e) => e.kind === 'instance-state' && e.resource === id)?.detail?.zone;
        assert.match(String(zone), /^us-east-1[abc]$/);
      }
      assert.deepEqual(
        events.filter((e) => e.kind === 'alb-capacity').map((e) => e.to),
        ['0', '1', '2', '3'],
      );
      const activities = events.filter((e) => e.kind === 'asg-activity');
      assert.equal(activities.filter((e) => e.to === 'InProgress').length, 3);
      assert.equal(activities.filter((e) => e.to === 'Successful').length, 3);
      // ?since=N returns the events after N.
      const tail = await truth(sim.endpoint, events.length - 2);
      assert.deepEqual(tail, events.slice(-2));
      assert.deepEqual(await truth(sim.endpoint, events.length), []);
      // The other control paths.
      const outputs = (await (await fetch(`${sim.endpoint}/_sim/outputs`)).json()) as { outputs: Record<string, string>; speed: number; ready: boolean };
      assert.equal(outputs.speed, 100);
      assert.equal(outputs.ready, true);
      assert.equal(outputs.outputs['region.endpoint'], sim.endpoint);
      assert.equal(outputs.outputs['region.name'], 'us-east-1');
      assert.equal(outputs.outputs['asg.web-asg.name'], 'web-asg');
      assert.equal((await fetch(`${sim.endpoint}/_sim/nope`)).status, 404);
    } finally {
      await sim.close();
    }
  });

  it('after a terminate: shutting-down → terminated, ALB capacity 3 → 2 → 3, the replacement InService', async () => {
    const sim = await startSim({ speed: 50 });
    try {
      const since = (await truth(sim.endpoint)).length;
      const [victim] = await allInstances(sim.ec2);
      const id = victim?.InstanceId ?? '';
      const terminatedAt = Date.now();
      await sim.ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
      await waitForEvent(sim.endpoint, 'the victim terminated', (e) => e.kind === 'instance-state' && e.resource === id && e.to === 'terminated');
      await waitForEvent(sim.endpoint, 'capacity back to 3', (e) => e.seq > since && e.kind === 'alb-capacity' && e.to === '3');
      const events = await truth(sim.endpoint, since);
      const victimStates = events.filter((e) => e.kind === 'instance-state' && e.resource === id).map((e) => [e.from, e.to]);
      assert.deepEqual(victimStates, [
        ['running', 'shutting-down'],
        ['shutting-down', 'terminated'],
      ]);
      // The victim's first change comes after the call (other events, such as alarm evaluations, may come before).
      assert.ok((events.find((e) => e.resource === id)?.epochMs ?? 0) >= terminatedAt - 5);
      assert.deepEqual(
        events.filter((e) => e.resource === `web-asg/${id}`).map((e) => [e.from, e.to]),
        [
          ['InService', 'Terminating'],
          ['Terminating', 'Terminated'],
        ],
      );
      assert.deepEqual(
        events.filter((e) => e.kind === 'alb-capacity').map((e) => [e.from, e.to]),
        [
          ['3', '2'],
          ['2', '3'],
        ],
      );
      const pending = events.find((e) => e.kind === 'instance-state' && e.to === 'Pending' && e.resource.startsWith('web-asg/'));
      assert.ok(pending !== undefined, 'a replacement was launched');
      const fresh = pending.resource.slice('web-asg/'.length);
      const at = {
        shuttingDown: index(events, (e) => e.resource === id && e.to === 'shutting-down', 'shutting-down'),
        capacity2: index(events, (e) => e.kind === 'alb-capacity' && e.to === '2', 'capacity 2'),
        pending: index(events, (e) => e.resource === `web-asg/${fresh}` && e.to === 'Pending', 'Pending'),
        running: index(events, (e) => e.resource === fresh && e.to === 'running', 'running'),
        inService: index(events, (e) => e.resource === `web-asg/${fresh}` && e.to === 'InService', 'InService'),
        healthy: index(events, (e) => e.resource === `web-tg/${fresh}` && e.to === 'healthy', 'healthy'),
        capacity3: index(events, (e) => e.kind === 'alb-capacity' && e.to === '3', 'capacity 3'),
      };
      const order = Object.entries(at)
        .sort((a, b) => a[1] - b[1])
        .map(([k]) => k);
      assert.deepEqual(order, ['shuttingDown', 'capacity2', 'pending', 'running', 'inService', 'healthy', 'capacity3']);
      // The group's activities are in the record too.
      const activities = events.filter((e) => e.kind === 'asg-activity').map((e) => `${String(e.detail?.description)}:${e.to}`);
      assert.ok(activities.includes(`Terminating EC2 instance: ${id}:InProgress`));
      assert.ok(activities.includes(`Terminating EC2 instance: ${id}:Successful`));
      assert.ok(activities.includes(`Launching a new EC2 instance: ${fresh}:InProgress`));
      assert.ok(activities.includes(`Launching a new EC2 instance: ${fresh}:Successful`));
      // The victim's target drained.
      assert.ok(events.some((e) => e.resource === `web-tg/${id}` && e.to === 'draining' && e.detail?.reason === 'Target.DeregistrationInProgress'));
    } finally {
      await sim.close();
    }
  });
});

describe('GET /_sim/requests', () => {
  it('lists every API call the region answered, with service, action, status and error code', async () => {
    const sim = await startSim({ speed: 100 });
    try {
      const before = await requestLog(sim.endpoint);
      assert.deepEqual(before, [], 'control paths are not API calls');
      const t0 = Date.now();
      await sim.ec2.send(new DescribeInstancesCommand({}));
      await sdkError(sim.ec2.send(new TerminateInstancesCommand({ InstanceIds: ['i-0123456789abcdef0'] })));
      await sim.asg.send(new DescribeAutoScalingGroupsCommand({}));
      await sdkError(sim.asg.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'web-asg', DesiredCapacity: 99 })));
      await sim.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: sim.outputs['tg.web-tg.arn'] }));
      await sim.sts.send(new GetCallerIdentityCommand({}));
      const log = await requestLog(sim.endpoint);
      assert.deepEqual(
        log.map(({ service, action, status, errorCode }) => ({ service, action, status, errorCode })),
        [
          { service: 'ec2', action: 'DescribeInstances', status: 200, errorCode: undefined },
          { service: 'ec2', action: 'TerminateInstances', status: 400, errorCode: 'InvalidInstanceID.NotFound' },
          { service: 'autoscaling', action: 'DescribeAutoScalingGroups', status: 200, errorCode: undefined },
          { service: 'autoscaling', action: 'SetDesiredCapacity', status: 400, errorCode: 'ValidationError' },
          { service: 'elasticloadbalancing', action: 'DescribeTargetHealth', status: 200, errorCode: undefined },
          { service: 'sts', action: 'GetCallerIdentity', status: 200, errorCode: undefined },
        ],
      );
      for (const r of log) assert.ok(r.epochMs >= t0 - 5 && r.epochMs <= Date.now() + 5);
    } finally {
      await sim.close();
    }
  });
});
