import type { Architecture } from '../../src/architecture/model.js';
import { reference } from './builder.js';

/** Each planted weakness and the rule that must find it (and only it must be new). */
export const WEAKNESSES: { rule: string; plant: (a: Architecture) => void; severity?: string }[] = [
  { rule: 'asg-fewer-than-three-zones', plant: (a) => Object.assign(a, reference({ zones: ['us-east-1a', 'us-east-1b'], instances: 4 })) },
  { rule: 'lb-fewer-than-three-zones', plant: (a) => a.loadBalancers[0]?.zones.splice(2) },
  { rule: 'subnets-fewer-than-three-zones', plant: (a) => a.subnets.splice(2) },
  {
    rule: 'zone-imbalanced-capacity',
    plant: (a) => {
      const g = a.autoScalingGroups[0];
      if (g === undefined) return;
      for (const [i, z] of ['us-east-1a', 'us-east-1a', 'us-east-1a', 'us-east-1b', 'us-east-1c'].entries())
        g.instances[i] = { id: `i-${i}`, zone: z, lifecycleState: 'InService', healthStatus: 'Healthy', launchTemplateVersion: '1' };
    },
  },
  { rule: 'capacity-below-need-after-zone-loss', plant: (a) => Object.assign(a.autoScalingGroups[0] ?? {}, { min: 3 }) && a.alarms.splice(0) },
  {
    rule: 'instance-outside-asg',
    plant: (a) => {
      a.instances.push({
        id: 'i-lone',
        arn: 'arn:aws:ec2:us-east-1:123456789012:instance/i-lone',
        zone: 'us-east-1a',
        state: 'running',
        imageId: 'ami-1',
        instanceType: 't3.micro',
        tags: {},
      });
      a.targetGroups[0]?.targets.push({ id: 'i-lone', state: 'healthy' });
    },
  },
  { rule: 'lb-without-asg', plant: (a) => Object.assign(a.autoScalingGroups[0] ?? {}, { targetGroupArns: [] }) },
  { rule: 'asg-ec2-health-check-behind-lb', plant: (a) => Object.assign(a.autoScalingGroups[0] ?? {}, { healthCheckType: 'EC2' }) },
  { rule: 'asg-suspended-processes', plant: (a) => a.autoScalingGroups[0]?.suspendedProcesses.push('ReplaceUnhealthy') },
  {
    rule: 'cross-zone-off-uneven-targets',
    plant: (a) => {
      Object.assign(a.loadBalancers[0] ?? {}, { crossZone: false });
      a.targetGroups[0]?.targets.push({ id: 'i-extra', zone: 'us-east-1a', state: 'healthy' });
    },
  },
  { rule: 'target-group-health-check-shallow', plant: (a) => Object.assign(a.targetGroups[0]?.healthCheck ?? {}, { path: '/' }) },
  { rule: 'rds-single-az', plant: (a) => Object.assign(a.databases[0] ?? {}, { multiAZ: false, secondaryZone: undefined }) },
  { rule: 'db-subnet-group-one-zone', plant: (a) => Object.assign(a.databases[0] ?? {}, { subnetGroup: { name: 'one', zones: ['us-east-1a'] } }) },
  {
    rule: 'db-cluster-single-zone',
    plant: (a) =>
      a.dbClusters.push({
        id: 'ledger',
        arn: 'arn:aws:rds:us-east-1:123456789012:cluster:ledger',
        engine: 'postgres',
        status: 'available',
        multiAZ: false,
        zones: ['us-east-1a'],
        members: [
          { id: 'ledger-1', writer: true, zone: 'us-east-1a' },
          { id: 'ledger-2', writer: false, zone: 'us-east-1a' },
        ],
        tags: {},
      }),
  },
  {
    rule: 'dns-routed-record-without-health-check',
    plant: (a) => Object.assign(a.hostedZones[0]?.records[0] ?? {}, { healthCheckId: undefined, alias: undefined, ttl: 60, values: ['192.0.2.1'] }),
  },
  { rule: 'dns-alias-without-evaluate-target-health', plant: (a) => Object.assign(a.hostedZones[0]?.records[0]?.alias ?? {}, { evaluateTargetHealth: false }) },
  { rule: 'dns-health-check-wrong-path', plant: (a) => Object.assign(a.healthChecks[0] ?? {}, { resourcePath: '/status' }) },
  { rule: 'dns-failover-slower-than-rto', plant: (a) => Object.assign(a.healthChecks[0] ?? {}, { requestIntervalSeconds: 30, failureThreshold: 10 }) },
  {
    rule: 'asg-instance-drift',
    plant: (a) =>
      Object.assign(a.autoScalingGroups[0]?.instances[0] ?? {}, { launchTemplateVersion: '2' }) &&
      a.launchTemplates[0]?.versions.push({ number: 2, imageId: 'ami-0', instanceType: 't3.micro' }),
  },
  { rule: 'asg-no-update-policy-or-refresh', plant: (a) => a.stacks.splice(0) },
  { rule: 'instance-changed-in-place', plant: (a) => Object.assign(a.instances[0] ?? {}, { instanceType: 't3.large' }) },
  {
    rule: 'nat-gateway-shared-across-zones',
    plant: (a) => {
      for (const rt of a.routeTables) rt.natGatewayIds = ['nat-0'];
    },
  },
  {
    rule: 'dns-failover-pair-in-one-region',
    plant: (a) => {
      const secondary = a.hostedZones[0]?.records.find((r) => r.failover === 'SECONDARY');
      if (secondary === undefined) return;
      delete secondary.values;
      delete secondary.ttl;
      secondary.alias = { dnsName: 'standby-alb-99.us-east-1.elb.amazonaws.com.', hostedZoneId: 'Z35SXDOTRQ7X7K', evaluateTargetHealth: true };
    },
  },
];
