import type { DnsRecord, HealthCheck, HostedZone } from '../model.js';
import { type MapContext, userTags } from './context.js';

type Json = Record<string, unknown>;

/** Route 53's checker regions the topology names; a check that names none uses all of them, as in Route 53. */
const CHECKER_REGIONS = ['us-east-1', 'us-west-1', 'us-west-2', 'eu-west-1', 'ap-southeast-1', 'ap-southeast-2', 'ap-northeast-1', 'sa-east-1'];
const RECORD_TYPES = new Set(['A', 'AAAA', 'CNAME', 'TXT']);
/** The prefix of the CallerReference a simulated region gives the checks its topology declares. */
const SIM_CALLER_PREFIX = 'gameday-sim-';

/** A DNS name without its trailing dot or a `dualstack.` prefix, lower-case: how aliases and ALB names are compared. */
function bare(name: string): string {
  return name
    .toLowerCase()
    .replace(/\.$/, '')
    .replace(/^dualstack\./, '');
}

/** The modelled ALB a DNS name is, if it is one. */
function albNamed(ctx: MapContext, dnsName: string): string | undefined {
  const lb = ctx.a.loadBalancers.find((l) => bare(l.dnsName) === bare(dnsName) && ctx.loadBalancerByArn.has(l.arn));
  return lb === undefined ? undefined : ctx.loadBalancerByArn.get(lb.arn);
}

/** Route 53 health checks the twin can probe; gives the name of each by its id. */
export function healthChecksOf(ctx: MapContext): { checks: Json[]; nameById: Map<string, string> } {
  const checks: Json[] = [];
  const nameById = new Map<string, string>();
  for (const h of ctx.a.healthChecks) {
    const type = h.type === 'HTTP_STR_MATCH' ? 'HTTP' : h.type === 'HTTPS_STR_MATCH' ? 'HTTPS' : h.type;
    if (type !== 'HTTP' && type !== 'HTTPS' && type !== 'TCP') {
      ctx.notes.push(`Route 53 health check ${h.id} is a ${h.type} check, which the twin does not model.`);
      continue;
    }
    if (type !== h.type) ctx.notes.push(`Route 53 health check ${h.id} matches a string in the body; the twin checks the status code only.`);
    const target = checkTarget(ctx, h);
    if (target === undefined) {
      ctx.notes.push(`Route 53 health check ${h.id} has no address or name and port the twin can probe.`);
      continue;
    }
    const original = h.tags.Name ?? nameFromCallerReference(h.callerReference) ?? `hc-${h.id.slice(0, 8)}`;
    const name = ctx.names.healthCheck.name(original);
    nameById.set(h.id, name);
    const spec: Json = { name, type, target, requestInterval: h.requestIntervalSeconds === 10 ? 10 : 30, failureThreshold: h.failureThreshold };
    if (type !== 'TCP' && h.resourcePath !== undefined) spec.resourcePath = h.resourcePath;
    if (h.requestIntervalSeconds !== 10 && h.requestIntervalSeconds !== 30)
      ctx.notes.push(`Route 53 health check ${h.id} checks every ${h.requestIntervalSeconds} s; the twin every 30 s.`);
    const regions = h.regions.filter((r) => CHECKER_REGIONS.includes(r));
    if (regions.length < h.regions.length)
      ctx.notes.push(
        `Route 53 health check ${h.id} names checker regions the twin does not have (${h.regions.filter((r) => !CHECKER_REGIONS.includes(r)).join(', ')}).`,
      );
    if (regions.length >= 3 && regions.length < CHECKER_REGIONS.length) spec.regions = regions;
    if (h.inverted) spec.inverted = true;
    if (h.disabled) spec.disabled = true;
    spec.tags = userTags(h.tags);
    checks.push(spec);
  }
  return { checks, nameById };
}

/**
 * A check's name from the reference its creator gave, when that reads as a name: the simulated region's
 * `gameday-sim-<name>` for the checks its topology declares, or a reference that already is a topology name (a
 * random reference, such as a UUID, is not).
 */
function nameFromCallerReference(reference: string | undefined): string | undefined {
  if (reference === undefined) return undefined;
  if (reference.startsWith(SIM_CALLER_PREFIX)) return reference.slice(SIM_CALLER_PREFIX.length);
  return /^[A-Za-z][A-Za-z0-9-]{0,31}$/.test(reference) && !/\d{4,}/.test(reference) ? reference : undefined;
}

