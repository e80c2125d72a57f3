import { SimApiError } from '../protocol/errors.js';
import type { QueryParams } from '../protocol/query.js';
import { awsQueryService, type QueryResult } from '../protocol/aws-query.js';
import type { XmlValue } from '../protocol/xml.js';
import type { SimWorld } from '../region.js';
import type { SimLoadBalancer } from '../world/load-balancer.js';
import type { SimTargetGroup } from '../world/target-group.js';

const ELBV2_NS = 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/';

function lbXml(lb: SimLoadBalancer): XmlValue {
  return {
    LoadBalancerArn: lb.arn,
    DNSName: lb.dnsName,
    CanonicalHostedZoneId: 'Z35SXDOTRQ7X7K',
    CreatedTime: lb.createdTime.toISOString(),
    LoadBalancerName: lb.name,
    Scheme: 'internet-facing',
    VpcId: lb.vpcId,
    State: { Code: 'active' },
    Type: 'application',
    AvailabilityZones: lb.availabilityZones.map((ZoneName, i) => ({ ZoneName, SubnetId: lb.subnetIds[i] })),
    IpAddressType: 'ipv4',
  };
}

function tgXml(tg: SimTargetGroup): XmlValue {
  const hc = tg.healthCheck;
  return {
    TargetGroupArn: tg.arn,
    TargetGroupName: tg.name,
    Protocol: 'HTTP',
    Port: tg.port,
    VpcId: tg.vpcId,
    HealthCheckProtocol: 'HTTP',
    HealthCheckPort: 'traffic-port',
    HealthCheckEnabled: true,
    HealthCheckIntervalSeconds: Math.round(hc.interval / 1000),
    HealthCheckTimeoutSeconds: Math.round(hc.timeout / 1000),
    HealthyThresholdCount: hc.healthyThreshold,
    UnhealthyThresholdCount: hc.unhealthyThreshold,
    HealthCheckPath: hc.path,
    Matcher: { HttpCode: hc.matcher },
    LoadBalancerArns: tg.loadBalancerArns,
    TargetType: 'instance',
    ProtocolVersion: 'HTTP1',
    IpAddressType: 'ipv4',
  };
}

function targetGroup(world: SimWorld, arn: string | undefined): SimTargetGroup {
  const tg = [...world.targetGroups.values()].find((t) => t.arn === arn);
  if (tg === undefined) throw new SimApiError('TargetGroupNotFound', `Target groups '${arn ?? ''}' not found`);
  return tg;
}

function loadBalancer(world: SimWorld, arn: string | undefined): SimLoadBalancer {
  const lb = [...world.loadBalancers.values()].find((l) => l.arn === arn);
  if (lb === undefined) throw new SimApiError('LoadBalancerNotFound', `Load balancers '[${arn ?? ''}]' not found`);
  return lb;
}

/** The tags of a load balancer or target group named by its ARN. */
function taggable(world: SimWorld, arn: string): Map<string, string> {
  return arn.includes(':targetgroup/') ? targetGroup(world, arn).tags : loadBalancer(world, arn).tags;
}

/** ResourceArns of DescribeTags, AddTags and RemoveTags: "You can specify up to 20 resources in a single call." */
function resourceArns(params: QueryParams): string[] {
  const arns = params.memberList('ResourceArns');
  // AWS's wording for both is assumed.
  if (arns.length === 0) throw new SimApiError('ValidationError', 'ResourceArns must contain at least one ARN.');
  if (arns.length > 20) throw new SimApiError('ValidationError', `ResourceArns must contain at most 20 ARNs, got ${arns.length}.`);
  return arns;
}

/** `Attributes.member.N.Key` / `.Value` of the Modify…Attributes calls. */
function attributes(params: QueryParams): { Key: string; Value: string }[] {
  return params.memberStructs('Attributes').map((a) => ({ Key: a.Key ?? '', Value: a.Value ?? '' }));
}

