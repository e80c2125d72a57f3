import type { CfnValue } from '../intrinsics.js';
import { TemplateError } from '../template-error.js';
import { bool, number, tags } from './values.js';
import { isMap, type Resource, type TranslationContext } from './context.js';

/* Route 53 health checks and record sets. */

/** A Route 53 health check of an address, a load balancer of the stack, or (disabled) a name outside it. */
export function healthCheck(ctx: TranslationContext, r: Resource): Record<string, unknown> {
  const p = ctx.props(r);
  const at = `${r.path}.Properties.HealthCheckConfig`;
  const c = p.HealthCheckConfig;
  if (!isMap(c)) throw new TemplateError(at, 'a health check needs a HealthCheckConfig');
  let type = typeof c.Type === 'string' ? c.Type : '';
  if (type === 'HTTP_STR_MATCH' || type === 'HTTPS_STR_MATCH') {
    ctx.note(`${at}.Type ${type}: the simulated check does not match SearchString, only the status.`);
    type = type.slice(0, -'_STR_MATCH'.length);
  }
  if (type !== 'HTTP' && type !== 'HTTPS' && type !== 'TCP')
    throw new TemplateError(`${at}.Type`, `'${type}' health checks are not modelled; the simulated region probes HTTP, HTTPS and TCP endpoints`);
  const port = number(c.Port ?? undefined, `${at}.Port`, type === 'HTTPS' ? 443 : 80);
  const fqdn = c.FullyQualifiedDomainName;
  let target: string;
  let disabled = bool(c.Disabled ?? undefined, `${at}.Disabled`, false);
  const lb = ctx.ownerOf(fqdn);
  if (typeof c.IPAddress === 'string') {
    target = `${c.IPAddress}:${port}`;
  } else if (lb?.type === 'AWS::ElasticLoadBalancingV2::LoadBalancer') {
    target = `alb:${ctx.name(lb.id)}`;
  } else if (typeof fqdn === 'string' && /^([A-Za-z0-9-]+\.)+[A-Za-z]{2,}\.?$/.test(fqdn)) {
    target = `${fqdn}:${port}`;
    if (!disabled)
      ctx.note(`${r.path} probes ${fqdn}, outside this stack; the simulated region creates the check disabled (Route 53 counts a disabled check healthy).`);
    disabled = true;
  } else {
    throw new TemplateError(at, 'a health check needs an IPAddress or a FullyQualifiedDomainName');
  }
  const interval = number(c.RequestInterval ?? undefined, `${at}.RequestInterval`, 30);
  if (interval !== 10 && interval !== 30) throw new TemplateError(`${at}.RequestInterval`, `is ${interval}; Route 53 checks every 10 or 30 seconds`);
  return {
    name: ctx.name(r.id),
    type,
    target,
    ...(type === 'TCP' ? {} : { resourcePath: typeof c.ResourcePath === 'string' ? c.ResourcePath : '/' }),
    requestInterval: interval,
    failureThreshold: number(c.FailureThreshold ?? undefined, `${at}.FailureThreshold`, 3),
    inverted: bool(c.Inverted ?? undefined, `${at}.Inverted`, false),
    disabled,
    tags: tags(p.HealthCheckTags ?? undefined, `${r.path}.Properties.HealthCheckTags`),
  };
}

type Zones = Map<string, { name: string; records: Record<string, unknown>[] }>;

/** Adds an AWS::Route53::RecordSet to its zone in `zones`, creating a stand-in for a zone outside the stack. */
export function recordSet(ctx: TranslationContext, r: Resource, zones: Zones): void {
  addRecord(ctx, ctx.props(r), `${r.path}.Properties`, zones);
}

