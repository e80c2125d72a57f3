import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { CreateLaunchTemplateCommand, CreateSubnetCommand, CreateVpcCommand } from '@aws-sdk/client-ec2';
import { CreateListenerCommand, CreateLoadBalancerCommand, CreateTargetGroupCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { CreateDBInstanceCommand, CreateDBSubnetGroupCommand, RDSClient } from '@aws-sdk/client-rds';
import { ChangeResourceRecordSetsCommand, CreateHealthCheckCommand, CreateHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import { stringify } from 'yaml';
import { parseTopology } from '../../src/sim/topology.js';
import { gameday, tempDir } from '../support/cli.js';
import { AZS, MOTO_AMI, MOTO_CREDENTIALS, MOTO_REGION, type Moto, motoAvailability, motoClients, motoRuns, startMoto } from '../support/moto.js';
import { twinOf } from './support.js';

/**
 * Builds, with the SDK, the reference architecture in a moto_server account: a VPC with a subnet in three zones, a
 * launch template, an ALB with a target group and a listener, an Auto Scaling group of three behind it, a Multi-AZ
 * PostgreSQL instance, an alarm on the ALB, and a hosted zone with a failover pair guarded by a health check. The
 * names are those the ready experiments refer to (`web-alb`, `web-asg`, `web-tg`).
 */
export async function buildAccount(endpoint: string): Promise<void> {
  const c = motoClients(endpoint);
  const config = { endpoint, region: MOTO_REGION, credentials: MOTO_CREDENTIALS, maxAttempts: 1 };
  const rds = new RDSClient(config);
  const route53 = new Route53Client(config);
  const cloudWatch = new CloudWatchClient(config);
  try {
    const vpcId = (await c.ec2.send(new CreateVpcCommand({ CidrBlock: '10.1.0.0/16' }))).Vpc?.VpcId ?? '';
    const subnets: string[] = [];
    for (const [i, az] of AZS.entries())
      subnets.push((await c.ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `10.1.${i}.0/24`, AvailabilityZone: az }))).Subnet?.SubnetId ?? '');
    const lt = await c.ec2.send(
      new CreateLaunchTemplateCommand({ LaunchTemplateName: 'web-lt', LaunchTemplateData: { ImageId: MOTO_AMI, InstanceType: 't3.small' } }),
    );
    const tg = await c.elb.send(
      new CreateTargetGroupCommand({
        Name: 'web-tg',
        Protocol: 'HTTP',
        Port: 80,
        VpcId: vpcId,
        TargetType: 'instance',
        HealthCheckPath: '/health',
        HealthCheckIntervalSeconds: 10,
        HealthyThresholdCount: 3,
      }),
    );
    const targetGroupArn = tg.TargetGroups?.[0]?.TargetGroupArn ?? '';
    const lb = (await c.elb.send(new CreateLoadBalancerCommand({ Name: 'web-alb', Subnets: subnets, Type: 'application' }))).LoadBalancers?.[0];
    await c.elb.send(
      new CreateListenerCommand({
        LoadBalancerArn: lb?.LoadBalancerArn,
        Port: 80,
        Protocol: 'HTTP',
        DefaultActions: [{ Type: 'forward', TargetGroupArn: targetGroupArn }],
      }),
    );
    await c.asg.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: 'web-asg',
        LaunchTemplate: { LaunchTemplateId: lt.LaunchTemplate?.LaunchTemplateId, Version: '$Default' },
        MinSize: 3,
        MaxSize: 6,
        DesiredCapacity: 3,
        VPCZoneIdentifier: subnets.join(','),
        HealthCheckType: 'ELB',
        HealthCheckGracePeriod: 600,
        TargetGroupARNs: [targetGroupArn],
        Tags: [{ Key: 'gameday:allowed', Value: 'true', PropagateAtLaunch: true, ResourceId: 'web-asg', ResourceType: 'auto-scaling-group' }],
      }),
    );
    await rds.send(new CreateDBSubnetGroupCommand({ DBSubnetGroupName: 'orders', DBSubnetGroupDescription: 'orders', SubnetIds: subnets }));
    await rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: 'orders-db',
        Engine: 'postgres',
        DBInstanceClass: 'db.t3.micro',
        MultiAZ: true,
        AllocatedStorage: 20,
        MasterUsername: 'postgres',
        MasterUserPassword: 'not-a-secret-1',
        DBSubnetGroupName: 'orders',
        Tags: [{ Key: 'gameday:allowed', Value: 'true' }],
      }),
    );
    const lbSuffix = (lb?.LoadBalancerArn ?? '').split(':loadbalancer/')[1] ?? '';
    await cloudWatch.send(
      new PutMetricAlarmCommand({
        AlarmName: 'web-healthy-hosts',
        Namespace: 'AWS/ApplicationELB',
        MetricName: 'HealthyHostCount',
        Dimensions: [{ Name: 'LoadBalancer', Value: lbSuffix }],
        Statistic: 'Minimum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 2,
        ComparisonOperator: 'LessThanThreshold',
      }),
    );
    const zoneId = (await route53.send(new CreateHostedZoneCommand({ Name: 'example.com', CallerReference: 'twin-test' }))).HostedZone?.Id ?? '';
    const check = await route53.send(
      new CreateHealthCheckCommand({
        CallerReference: 'web-check',
        HealthCheckConfig: { Type: 'HTTP', FullyQualifiedDomainName: lb?.DNSName, Port: 80, ResourcePath: '/health', RequestInterval: 10, FailureThreshold: 2 },
      }),
    );
    await route53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: zoneId,
        ChangeBatch: {
          Changes: [
            {
              Action: 'CREATE',
              ResourceRecordSet: {
                Name: 'app.example.com',
                Type: 'A',
                SetIdentifier: 'primary',
                Failover: 'PRIMARY',
                HealthCheckId: check.HealthCheck?.Id,
                AliasTarget: { DNSName: lb?.DNSName, HostedZoneId: lb?.CanonicalHostedZoneId ?? 'Z35SXDOTRQ7X7K', EvaluateTargetHealth: true },
              },
            },
            {
              Action: 'CREATE',
              ResourceRecordSet: {
                Name: 'app.example.com',
                Type: 'A',
                SetIdentifier: 'secondary',
                Failover: 'SECONDARY',
                TTL: 60,
                ResourceRecords: [{ Value: '192.0.2.10' }],
              },
            },
          ],
        },
      }),
    );
  } finally {
    c.destroy();
    rds.destroy();
    route53.destroy();
    cloudWatch.destroy();
  }
}

