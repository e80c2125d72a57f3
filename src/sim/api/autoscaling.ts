import { SimApiError } from '../protocol/errors.js';
import type { QueryParams } from '../protocol/query.js';
import { awsQueryService, type QueryResult } from '../protocol/aws-query.js';
import type { XmlValue } from '../protocol/xml.js';
import type { SimWorld } from '../region.js';
import { cancelInstanceRefresh, instanceRefreshXml, resolveConfig, rollbackInstanceRefresh, startInstanceRefresh } from './autoscaling-instance-refresh.js';
import { SCALING_PROCESSES, type AsgMember, type ScalingActivity, type ScalingProcess, type SimAutoScalingGroup } from '../world/auto-scaling-group.js';

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
    DefaultInstanceWarmup: o.defaultInstanceWarmup === undefined ? undefined : Math.round(o.defaultInstanceWarmup / 1000),
    Instances: [...g.members.values()].map(memberXml),
    CreatedTime: g.createdTime.toISOString(),
    VPCZoneIdentifier: o.subnetIds.join(','),
    SuspendedProcesses: [...g.suspended].map(([ProcessName, SuspensionReason]) => ({ ProcessName, SuspensionReason })),
    Tags: tagsOf(g),
    TerminationPolicies: ['Default'],
    NewInstancesProtectedFromScaleIn: false,
  };
}

type TagDescription = {
  ResourceId: string;
  ResourceType: string;
  Key: string;
  Value: string;
  PropagateAtLaunch: boolean;
};

function tagsOf(g: SimAutoScalingGroup): TagDescription[] {
  return Object.entries(g.options.tags).map(([Key, Value]) => ({
    ResourceId: g.name,
    ResourceType: 'auto-scaling-group',
    Key,
    Value,
    PropagateAtLaunch: true,
  }));
}

/** The awsQuery `Filters.member.N.Name` / `Filters.member.N.Values.member.M` list. */
function filters(params: QueryParams): { name: string; values: string[] }[] {
  const out: { name: string; values: string[] }[] = [];
  for (let i = 1; ; i++) {
    const name = params.get(`Filters.member.${i}.Name`);
    if (name === undefined) return out;
    out.push({ name, values: params.memberList(`Filters.member.${i}.Values`) });
  }
}

/**
 * DescribeTags' filters (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeTags.html): a tag is
 * listed when it matches one of the values of every filter.
 */
const TAG_FILTERS: Readonly<Record<string, (t: TagDescription) => string>> = {
  'auto-scaling-group': (t) => t.ResourceId,
  key: (t) => t.Key,
  value: (t) => t.Value,
  'propagate-at-launch': (t) => String(t.PropagateAtLaunch),
};

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function processNames(params: QueryParams): ScalingProcess[] {
  const names = params.memberList('ScalingProcesses');
  for (const n of names) {
    // AWS's wording is assumed; the code is the one Auto Scaling answers bad input with.
    if (!(SCALING_PROCESSES as readonly string[]).includes(n))
      throw new SimApiError('ValidationError', `Process name ${n} is not one of: ${SCALING_PROCESSES.join(', ')}.`);
  }
  return names as ScalingProcess[];
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
    Details: a.Details,
  };
}

function group(world: SimWorld, name: string | undefined): SimAutoScalingGroup {
  const g = name === undefined ? undefined : world.autoScalingGroups.get(name);
  if (g === undefined) throw new SimApiError('ValidationError', `AutoScalingGroup name not found - ${name ?? 'null'}`);
  return g;
}

