import { SimApiError } from '../protocol/errors.js';
import type { QueryParams } from '../protocol/query.js';
import { awsQueryService, type QueryResult } from '../protocol/aws-query.js';
import type { XmlValue } from '../protocol/xml.js';
import type { SimWorld } from '../region.js';
import type { AsgMember, ScalingActivity, SimAutoScalingGroup } from '../world/auto-scaling-group.js';

const AUTOSCALING_NS = 'http://autoscaling.amazonaws.com/doc/2011-01-01/';

function memberXml(m: AsgMember): Record<string, XmlValue> {
  return {
    InstanceId: m.instance.id,
    InstanceType: m.instance.spec.instanceType,
    AvailabilityZone: m.instance.spec.availabilityZone,
    LifecycleState: m.lifecycle,
    HealthStatus: m.health,
    LaunchTemplate: { LaunchTemplateId: m.launchTemplate.id, LaunchTemplateName: m.launchTemplate.name, Version: m.launchTemplate.version },
    ProtectedFromScaleIn: false,
  };
}

function groupXml(g: SimAutoScalingGroup): XmlValue {
  const o = g.options;
  return {
    AutoScalingGroupName: g.name,
    AutoScalingGroupARN: o.arn,
    LaunchTemplate: { LaunchTemplateId: o.launchTemplate.id, LaunchTemplateName: o.launchTemplate.name, Version: o.launchTemplate.version },
    MinSize: o.min,
    MaxSize: o.max,
    DesiredCapacity: g.desired,
    DefaultCooldown: 300,
    AvailabilityZones: o.availabilityZones,
    LoadBalancerNames: [],
    TargetGroupARNs: o.targetGroups.map((t) => t.arn),
    HealthCheckType: o.healthCheckType,
    HealthCheckGracePeriod: Math.round(o.healthCheckGracePeriod / 1000),
    Instances: [...g.members.values()].map(memberXml),
    CreatedTime: g.createdTime.toISOString(),
    VPCZoneIdentifier: o.subnetIds.join(','),
    Tags: Object.entries(o.tags).map(([Key, Value]) => ({ ResourceId: g.name, ResourceType: 'auto-scaling-group', Key, Value, PropagateAtLaunch: true })),
    TerminationPolicies: ['Default'],
    NewInstancesProtectedFromScaleIn: false,
  };
}

function activityXml(a: ScalingActivity): XmlValue {
  return {
    ActivityId: a.ActivityId,
    AutoScalingGroupName: a.AutoScalingGroupName,
    Description: a.Description,
    Cause: a.Cause,
    StartTime: a.StartTime.toISOString(),
    EndTime: a.EndTime?.toISOString(),
    StatusCode: a.StatusCode,
    StatusMessage: a.StatusMessage,
    Progress: a.Progress,
  };
}

function group(world: SimWorld, name: string | undefined): SimAutoScalingGroup {
  const g = name === undefined ? undefined : world.autoScalingGroups.get(name);
  if (g === undefined) throw new SimApiError('ValidationError', `AutoScalingGroup name not found - ${name ?? 'null'}`);
  return g;
}

function page<T>(items: T[], params: QueryParams, maxName: string): { items: T[]; next: string | undefined } {
  const max = params.int(maxName) ?? 50;
  const start = Number(params.get('NextToken') ?? '0');
  if (!Number.isInteger(start) || start < 0) throw new SimApiError('InvalidNextToken', 'The token is not valid.');
  return { items: items.slice(start, start + max), next: start + max < items.length ? String(start + max) : undefined };
}

/** Auto Scaling (awsQuery) API of the simulated region. */
function autoScalingApi(world: SimWorld, params: QueryParams): QueryResult {
  const action = params.action;
  switch (action) {
    case 'DescribeAutoScalingGroups': {
      const names = params.memberList('AutoScalingGroupNames');
      const groups = [...world.autoScalingGroups.values()].filter((g) => names.length === 0 || names.includes(g.name));
      const { items, next } = page(groups, params, 'MaxRecords');
      return { AutoScalingGroups: items.map(groupXml), NextToken: next };
    }
    case 'DescribeAutoScalingInstances': {
      const ids = params.memberList('InstanceIds');
      const members = [...world.autoScalingGroups.values()].flatMap((g) =>
        [...g.members.values()].filter((m) => ids.length === 0 || ids.includes(m.instance.id)).map((m) => ({ ...memberXml(m), AutoScalingGroupName: g.name })),
      );
      const { items, next } = page(members, params, 'MaxRecords');
      return { AutoScalingInstances: items, NextToken: next };
    }
    case 'DescribeScalingActivities': {
      const name = params.get('AutoScalingGroupName');
      const activities =
        name === undefined ? [...world.autoScalingGroups.values()].flatMap((g) => g.activities) : (world.autoScalingGroups.get(name)?.activities ?? []);
      const { items, next } = page(activities, params, 'MaxRecords');
      return { Activities: items.map(activityXml), NextToken: next };
    }
    case 'SetDesiredCapacity': {
      const g = group(world, params.get('AutoScalingGroupName'));
      const n = params.int('DesiredCapacity');
      if (n === undefined || n < g.options.min || n > g.options.max) {
        throw new SimApiError(
          'ValidationError',
          `New SetDesiredCapacity value ${n ?? 'null'} is ${n !== undefined && n > g.options.max ? `above max value ${g.options.max}` : `below min value ${g.options.min}`} for the AutoScalingGroup.`,
        );
      }
      g.setDesired(n);
      return null;
    }
    case 'SetInstanceHealth': {
      const id = params.get('InstanceId') ?? '';
      const health = params.get('HealthStatus');
      const g = [...world.autoScalingGroups.values()].find((x) => x.members.has(id));
      if (g === undefined) throw new SimApiError('ValidationError', `Instance Id not found - No managed instance found for instance ID: ${id}`);
      if (health !== 'Healthy' && health !== 'Unhealthy')
        throw new SimApiError('ValidationError', `Valid health status values are Healthy and Unhealthy, got ${health ?? 'null'}`);
      g.setHealth(id, health);
      return null;
    }
    case 'TerminateInstanceInAutoScalingGroup': {
      const id = params.get('InstanceId') ?? '';
      const g = [...world.autoScalingGroups.values()].find((x) => x.members.has(id));
      if (g === undefined) throw new SimApiError('ValidationError', `Instance Id not found - No managed instance found for instance ID: ${id}`);
      const activity = g.terminateMember(id, params.bool('ShouldDecrementDesiredCapacity') === true);
      return { Activity: activityXml(activity) };
    }
    case 'UpdateAutoScalingGroup': {
      const g = group(world, params.get('AutoScalingGroupName'));
      const vpcZoneIdentifier = params.get('VPCZoneIdentifier');
      if (vpcZoneIdentifier !== undefined) {
        const subnetIds = vpcZoneIdentifier.split(',').map((id) => id.trim());
        const subnets = subnetIds.map((id) => {
          const subnet = world.subnets.find((s) => s.id === id);
          if (subnet === undefined) throw new SimApiError('ValidationError', `The subnet ID '${id}' does not exist`);
          return subnet;
        });
        g.setZones([...new Set(subnets.map((s) => s.zone))], subnetIds);
      }
      const desired = params.int('DesiredCapacity');
      if (desired !== undefined) g.setDesired(desired);
      return null;
    }
    default:
      throw new SimApiError('InvalidAction', `Could not find operation ${action} for version 2011-01-01`);
  }
}

/** Auto Scaling as the server serves it: awsQuery. */
export const autoScalingService = awsQueryService<SimWorld>(AUTOSCALING_NS, autoScalingApi);
