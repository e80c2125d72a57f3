import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DescribeScalingActivitiesCommand, type Activity } from '@aws-sdk/client-auto-scaling';
import { TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { RDSClient, RebootDBInstanceCommand } from '@aws-sdk/client-rds';
import type { TruthEvent } from '../../src/sim/ground-truth.js';
import { loadTopology } from '../../src/sim/topology.js';
import { ROOT } from '../support/cli.js';
import { allInstances, group, httpGet, resolveThrough, sdkError, startSim, truth, waitFor, waitForEvent, type Sim } from '../support/sim.js';

/**
 * An Availability Zone as a failure domain, impaired through the control API on the reference topology with its
 * database tier. Sources:
 * - ELB DNS answers a node's address only while its zone is healthy: https://repost.aws/knowledge-center/elb-dns-cross-zone-balance-configuration
 * - ICE in a zone, and launching into another zone instead (balanced-best-effort): https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_AvailabilityZoneDistribution.html
 * - AZRebalance launches first, then terminates: https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-availability-zone-balanced.html
 * - Multi-AZ DB instance automatic failover, 60–120 s: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.MultiAZ.Failover.html
 * - Multi-AZ DB cluster failover: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/multi-az-db-clusters-concepts-failover.html
 */

const SPEED = 150;
const ZONE = 'us-east-1a';

async function control(sim: Sim, method: 'POST' | 'DELETE' | 'GET', path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${sim.endpoint}${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function activities(sim: Sim): Promise<Activity[]> {
  return (await sim.asg.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'web-asg' }))).Activities ?? [];
}

/** AWS ms between two ground-truth events at the region's speed. */
const awsBetween = (sim: Sim, from: TruthEvent, to: TruthEvent): number => (to.epochMs - from.epochMs) * sim.speed;

async function referenceWithDatabase(): Promise<Sim> {
  const topology = await loadTopology(join(ROOT, 'experiments/topologies/web-and-database.yaml'));
  return startSim({ topology, speed: SPEED, seed: 16, readyTimeoutMs: 30_000 });
}