/** Adds each record of an AWS::Route53::RecordSetGroup, in the group's hosted zone, as `recordSet` does. */
export function recordSetGroup(ctx: TranslationContext, r: Resource, zones: Zones): void {
  const p = ctx.props(r);
  if (!Array.isArray(p.RecordSets)) throw new TemplateError(`${r.path}.Properties.RecordSets`, 'a record set group needs a list of RecordSets');
  p.RecordSets.forEach((item, i) => {
    const at = `${r.path}.Properties.RecordSets[${i}]`;
    if (!isMap(item)) throw new TemplateError(at, 'each record of a group is a map of record set properties');
    const zone: Record<string, CfnValue> = {};
    if (p.HostedZoneId !== undefined) zone.HostedZoneId = p.HostedZoneId;
    if (p.HostedZoneName !== undefined) zone.HostedZoneName = p.HostedZoneName;
    addRecord(ctx, { ...zone, ...(item as Record<string, CfnValue>) }, at, zones);
  });
}

/**
 * A record's routing policy properties as topology fields: Region (latency), GeoLocation, MultiValueAnswer and
 * GeoProximityLocation; undefined when the record is not modelled (IP-based routing).
 */
function routing(ctx: TranslationContext, p: Record<string, CfnValue>, at: (k: string) => string): Record<string, unknown> | undefined {
  if (p.CidrRoutingConfig !== undefined) {
    ctx.note(`${at('CidrRoutingConfig')}: IP-based routing is not modelled, so the simulated region does not create the record.`);
    return undefined;
  }
  const out: Record<string, unknown> = {};
  if (p.Region !== undefined) {
    if (typeof p.Region !== 'string') throw new TemplateError(at('Region'), 'is a Region name such as eu-central-1');
    out.region = p.Region;
  }
  if (p.GeoLocation !== undefined) {
    const g = p.GeoLocation;
    if (!isMap(g)) throw new TemplateError(at('GeoLocation'), 'is a map of ContinentCode, CountryCode and SubdivisionCode');
    out.geolocation = {
      ...(typeof g.ContinentCode === 'string' ? { continent: g.ContinentCode } : {}),
      ...(typeof g.CountryCode === 'string' ? { country: g.CountryCode } : {}),
      ...(typeof g.SubdivisionCode === 'string' ? { subdivision: g.SubdivisionCode } : {}),
    };
  }
  if (bool(p.MultiValueAnswer ?? undefined, at('MultiValueAnswer'), false)) out.multiValueAnswer = true;
  if (p.GeoProximityLocation !== undefined) {
    const g = p.GeoProximityLocation;
    const where = at('GeoProximityLocation');
    if (!isMap(g)) throw new TemplateError(where, 'is a map of AWSRegion, LocalZoneGroup or Coordinates, and Bias');
    const c = g.Coordinates;
    if (c !== undefined && !isMap(c)) throw new TemplateError(`${where}.Coordinates`, 'is a map of Latitude and Longitude');
    out.geoproximity = {
      ...(typeof g.AWSRegion === 'string' ? { region: g.AWSRegion } : {}),
      ...(typeof g.LocalZoneGroup === 'string' ? { localZoneGroup: g.LocalZoneGroup } : {}),
      ...(isMap(c)
        ? {
            coordinates: {
              latitude: number(c.Latitude as CfnValue, `${where}.Coordinates.Latitude`),
              longitude: number(c.Longitude as CfnValue, `${where}.Coordinates.Longitude`),
            },
          }
        : {}),
      ...(g.Bias === undefined ? {} : { bias: number(g.Bias as CfnValue, `${where}.Bias`) }),
    };
  }
  return out;
}