function page<T>(items: T[], params: QueryParams, maxName: string, limit = 100): { items: T[]; next: string | undefined } {
  const max = params.int(maxName) ?? 50;
  // AWS's wording is assumed; MaxRecords is documented as "the maximum value is 100".
  if (!Number.isInteger(max) || max < 1 || max > limit) throw new SimApiError('ValidationError', `MaxRecords must be between 1 and ${limit}, got ${max}.`);
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
    case 'DescribeInstanceRefreshes': {
      // A group the region does not have has no refreshes: an empty list, as DescribeScalingActivities answers (assumed).
      const g = world.autoScalingGroups.get(params.get('AutoScalingGroupName') ?? '');
      const ids = params.memberList('InstanceRefreshIds');
      const refreshes = (g?.instanceRefreshes ?? []).filter((r) => ids.length === 0 || ids.includes(r.id));
      const { items, next } = page(refreshes, params, 'MaxRecords');
      return { InstanceRefreshes: g === undefined ? [] : items.map((r) => instanceRefreshXml(g, r)), NextToken: next };
    }
    case 'StartInstanceRefresh':
      return startInstanceRefresh(world, group(world, params.get('AutoScalingGroupName')), params);
    case 'CancelInstanceRefresh':
      return cancelInstanceRefresh(group(world, params.get('AutoScalingGroupName')), params);
    case 'RollbackInstanceRefresh':
      return rollbackInstanceRefresh(world, group(world, params.get('AutoScalingGroupName')));
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
    case 'SuspendProcesses': {
      const g = group(world, params.get('AutoScalingGroupName'));
      g.suspend(processNames(params));
      return null;
    }
    case 'ResumeProcesses': {
      const g = group(world, params.get('AutoScalingGroupName'));
      g.resume(processNames(params));
      return null;
    }
    case 'DescribeTags': {
      const wanted = filters(params);
      for (const f of wanted) {
        // AWS's wording is assumed.
        if (TAG_FILTERS[f.name] === undefined)
          throw new SimApiError(
            'ValidationError',
            `Filter type ${f.name} is not correct. Allowed Filter types are: auto-scaling-group key value propagate-at-launch`,
          );
      }
      const tags = [...world.autoScalingGroups.values()]
        .flatMap(tagsOf)
        .filter((t) => wanted.every((f) => f.values.includes((TAG_FILTERS[f.name] as (t: TagDescription) => string)(t))))
        .sort((a, b) => byCodeUnits(a.ResourceId, b.ResourceId) || byCodeUnits(a.Key, b.Key));
      const { items, next } = page(tags, params, 'MaxRecords');
      return { Tags: items, NextToken: next };
    }
    case 'DetachInstances': {
      const g = group(world, params.get('AutoScalingGroupName'));
      const ids = params.memberList('InstanceIds');
      const decrement = params.bool('ShouldDecrementDesiredCapacity');
      // ShouldDecrementDesiredCapacity is required by the model; AWS's wording for its absence is assumed.
      if (decrement === undefined) throw new SimApiError('ValidationError', 'ShouldDecrementDesiredCapacity is required.');
      if (ids.length > 20) throw new SimApiError('ValidationError', 'You can specify up to 20 instances.');
      return { Activities: g.detach(ids, decrement).map(activityXml) };
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
      // A new launch template applies to the next launches; running instances keep theirs (drift) until replaced.
      const lt = ['LaunchTemplateId', 'LaunchTemplateName', 'Version'].map((k) => params.get(`LaunchTemplate.${k}`));
      const config = lt.some((v) => v !== undefined) ? resolveConfig(world, { id: lt[0], name: lt[1], version: lt[2] }) : undefined;
      const warmup = params.int('DefaultInstanceWarmup');
      const min = params.int('MinSize') ?? g.options.min;
      const max = params.int('MaxSize') ?? g.options.max;
      const desired = params.int('DesiredCapacity') ?? Math.min(max, Math.max(min, g.desired));
      // AWS's wording is assumed for these two.
      if (min > max) throw new SimApiError('ValidationError', `Max bound, ${max}, must be greater than or equal to min bound, ${min}`);
      if (desired < min || desired > max)
        throw new SimApiError('ValidationError', `Desired capacity:${desired} must be between the specified min size:${min} and max size:${max}`);
      if (config !== undefined) g.configure(config);
      // "To clear a previously set value, specify a value of -1" (API_UpdateAutoScalingGroup).
      if (warmup !== undefined) g.options.defaultInstanceWarmup = warmup < 0 ? undefined : warmup * 1000;
      g.options.min = min;
      g.options.max = max;
      g.setDesired(desired, { min, max });
      return null;
    }
    default:
      throw new SimApiError('InvalidAction', `Could not find operation ${action} for version 2011-01-01`);
  }
}

/** Auto Scaling as the server serves it: awsQuery. */
export const autoScalingService = awsQueryService<SimWorld>(AUTOSCALING_NS, autoScalingApi);
