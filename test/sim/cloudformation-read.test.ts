import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import {
  CloudFormationClient,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  GetTemplateCommand,
  ListStackResourcesCommand,
} from '@aws-sdk/client-cloudformation';
import { DescribeInstancesCommand, DescribeNatGatewaysCommand, DescribeRouteTablesCommand, DescribeSubnetsCommand } from '@aws-sdk/client-ec2';
import { DescribeLoadBalancersCommand, DescribeTargetGroupsCommand, DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { ListResourceRecordSetsCommand, ListHostedZonesCommand, Route53Client } from '@aws-sdk/client-route-53';
import { parseTemplateYaml } from '../../src/sim/cloudformation/template-yaml.js';
import { translateTemplate } from '../../src/sim/cloudformation/translate.js';
import { loadTopology, parseTopology } from '../../src/sim/topology.js';
import { ROOT } from '../support/cli.js';
import { startSimProcess } from '../support/daemon.js';
import { CREDENTIALS, startSim, type Sim } from '../support/sim.js';

const FRAGILE = join(ROOT, 'infra', 'fragile-architecture.yaml');

/** The fragile architecture loaded as a stack, read back through CloudFormation and the services it made. */
describe('sim: the fragile architecture as a CloudFormation stack', () => {
  let sim: Sim;
  let cfn: CloudFormationClient;
  let rds: RDSClient;
  let route53: Route53Client;
  before(async () => {
    sim = await startSim({ topology: await loadTopology(FRAGILE), speed: 20, readyTimeoutMs: 60_000 });
    const config = { endpoint: sim.endpoint, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 };
    cfn = new CloudFormationClient(config);
    rds = new RDSClient(config);
    route53 = new Route53Client(config);
  });
  after(async () => {
    cfn?.destroy();
    rds?.destroy();
    route53?.destroy();
    await sim?.close();
  });

  it('describes the stack, its outputs naming the real resources', async () => {
    const { Stacks } = await cfn.send(new DescribeStacksCommand({}));
    assert.equal(Stacks?.length, 1);
    const stack = Stacks?.[0];
    assert.equal(stack?.StackName, 'fragile-architecture');
    assert.equal(stack?.StackStatus, 'CREATE_COMPLETE');
    assert.match(stack?.StackId ?? '', /^arn:aws:cloudformation:us-east-1:123456789012:stack\/fragile-architecture\/[0-9a-f-]{36}$/);
    const outputs = Object.fromEntries(stack?.Outputs?.map((o) => [o.OutputKey, o.OutputValue]) ?? []);
    const { LoadBalancers } = await sim.elb.send(new DescribeLoadBalancersCommand({}));
    assert.equal(outputs.LoadBalancerArn, LoadBalancers?.[0]?.LoadBalancerArn);
    assert.ok(!Object.keys(outputs).some((k) => k.includes('.')), 'the sim-only <LogicalId>.url keys are not stack outputs');
    const byId = await cfn.send(new DescribeStacksCommand({ StackName: stack?.StackId }));
    assert.equal(byId.Stacks?.[0]?.StackName, 'fragile-architecture');
    // "If the stack doesn't exist, a ValidationError is returned." (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html)
    await assert.rejects(cfn.send(new DescribeStacksCommand({ StackName: 'other' })), {
      name: 'ValidationError',
      message: 'Stack with id other does not exist',
    });
  });

  it('lists the resources with the physical ids the region gave them', async () => {
    const { StackResourceSummaries } = await cfn.send(new ListStackResourcesCommand({ StackName: 'fragile-architecture' }));
    const physical = new Map(StackResourceSummaries?.map((r) => [r.LogicalResourceId, r.PhysicalResourceId]));
    const { AutoScalingGroups } = await sim.asg.send(new DescribeAutoScalingGroupsCommand({}));
    assert.equal(physical.get('WebAutoScalingGroup'), AutoScalingGroups?.[0]?.AutoScalingGroupName);
    const { NatGateways } = await sim.ec2.send(new DescribeNatGatewaysCommand({}));
    assert.equal(physical.get('NatGateway'), NatGateways?.[0]?.NatGatewayId);
    const { DBInstances } = await rds.send(new DescribeDBInstancesCommand({}));
    assert.equal(physical.get('WebDatabase'), DBInstances?.[0]?.DBInstanceIdentifier);
    assert.equal(physical.get('DatabaseSubnetGroup'), DBInstances?.[0]?.DBSubnetGroup?.DBSubnetGroupName);
    const admin = await sim.ec2.send(new DescribeInstancesCommand({ InstanceIds: [physical.get('AdminInstance') ?? ''] }));
    assert.equal(admin.Reservations?.[0]?.Instances?.[0]?.Placement?.AvailabilityZone, 'us-east-1a');
    assert.ok(StackResourceSummaries?.every((r) => r.ResourceStatus === 'CREATE_COMPLETE'));
    const one = await cfn.send(new DescribeStackResourcesCommand({ PhysicalResourceId: physical.get('WebAutoScalingGroup') }));
    assert.deepEqual(
      one.StackResources?.map((r) => [r.LogicalResourceId, r.ResourceType, r.StackName]),
      [['WebAutoScalingGroup', 'AWS::AutoScaling::AutoScalingGroup', 'fragile-architecture']],
    );
  });

  it('gives the template as written, with what the APIs do not say', async () => {
    const { TemplateBody } = await cfn.send(new GetTemplateCommand({ StackName: 'fragile-architecture' }));
    assert.equal(TemplateBody, await readFile(FRAGILE, 'utf8'));
    const doc = parseTemplateYaml(TemplateBody ?? '') as { Resources: Record<string, Record<string, unknown>> };
    assert.equal(doc.Resources.WebAutoScalingGroup?.UpdatePolicy, undefined);
  });

  it('serves each planted weakness through the services', async () => {
    const { AutoScalingGroups } = await sim.asg.send(new DescribeAutoScalingGroupsCommand({}));
    const group = AutoScalingGroups?.[0];
    assert.equal(group?.HealthCheckType, 'EC2');
    assert.deepEqual(group?.AvailabilityZones?.sort(), ['us-east-1a', 'us-east-1b']);
    const tags = Object.fromEntries(group?.Tags?.map((t) => [t.Key, t.Value]) ?? []);
    assert.equal(tags['aws:cloudformation:stack-name'], 'fragile-architecture');
    assert.equal(tags['aws:cloudformation:logical-id'], 'WebAutoScalingGroup');
    const stackId = (await cfn.send(new DescribeStacksCommand({}))).Stacks?.[0]?.StackId;
    assert.equal(tags['aws:cloudformation:stack-id'], stackId);
    const { Reservations } = await sim.ec2.send(new DescribeInstancesCommand({ InstanceIds: group?.Instances?.map((i) => i.InstanceId ?? '') }));
    for (const i of Reservations?.flatMap((r) => r.Instances ?? []) ?? [])
      assert.equal(i.Tags?.find((t) => t.Key === 'aws:cloudformation:logical-id')?.Value, 'WebAutoScalingGroup');
    assert.equal(group?.LaunchTemplate?.Version, '1');
    // An instance outside the group serves behind the ALB.
    const adminId = (await cfn.send(new DescribeStackResourcesCommand({ StackName: 'fragile-architecture', LogicalResourceId: 'AdminInstance' })))
      .StackResources?.[0]?.PhysicalResourceId;
    assert.ok(!group?.Instances?.some((i) => i.InstanceId === adminId));
    const { TargetGroups } = await sim.elb.send(new DescribeTargetGroupsCommand({}));
    const { TargetHealthDescriptions } = await sim.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: TargetGroups?.[0]?.TargetGroupArn }));
    assert.equal(TargetHealthDescriptions?.find((d) => d.Target?.Id === adminId)?.TargetHealth?.State, 'healthy');
    const db = (await rds.send(new DescribeDBInstancesCommand({}))).DBInstances?.[0];
    assert.equal(db?.MultiAZ, false);
    assert.equal(db?.SecondaryAvailabilityZone, undefined);
    // One NAT gateway, in zone a, routes both zones' private subnets.
    const { NatGateways } = await sim.ec2.send(new DescribeNatGatewaysCommand({}));
    assert.equal(NatGateways?.length, 1);
    const { RouteTables } = await sim.ec2.send(
      new DescribeRouteTablesCommand({ Filters: [{ Name: 'route.nat-gateway-id', Values: [NatGateways?.[0]?.NatGatewayId ?? ''] }] }),
    );
    const { Subnets } = await sim.ec2.send(new DescribeSubnetsCommand({ SubnetIds: RouteTables?.[0]?.Associations?.map((a) => a.SubnetId ?? '') }));
    assert.deepEqual(Subnets?.map((s) => s.AvailabilityZone).sort(), ['us-east-1a', 'us-east-1b']);
    // The primary failover record has no health check; the secondary has one.
    const { HostedZones } = await route53.send(new ListHostedZonesCommand({}));
    const { ResourceRecordSets } = await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: HostedZones?.[0]?.Id }));
    const failover = ResourceRecordSets?.filter((r) => r.Failover !== undefined);
    assert.deepEqual(failover?.map((r) => [r.Failover, r.HealthCheckId === undefined]).sort(), [
      ['PRIMARY', true],
      ['SECONDARY', false],
    ]);
  });
});