function addRecord(ctx: TranslationContext, p: Record<string, CfnValue>, path: string, zones: Zones): void {
  const at = (k: string): string => `${path}.${k}`;
  const routed = routing(ctx, p, at);
  if (routed === undefined) return;
  if (typeof p.Name !== 'string') throw new TemplateError(at('Name'), 'a record needs a Name');
  const recordName = p.Name.replace(/\.$/, '').toLowerCase();
  let zone: { name: string; records: Record<string, unknown>[] } | undefined;
  const owner = ctx.ownerOf(p.HostedZoneId);
  if (owner?.type === 'AWS::Route53::HostedZone') zone = zones.get(owner.id);
  else if (typeof p.HostedZoneName === 'string')
    zone = [...zones.values()].find((z) => z.name === (p.HostedZoneName as string).replace(/\.$/, '').toLowerCase());
  if (zone === undefined) {
    // A zone that exists outside the stack: the region needs one to answer the record from.
    const name = typeof p.HostedZoneName === 'string' ? p.HostedZoneName.replace(/\.$/, '').toLowerCase() : recordName.slice(recordName.indexOf('.') + 1);
    if (!/^([a-z0-9-]+\.)+[a-z]{2,}$/.test(name))
      throw new TemplateError(at('HostedZoneId'), `names a zone outside the stack, and '${name}' is no domain the simulated region can create it as`);
    const key = `external:${name}`;
    zone = zones.get(key) ?? { name, records: [] };
    zones.set(key, zone);
    ctx.note(
      `${at('HostedZoneId')} names the existing zone ${String(p.HostedZoneId ?? p.HostedZoneName)}; the simulated region creates a zone ${name} to hold the record.`,
    );
  }
  if (recordName !== zone.name && !recordName.endsWith(`.${zone.name}`)) throw new TemplateError(at('Name'), `'${recordName}' is not in the zone ${zone.name}`);
  const type = typeof p.Type === 'string' ? p.Type : '';
  if (!['A', 'AAAA', 'CNAME', 'TXT'].includes(type)) {
    ctx.note(`${at('Type')}: ${type} records are not modelled, so the simulated region does not create the record.`);
    return;
  }
  const record: Record<string, unknown> = { name: `${recordName}.`, type };
  if (isMap(p.AliasTarget)) {
    const target = ctx.ownerOf(p.AliasTarget.DNSName);
    if (target?.type === 'AWS::ElasticLoadBalancingV2::LoadBalancer') record.alias = `alb:${ctx.name(target.id)}`;
    else if (typeof p.AliasTarget.DNSName === 'string' && /^([A-Za-z0-9-]+\.)+[A-Za-z]{2,}\.?$/.test(p.AliasTarget.DNSName)) {
      record.alias = `dns:${p.AliasTarget.DNSName}`;
      if (typeof p.AliasTarget.HostedZoneId === 'string' && /^Z[A-Z0-9]{1,31}$/.test(p.AliasTarget.HostedZoneId))
        record.aliasHostedZoneId = p.AliasTarget.HostedZoneId;
      ctx.note(`${at('AliasTarget')} points at ${p.AliasTarget.DNSName}, outside this stack; the simulated region answers the record with no address.`);
    } else throw new TemplateError(`${at('AliasTarget')}.DNSName`, 'an alias target needs a DNS name');
    record.evaluateTargetHealth = bool(p.AliasTarget.EvaluateTargetHealth ?? undefined, `${at('AliasTarget')}.EvaluateTargetHealth`, false);
  } else {
    if (!Array.isArray(p.ResourceRecords) || p.ResourceRecords.length === 0)
      throw new TemplateError(at('ResourceRecords'), 'a record needs ResourceRecords or an AliasTarget');
    record.values = p.ResourceRecords.map(String);
    record.ttl = number(p.TTL ?? undefined, at('TTL'));
  }
  if (typeof p.SetIdentifier === 'string') record.setIdentifier = p.SetIdentifier;
  if (p.Failover === 'PRIMARY' || p.Failover === 'SECONDARY') record.failover = p.Failover;
  else if (p.Failover !== undefined) throw new TemplateError(at('Failover'), 'is PRIMARY or SECONDARY');
  if (p.Weight !== undefined) record.weight = number(p.Weight, at('Weight'));
  Object.assign(record, routed);
  if (p.HealthCheckId !== undefined) {
    const hc = ctx.ownerOf(p.HealthCheckId);
    if (hc?.type !== 'AWS::Route53::HealthCheck') ctx.note(`${at('HealthCheckId')} names a health check outside this stack; the simulated record has none.`);
    else record.healthCheck = ctx.name(hc.id);
  }
  zone.records.push(record);
}
