import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeLoadBalancersCommand, DescribeTargetGroupsCommand, DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { GetHealthCheckCommand, ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { evaluate, type EvaluationScope } from '../../src/sim/cloudformation/intrinsics.js';
import { isCloudFormationTemplate, parseTemplateYaml } from '../../src/sim/cloudformation/template-yaml.js';
import { translateTemplate } from '../../src/sim/cloudformation/translate.js';
import { loadTopology, parseTopology, placeholderOutputs } from '../../src/sim/topology.js';
import { ROOT, tempDir } from '../support/cli.js';
import { CREDENTIALS, startSim, type Sim } from '../support/sim.js';

const TEMPLATE = join(ROOT, 'infra', 'reference-architecture.yaml');

type Doc = Record<string, unknown>;
type Res = { Type: string; Properties: Record<string, unknown>; Condition?: string; UpdatePolicy?: Record<string, unknown> };

async function referenceTemplate(): Promise<
  { Parameters: Record<string, { Default?: unknown }>; Resources: Record<string, Res>; Outputs: Record<string, { Value: unknown }> } & Doc
> {
  return parseTemplateYaml(await readFile(TEMPLATE, 'utf8')) as never;
}

/** A scope for evaluating single values: two parameters, one condition, no resources. */
function scope(extra: Partial<EvaluationScope> = {}): EvaluationScope {
  return {
    region: 'eu-west-1',
    accountId: '111122223333',
    stackName: 'shop',
    parameters: new Map<string, string | string[]>([
      ['Env', 'prod'],
      ['Subnets', ['subnet-1', 'subnet-2']],
    ]),
    mappings: { Sizes: { prod: { Min: 3 }, dev: { Min: 1 } } },
    condition: (name, path) => {
      if (name === 'IsProd') return true;
      throw new Error(`${path}: no condition ${name}`);
    },
    resources: { has: () => false, ref: () => '', getAtt: () => '' },
    availabilityZones: (region) => ['a', 'b', 'c'].map((z) => `${region}${z}`),
    ...extra,
  };
}

/** A small template of one ALB-fronted group, for error sentences; `edit` changes it. */
function smallTemplate(edit: (t: { Parameters: Doc; Resources: Record<string, Res>; Outputs: Doc; Conditions: Doc }) => void = () => undefined): Doc {
  const t = {
    AWSTemplateFormatVersion: '2010-09-09',
    Parameters: { Size: { Type: 'Number', Default: '3', MinValue: 1 }, Mode: { Type: 'String', Default: 'a', AllowedValues: ['a', 'b'] } },
    Conditions: { IsB: { 'Fn::Equals': [{ Ref: 'Mode' }, 'b'] } },
    Resources: {
      Lt: { Type: 'AWS::EC2::LaunchTemplate', Properties: { LaunchTemplateData: { InstanceType: 't3.small', ImageId: 'ami-0123456789abcdef0' } } },
      Tg: {
        Type: 'AWS::ElasticLoadBalancingV2::TargetGroup',
        Properties: { Port: 9000, Protocol: 'HTTP', HealthCheckPath: '/ping', Matcher: { HttpCode: '200-299' } },
      },
      Lb: { Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer', Properties: { Name: 'shop-alb' } },
      Listener: {
        Type: 'AWS::ElasticLoadBalancingV2::Listener',
        Properties: { LoadBalancerArn: { Ref: 'Lb' }, Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: 'Tg' } }] },
      },
      WebAsg: {
        Type: 'AWS::AutoScaling::AutoScalingGroup',
        Properties: {
          MinSize: { Ref: 'Size' },
          MaxSize: { 'Fn::If': ['IsB', 9, 6] },
          LaunchTemplate: { LaunchTemplateId: { Ref: 'Lt' }, Version: { 'Fn::GetAtt': ['Lt', 'LatestVersionNumber'] } },
          TargetGroupARNs: [{ Ref: 'Tg' }],
          HealthCheckType: 'ELB',
        },
      },
    },
    Outputs: { Group: { Value: { Ref: 'WebAsg' } }, Arn: { Value: { 'Fn::Sub': 'tg=${Tg} literal=${!Keep}' } } },
  };
  edit(t as never);
  return t;
}

