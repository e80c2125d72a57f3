import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SetDesiredCapacityCommand } from '@aws-sdk/client-auto-scaling';
import { RebootInstancesCommand } from '@aws-sdk/client-ec2';
import { allInstances, group, httpGet, referenceWith, servedBy, startSim, targetHealth, truth, waitFor, type HttpResult, type Sim } from '../support/sim.js';

const SPEED = 100;

function albUrl(sim: Sim): string {
  const url = sim.outputs['alb.web-alb.url'];
  assert.ok(url !== undefined, 'GET /_sim/outputs names the listener URL');
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  return url;
}

async function hits(sim: Sim, n: number, path = '/'): Promise<HttpResult[]> {
  const out: HttpResult[] = [];
  for (let i = 0; i < n; i++) out.push(await httpGet(`${albUrl(sim)}${path}`));
  return out;
}

function tally(results: HttpResult[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of results) {
    const key = servedBy(r) ?? `status ${r.status ?? r.error ?? '?'}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** Four instances over three zones (a gets two), with robust health checks, and cross-zone load balancing on or off. */
function fourInstances(crossZone: boolean) {
  return referenceWith((t) => {
    const lb = t.loadBalancers[0];
    const g = t.autoScalingGroups[0];
    assert.ok(lb !== undefined && g !== undefined);
    lb.crossZone = crossZone;
    Object.assign(lb.targetGroup, { healthCheck: { path: '/health', interval: '30s', timeout: '10s' } });
    Object.assign(g, { min: 1, max: 6, desired: 4 });
  });
}

describe('the ALB listener', () => {
  it('forwards real HTTP to all three instances, round robin', async () => {
    const sim = await startSim({ speed: SPEED });
    try {
      const ids = (await allInstances(sim.ec2)).map((i) => i.InstanceId ?? '').sort();
      const results = await hits(sim, 30);
      assert.ok(
        results.every((r) => r.status === 200),
        JSON.stringify(results.filter((r) => r.status !== 200)),
      );
      const counts = tally(results);
      assert.deepEqual([...counts.keys()].sort(), ids, 'every instance answered, and only instances');
      assert.deepEqual([...counts.values()], [10, 10, 10]);
      // Other paths reach the workload too.
      const health = await httpGet(`${albUrl(sim)}/health`);
      assert.equal(health.status, 200);
      assert.equal(health.body, 'ok\n');
      assert.equal((await httpGet(`${albUrl(sim)}/missing`)).status, 404);
    } finally {
      await sim.close();
    }
  });

  it('with cross-zone load balancing every target gets an equal share; without it every zone does', async () => {
    const on = await startSim({ topology: fourInstances(true), speed: SPEED });
    const off = await startSim({ topology: fourInstances(false), speed: SPEED });
    try {
      for (const sim of [on, off]) {
        const g = await group(sim.asg);
        const perZone = new Map<string, number>();
        for (const i of g.Instances ?? []) perZone.set(i.AvailabilityZone ?? '', (perZone.get(i.AvailabilityZone ?? '') ?? 0) + 1);
        assert.deepEqual([...perZone.values()].sort(), [1, 1, 2], 'two instances in one zone, one in each other');
      }
      const zoneOf = async (sim: Sim): Promise<Map<string, string>> =>
        new Map((await allInstances(sim.ec2)).map((i) => [i.InstanceId ?? '', i.Placement?.AvailabilityZone ?? '']));
      const N = 120;
      const onCounts = tally(await hits(on, N));
      const offCounts = tally(await hits(off, N));
      // Cross-zone: 1/4 of the requests per instance.
      assert.equal(onCounts.size, 4);
      for (const [id, n] of onCounts) assert.ok(Math.abs(n - N / 4) <= 3, `cross-zone: ${id} got ${n} of ${N}`);
      // Without cross-zone: 1/3 per zone, so the two instances of the crowded zone get 1/6 each, the others 1/3.
      assert.equal(offCounts.size, 4);
      const zones = await zoneOf(off);
      const crowded = [...zones.values()].find((z, _i, all) => all.filter((x) => x === z).length === 2);
      for (const [id, n] of offCounts) {
        const expected = zones.get(id) === crowded ? N / 6 : N / 3;
        assert.ok(Math.abs(n - expected) <= 3, `zonal: ${id} in ${zones.get(id) ?? '?'} got ${n} of ${N}, expected about ${expected}`);
      }
    } finally {
      await on.close();
      await off.close();
    }
  });

  it('answers 502 for a target that died before its health checks noticed, then routes around it', async () => {
    const topology = referenceWith((t) => {
      const lb = t.loadBalancers[0];
      const g = t.autoScalingGroups[0];
      assert.ok(lb !== undefined && g !== undefined);
      // Slow health checks (60 s interval × 2 failures), a reboot that does not end, and no replacement by the group.
      Object.assign(lb.targetGroup, { healthCheck: { path: '/health', interval: '60s', timeout: '10s', unhealthyThreshold: 2 } });
      g.healthCheckType = 'EC2';
      t.timings = { instanceReboot: '1h' };
    });
    const sim = await startSim({ topology, speed: SPEED });
    try {
      const [victim] = await allInstances(sim.ec2);
      const id = victim?.InstanceId ?? '';
      await sim.ec2.send(new RebootInstancesCommand({ InstanceIds: [id] }));
      // Round robin over three targets that are all still "healthy": one request in three hits the dead one.
      const results = await hits(sim, 3);
      const bad = results.filter((r) => r.status !== 200);
      assert.equal(bad.length, 1, JSON.stringify(results));
      assert.equal(bad[0]?.status, 502);
      assert.match(bad[0]?.body ?? '', /502 Bad Gateway/);
      assert.ok(!results.some((r) => servedBy(r) === id));
      // Its target still looks healthy to ELBv2 right now: the checks have not failed twice yet.
      assert.equal((await targetHealth(sim.elb, sim.outputs['tg.web-tg.arn'] ?? '')).find((t) => t.Target?.Id === id)?.TargetHealth?.State, 'healthy');
      await waitFor(
        'the dead target to be unhealthy',
        async () => (await targetHealth(sim.elb, sim.outputs['tg.web-tg.arn'] ?? '')).find((t) => t.Target?.Id === id)?.TargetHealth?.State === 'unhealthy',
      );
      const after = await hits(sim, 12);
      assert.ok(
        after.every((r) => r.status === 200),
        JSON.stringify(after.filter((r) => r.status !== 200)),
      );
      assert.equal(tally(after).size, 2);
      assert.ok(!after.some((r) => servedBy(r) === id));
      const capacity = (await truth(sim.endpoint)).filter((e) => e.kind === 'alb-capacity').map((e) => e.to);
      assert.deepEqual(capacity.slice(-2), ['3', '2']);
    } finally {
      await sim.close();
    }
  });

  // https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html : "If a target
  // group contains only unhealthy registered targets, the load balancer routes requests to all those targets".
  it('fails open: when every target is unhealthy it routes to all of them', async () => {
    const topology = referenceWith((t) => {
      const lb = t.loadBalancers[0];
      const g = t.autoScalingGroups[0];
      assert.ok(lb !== undefined && g !== undefined);
      // Health checks on a path the workload does not serve: every check fails with 404, though `/` works.
      Object.assign(lb.targetGroup, { healthCheck: { path: '/missing', interval: '10s', timeout: '5s', unhealthyThreshold: 2 } });
      g.healthCheckType = 'EC2';
    });
    const sim = await startSim({ topology, speed: SPEED, ready: false });
    try {
      const tg = sim.outputs['tg.web-tg.arn'] ?? '';
      const targets = await waitFor('three unhealthy targets', async () => {
        const t = await targetHealth(sim.elb, tg);
        return t.length === 3 && t.every((x) => x.TargetHealth?.State === 'unhealthy') ? t : undefined;
      });
      for (const t of targets) {
        assert.equal(t.TargetHealth?.Reason, 'Target.ResponseCodeMismatch');
        assert.match(t.TargetHealth?.Description ?? '', /\[404\]/);
      }
      const results = await hits(sim, 30);
      assert.ok(
        results.every((r) => r.status === 200),
        JSON.stringify(results.filter((r) => r.status !== 200)),
      );
      assert.deepEqual([...tally(results).keys()].sort(), targets.map((t) => t.Target?.Id).sort());
      const capacity = (await truth(sim.endpoint)).filter((e) => e.kind === 'alb-capacity').map((e) => e.to);
      assert.deepEqual(capacity, ['0'], 'no target was ever healthy');
      const health = (await (await fetch(`${sim.endpoint}/_sim/health`)).json()) as { ready: boolean };
      assert.equal(health.ready, false);
    } finally {
      await sim.close();
    }
  });

  it('answers 503 when the target group has no targets, and serves again once one is healthy', async () => {
    const topology = referenceWith((t) => {
      const g = t.autoScalingGroups[0];
      assert.ok(g !== undefined);
      Object.assign(g, { min: 0, max: 3, desired: 0 });
      // No hosts is the fleet-too-small alarm's ALARM: a region in ALARM is not ready for a run.
      t.alarms = [];
    });
    const sim = await startSim({ topology, speed: SPEED });
    try {
      assert.deepEqual(await targetHealth(sim.elb, sim.outputs['tg.web-tg.arn'] ?? ''), []);
      const empty = await httpGet(albUrl(sim));
      assert.equal(empty.status, 503);
      assert.match(empty.body ?? '', /503 Service Temporarily Unavailable/);
      await sim.asg.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'web-asg', DesiredCapacity: 1 }));
      const id = await waitFor(
        'a healthy target',
        async () => (await targetHealth(sim.elb, sim.outputs['tg.web-tg.arn'] ?? '')).find((t) => t.TargetHealth?.State === 'healthy')?.Target?.Id,
      );
      assert.equal(servedBy(await httpGet(albUrl(sim))), id);
      // Scaling back to zero drains the only target: no routable target, 503 again.
      await sim.asg.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'web-asg', DesiredCapacity: 0 }));
      assert.equal((await targetHealth(sim.elb, sim.outputs['tg.web-tg.arn'] ?? ''))[0]?.TargetHealth?.State, 'draining');
      assert.equal((await httpGet(albUrl(sim))).status, 503);
    } finally {
      await sim.close();
    }
  });
});
