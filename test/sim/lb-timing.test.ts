import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DescribeScalingActivitiesCommand, TerminateInstanceInAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { RebootInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import type { TruthEvent } from '../../src/sim/ground-truth.js';
import { allInstances, group, httpGet, instance, referenceWith, servedBy, startSim, targetOf, truth, waitFor, workloadUrl, type Sim } from '../support/sim.js';

/**
 * How long the load balancer and Auto Scaling take, in AWS time (wall ms × speed), against what AWS documents:
 * - https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-troubleshooting.html :
 *   504 when "the load balancer failed to establish a connection to the target before the connection timeout expired
 *   (10 seconds)" or when the target "did not respond before the idle timeout period elapsed"; 502 when "the load
 *   balancer received a TCP RST from the target when attempting to establish a connection".
 * - https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html : an unhealthy
 *   target needs HealthyThresholdCount (default 5) consecutive successes, 30 s apart by default.
 * - https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetHealth.html : Target.InvalidState,
 *   "The target is in the stopped or terminated state".
 * - https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_LoadBalancerTargetGroupState.html : "Elastic Load
 *   Balancing waits for in-flight requests to complete before deregistering the instances"; the deregistration delay
 *   defaults to 300 s (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-target-group-attributes.html#deregistration-delay).
 * - https://docs.aws.amazon.com/autoscaling/ec2/userguide/replace-unhealthy-instance.html : "While the instance is
 *   terminating, another scaling activity launches a new instance."
 */

const TG = 'tg.web-tg.arn';

/** One instance behind the load balancer, which its group leaves alone during the test. */
const single = referenceWith((t) => {
  const g = t.autoScalingGroups[0];
  assert.ok(g !== undefined);
  Object.assign(g, { min: 1, max: 1, desired: 1, healthCheckType: 'EC2' });
  t.timings = { asgHealthCheckPeriod: '1h' };
});

/** Starts the one-instance region; its alarm on the healthy host count keeps `/_sim/health` from ever saying ready. */
async function startSingle(speed: number): Promise<{ sim: Sim; id: string }> {
  const sim = await startSim({ topology: single, speed, ready: false });
  const id = await waitFor('the only target to be healthy', async () => {
    const [only] = await allInstances(sim.ec2);
    const t = await targetOf(sim.elb, sim.outputs[TG] ?? '', only?.InstanceId ?? '');
    return t?.TargetHealth?.State === 'healthy' ? only?.InstanceId : undefined;
  });
  return { sim, id };
}

function albUrl(sim: Sim): string {
  const url = sim.outputs['alb.web-alb.url'];
  assert.ok(url !== undefined);
  return url;
}

async function failWorkload(sim: Sim, id: string, mode: 'refuse' | 'hang' | 'blackhole'): Promise<void> {
  const res = await fetch(`${sim.endpoint}/_sim/instances/${id}/workload?mode=${mode}`, { method: 'POST' });
  assert.equal(res.status, 200, await res.text());
}

/** One GET through the load balancer, with how long it took in AWS ms. */
async function timedGet(sim: Sim, timeoutMs: number): Promise<{ status: number | undefined; body: string; aws: number }> {
  const start = performance.now();
  const r = await httpGet(albUrl(sim), timeoutMs);
  return { status: r.status, body: r.body ?? r.error ?? '', aws: (performance.now() - start) * sim.speed };
}

describe('load balancer timeouts, at the region speed', () => {
  it('a black-holed target answers 504 after the 10 s connect timeout; a silent one after the 60 s idle timeout; a refusing one 502', async () => {
    const { sim, id } = await startSingle(100);
    try {
      assert.equal(servedBy(await httpGet(albUrl(sim))), id);

      await failWorkload(sim, id, 'blackhole');
      const blackholed = await timedGet(sim, 10_000);
      assert.equal(blackholed.status, 504, blackholed.body);
      assert.match(blackholed.body, /504 Gateway Time-out/);
      // 10 s AWS is 100 ms wall at 100×; well under the idle timeout, and nowhere near 60 s of wall time.
      assert.ok(blackholed.aws >= 0.8 * 10_000 && blackholed.aws < 40_000, `504 after ${(blackholed.aws / 1000).toFixed(1)} s AWS`);

      await fetch(`${sim.endpoint}/_sim/instances/${id}/workload?mode=up`, { method: 'POST' });
      await failWorkload(sim, id, 'hang');
      const silent = await timedGet(sim, 10_000);
      assert.equal(silent.status, 504, silent.body);
      assert.ok(silent.aws >= 0.8 * 60_000 && silent.aws < 3 * 60_000, `504 after ${(silent.aws / 1000).toFixed(1)} s AWS`);

      await fetch(`${sim.endpoint}/_sim/instances/${id}/workload?mode=up`, { method: 'POST' });
      await failWorkload(sim, id, 'refuse');
      const refused = await timedGet(sim, 10_000);
      assert.equal(refused.status, 502, refused.body);
      assert.match(refused.body, /502 Bad Gateway/);
      assert.ok(refused.aws < 10_000, `502 after ${(refused.aws / 1000).toFixed(1)} s AWS, before any timeout`);
    } finally {
      await sim.close();
    }
  });

  it('a black-holed target fails its health checks with Target.Timeout, and the lone target is still tried (fail open)', async () => {
    const { sim, id } = await startSingle(200);
    try {
      await failWorkload(sim, id, 'blackhole');
      const t = await waitFor('the target to be unhealthy', async () => {
        const x = await targetOf(sim.elb, sim.outputs[TG] ?? '', id);
        return x?.TargetHealth?.State === 'unhealthy' ? x : undefined;
      });
      assert.equal(t.TargetHealth?.Reason, 'Target.Timeout');
      assert.equal(t.TargetHealth?.Description, 'Request timed out');
      // No healthy target: the load balancer routes to the unhealthy one rather than answering 503.
      assert.equal((await timedGet(sim, 5_000)).status, 504);
    } finally {
      await sim.close();
    }
  });
});

describe('target health timings', () => {
  it('a rebooted target needs the default 5 passing checks, 30 s apart, to turn healthy again', async () => {
    const speed = 200;
    const topology = referenceWith((t) => {
      const g = t.autoScalingGroups[0];
      assert.ok(g !== undefined);
      g.healthCheckType = 'EC2';
      t.timings = { asgHealthCheckPeriod: '1h' };
    });
    const sim = await startSim({ topology, speed });
    try {
      const tg = sim.outputs[TG] ?? '';
      const [victim] = await allInstances(sim.ec2);
      const id = victim?.InstanceId ?? '';
      const url = workloadUrl(victim ?? {}, (await targetOf(sim.elb, tg, id))?.Target?.Port);
      await sim.ec2.send(new RebootInstancesCommand({ InstanceIds: [id] }));
      await waitFor('the target to be unhealthy', async () => (await targetOf(sim.elb, tg, id))?.TargetHealth?.State === 'unhealthy', { timeoutMs: 5_000 });
      const upAt = await waitFor('the workload to answer after the reboot', async () => ((await httpGet(url, 500)).status === 200 ? Date.now() : undefined), {
        timeoutMs: 10_000,
        intervalMs: 5,
      });
      const healthyAt = await waitFor(
        'the target to be healthy',
        async () => ((await targetOf(sim.elb, tg, id))?.TargetHealth?.State === 'healthy' ? Date.now() : undefined),
        {
          timeoutMs: 10_000,
          intervalMs: 5,
        },
      );
      // The first of five passes can follow the workload at once; four more intervals of 30 s follow it.
      const aws = (healthyAt - upAt) * speed;
      assert.ok(aws >= 0.8 * 4 * 30_000, `healthy ${(aws / 1000).toFixed(0)} s AWS after the workload answered again`);
      assert.ok(aws <= 6 * 30_000 + 20_000, `healthy ${(aws / 1000).toFixed(0)} s AWS after the workload answered again`);
    } finally {
      await sim.close();
    }
  });

  it('a shutting-down instance is unused (Target.InvalidState) and gets no new request', async () => {
    const topology = referenceWith((t) => {
      t.timings = { asgHealthCheckPeriod: '1h', instanceShuttingDown: '10m' };
    });
    const sim = await startSim({ topology, speed: 100 });
    try {
      const [victim] = await allInstances(sim.ec2);
      const id = victim?.InstanceId ?? '';
      await sim.ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
      assert.equal((await instance(sim.ec2, id)).State?.Name, 'shutting-down');
      const t = await targetOf(sim.elb, sim.outputs[TG] ?? '', id);
      assert.equal(t?.TargetHealth?.State, 'unused');
      assert.equal(t?.TargetHealth?.Reason, 'Target.InvalidState');
      assert.equal(t?.TargetHealth?.Description, 'Target is in the terminated state');
      const results = [];
      for (let i = 0; i < 12; i++) results.push(await httpGet(albUrl(sim)));
      assert.ok(
        results.every((r) => r.status === 200 && servedBy(r) !== id),
        JSON.stringify(results.map((r) => r.status)),
      );
      assert.equal((await instance(sim.ec2, id)).State?.Name, 'shutting-down', 'the whole check ran while it was shutting down');
    } finally {
      await sim.close();
    }
  });
});

describe('Auto Scaling drains before it terminates', () => {
  it('TerminateInstanceInAutoScalingGroup drains the target for the 300 s deregistration delay before shutting-down, and launches the replacement meanwhile', async () => {
    const speed = 200;
    const topology = referenceWith((t) => {
      const g = t.autoScalingGroups[0];
      assert.ok(g !== undefined);
      g.healthCheckType = 'EC2';
    });
    const sim = await startSim({ topology, speed });
    try {
      const tg = sim.outputs[TG] ?? '';
      const before = new Set((await group(sim.asg)).Instances?.map((i) => i.InstanceId));
      const [victim] = await allInstances(sim.ec2);
      const id = victim?.InstanceId ?? '';
      const res = await sim.asg.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: id, ShouldDecrementDesiredCapacity: false }));
      assert.equal(res.Activity?.StatusCode, 'InProgress');
      const waiting = (await sim.asg.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'web-asg' }))).Activities?.find(
        (a) => a.ActivityId === res.Activity?.ActivityId,
      );
      assert.equal(waiting?.StatusCode, 'WaitingForELBConnectionDraining');

      const draining = await targetOf(sim.elb, tg, id);
      assert.equal(draining?.TargetHealth?.State, 'draining');
      assert.equal(draining?.TargetHealth?.Reason, 'Target.DeregistrationInProgress');
      assert.equal((await group(sim.asg)).Instances?.find((i) => i.InstanceId === id)?.LifecycleState, 'Terminating');
      assert.equal((await instance(sim.ec2, id)).State?.Name, 'running', 'still running while it drains');
      // A draining target gets no new request.
      for (let i = 0; i < 6; i++) assert.notEqual(servedBy(await httpGet(albUrl(sim))), id);
      // The replacement is launched while the victim drains.
      const fresh = await waitFor(
        'a replacement in the group',
        async () => (await group(sim.asg)).Instances?.find((i) => !before.has(i.InstanceId))?.InstanceId,
      );
      assert.equal((await instance(sim.ec2, id)).State?.Name, 'running');

      await waitFor('the victim to shut down', async () => (await instance(sim.ec2, id)).State?.Name !== 'running', { timeoutMs: 10_000 });
      const events = await truth(sim.endpoint);
      const drainedAt = events.find((e) => e.kind === 'target-health' && e.resource === `web-tg/${id}` && e.to === 'draining') as TruthEvent;
      const shutAt = events.find((e) => e.kind === 'instance-state' && e.resource === id && e.to === 'shutting-down') as TruthEvent;
      assert.ok(drainedAt !== undefined && shutAt !== undefined);
      const aws = (shutAt.epochMs - drainedAt.epochMs) * speed;
      assert.ok(aws >= 0.8 * 300_000 && aws <= 1.5 * 300_000, `shutting-down ${(aws / 1000).toFixed(0)} s AWS after draining began`);
      const launched = events.find((e) => e.kind === 'instance-state' && e.resource === fresh && e.to === 'pending') as TruthEvent;
      assert.ok(launched !== undefined && launched.seq < shutAt.seq, 'the replacement launched before the victim shut down');

      const acts = (await sim.asg.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'web-asg' }))).Activities ?? [];
      const terminating = acts.find((a) => a.Description === `Terminating EC2 instance: ${id}`);
      assert.ok(terminating?.StatusCode === 'InProgress' || terminating?.StatusCode === 'Successful', terminating?.StatusCode);
    } finally {
      await sim.close();
    }
  });
});