function refusal(doc: Doc, options: { parameters?: Record<string, string> } = {}): string {
  try {
    translateTemplate(doc, { stackName: 'shop', ...options });
  } catch (error) {
    return (error as Error).message;
  }
  assert.fail('the template was accepted');
}

describe('infra/reference-architecture.yaml', () => {
  it('parses with the short-form tags into the reference architecture', async () => {
    const t = await referenceTemplate();
    assert.ok(isCloudFormationTemplate(t));
    const types = (type: string): [string, Res][] => Object.entries(t.Resources).filter(([, r]) => r.Type === type);
    const subnets = types('AWS::EC2::Subnet');
    assert.equal(subnets.length, 6);
    // Three zones, by Fn::Select over Fn::GetAZs.
    assert.deepEqual(
      [...new Set(subnets.map(([, r]) => JSON.stringify(r.Properties.AvailabilityZone)))].sort(),
      [0, 1, 2].map((i) => JSON.stringify({ 'Fn::Select': [i, { 'Fn::GetAZs': '' }] })),
    );
    const [[, asg] = ['', undefined as never]] = types('AWS::AutoScaling::AutoScalingGroup');
    assert.deepEqual(asg.Properties.MinSize, { Ref: 'MinSize' });
    assert.equal(t.Parameters.MinSize?.Default, 3);
    assert.equal(asg.Properties.HealthCheckType, 'ELB');
    assert.ok(typeof asg.Properties.HealthCheckGracePeriod === 'number');
    assert.deepEqual(asg.Properties.Tags, [
      { Key: 'gameday:allowed', Value: 'true', PropagateAtLaunch: true },
      { Key: 'Name', Value: { 'Fn::Sub': '${AWS::StackName}-web' }, PropagateAtLaunch: true },
    ]);
    assert.deepEqual((asg.UpdatePolicy?.AutoScalingReplacingUpdate as Doc).WillReplace, { 'Fn::If': ['ImmutableUpdates', true, false] });
    assert.ok(asg.UpdatePolicy?.AutoScalingRollingUpdate !== undefined);
    const [[, tg] = ['', undefined as never]] = types('AWS::ElasticLoadBalancingV2::TargetGroup');
    assert.equal(tg.Properties.HealthCheckPath, '/health');
    assert.deepEqual(tg.Properties.Matcher, { HttpCode: '200' });
    const [[, db] = ['', undefined as never]] = types('AWS::RDS::DBInstance');
    assert.equal(db.Properties.Engine, 'postgres');
    assert.equal(db.Properties.MultiAZ, true);
    assert.deepEqual(
      types('AWS::Route53::RecordSet')
        .map(([, r]) => r.Properties.Failover)
        .sort(),
      ['PRIMARY', 'SECONDARY'],
    );
    assert.equal(types('AWS::Route53::HealthCheck').length, 2);
    const [[, alarm] = ['', undefined as never]] = types('AWS::CloudWatch::Alarm');
    assert.equal(alarm.Properties.MetricName, 'HealthyHostCount');
    for (const key of [
      'WebAsgName',
      'WebTargetGroupArn',
      'LoadBalancerDNSName',
      'DBInstanceIdentifier',
      'DBEndpointAddress',
      'DBEndpointPort',
      'PrimaryHealthCheckId',
      'SecondaryHealthCheckId',
      'HostedZoneId',
      'RecordName',
      'HealthyHostsAlarmName',
    ]) {
      assert.ok(t.Outputs[key] !== undefined, `output ${key}`);
    }
  });

  it('loads as a sim topology, with what the region does not honour said in notes', async () => {
    const t = await loadTopology(TEMPLATE, { stackName: 'gd-ref' });
    assert.deepEqual(t.availabilityZones, ['us-east-1a', 'us-east-1b', 'us-east-1c']);
    assert.equal(t.vpcCidr, '10.0.0.0/16');
    const [asg] = t.autoScalingGroups;
    assert.ok(asg !== undefined);
    assert.deepEqual([asg.min, asg.max, asg.desired, asg.healthCheckType, asg.healthCheckGracePeriod], [3, 6, 3, 'ELB', 600_000]);
    assert.equal(asg.tags['gameday:allowed'], 'true');
    assert.equal(asg.tags.Name, 'gd-ref-web');
    assert.equal(t.launchTemplates[0]?.port, 8080);
    assert.equal(t.loadBalancers[0]?.targetGroup.healthCheck.path, '/health');
    assert.deepEqual(
      t.databases.map((d) => [d.multiAZ, d.tags['gameday:allowed']]),
      [[true, 'true']],
    );
    assert.deepEqual(
      t.hostedZones[0]?.records.map((r) => r.failover),
      ['PRIMARY', 'SECONDARY'],
    );
    const notes = t.stack?.notes ?? [];
    assert.ok(
      notes.some((n) => n.startsWith('AWS::EC2::SecurityGroup (LoadBalancerSecurityGroup, WebSecurityGroup, DatabaseSecurityGroup): accepted, not modelled')),
      notes.join('\n'),
    );
    // UpdatePolicy, after its intrinsics: WillReplace is false under the default UpdateStrategy, so the group rolls.
    assert.deepEqual(asg.rollout, {
      kind: 'rolling',
      minInstancesInService: 3,
      maxBatchSize: 1,
      pauseTime: 600_000,
      waitOnResourceSignals: true,
      suspendProcesses: ['HealthCheck', 'ReplaceUnhealthy', 'AZRebalance', 'AlarmNotification', 'ScheduledActions'],
    });
    assert.ok(!notes.some((n) => n.includes('UpdatePolicy is not modelled')), notes.join('\n'));
    assert.ok(notes.some((n) => n.startsWith('Resources.WebAutoScalingGroup.CreationPolicy is not modelled')));
    assert.ok(notes.some((n) => n.startsWith('Resources.SecondaryHealthCheck probes secondary-alb.us-west-2.elb.amazonaws.com, outside this stack')));
    // Every output names something the region offers.
    const outputs = placeholderOutputs(t);
    for (const [key, value] of Object.entries(outputs)) if (key.startsWith('stack.')) assert.doesNotMatch(value, /\$\{/, key);
    assert.equal(outputs['stack.WebAsgName'], asg.name);
    assert.equal(outputs['stack.RecordName'], 'app.gameday.example.com');
  });

  it('takes parameter overrides, checked against the template, and its conditions follow them', async () => {
    const t = await loadTopology(TEMPLATE, {
      stackName: 'gd-ref',
      parameters: { MinSize: '4', DesiredCapacity: '4', HostedZoneId: 'Z0EXISTING1234', DomainName: 'shop.example.org' },
    });
    assert.deepEqual([t.autoScalingGroups[0]?.min, t.autoScalingGroups[0]?.desired], [4, 4]);
    // An existing zone (HostedZoneId given): the HostedZone resource is not created, the records go to that zone.
    assert.deepEqual(
      t.hostedZones.map((z) => z.name),
      ['shop.example.org'],
    );
    assert.equal(t.stack?.outputs.HostedZoneId, 'Z0EXISTING1234');
    await assert.rejects(loadTopology(TEMPLATE, { parameters: { MinSize: '2' } }), { message: "Parameters.MinSize: '2' is below its MinValue 3" });
    await assert.rejects(loadTopology(TEMPLATE, { parameters: { UpdateStrategy: 'BlueGreen' } }), {
      message: "Parameters.UpdateStrategy: 'BlueGreen' is not one of its AllowedValues (Rolling, Immutable)",
    });
    await assert.rejects(loadTopology(TEMPLATE, { parameters: { Colour: 'red' } }), {
      message: 'Parameters.Colour: the template has no parameter Colour to override',
    });
  });
});

describe('intrinsic functions', () => {
  it('Ref reads parameters and pseudo parameters', () => {
    assert.equal(evaluate({ Ref: 'Env' }, 'p', scope()), 'prod');
    assert.equal(evaluate({ Ref: 'AWS::Region' }, 'p', scope()), 'eu-west-1');
    assert.equal(evaluate({ Ref: 'AWS::AccountId' }, 'p', scope()), '111122223333');
    assert.equal(evaluate({ Ref: 'AWS::StackName' }, 'p', scope()), 'shop');
    assert.deepEqual(evaluate({ a: { Ref: 'AWS::NoValue' }, b: [1, { Ref: 'AWS::NoValue' }] }, 'p', scope()), { b: [1] });
  });

  it('Fn::Sub substitutes in both forms, keeps ${!literals}, and resolves Res.Attr through GetAtt', () => {
    const resources = { has: (id: string) => id === 'Db', ref: () => 'db-1', getAtt: (_id: string, attr: string) => `att:${attr}` };
    assert.equal(evaluate({ 'Fn::Sub': '${AWS::StackName}-${Env}-${!Literal}' }, 'p', scope()), 'shop-prod-${Literal}');
    assert.equal(
      evaluate({ 'Fn::Sub': ['${Host}:${Db.Endpoint.Port}/${Db}', { Host: { 'Fn::Join': ['.', ['db', { Ref: 'Env' }]] } }] }, 'p', scope({ resources })),
      'db.prod:att:Endpoint.Port/db-1',
    );
  });

  it('Fn::Select, Fn::GetAZs, Fn::Join, Fn::Split, Fn::If, Fn::FindInMap, Fn::Cidr and the condition functions', () => {
    assert.equal(evaluate({ 'Fn::Select': [1, { 'Fn::GetAZs': '' }] }, 'p', scope()), 'eu-west-1b');
    assert.equal(evaluate({ 'Fn::Select': ['0', { 'Fn::GetAZs': { Ref: 'AWS::Region' } }] }, 'p', scope()), 'eu-west-1a');
    assert.equal(evaluate({ 'Fn::Join': [',', { Ref: 'Subnets' }] }, 'p', scope()), 'subnet-1,subnet-2');
    assert.deepEqual(evaluate({ 'Fn::Split': ['|', 'a|b'] }, 'p', scope()), ['a', 'b']);
    assert.equal(evaluate({ 'Fn::If': ['IsProd', 'big', { Ref: 'Missing' }] }, 'p', scope()), 'big', 'the branch not taken is not evaluated');
    assert.equal(evaluate({ 'Fn::FindInMap': ['Sizes', { Ref: 'Env' }, 'Min'] }, 'p', scope()), 3);
    assert.deepEqual(evaluate({ 'Fn::Cidr': ['10.1.0.0/16', 3, 12] }, 'p', scope()), ['10.1.0.0/20', '10.1.16.0/20', '10.1.32.0/20']);
    assert.equal(evaluate({ 'Fn::And': [{ 'Fn::Equals': [{ Ref: 'Env' }, 'prod'] }, { 'Fn::Not': [{ 'Fn::Equals': ['1', 2] }] }] }, 'p', scope()), true);
    assert.equal(evaluate({ 'Fn::Or': [{ Condition: 'IsProd' }, { 'Fn::Equals': ['a', 'b'] }] }, 'p', scope()), true);
    assert.equal(evaluate({ 'Fn::Base64': 'hi' }, 'p', scope()), 'aGk=');
  });

  it('refuses what it cannot evaluate in one sentence naming the template path', () => {
    const unknownFn = refusal(smallTemplate((t) => ((t.Resources.WebAsg as Res).Properties.MinSize = { 'Fn::Frobnicate': ['x'] })));
    assert.equal(unknownFn, 'Resources.WebAsg.Properties.MinSize: uses Fn::Frobnicate, an intrinsic function the simulated region cannot evaluate');
    const missing = refusal(smallTemplate((t) => ((t.Resources.WebAsg as Res).Properties.MinSize = { Ref: 'Sise' })));
    assert.equal(missing, "Resources.WebAsg.Properties.MinSize: Ref names 'Sise', which is neither a parameter nor a resource of the template");
    const att = refusal(smallTemplate((t) => ((t.Resources.WebAsg as Res).Properties.TargetGroupARNs = [{ 'Fn::GetAtt': ['Tgg', 'TargetGroupArn'] }])));
    assert.equal(att, "Resources.WebAsg.Properties.TargetGroupARNs[0]: Fn::GetAtt names 'Tgg', which is not a resource of the template");
    const attr = refusal(smallTemplate((t) => (t.Outputs.Dns = { Value: { 'Fn::GetAtt': ['Lb', 'DnsName'] } })));
    assert.equal(
      attr,
      "Outputs.Dns.Value: Fn::GetAtt asks Lb (AWS::ElasticLoadBalancingV2::LoadBalancer) for 'DnsName', an attribute the simulated region does not know",
    );
    const select = refusal(smallTemplate((t) => ((t.Resources.WebAsg as Res).Properties.MinSize = { 'Fn::Select': [7, { 'Fn::GetAZs': '' }] })));
    assert.equal(select, 'Resources.WebAsg.Properties.MinSize: Fn::Select asks for item 7 of a list of 6');
    const condition = refusal(smallTemplate((t) => ((t.Resources.WebAsg as Res).Properties.MaxSize = { 'Fn::If': ['IsC', 1, 2] })));
    assert.equal(condition, "Resources.WebAsg.Properties.MaxSize: names the condition 'IsC', which Conditions does not declare");
    const notNumber = refusal(smallTemplate((t) => ((t.Resources.WebAsg as Res).Properties.MinSize = 'three')));
    assert.equal(notNumber, "Resources.WebAsg.Properties.MinSize: is 'three' where a number is required");
    const noDefault = refusal(smallTemplate((t) => (t.Parameters.Size = { Type: 'Number' })));
    assert.equal(noDefault, 'Parameters.Size: has no Default; give a value with --parameter Size=VALUE');
    const dependsOn = refusal(smallTemplate((t) => ((t.Resources.WebAsg as Res & { DependsOn?: string }).DependsOn = 'Listner')));
    assert.equal(dependsOn, "Resources.WebAsg.DependsOn: names 'Listner', which is not a resource of the template");
    const conditional = refusal(
      smallTemplate((t) => {
        t.Resources.Extra = { Type: 'AWS::SNS::Topic', Condition: 'IsB', Properties: {} };
        t.Outputs.Topic = { Value: { Ref: 'Extra' } };
      }),
    );
    assert.equal(conditional, "Outputs.Topic.Value: names 'Extra', which is not created because its condition IsB is false");
    const importValue = refusal(smallTemplate((t) => (t.Outputs.Imported = { Value: { 'Fn::ImportValue': 'other-stack-vpc' } })));
    assert.equal(importValue, 'Outputs.Imported.Value: Fn::ImportValue imports an export of another stack, which the simulated region does not have');
  });
});

describe('translating a template', () => {
  it('maps the modelled types onto the topology, following Ref and Fn::GetAtt between resources', () => {
    const { topology, notes } = translateTemplate(smallTemplate(), { stackName: 'shop', parameters: { Mode: 'b' } });
    const t = parseTopology(topology, 'small template');
    assert.deepEqual(
      t.launchTemplates.map((l) => [l.instanceType, l.imageId, l.port]),
      [['t3.small', 'ami-0123456789abcdef0', 9000]],
    );
    assert.equal(t.loadBalancers[0]?.name, 'shop-alb');
    assert.equal(t.loadBalancers[0]?.targetGroup.healthCheck.matcher, '200-299');
    const [asg] = t.autoScalingGroups;
    assert.deepEqual([asg?.min, asg?.max, asg?.launchTemplate, asg?.targetGroups], [3, 9, t.launchTemplates[0]?.name, [t.loadBalancers[0]?.targetGroup.name]]);
    assert.match(asg?.name ?? '', /^shop-WebAsg-[0-9A-F]{6}$/);
    assert.deepEqual(t.stack?.outputs, {
      Group: asg?.name,
      Arn: `tg=\${sim:tg.${t.loadBalancers[0]?.targetGroup.name}.arn} literal=$\${Keep}`,
      'Lb.url': '${sim:alb.shop-alb.url}',
    });
    assert.equal(placeholderOutputs(t)['stack.Arn'], `tg=${placeholderOutputs(t)[`tg.${t.loadBalancers[0]?.targetGroup.name}.arn`]} literal=\${Keep}`);
    assert.ok(notes.some((n) => n.startsWith('Resources.Listener: port 80 is served on a free loopback port')));
  });

  it('refuses a load balancer that forwards to nothing, and accepts unmodelled types with a note', () => {
    const lonely = refusal(smallTemplate((t) => delete t.Resources.Listener));
    assert.equal(
      lonely,
      'Resources.Lb: the simulated region needs every load balancer to forward to a target group through a listener (AWS::ElasticLoadBalancingV2::Listener)',
    );
    const { notes } = translateTemplate(
      smallTemplate((t) => (t.Resources.Role = { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: {} } })),
      { stackName: 'shop' },
    );
    assert.ok(notes.includes('AWS::IAM::Role (Role): accepted, not modelled by the simulated region.'), notes.join('\n'));
    const zonal = translateTemplate(
      smallTemplate((t) => ((t.Resources.Tg as Res).Properties.TargetGroupAttributes = [{ Key: 'load_balancing.cross_zone.enabled', Value: 'false' }])),
      { stackName: 'shop' },
    );
    assert.equal(parseTopology(zonal.topology, 'zonal').loadBalancers[0]?.crossZone, false, 'the target group turned cross-zone off');
  });

  it('names the template file when loading fails', async () => {
    const tmp = await tempDir();
    try {
      const file = await tmp.write(
        'bad-stack.yaml',
        'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  Lt:\n    Type: AWS::EC2::LaunchTemplate\n    Properties:\n      LaunchTemplateData:\n        InstanceType: !FindInMap [Types, !Ref Env, Web]\n',
      );
      await assert.rejects(loadTopology(file), {
        message: "Resources.Lt.Properties.LaunchTemplateData.InstanceType: Ref names 'Env', which is neither a parameter nor a resource of the template",
      });
    } finally {
      await tmp.cleanup();
    }
  });
});

