import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DescribeAvailabilityZonesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeLoadBalancersCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { ListHostedZonesCommand, Route53Client } from '@aws-sdk/client-route-53';
import { parseTemplateYaml } from '../../src/sim/cloudformation/template-yaml.js';
import { parseTopology } from '../../src/sim/topology.js';
import { awsCli } from '../support/aws-cli.js';
import { ROOT } from '../support/cli.js';
import { allInstances, CREDENTIALS, resolveThrough, sdkError, startSim, truth, waitFor, type Sim } from '../support/sim.js';

/**
 * A world of two Regions at one endpoint (experiments/topologies/two-regions.yaml): each regional call is served by
 * the Region its SigV4 scope names (https://docs.aws.amazon.com/general/latest/gr/rande.html), Route 53 is global
 * (https://docs.aws.amazon.com/general/latest/gr/r53.html) and its failover pair aliases a load balancer of each
 * Region (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resource-record-sets-choosing-alias-non-alias.html).
 * A Region outage darkens every zone of one Region and no other: Regions are isolated from each other
 * (https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/regions.html).
 */
const SPEED = 40;
const REGIONS = ['us-east-1', 'eu-central-1'] as const;

async function control(sim: Sim, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${sim.endpoint}${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('a simulated world of two Regions', () => {
  let sim: Sim;
  const clients: Record<string, { ec2: EC2Client; elb: ElasticLoadBalancingV2Client; route53: Route53Client; rds: RDSClient }> = {};
  const config = (region: string) => ({ endpoint: sim.endpoint, region, credentials: CREDENTIALS, maxAttempts: 1 });

  before(async () => {
    // The example, with a database in eu-central-1 whose endpoint the world's one DNS must answer.
    const example = parseTemplateYaml(await readFile(join(ROOT, 'experiments/topologies/two-regions.yaml'), 'utf8')) as { regions: Record<string, unknown>[] };
    const eu = example.regions[0] ?? assert.fail('the example has eu-central-1');
    const topology = parseTopology({ ...example, regions: [{ ...eu, databases: [{ id: 'orders-euc1', multiAZ: false }] }] }, 'two-regions.yaml');
    sim = await startSim({ topology, speed: SPEED, seed: 19, readyTimeoutMs: 20_000 });
    for (const region of REGIONS)
      clients[region] = {
        ec2: new EC2Client(config(region)),
        elb: new ElasticLoadBalancingV2Client(config(region)),
        route53: new Route53Client(config(region)),
        rds: new RDSClient(config(region)),
      };
  });
  after(async () => {
    for (const c of Object.values(clients)) {
      c.ec2.destroy();
      c.elb.destroy();
      c.route53.destroy();
      c.rds.destroy();
    }
    await sim?.close();
  });

  it('serves each Region its own zones, instances and load balancers', async () => {
    const seen = new Set<string>();
    for (const region of REGIONS) {
      const c = clients[region] ?? assert.fail(region);
      const zones = (await c.ec2.send(new DescribeAvailabilityZonesCommand({}))).AvailabilityZones ?? [];
      assert.deepEqual(
        zones.map((z) => [z.ZoneName, z.RegionName]),
        ['a', 'b', 'c'].map((s) => [`${region}${s}`, region]),
      );
      const instances = (await allInstances(c.ec2)).filter((i) => i.State?.Name === 'running');
      assert.equal(instances.length, 3, `three running instances in ${region}`);
      for (const i of instances) {
        assert.ok(i.Placement?.AvailabilityZone?.startsWith(region), `${i.InstanceId} is in ${region}`);
        assert.ok(!seen.has(i.InstanceId ?? ''), 'no instance is listed by two Regions');
        seen.add(i.InstanceId ?? '');
      }
      const lbs = (await c.elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? [];
      const name = region === 'us-east-1' ? 'web-use1' : 'web-euc1';
      assert.deepEqual(
        lbs.map((lb) => lb.LoadBalancerName),
        [name],
      );
      assert.match(lbs[0]?.DNSName ?? '', new RegExp(`\\.${region}\\.elb\\.amazonaws\\.com$`));
      assert.match(lbs[0]?.LoadBalancerArn ?? '', new RegExp(`^arn:aws:elasticloadbalancing:${region}:`));
    }
    assert.equal(sim.outputs['region.names'], 'us-east-1,eu-central-1');
    assert.equal(sim.outputs['region.eu-central-1.zones'], 'eu-central-1a,eu-central-1b,eu-central-1c');
    assert.equal(sim.outputs['alb.web-euc1.region'], 'eu-central-1');
    assert.equal(sim.outputs['asg.web-use1-asg.region'], 'us-east-1');
    const events = await truth(sim.endpoint);
    for (const region of REGIONS)
      assert.ok(
        events.some((e) => e.region === region && e.kind === 'instance-state'),
        `ground truth names ${region}`,
      );
  });

  it("keeps a database in its Region, and answers its endpoint from the world's one DNS server", async () => {
    const dbs = async (region: string) =>
      ((await clients[region]?.rds.send(new DescribeDBInstancesCommand({})))?.DBInstances ?? []).map((d) => d.DBInstanceIdentifier);
    assert.deepEqual(await dbs('eu-central-1'), ['orders-euc1']);
    assert.deepEqual(await dbs('us-east-1'), []);
    const endpoint = sim.outputs['rds.orders-euc1.endpoint'] ?? '';
    assert.match(endpoint, /\.eu-central-1\.rds\.amazonaws\.com$/);
    assert.equal(sim.outputs['rds.orders-euc1.region'], 'eu-central-1');
    const answers = await resolveThrough(sim.outputs['dns.server'] ?? '', endpoint);
    assert.deepEqual(
      answers.map((a) => a.address),
      [sim.outputs['rds.orders-euc1.address']],
    );
  });

  it('answers Route 53 from a client of either Region, and refuses a Region the world lacks', async () => {
    for (const region of REGIONS) {
      const zones = (await clients[region]?.route53.send(new ListHostedZonesCommand({})))?.HostedZones ?? [];
      assert.deepEqual(
        zones.map((z) => z.Name),
        ['example.com.'],
        `Route 53 through a ${region} client`,
      );
    }
    const elsewhere = new EC2Client(config('ap-south-1'));
    try {
      const error = await sdkError(elsewhere.send(new DescribeAvailabilityZonesCommand({})));
      assert.equal(error.name, 'SignatureDoesNotMatch');
      assert.equal(error.$metadata?.httpStatusCode, 403);
      assert.match(error.message, /scoped to a valid region, not 'ap-south-1'/);
    } finally {
      elsewhere.destroy();
    }
  });

  it('answers each Region through the AWS CLI, waiters included', async () => {
    for (const region of REGIONS) {
      const zones = (await awsCli(sim.endpoint, region).json('ec2', 'describe-availability-zones', '--region', region)).AvailabilityZones as {
        ZoneName: string;
      }[];
      assert.deepEqual(
        zones.map((z) => z.ZoneName),
        ['a', 'b', 'c'].map((s) => `${region}${s}`),
      );
    }
    const eu = awsCli(sim.endpoint, 'eu-central-1');
    const reservations = (await eu.json('ec2', 'describe-instances', '--region', 'eu-central-1')).Reservations as { Instances: { InstanceId: string }[] }[];
    const ids = reservations.flatMap((r) => r.Instances.map((i) => i.InstanceId));
    assert.equal(ids.length, 3);
    const waited = await eu.raw('ec2', 'wait', 'instance-running', '--region', 'eu-central-1', '--instance-ids', ...ids);
    assert.equal(waited.code, 0, waited.stderr);
    // The same ids are not eu-central-1's to a client of us-east-1.
    assert.match(
      await awsCli(sim.endpoint).fails('ec2', 'describe-instances', '--region', 'us-east-1', '--instance-ids', ids[0] ?? ''),
      /InvalidInstanceID\.NotFound/,
    );
  });

  it('fails app.example.com over to eu-central-1 when us-east-1 goes dark, and back when it returns', async () => {
    const dns = sim.outputs['dns.server'] ?? assert.fail('dns.server');
    const app = async (): Promise<string | undefined> => (await resolveThrough(dns, 'app.example.com'))[0]?.address;
    const primary = (await resolveThrough(dns, sim.outputs['alb.web-use1.dnsName'] ?? ''))[0]?.address;
    const secondary = (await resolveThrough(dns, sim.outputs['alb.web-euc1.dnsName'] ?? ''))[0]?.address;
    assert.ok(primary !== undefined && secondary !== undefined && primary !== secondary, 'each ALB has its own address');
    assert.equal(await app(), primary, 'the primary answers while us-east-1 is healthy');

    assert.equal((await control(sim, 'POST', '/_sim/regions/ap-south-1/impair', {})).status, 404);
    const impaired = await control(sim, 'POST', '/_sim/regions/us-east-1/impair', {});
    assert.equal(impaired.status, 200);
    const regions = (await control(sim, 'GET', '/_sim/regions')).json.regions as { region: string; zones: { zone: string; power: boolean }[] }[];
    assert.deepEqual(
      regions.map((r) => [r.region, r.zones.map((z) => z.power)]),
      [
        ['us-east-1', [false, false, false]],
        ['eu-central-1', [true, true, true]],
      ],
    );
    await waitFor('app.example.com to answer the eu-central-1 ALB', async () => (await app()) === secondary, { timeoutMs: 15_000, intervalMs: 50 });
    assert.equal((await control(sim, 'GET', '/_sim/health')).json.ready, false, 'a dark Region is not steady');

    assert.equal((await control(sim, 'DELETE', '/_sim/regions/us-east-1/impair')).status, 200);
    await waitFor('app.example.com to answer the us-east-1 ALB again', async () => (await app()) === primary, { timeoutMs: 20_000, intervalMs: 50 });
  });
});
