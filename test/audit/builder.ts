import { type Architecture, emptyArchitecture } from '../../src/architecture/model.js';
import type { AuditObjectives } from '../../src/audit/finding.js';

export const REGION = 'us-east-1';
export const ACCOUNT = '123456789012';
const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
export const TG_ARN = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:targetgroup/web-tg/0123456789abcdef`;
export const LB_ARN = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:loadbalancer/app/web-alb/0123456789abcdef`;
export const ASG_ARN = `arn:aws:autoscaling:${REGION}:${ACCOUNT}:autoScalingGroup:1:autoScalingGroupName/web-asg`;
export const LB_DNS = 'web-alb-1234567890.us-east-1.elb.amazonaws.com';

export const OBJECTIVES: AuditObjectives = { rtoSeconds: 300, need: {} };

/**
 * The reference architecture (experiments/topologies/reference.yaml, plus a Multi-AZ database, a DNS failover pair
 * and a NAT gateway per zone) as the reader would give it: the architecture every rule must find nothing wrong with.
 * `zones` narrows it (the fragile variants); each instance is one per zone, round robin.
 */
export function reference(options: { zones?: string[]; instances?: number } = {}): Architecture {
  const zones = options.zones ?? ZONES;
  const n = options.instances ?? 3;
  const a = emptyArchitecture({ kind: 'topology', name: 'reference' }, REGION, ACCOUNT);
  a.regionZones = [...ZONES];
  a.vpcs = [{ id: 'vpc-1', cidr: '10.0.0.0/16', isDefault: false }];
  a.subnets = zones.map((zone, i) => ({ id: `subnet-${i}`, vpcId: 'vpc-1', zone, cidr: `10.0.${i}.0/24`, public: false }));
  a.natGateways = zones.map((zone, i) => ({ id: `nat-${i}`, subnetId: `subnet-${i}`, zone, state: 'available' }));
  a.routeTables = zones.map((_, i) => ({
    id: `rtb-${i}`,
    vpcId: 'vpc-1',
    subnetIds: [`subnet-${i}`],
    main: false,
    natGatewayIds: [`nat-${i}`],
    internetGatewayIds: [],
  }));
  a.launchTemplates = [
    { id: 'lt-1', name: 'web-lt', defaultVersion: 1, latestVersion: 1, versions: [{ number: 1, imageId: 'ami-1', instanceType: 't3.micro' }] },
  ];
  const ids = Array.from({ length: n }, (_, i) => `i-${String(i).padStart(17, '0')}`);
  a.instances = ids.map((id, i) => ({
    id,
    arn: `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/${id}`,
    zone: zones[i % zones.length] ?? '',
    subnetId: `subnet-${i % zones.length}`,
    state: 'running',
    imageId: 'ami-1',
    instanceType: 't3.micro',
    launchTemplate: { id: 'lt-1', version: '1' },
    autoScalingGroup: 'web-asg',
    tags: { 'aws:autoscaling:groupName': 'web-asg', 'gameday:allowed': 'true' },
  }));
  a.autoScalingGroups = [
    {
      name: 'web-asg',
      arn: ASG_ARN,
      min: n,
      max: 2 * n,
      desired: n,
      zones: [...zones],
      subnetIds: a.subnets.map((s) => s.id),
      healthCheckType: 'ELB',
      healthCheckGracePeriodSeconds: 600,
      launchTemplate: { id: 'lt-1', name: 'web-lt', version: '1' },
      suspendedProcesses: [],
      targetGroupArns: [TG_ARN],
      loadBalancerNames: [],
      instances: a.instances.map((i) => ({ id: i.id, zone: i.zone, lifecycleState: 'InService', healthStatus: 'Healthy', launchTemplateVersion: '1' })),
      tags: { 'gameday:allowed': 'true' },
      instanceRefreshes: [],
    },
  ];
  a.loadBalancers = [
    {
      name: 'web-alb',
      arn: LB_ARN,
      dnsName: LB_DNS,
      canonicalHostedZoneId: 'Z35SXDOTRQ7X7K',
      type: 'application',
      scheme: 'internet-facing',
      zones: [...zones],
      subnetIds: a.subnets.map((s) => s.id),
      crossZone: true,
      listeners: [{ arn: `${LB_ARN}/l1`, port: 80, protocol: 'HTTP', targetGroupArns: [TG_ARN] }],
      tags: {},
    },
  ];
  a.targetGroups = [
    {
      name: 'web-tg',
      arn: TG_ARN,
      loadBalancerArns: [LB_ARN],
      port: 8080,
      protocol: 'HTTP',
      targetType: 'instance',
      healthCheck: {
        enabled: true,
        protocol: 'HTTP',
        path: '/health',
        intervalSeconds: 30,
        timeoutSeconds: 5,
        healthyThreshold: 5,
        unhealthyThreshold: 2,
        matcher: '200',
      },
      targets: a.instances.map((i) => ({ id: i.id, port: 8080, zone: i.zone, state: 'healthy' })),
    },
  ];
  a.alarms = [
    {
      name: 'web-healthy-hosts',
      arn: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:web-healthy-hosts`,
      namespace: 'AWS/ApplicationELB',
      metric: 'HealthyHostCount',
      statistic: 'Minimum',
      dimensions: { LoadBalancer: 'app/web-alb/0123456789abcdef' },
      periodSeconds: 60,
      evaluationPeriods: 1,
      threshold: 2,
      comparison: 'LessThanThreshold',
    },
  ];
  a.databases = [
    {
      id: 'orders-db',
      arn: `arn:aws:rds:${REGION}:${ACCOUNT}:db:orders-db`,
      engine: 'postgres',
      instanceClass: 'db.t3.micro',
      status: 'available',
      multiAZ: true,
      zone: zones[0],
      secondaryZone: zones[1],
      port: 5432,
      endpoint: `orders-db.abc.${REGION}.rds.amazonaws.com`,
      subnetGroup: { name: 'db-subnets', zones: [...zones] },
      readReplicaIds: [],
      tags: {},
    },
  ];
  a.healthChecks = [
    {
      id: 'hc-primary',
      type: 'HTTP',
      fqdn: LB_DNS,
      port: 80,
      resourcePath: '/health',
      requestIntervalSeconds: 10,
      failureThreshold: 3,
      inverted: false,
      disabled: false,
      regions: [],
      tags: { Name: 'primary-hc' },
    },
  ];
  a.hostedZones = [
    {
      id: '/hostedzone/Z0123',
      name: 'example.com.',
      private: false,
      records: [
        {
          name: 'app.example.com.',
          type: 'A',
          alias: { dnsName: `${LB_DNS}.`, hostedZoneId: 'Z35SXDOTRQ7X7K', evaluateTargetHealth: true },
          setIdentifier: 'primary',
          failover: 'PRIMARY',
          healthCheckId: 'hc-primary',
        },
        { name: 'app.example.com.', type: 'A', ttl: 60, values: ['192.0.2.10'], setIdentifier: 'secondary', failover: 'SECONDARY' },
      ],
    },
  ];
  a.stacks = [{ name: 'reference', id: 'stack-1', resources: [], updatePolicies: [{ autoScalingGroup: 'web-asg', policy: 'AutoScalingRollingUpdate' }] }];
  return a;
}

/** The reference with one change: the way each test plants a weakness. */
export function referenceWith(change: (a: Architecture) => void): Architecture {
  const a = reference();
  change(a);
  return a;
}