describe('a simulated region built from infra/reference-architecture.yaml', () => {
  let sim: Sim;
  let rds: RDSClient;
  let r53: Route53Client;
  let cw: CloudWatchClient;
  let out: Record<string, string>;

  before(async () => {
    sim = await startSim({ topology: await loadTopology(TEMPLATE), speed: 20, readyTimeoutMs: 60_000 });
    out = sim.outputs;
    const config = { endpoint: sim.endpoint, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 };
    rds = new RDSClient(config);
    r53 = new Route53Client(config);
    cw = new CloudWatchClient(config);
  });
  after(async () => {
    rds.destroy();
    r53.destroy();
    cw.destroy();
    await sim.close();
  });

  it('offers every output of the stack as stack.<OutputKey>, naming real resources', () => {
    for (const key of [
      'WebAsgName',
      'WebTargetGroupArn',
      'LoadBalancerArn',
      'LoadBalancerDNSName',
      'DBInstanceIdentifier',
      'DBEndpointAddress',
      'DBEndpointPort',
      'PrimaryHealthCheckId',
      'SecondaryHealthCheckId',
      'HostedZoneId',
      'RecordName',
      'HealthyHostsAlarmName',
      'WebLoadBalancer.url',
    ]) {
      const value = out[`stack.${key}`];
      assert.ok(value !== undefined && value !== '' && !value.includes('${'), `stack.${key} = ${String(value)}`);
    }
    assert.equal(out['stack.SiteUrl'], `http://${out['stack.LoadBalancerDNSName']}`);
    assert.equal(out['stack.DBEndpointPort'], '5432');
  });

  it('has the Auto Scaling group the output names: MinSize 3, ELB health checks, tagged for gameday, in three zones', async () => {
    const { AutoScalingGroups: [group] = [] } = await sim.asg.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [out['stack.WebAsgName'] as string] }),
    );
    assert.ok(group !== undefined);
    assert.equal(group.MinSize, 3);
    assert.equal(group.HealthCheckType, 'ELB');
    assert.equal(group.HealthCheckGracePeriod, 600);
    assert.deepEqual(group.TargetGroupARNs, [out['stack.WebTargetGroupArn']]);
    assert.deepEqual([...(group.AvailabilityZones ?? [])].sort(), ['us-east-1a', 'us-east-1b', 'us-east-1c']);
    assert.ok(group.Tags?.some((t) => t.Key === 'gameday:allowed' && t.Value === 'true'));
    assert.equal(group.Instances?.filter((i) => i.LifecycleState === 'InService').length, 3);
  });

  it('has the target group and the internet-facing ALB the outputs name, with the template health check', async () => {
    const { TargetGroups: [tg] = [] } = await sim.elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [out['stack.WebTargetGroupArn'] as string] }));
    assert.ok(tg !== undefined);
    assert.deepEqual(
      [tg.HealthCheckPath, tg.HealthCheckIntervalSeconds, tg.HealthyThresholdCount, tg.UnhealthyThresholdCount, tg.Matcher?.HttpCode],
      ['/health', 10, 3, 2, '200'],
    );
    const health = await sim.elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }));
    assert.equal(health.TargetHealthDescriptions?.filter((d) => d.TargetHealth?.State === 'healthy').length, 3);
    const { LoadBalancers: [lb] = [] } = await sim.elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [out['stack.LoadBalancerArn'] as string] }));
    assert.equal(lb?.DNSName, out['stack.LoadBalancerDNSName']);
    assert.equal(lb?.CanonicalHostedZoneId, out['stack.LoadBalancerHostedZoneId']);
    assert.deepEqual(lb?.AvailabilityZones?.map((z) => z.ZoneName).sort(), ['us-east-1a', 'us-east-1b', 'us-east-1c']);
    const site = await fetch(`${out['stack.WebLoadBalancer.url'] as string}/health`);
    assert.equal(site.status, 200);
  });

  it('has the Multi-AZ PostgreSQL instance the outputs name, at the endpoint they give', async () => {
    const { DBInstances: [db] = [] } = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: out['stack.DBInstanceIdentifier'] }));
    assert.ok(db !== undefined);
    assert.equal(db.MultiAZ, true);
    assert.equal(db.Engine, 'postgres');
    assert.equal(db.DBInstanceStatus, 'available');
    assert.equal(db.Endpoint?.Address, out['stack.DBEndpointAddress']);
    assert.equal(String(db.Endpoint?.Port), out['stack.DBEndpointPort']);
    assert.ok(db.TagList?.some((t) => t.Key === 'gameday:allowed' && t.Value === 'true'));
  });

  it('has the Route 53 health checks and the failover pair in the zone the outputs name', async () => {
    const primary = await r53.send(new GetHealthCheckCommand({ HealthCheckId: out['stack.PrimaryHealthCheckId'] }));
    assert.equal(primary.HealthCheck?.HealthCheckConfig?.ResourcePath, '/health');
    const secondary = await r53.send(new GetHealthCheckCommand({ HealthCheckId: out['stack.SecondaryHealthCheckId'] }));
    assert.equal(secondary.HealthCheck?.HealthCheckConfig?.FullyQualifiedDomainName, 'secondary-alb.us-west-2.elb.amazonaws.com');
    const records = await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: out['stack.HostedZoneId'] }));
    const pair = (records.ResourceRecordSets ?? []).filter((r) => r.Name === `${out['stack.RecordName'] as string}.`);
    assert.deepEqual(pair.map((r) => [r.Failover, r.HealthCheckId]).sort(), [
      ['PRIMARY', out['stack.PrimaryHealthCheckId']],
      ['SECONDARY', out['stack.SecondaryHealthCheckId']],
    ]);
    assert.equal(pair.find((r) => r.Failover === 'PRIMARY')?.AliasTarget?.DNSName, `${out['stack.LoadBalancerDNSName'] as string}.`);
    assert.equal(pair.find((r) => r.Failover === 'SECONDARY')?.AliasTarget?.DNSName, 'secondary-alb.us-west-2.elb.amazonaws.com.');
  });

  it('has the HealthyHostCount alarm the output names, not in ALARM', async () => {
    const { MetricAlarms: [alarm] = [] } = await cw.send(new DescribeAlarmsCommand({ AlarmNames: [out['stack.HealthyHostsAlarmName'] as string] }));
    assert.ok(alarm !== undefined);
    assert.equal(alarm.MetricName, 'HealthyHostCount');
    assert.equal(alarm.ComparisonOperator, 'LessThanThreshold');
    assert.equal(alarm.Threshold, 2);
    assert.notEqual(alarm.StateValue, 'ALARM');
  });
});