/**
 * What a health check probes, as a topology says it. A name that is a modelled ALB's is `alb:<name>`. A loopback
 * address is a simulated region's ALB: only a simulated region serves load balancers on 127.0.0.0/8, and the ALB is
 * the one the records this check guards alias.
 */
function checkTarget(ctx: MapContext, h: HealthCheck): string | undefined {
  if (h.fqdn !== undefined) {
    const alb = albNamed(ctx, h.fqdn);
    if (alb !== undefined) return `alb:${alb}`;
    return h.port === undefined ? undefined : `${bare(h.fqdn)}:${h.port}`;
  }
  if (h.ipAddress === undefined || h.port === undefined) return undefined;
  if (h.ipAddress.startsWith('127.')) {
    const guarded = ctx.a.hostedZones.flatMap((z) => z.records).filter((r) => r.healthCheckId === h.id && r.alias !== undefined);
    const albs = new Set(guarded.map((r) => albNamed(ctx, r.alias?.dnsName ?? '')).filter((n) => n !== undefined));
    if (albs.size === 1) return `alb:${[...albs][0]}`;
  }
  return `${h.ipAddress}:${h.port}`;
}

/** Hosted zones and their record sets. */
export function hostedZonesOf(ctx: MapContext, checkNames: Map<string, string>): Json[] {
  const out: Json[] = [];
  for (const zone of ctx.a.hostedZones) {
    if (zone.private) ctx.notes.push(`Hosted zone '${zone.name}' (${zone.id}) is private; the twin answers it like a public zone.`);
    const records = zone.records.flatMap((r) => recordOf(ctx, zone, r, checkNames));
    out.push({ name: bare(zone.name), records });
  }
  return out;
}

function recordOf(ctx: MapContext, zone: HostedZone, r: DnsRecord, checkNames: Map<string, string>): Json[] {
  const fqdn = r.name.replace(/\\052/g, '*');
  const where = `Record ${fqdn} ${r.type}${r.setIdentifier === undefined ? '' : ` (${r.setIdentifier})`}`;
  // Route 53 makes the apex NS and SOA records of every zone itself, and so does the simulated region.
  if ((r.type === 'NS' || r.type === 'SOA') && bare(fqdn) === bare(zone.name)) return [];
  if (!RECORD_TYPES.has(r.type)) {
    ctx.notes.push(`${where} is not in the twin: it serves A, AAAA, CNAME and TXT records.`);
    return [];
  }
  if (r.region !== undefined || r.geoLocation !== undefined || r.multiValueAnswer === true) {
    ctx.notes.push(`${where} is not in the twin: it has latency, geolocation or multivalue routing, which the twin does not.`);
    return [];
  }
  const name = bare(fqdn) === bare(zone.name) ? '@' : bare(fqdn).endsWith(`.${bare(zone.name)}`) ? bare(fqdn).slice(0, -bare(zone.name).length - 1) : fqdn;
  const spec: Json = { name, type: r.type };
  if (r.alias !== undefined) {
    const alb = albNamed(ctx, r.alias.dnsName);
    if (alb !== undefined) spec.alias = `alb:${alb}`;
    else {
      spec.alias = `dns:${bare(r.alias.dnsName)}`;
      if (/^Z[A-Z0-9]{1,31}$/.test(r.alias.hostedZoneId)) spec.aliasHostedZoneId = r.alias.hostedZoneId;
      ctx.notes.push(`${where} aliases ${r.alias.dnsName}, outside the twin, which cannot answer for it.`);
    }
    spec.evaluateTargetHealth = r.alias.evaluateTargetHealth;
  } else {
    if (r.ttl !== undefined) spec.ttl = r.ttl;
    spec.values = r.values ?? [];
  }
  if (r.failover !== undefined || r.weight !== undefined) {
    if (r.setIdentifier !== undefined) spec.setIdentifier = r.setIdentifier;
    if (r.failover !== undefined) spec.failover = r.failover;
    if (r.weight !== undefined) spec.weight = r.weight;
  }
  if (r.healthCheckId !== undefined) {
    const check = checkNames.get(r.healthCheckId);
    if (check !== undefined) spec.healthCheck = check;
    else ctx.notes.push(`${where} is guarded by health check ${r.healthCheckId}, which is not in the twin.`);
  }
  return [spec];
}
