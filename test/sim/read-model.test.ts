import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DescribeAutoScalingGroupsCommand, DescribeAutoScalingInstancesCommand, DescribeInstanceRefreshesCommand } from '@aws-sdk/client-auto-scaling';
import {
  DescribeAvailabilityZonesCommand,
  DescribeInstancesCommand,
  DescribeInternetGatewaysCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  DescribeNatGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  type Instance,
} from '@aws-sdk/client-ec2';
import { DescribeLoadBalancersCommand, DescribeTargetGroupsCommand, DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeDBInstancesCommand, DescribeDBSubnetGroupsCommand, RDSClient } from '@aws-sdk/client-rds';
import { parseTopology } from '../../src/sim/topology.js';
import { CREDENTIALS, startSim, waitFor, type Sim } from '../support/sim.js';

/**
 * What the account reader reads beyond the running fleet, declared in a topology and read back through the SDK:
 * launch template versions and drift, load balancer zones, a standalone instance, NAT gateways and routes, DB subnet
 * groups, suspended processes, instance refreshes.
 */
const TOPOLOGY = {
  availabilityZones: ['a', 'b', 'c'],
  launchTemplates: [{ name: 'web-lt', imageId: 'ami-0aaaaaaaaaaaaaaa1', versions: [{ imageId: 'ami-0bbbbbbbbbbbbbbb2' }, { instanceType: 't3.small' }] }],
  loadBalancers: [{ name: 'web-alb', availabilityZones: ['a', 'b'], targetGroup: { name: 'web-tg' } }],
  autoScalingGroups: [
    {
      name: 'web-asg',
      launchTemplate: 'web-lt',
      launchTemplateVersion: '$Latest',
      min: 3,
      max: 6,
      desired: 3,
      driftedInstances: 1,
      availabilityZones: ['a', 'b'],
      targetGroups: ['web-tg'],
      suspendedProcesses: ['AZRebalance', 'ReplaceUnhealthy'],
    },
  ],
  instances: [{ name: 'pet', launchTemplate: 'web-lt', availabilityZone: 'c', targetGroups: ['web-tg'] }],
  natGateways: [{ name: 'nat-a', availabilityZone: 'a' }],
  databases: [{ id: 'orders', multiAZ: false, availabilityZone: 'a', subnetGroupZones: ['a'] }],
};

const tag = (i: Instance, key: string): string | undefined => i.Tags?.find((t) => t.Key === key)?.Value;