/** Elastic Load Balancing v2 (awsQuery) API of the simulated region. */
function elbv2Api(world: SimWorld, params: QueryParams): QueryResult {
  const action = params.action;
  switch (action) {
    case 'DescribeLoadBalancers': {
      const arns = params.memberList('LoadBalancerArns');
      const names = params.memberList('Names');
      const all = [...world.loadBalancers.values()];
      for (const a of arns) if (!all.some((lb) => lb.arn === a)) throw new SimApiError('LoadBalancerNotFound', `Load balancers '[${a}]' not found`);
      for (const n of names) if (!all.some((lb) => lb.name === n)) throw new SimApiError('LoadBalancerNotFound', `Load balancers '[${n}]' not found`);
      const lbs = all.filter((lb) => (arns.length === 0 || arns.includes(lb.arn)) && (names.length === 0 || names.includes(lb.name)));
      return { LoadBalancers: lbs.map(lbXml) };
    }
    case 'DescribeTargetGroups': {
      const arns = params.memberList('TargetGroupArns');
      const names = params.memberList('Names');
      const lbArn = params.get('LoadBalancerArn');
      const all = [...world.targetGroups.values()];
      for (const a of arns) if (!all.some((t) => t.arn === a)) throw new SimApiError('TargetGroupNotFound', `Target groups '[${a}]' not found`);
      for (const n of names) if (!all.some((t) => t.name === n)) throw new SimApiError('TargetGroupNotFound', `One or more target groups not found`);
      if (lbArn !== undefined && ![...world.loadBalancers.values()].some((lb) => lb.arn === lbArn))
        throw new SimApiError('LoadBalancerNotFound', `Load balancers '[${lbArn}]' not found`);
      const tgs = all.filter(
        (t) =>
          (arns.length === 0 || arns.includes(t.arn)) &&
          (names.length === 0 || names.includes(t.name)) &&
          (lbArn === undefined || t.loadBalancerArns.includes(lbArn)),
      );
      return { TargetGroups: tgs.map(tgXml) };
    }
    case 'DescribeTargetHealth': {
      const tg = targetGroup(world, params.get('TargetGroupArn'));
      const wanted = params.memberStructs('Targets').map((t) => t.Id ?? '');
      const entries =
        wanted.length > 0
          ? wanted.map((id) => ({ id, entry: tg.targets.get(id) }))
          : [...tg.targets.values()].map((entry) => ({ id: entry.instance.id, entry }));
      return {
        TargetHealthDescriptions: entries.map(({ id, entry }) =>
          entry === undefined
            ? {
                Target: { Id: id, Port: tg.port },
                TargetHealth: { State: 'unused', Reason: 'Target.NotRegistered', Description: 'Target is not registered to the target group' },
              }
            : {
                Target: { Id: id, Port: entry.port, AvailabilityZone: entry.instance.spec.availabilityZone },
                HealthCheckPort: String(entry.port),
                TargetHealth: { State: entry.state, Reason: entry.reason, Description: entry.description },
              },
        ),
      };
    }
    case 'RegisterTargets': {
      const tg = targetGroup(world, params.get('TargetGroupArn'));
      const targets = params.memberStructs('Targets');
      for (const t of targets) {
        const instance = world.instances.get(t.Id ?? '');
        if (instance === undefined || instance.state !== 'running') {
          throw new SimApiError('InvalidTarget', `The following targets are not in a running state and cannot be registered: '${t.Id ?? ''}'`);
        }
      }
      for (const t of targets) tg.register(world.instances.get(t.Id ?? '') as never, t.Port === undefined ? undefined : Number(t.Port));
      return {};
    }
    case 'DeregisterTargets': {
      const tg = targetGroup(world, params.get('TargetGroupArn'));
      for (const t of params.memberStructs('Targets')) {
        if (!tg.targets.has(t.Id ?? '')) throw new SimApiError('InvalidTarget', `The target '${t.Id ?? ''}' is not registered with the target group`);
      }
      for (const t of params.memberStructs('Targets')) tg.deregister(t.Id ?? '');
      return {};
    }
    case 'DescribeListeners': {
      const lbArn = params.get('LoadBalancerArn');
      const lbs = [...world.loadBalancers.values()].filter((lb) => lbArn === undefined || lb.arn === lbArn);
      if (lbArn !== undefined && lbs.length === 0) throw new SimApiError('LoadBalancerNotFound', `Load balancers '[${lbArn}]' not found`);
      return {
        Listeners: lbs.map((lb) => ({
          ListenerArn: `${lb.arn.replace(':loadbalancer/', ':listener/')}/0000000000000001`,
          LoadBalancerArn: lb.arn,
          Port: 80,
          Protocol: 'HTTP',
          DefaultActions: [{ Type: 'forward', TargetGroupArn: lb.targetGroup.arn }],
        })),
      };
    }
    case 'DescribeTargetGroupAttributes':
      return { Attributes: targetGroup(world, params.get('TargetGroupArn')).attributes() };
    case 'ModifyTargetGroupAttributes': {
      const tg = targetGroup(world, params.get('TargetGroupArn'));
      tg.setAttributes(attributes(params));
      return { Attributes: tg.attributes() };
    }
    case 'DescribeLoadBalancerAttributes':
      return { Attributes: loadBalancer(world, params.get('LoadBalancerArn')).attributes() };
    case 'ModifyLoadBalancerAttributes': {
      const lb = loadBalancer(world, params.get('LoadBalancerArn'));
      lb.setAttributes(attributes(params));
      return { Attributes: lb.attributes() };
    }
    case 'DescribeTags': {
      const arns = resourceArns(params);
      return {
        TagDescriptions: arns.map((ResourceArn) => ({ ResourceArn, Tags: [...taggable(world, ResourceArn)].map(([Key, Value]) => ({ Key, Value })) })),
      };
    }
    case 'AddTags': {
      const maps = resourceArns(params).map((arn) => taggable(world, arn));
      const tags = params.memberStructs('Tags').map((t) => ({ Key: t.Key ?? '', Value: t.Value ?? '' }));
      const keys = tags.map((t) => t.Key);
      // https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_AddTags.html: "Each resource can have a
      // maximum of 50 tags"; the messages are assumed.
      if (new Set(keys).size !== keys.length) throw new SimApiError('DuplicateTagKeys', 'A tag key was specified more than once.');
      for (const m of maps)
        if (new Set([...m.keys(), ...keys]).size > 50)
          throw new SimApiError('TooManyTags', 'You have reached the limit on the number of tags for this resource.');
      for (const m of maps) for (const t of tags) m.set(t.Key, t.Value);
      return {};
    }
    case 'RemoveTags': {
      const maps = resourceArns(params).map((arn) => taggable(world, arn));
      const keys = params.memberList('TagKeys');
      for (const m of maps) for (const k of keys) m.delete(k);
      return {};
    }
    default:
      throw new SimApiError('InvalidAction', `Could not find operation ${action} for version 2015-12-01`);
  }
}

/** Elastic Load Balancing v2 as the server serves it: awsQuery. */
export const elbv2Service = awsQueryService<SimWorld>(ELBV2_NS, elbv2Api);