describe('a twin of a moto_server account', () => {
  if (!motoRuns(motoAvailability())) return;
  let moto: Moto;
  before(async () => {
    moto = await startMoto();
    await buildAccount(moto.endpoint);
  });
  after(async () => moto?.close());

  it('holds what the SDK created, loads in the simulated region, and runs terminate-one-instance there', async () => {
    const { topology, notes, calls } = await twinOf(moto.endpoint, MOTO_REGION, MOTO_CREDENTIALS);
    assert.deepEqual(
      calls.filter((c) => c.mutating).map((c) => c.operation),
      [],
    );
    const twin = parseTopology(topology, 'twin of moto');
    const why = `notes:\n${notes.join('\n')}`;
    const asg = twin.autoScalingGroups.find((g) => g.name === 'web-asg');
    assert.ok(asg !== undefined, why);
    assert.deepEqual(
      {
        min: asg.min,
        max: asg.max,
        desired: asg.desired,
        type: asg.healthCheckType,
        grace: asg.healthCheckGracePeriod,
        tgs: asg.targetGroups,
        zones: asg.availabilityZones,
      },
      { min: 3, max: 6, desired: 3, type: 'ELB', grace: 600_000, tgs: ['web-tg'], zones: ['a', 'b', 'c'] },
    );
    assert.equal(twin.launchTemplates.find((l) => l.name === asg.launchTemplate)?.instanceType, 't3.small', why);
    const alb = twin.loadBalancers.find((l) => l.name === 'web-alb');
    assert.equal(alb?.targetGroup.name, 'web-tg', why);
    assert.equal(alb?.targetGroup.healthCheck.path, '/health');
    assert.equal(alb?.targetGroup.healthCheck.interval, 10_000);
    assert.equal(alb?.targetGroup.healthCheck.healthyThreshold, 3);
    const db = twin.databases.find((d) => d.id === 'orders-db');
    assert.equal(db?.multiAZ, true, why);
    assert.equal(db?.tags['gameday:allowed'], 'true');
    assert.deepEqual(
      twin.alarms.map((a) => [a.name, a.loadBalancer, a.metric, a.threshold]),
      [['web-healthy-hosts', 'web-alb', 'HealthyHostCount', 2]],
      why,
    );
    const zone = twin.hostedZones.find((z) => z.name === 'example.com');
    const records = (zone?.records ?? []).filter((r) => r.name === 'app');
    assert.deepEqual(
      records.map((r) => [r.failover, r.alias ?? r.values?.join(','), r.evaluateTargetHealth, r.healthCheck !== undefined]),
      [
        ['PRIMARY', 'alb:web-alb', true, true],
        ['SECONDARY', '192.0.2.10', false, false],
      ],
      why,
    );
    const check = twin.healthChecks.find((h) => h.name === records[0]?.healthCheck);
    assert.deepEqual(
      [check?.name, check?.target, check?.resourcePath, check?.requestInterval, check?.failureThreshold],
      ['web-check', 'alb:web-alb', '/health', 10, 2],
      why,
    );

    // The twin runs an example experiment unchanged: the names it refers to are the account's.
    const tmp = await tempDir();
    try {
      const file = join(tmp.dir, 'twin.yaml');
      await writeFile(file, stringify(topology));
      const journal = join(tmp.dir, 'journal.json');
      const run = await gameday(
        ['run', 'experiments/terminate-one-instance.yaml', '--topology', file, '--speed', '60', '--journal', journal, '--view', 'none'],
        {
          timeoutMs: 180_000,
        },
      );
      assert.equal(run.code, 0, `${run.stderr}\n${why}`);
    } finally {
      await tmp.cleanup();
    }
  });
});