describe('sim: what the account reader reads', () => {
  let sim: Sim;
  let rds: RDSClient;
  before(async () => {
    sim = await startSim({ topology: parseTopology(TOPOLOGY, 'test topology'), speed: 20, readyTimeoutMs: 30_000 });
    rds = new RDSClient({ endpoint: sim.endpoint, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
  });
  after(async () => {
    rds?.destroy();
    await sim?.close();
  });

  it('serves launch template versions, default and latest', async () => {
    const { LaunchTemplates } = await sim.ec2.send(new DescribeLaunchTemplatesCommand({}));
    assert.equal(LaunchTemplates?.length, 1);
    assert.equal(LaunchTemplates?.[0]?.DefaultVersionNumber, 1);
    assert.equal(LaunchTemplates?.[0]?.LatestVersionNumber, 3);
    const id = LaunchTemplates?.[0]?.LaunchTemplateId;
    const { LaunchTemplateVersions } = await sim.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: id }));
    assert.deepEqual(
      LaunchTemplateVersions?.map((v) => [v.VersionNumber, v.DefaultVersion, v.LaunchTemplateData?.ImageId, v.LaunchTemplateData?.InstanceType]),
      [
        [1, true, 'ami-0aaaaaaaaaaaaaaa1', 't3.micro'],
        [2, false, 'ami-0bbbbbbbbbbbbbbb2', 't3.micro'],
        [3, false, 'ami-0bbbbbbbbbbbbbbb2', 't3.small'],
      ],
    );
    const latest = await sim.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: 'web-lt', Versions: ['$Latest'] }));
    assert.deepEqual(
      latest.LaunchTemplateVersions?.map((v) => v.VersionNumber),
      [3],
    );
    await assert.rejects(sim.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: 'nope' })), {
      name: 'InvalidLaunchTemplateName.NotFoundException',
    });
  });

  // The group names `$Latest`; each instance reports the version it was launched with
  // (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_LaunchTemplateSpecification.html).
  it('launches the group from its version, one drifted instance from the version before, tagged as EC2 tags them', async () => {
    const { AutoScalingGroups } = await sim.asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web-asg'] }));
    const group = AutoScalingGroups?.[0];
    assert.equal(group?.LaunchTemplate?.Version, '$Latest');
    assert.deepEqual(group?.Instances?.map((i) => i.LaunchTemplate?.Version).sort(), ['2', '3', '3']);
    assert.deepEqual(group?.SuspendedProcesses?.map((p) => p.ProcessName).sort(), ['AZRebalance', 'ReplaceUnhealthy']);
    const ids = group?.Instances?.map((i) => i.InstanceId ?? '') ?? [];
    const { AutoScalingInstances } = await sim.asg.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: ids }));
    assert.deepEqual(AutoScalingInstances?.map((i) => i.LaunchTemplate?.Version).sort(), ['2', '3', '3']);
    const { Reservations } = await sim.ec2.send(new DescribeInstancesCommand({ InstanceIds: ids }));
    const instances = Reservations?.flatMap((r) => r.Instances ?? []) ?? [];
    for (const i of instances) {
      assert.equal(tag(i, 'aws:autoscaling:groupName'), 'web-asg');
      assert.match(tag(i, 'aws:ec2launchtemplate:id') ?? '', /^lt-/);
      const version = tag(i, 'aws:ec2launchtemplate:version');
      assert.equal(i.InstanceType, version === '3' ? 't3.small' : 't3.micro');
      assert.equal(i.ImageId, 'ami-0bbbbbbbbbbbbbbb2');
    }
    const refreshes = await sim.asg.send(new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: 'web-asg' }));
    assert.deepEqual(refreshes.InstanceRefreshes, []);
  });

  it('runs a standalone instance outside any group, registered in the target group, unused outside the ALB zones', async () => {
    const { Reservations } = await sim.ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:Name', Values: ['pet'] }] }));
    const pet = Reservations?.[0]?.Instances?.[0];
    assert.equal(pet?.Placement?.AvailabilityZone, 'us-east-1c');
    assert.equal(pet && tag(pet, 'aws:autoscaling:groupName'), undefined);
    assert.equal(pet && tag(pet, 'aws:ec2launchtemplate:version'), '1');
    const { LoadBalancers } = await sim.elb.send(new DescribeLoadBalancersCommand({ Names: ['web-alb'] }));
    assert.deepEqual(LoadBalancers?.[0]?.AvailabilityZones?.map((z) => z.ZoneName).sort(), ['us-east-1a', 'us-east-1b']);
    const { TargetGroups } = await sim.elb.send(new DescribeTargetGroupsCommand({ Names: ['web-tg'] }));
    const health = await waitFor('the standalone target to be registered', async () => {
      const { TargetHealthDescriptions } = await sim.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: TargetGroups?.[0]?.TargetGroupArn }));
      return TargetHealthDescriptions?.find((d) => d.Target?.Id === pet?.InstanceId);
    });
    // ELB: a target in a zone the load balancer is not enabled in is unused, Target.NotInUse
    // (https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetHealth.html).
    assert.equal(health.TargetHealth?.State, 'unused');
    assert.equal(health.TargetHealth?.Reason, 'Target.NotInUse');
    // The ALB routes only to its zones' targets: with the group's instances (zones a, b) answering 503, no request
    // reaches the standalone instance in zone c, which still answers 200.
    const { AutoScalingGroups } = await sim.asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web-asg'] }));
    const grouped = AutoScalingGroups?.[0]?.Instances?.map((i) => i.InstanceId ?? '') ?? [];
    const workload = (id: string, mode: string): Promise<Response> => fetch(`${sim.endpoint}/_sim/instances/${id}/workload?mode=${mode}`, { method: 'POST' });
    for (const id of grouped) assert.equal((await workload(id, 'error')).status, 200);
    try {
      for (let n = 0; n < 9; n++) {
        const res = await fetch(sim.outputs['alb.web-alb.url'] ?? '');
        await res.text();
        assert.equal(res.status, 503, `request ${n} reached a target outside the load balancer's zones`);
      }
    } finally {
      for (const id of grouped) await workload(id, 'up');
    }
  });

  it('serves NAT gateways, route tables, the internet gateway and subnets consistently', async () => {
    const zones = (await sim.ec2.send(new DescribeAvailabilityZonesCommand({}))).AvailabilityZones?.map((z) => z.ZoneName);
    assert.deepEqual(zones, ['us-east-1a', 'us-east-1b', 'us-east-1c']);
    const vpc = (await sim.ec2.send(new DescribeVpcsCommand({}))).Vpcs?.[0];
    const subnets = (await sim.ec2.send(new DescribeSubnetsCommand({}))).Subnets ?? [];
    assert.equal(subnets.length, 6);
    assert.ok(subnets.every((s) => s.VpcId === vpc?.VpcId));
    const { NatGateways } = await sim.ec2.send(new DescribeNatGatewaysCommand({}));
    assert.equal(NatGateways?.length, 1);
    const nat = NatGateways?.[0];
    const natSubnet = subnets.find((s) => s.SubnetId === nat?.SubnetId);
    assert.equal(natSubnet?.AvailabilityZone, 'us-east-1a');
    assert.equal(natSubnet?.MapPublicIpOnLaunch, true);
    const { RouteTables } = await sim.ec2.send(new DescribeRouteTablesCommand({}));
    const viaNat = RouteTables?.filter((rt) => rt.Routes?.some((r) => r.NatGatewayId === nat?.NatGatewayId)) ?? [];
    assert.equal(viaNat.length, 1);
    const privateSubnets = subnets.filter((s) => s.MapPublicIpOnLaunch !== true);
    // Every zone's private subnet routes through the one NAT gateway in zone a.
    assert.deepEqual(viaNat[0]?.Associations?.map((a) => a.SubnetId).sort(), privateSubnets.map((s) => s.SubnetId).sort());
    assert.equal(RouteTables?.filter((rt) => rt.Associations?.some((a) => a.Main === true)).length, 1);
    const { InternetGateways } = await sim.ec2.send(new DescribeInternetGatewaysCommand({}));
    const igw = InternetGateways?.[0]?.InternetGatewayId;
    assert.equal(InternetGateways?.[0]?.Attachments?.[0]?.VpcId, vpc?.VpcId);
    assert.ok(RouteTables?.some((rt) => rt.Routes?.some((r) => r.GatewayId === igw && r.DestinationCidrBlock === '0.0.0.0/0')));
  });

  it('serves the DB subnet group of a database, in DescribeDBInstances and DescribeDBSubnetGroups', async () => {
    const { DBInstances } = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'orders' }));
    const group = DBInstances?.[0]?.DBSubnetGroup;
    assert.equal(group?.DBSubnetGroupName, 'orders-subnets');
    assert.deepEqual(
      group?.Subnets?.map((s) => s.SubnetAvailabilityZone?.Name),
      ['us-east-1a'],
    );
    const { DBSubnetGroups } = await rds.send(new DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: 'orders-subnets' }));
    assert.equal(DBSubnetGroups?.[0]?.VpcId, (await sim.ec2.send(new DescribeVpcsCommand({}))).Vpcs?.[0]?.VpcId);
    await assert.rejects(rds.send(new DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: 'nope' })), { name: 'DBSubnetGroupNotFoundFault' });
  });
});