describe('gameday sim --topology infra/fragile-architecture.yaml', () => {
  it('loads the template and serves its stack to any SDK client', async () => {
    const sim = await startSimProcess({ speed: 40, topology: FRAGILE });
    const cfn = new CloudFormationClient({ endpoint: sim.endpoint, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 });
    try {
      const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: 'fragile-architecture' }));
      const outputs = Object.fromEntries(Stacks?.[0]?.Outputs?.map((o) => [o.OutputKey, o.OutputValue]) ?? []);
      assert.equal(outputs.WebAsgName, sim.outputs['stack.WebAsgName']);
      assert.match(outputs.WebAsgName ?? '', /^fragile-arch-WebAutoScali-[0-9A-F]{6}$/);
    } finally {
      cfn.destroy();
      await sim.stop();
    }
  });
});

describe('sim CloudFormation translation: Multi-AZ in a one-zone DB subnet group', () => {
  it('is refused in one sentence naming the database', async () => {
    const doc = parseTemplateYaml(await readFile(FRAGILE, 'utf8')) as { Resources: Record<string, { Properties: Record<string, unknown> }> };
    const resources = doc.Resources;
    (resources.WebDatabase as { Properties: Record<string, unknown> }).Properties.MultiAZ = true;
    (resources.DatabaseSubnetGroup as { Properties: Record<string, unknown> }).Properties.SubnetIds = [{ Ref: 'PrivateSubnetA' }];
    const { topology } = translateTemplate(doc as Record<string, unknown>, { stackName: 'fragile' });
    assert.throws(() => parseTopology(topology, 'fragile.yaml'), {
      message:
        /^fragile\.yaml: database '[a-z0-9-]+' is Multi-AZ but its subnetGroupZones cover one zone; RDS needs a DB subnet group in at least two zones\.$/,
    });
  });
});
