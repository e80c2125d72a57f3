import { createHash } from 'node:crypto';
import { elbHostedZoneId } from '../world/elb-hosted-zone.js';
import type { CfnValue } from './intrinsics.js';
import type { Resource } from './resources/context.js';
import { TemplateError } from './template-error.js';

/** A `${sim:…}` reference to an output of the region, filled with the real value once the region has built it. */
export const sim = (key: string): string => `\${sim:${key}}`;

/** A short stable digest, for generated names and stand-in ids that do not change between translations. */
export const hash = (text: string, n: number): string => createHash('sha256').update(text).digest('hex').slice(0, n);

/** Id prefixes of stand-ins for EC2 networking resources, so `Ref` values look like what EC2 returns. */
const ID_PREFIX: Record<string, string> = {
  'AWS::EC2::VPC': 'vpc',
  'AWS::EC2::Subnet': 'subnet',
  'AWS::EC2::SecurityGroup': 'sg',
  'AWS::EC2::InternetGateway': 'igw',
  'AWS::EC2::RouteTable': 'rtb',
  'AWS::EC2::NatGateway': 'nat',
  'AWS::EC2::VPCEndpoint': 'vpce',
  'AWS::EC2::NetworkAcl': 'acl',
};

/** What reading a reference needs of the template's evaluation. */
export interface ReferenceContext {
  readonly region: string;
  readonly accountId: string;
  readonly stack: string;
  resource(id: string, path: string): Resource;
  name(id: string): string;
  prop(r: Resource, key: string): CfnValue | undefined;
  /** Remembers that `value` stands for resource `id`, so later references to it can be followed. */
  own<T extends CfnValue>(value: T, id: string): T;
  generatedName(id: string, lower: boolean): string;
  subnetZone(r: Resource): string;
}

/** What `Ref` of a resource reads as: its name, or the `${sim:…}` output that the region fills with the real id. */
export function refValue(ctx: ReferenceContext, id: string, path: string): CfnValue {
  const r = ctx.resource(id, path);
  switch (r.type) {
    case 'AWS::AutoScaling::AutoScalingGroup':
    case 'AWS::RDS::DBInstance':
    case 'AWS::CloudWatch::Alarm':
      return ctx.own(ctx.name(id), id);
    case 'AWS::EC2::LaunchTemplate':
      return ctx.own(sim(`lt.${ctx.name(id)}.id`), id);
    case 'AWS::ElasticLoadBalancingV2::LoadBalancer':
      return ctx.own(sim(`alb.${ctx.name(id)}.arn`), id);
    case 'AWS::ElasticLoadBalancingV2::TargetGroup':
      return ctx.own(sim(`tg.${ctx.name(id)}.arn`), id);
    case 'AWS::Route53::HostedZone':
      return ctx.own(sim(`route53.zone.${ctx.name(id)}.id`), id);
    case 'AWS::Route53::HealthCheck':
      return ctx.own(sim(`route53.healthcheck.${ctx.name(id)}.id`), id);
    case 'AWS::Route53::RecordSet': {
      const name = ctx.prop(r, 'Name');
      return typeof name === 'string' ? name : id;
    }
    case 'AWS::EC2::VPC':
      return ctx.own(sim('vpc.id'), id);
    default: {
      const prefix = ID_PREFIX[r.type];
      return ctx.own(prefix === undefined ? ctx.generatedName(id, false) : `${prefix}-${hash(`${ctx.stack}/${id}`, 17)}`, id);
    }
  }
}

/** What `Fn::GetAtt` of a resource reads as; an attribute the region does not know is refused. */
export function getAttValue(ctx: ReferenceContext, id: string, attribute: string, path: string): CfnValue {
  const r = ctx.resource(id, path);
  const name = (): string => ctx.name(id);
  const unknown = (): never => {
    throw new TemplateError(path, `Fn::GetAtt asks ${id} (${r.type}) for '${attribute}', an attribute the simulated region does not know`);
  };
  switch (r.type) {
    case 'AWS::EC2::LaunchTemplate':
      if (attribute === 'LaunchTemplateId') return ctx.own(sim(`lt.${name()}.id`), id);
      if (attribute === 'LatestVersionNumber' || attribute === 'DefaultVersionNumber') return '1';
      return unknown();
    case 'AWS::ElasticLoadBalancingV2::LoadBalancer':
      if (attribute === 'DNSName') return ctx.own(sim(`alb.${name()}.dnsName`), id);
      if (attribute === 'LoadBalancerFullName') return ctx.own(sim(`alb.${name()}.fullName`), id);
      if (attribute === 'LoadBalancerArn') return ctx.own(sim(`alb.${name()}.arn`), id);
      if (attribute === 'LoadBalancerName') return name();
      if (attribute === 'CanonicalHostedZoneID') return elbHostedZoneId(ctx.region);
      if (attribute === 'SecurityGroups') return [];
      return unknown();
    case 'AWS::ElasticLoadBalancingV2::TargetGroup':
      if (attribute === 'TargetGroupArn') return ctx.own(sim(`tg.${name()}.arn`), id);
      if (attribute === 'TargetGroupFullName') return ctx.own(sim(`tg.${name()}.fullName`), id);
      if (attribute === 'TargetGroupName') return name();
      return unknown();
    case 'AWS::AutoScaling::AutoScalingGroup':
      return unknown();
    case 'AWS::RDS::DBInstance':
      if (attribute === 'Endpoint.Address') return ctx.own(sim(`rds.${name()}.endpoint`), id);
      if (attribute === 'Endpoint.Port') return sim(`rds.${name()}.port`);
      if (attribute === 'DBInstanceArn') return ctx.own(`arn:aws:rds:${ctx.region}:${ctx.accountId}:db:${name()}`, id);
      return unknown();
    case 'AWS::Route53::HostedZone':
      if (attribute === 'Id') return ctx.own(sim(`route53.zone.${name()}.id`), id);
      if (attribute === 'NameServers') return ['ns-1.awsdns-00.com', 'ns-2.awsdns-00.net', 'ns-3.awsdns-00.org', 'ns-4.awsdns-00.co.uk'];
      return unknown();
    case 'AWS::Route53::HealthCheck':
      if (attribute === 'HealthCheckId') return ctx.own(sim(`route53.healthcheck.${name()}.id`), id);
      return unknown();
    case 'AWS::CloudWatch::Alarm':
      if (attribute === 'Arn') return `arn:aws:cloudwatch:${ctx.region}:${ctx.accountId}:alarm:${name()}`;
      return unknown();
    case 'AWS::EC2::Subnet':
      if (attribute === 'AvailabilityZone') return ctx.subnetZone(r);
      if (attribute === 'SubnetId') return refValue(ctx, id, path);
      return `${id}.${attribute}`;
    default:
      // Not modelled: a stand-in value, so the template evaluates; the note on the resource says it is not real.
      return `${id}.${attribute}`;
  }
}