describe('an Availability Zone as a failure domain (control API)', () => {
  it('zone a dark: the site answers from b and c once a is out of DNS; replacements land in b/c with a Failed activity for a; the databases fail over by themselves; restored, the group rebalances into a', async () => {
    const sim = await referenceWithDatabase();
    try {
      const dns = sim.outputs['dns.server'] ?? '';
      const lbName = sim.outputs['alb.web-alb.dnsName'] ?? '';
      const port = sim.outputs['alb.web-alb.port'] ?? '';
      const before = await resolveThrough(dns, lbName);
      assert.equal(before.length, 3, 'one address per enabled zone');
      assert.ok(
        before.every((a) => a.ttl === 60),
        'the load balancer name has a 60 s TTL',
      );
      for (const { address } of before) assert.equal((await httpGet(`http://${address}:${port}/health`)).status, 200, `node ${address} serves`);
      const nodeA = sim.outputs['alb.web-alb.address'] ?? '';
      assert.ok(
        before.some((a) => a.address === nodeA),
        'the first zone’s node listens on the load balancer’s address',
      );

      const bad = await control(sim, 'POST', '/_sim/zones/us-east-1z/impair', {});
      assert.equal(bad.status, 404);
      assert.match(String(bad.json.message), /us-east-1z.*not an Availability Zone/);
      assert.equal((await control(sim, 'POST', `/_sim/zones/${ZONE}/impair`, { power: 'yes' })).status, 400);

      const seq = (await truth(sim.endpoint)).length;
      const impaired = await control(sim, 'POST', `/_sim/zones/${ZONE}/impair`, {});
      assert.equal(impaired.status, 200);
      const zones = (await control(sim, 'GET', '/_sim/zones')).json.zones as { zone: string; power: boolean; connectivity: boolean; capacity: boolean }[];
      assert.deepEqual(
        zones.find((z) => z.zone === ZONE),
        { zone: ZONE, power: false, connectivity: false, capacity: false },
      );
      const dark = await waitForEvent(
        sim.endpoint,
        'zone a loses power',
        (e) => e.seq > seq && e.kind === 'zone' && e.resource === ZONE && e.detail?.fault === 'power',
      );

      // The node in a hangs (no answer, no reset) until ELB takes it out of DNS.
      assert.equal((await httpGet(`http://${nodeA}:${port}/health`, 300)).error, 'ETIMEDOUT', 'the impaired zone’s node hangs');
      await waitFor('zone a’s node out of DNS', async () => !(await resolveThrough(dns, lbName)).some((a) => a.address === nodeA), { timeoutMs: 10_000 });
      const left = await resolveThrough(dns, lbName);
      assert.equal(left.length, 2);
      for (const { address } of left) assert.equal((await httpGet(`http://${address}:${port}/health`)).status, 200, `node ${address} keeps serving`);

      // Instances in a stop; the group replaces them in b or c, and records the failed launch into a.
      const failed = await waitFor('a Failed launch into zone a', async () =>
        (await activities(sim)).find((a) => a.StatusCode === 'Failed' && (a.StatusMessage ?? '').includes(`(${ZONE})`)),
      );
      assert.match(
        failed.StatusMessage ?? '',
        /^We currently do not have sufficient t3\.micro capacity in the Availability Zone you requested \(us-east-1a\)\./,
      );
      assert.match(failed.Description ?? '', /Launching EC2 instance failed\.$/);
      await waitFor(
        'three InService instances outside zone a',
        async () => {
          const g = await group(sim.asg);
          const live = (g.Instances ?? []).filter((i) => i.LifecycleState === 'InService');
          return live.length === 3 && live.every((i) => i.AvailabilityZone !== ZONE);
        },
        { timeoutMs: 20_000 },
      );
      const inA = (await allInstances(sim.ec2)).filter((i) => i.Placement?.AvailabilityZone === ZONE);
      assert.ok(
        inA.every((i) => ['stopping', 'stopped', 'shutting-down', 'terminated'].includes(i.State?.Name ?? '')),
        'nothing runs in zone a',
      );

      // The Multi-AZ DB instance fails over by itself, no sooner than 60 s of AWS time after the zone went dark.
      const served = await waitForEvent(
        sim.endpoint,
        'orders-db serving again',
        (e) => e.seq > seq && e.kind === 'workload' && e.resource === 'rds/orders-db' && e.to === 'serving',
        10_000,
      );
      assert.equal(served.detail?.zone, 'us-east-1b', 'the standby in b is the primary');
      assert.ok(awsBetween(sim, dark, served) >= 60_000, `failover took ${awsBetween(sim, dark, served)} ms of AWS time`);
      // The cluster promotes a reader outside a.
      const writer = await waitForEvent(
        sim.endpoint,
        'ledger-cluster serving again',
        (e) => e.seq > seq && e.kind === 'workload' && e.resource === 'rds/ledger-cluster' && e.to === 'serving',
      );
      assert.notEqual(writer.detail?.zone, ZONE);
      assert.ok(awsBetween(sim, dark, writer) >= 25_000);

      // The standby is now in the dark zone: a failover is refused rather than promoting an unreachable node.
      const rds = new RDSClient({ region: 'us-east-1', endpoint: sim.endpoint, credentials: { accessKeyId: 'A', secretAccessKey: 'b' }, maxAttempts: 1 });
      try {
        const refused = await sdkError(rds.send(new RebootDBInstanceCommand({ DBInstanceIdentifier: 'orders-db', ForceFailover: true })));
        assert.match(refused.name, /^InvalidDBInstanceState/);
        assert.match(refused.message, /standby in us-east-1a is unavailable/);
      } finally {
        rds.destroy();
      }

      // Restored: a is back in DNS, and AZRebalance launches into a first, then terminates from the fullest zone.
      const restoredAt = (await truth(sim.endpoint)).length;
      assert.equal((await control(sim, 'DELETE', `/_sim/zones/${ZONE}/impair`)).status, 200);
      await waitFor('zone a’s node back in DNS', async () => (await resolveThrough(dns, lbName)).some((a) => a.address === nodeA), { timeoutMs: 10_000 });
      await waitFor(
        'one InService instance per zone',
        async () => {
          const g = await group(sim.asg);
          const live = (g.Instances ?? []).filter((i) => i.LifecycleState === 'InService');
          return live.length === 3 && new Set(live.map((i) => i.AvailabilityZone)).size === 3;
        },
        { timeoutMs: 20_000 },
      );
      const rebalance = (await activities(sim)).filter((a) => /AZRebalance/.test(a.Cause ?? ''));
      const launched = rebalance.find((a) => a.Description?.startsWith('Launching'));
      const terminated = rebalance.find((a) => a.Description?.startsWith('Terminating'));
      assert.ok(launched !== undefined && terminated !== undefined, JSON.stringify(rebalance));
      assert.ok((launched.StartTime?.getTime() ?? 0) <= (terminated.StartTime?.getTime() ?? 0), 'launch first, then terminate');
      const since = (await truth(sim.endpoint, restoredAt)).filter((e) => e.kind === 'zone' && e.resource === ZONE);
      assert.deepEqual(new Set(since.map((e) => e.detail?.fault)), new Set(['power', 'connectivity', 'capacity']));
    } finally {
      await sim.close();
    }
  });

  it('an instance that boots inside a disrupted subnet hangs too, and answers once it is restored', async () => {
    const sim = await referenceWithDatabase();
    try {
      // Connectivity only: instances keep running and hang; the group (ELB checks, 300 s grace) replaces nothing at once.
      const seq = (await truth(sim.endpoint)).length;
      assert.equal((await control(sim, 'POST', `/_sim/zones/${ZONE}/impair`, { power: false, capacity: false })).status, 200);
      const [inA] = (await allInstances(sim.ec2)).filter((i) => i.Placement?.AvailabilityZone === ZONE && i.State?.Name === 'running');
      assert.ok(inA?.InstanceId !== undefined && inA.PrivateIpAddress !== undefined);
      assert.equal((await httpGet(`http://${inA.PrivateIpAddress}:8080/health`, 300)).error, 'ETIMEDOUT', 'the running instance in a hangs');
      // Terminate it: the group launches its replacement into a (the emptiest zone), which boots inside the dark subnet.
      await sim.ec2.send(new TerminateInstancesCommand({ InstanceIds: [inA.InstanceId] }));
      const launched = await waitForEvent(
        sim.endpoint,
        'a replacement launched into a',
        (e) => e.seq > seq && e.kind === 'instance-state' && e.from === undefined && e.detail?.zone === ZONE,
        5_000,
      );
      // Its OS boots and its application starts, inside the dark subnet: it hangs.
      const booted = await waitForEvent(sim.endpoint, 'the replacement to boot', (e) => e.kind === 'workload' && e.resource === launched.resource, 10_000);
      assert.equal(booted.to, 'hanging');
      const [fresh] = await allInstances(sim.ec2, { InstanceIds: [launched.resource] });
      const url = `http://${fresh?.PrivateIpAddress}:8080/health`;
      assert.equal((await httpGet(url, 300)).error, 'ETIMEDOUT', 'booted inside the dark subnet, it hangs');
      assert.equal((await control(sim, 'DELETE', `/_sim/zones/${ZONE}/impair`)).status, 200);
      await waitFor('the instance answers once the subnet is restored', async () => (await httpGet(url, 300)).status === 200, { timeoutMs: 5_000 });
      const kinds = (await truth(sim.endpoint, seq)).filter((e) => e.kind === 'subnet-connectivity').map((e) => e.to);
      assert.deepEqual(kinds, ['disrupted', 'restored']);
    } finally {
      await sim.close();
    }
  });
});