describe('sim topology: refusals of the read-model fields', () => {
  const refused = (tweak: Record<string, unknown>): string => {
    try {
      parseTopology({ ...TOPOLOGY, ...tweak }, 'test topology');
    } catch (error) {
      return (error as Error).message;
    }
    return 'accepted';
  };

  // RDS needs a DB subnet group in at least two zones for Multi-AZ
  // (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html).
  it('refuses a Multi-AZ database whose DB subnet group has one zone, in one sentence', () => {
    const message = refused({ databases: [{ id: 'orders', multiAZ: true, subnetGroupZones: ['a'] }] });
    assert.equal(
      message,
      "test topology: database 'orders' is Multi-AZ but its subnetGroupZones cover one zone; RDS needs a DB subnet group in at least two zones.",
    );
  });

  it('names the field of every other mistake', () => {
    assert.match(refused({ natRoutes: { b: 'nat-z' } }), /natRoutes sends zone 'b' through NAT gateway 'nat-z', which is not declared\.$/);
    assert.match(
      refused({ loadBalancers: [{ name: 'web-alb', availabilityZones: ['d'], targetGroup: { name: 'web-tg' } }] }),
      /load balancer 'web-alb' availabilityZones names zone 'd'/,
    );
    assert.match(
      refused({ autoScalingGroups: [{ ...TOPOLOGY.autoScalingGroups[0], launchTemplateVersion: 7 }] }),
      /launchTemplateVersion 7, which launch template 'web-lt' does not have\.$/,
    );
    assert.match(
      refused({ autoScalingGroups: [{ ...TOPOLOGY.autoScalingGroups[0], driftedInstances: 4 }] }),
      /driftedInstances 4, more than its desired capacity 3\.$/,
    );
    assert.match(refused({ instances: [{ name: 'pet', launchTemplate: 'other', availabilityZone: 'a' }] }), /instance 'pet' uses launch template 'other'/);
    assert.match(
      refused({ autoScalingGroups: [{ ...TOPOLOGY.autoScalingGroups[0], suspendedProcesses: ['Nap'] }] }),
      /autoScalingGroups\.0\.suspendedProcesses\.0/,
    );
  });
});
