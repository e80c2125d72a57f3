/**
 * DNS: Route 53 routes away from what is unhealthy only when it knows health (a health check, or an alias evaluating
 * its target's), checks what users use, and fails over within the RTO, the resolvers' caches included.
 */
import type { DnsRecord, HealthCheck, HostedZone } from '../../architecture/model.js';
import { healthCheckArn, hostedZoneArn } from '../arn.js';
import { dnsFailoverExperiment, type Secondary } from '../experiments/dns-failover.js';
import { dnsSiteLossExperiment } from '../experiments/dns-site-loss.js';
import type { Finding, ProvingExperiment } from '../finding.js';
import { REF } from '../references.js';
import { type AuditContext, finding, type RuleInfo } from './rule.js';

// A SECONDARY failover record needs no check: Route 53 answers with it when the primary is unhealthy, whatever its
// own health (Route 53 Developer Guide, failover routing), so only primaries and active-active records are judged.

/** Route 53 gives an alias to a load balancer the load balancer's TTL, 60 s (Route 53 Developer Guide, alias records). */
export const ALIAS_TTL_S = 60;

export const NO_HEALTH: RuleInfo = {
  id: 'dns-routed-record-without-health-check',
  layer: 'dns',
  severity: 'high',
  principle:
    'Failover, weighted, latency and multivalue records route around failure only with health: a record without a health check (or an alias evaluating its target) is always answered.',
  fix: 'Associate a health check with the record, or, for an alias to a load balancer, set EvaluateTargetHealth.',
  reference: REF.route53Failover,
};
export const ALIAS_NO_EVALUATE: RuleInfo = {
  id: 'dns-alias-without-evaluate-target-health',
  layer: 'dns',
  severity: 'medium',
  principle: 'An alias to a load balancer evaluates the target’s health, so Route 53 stops answering with a load balancer that has no healthy target.',
  fix: 'Set EvaluateTargetHealth on the alias record.',
  reference: REF.route53EvaluateTargetHealth,
};
export const WRONG_PATH: RuleInfo = {
  id: 'dns-health-check-wrong-path',
  layer: 'dns',
  severity: 'medium',
  principle:
    'A Route 53 health check asks what the load balancer’s own checks ask: on another path (or `/`) it can call healthy what the load balancer has taken out.',
  fix: 'Point the health check’s ResourcePath at the target group’s health path.',
  reference: REF.route53HealthOfEndpoints,
};
export const SLOW_FAILOVER: RuleInfo = {
  id: 'dns-failover-slower-than-rto',
  layer: 'dns',
  severity: 'high',
  principle:
    'DNS failover completes within the RTO: Route 53 notices after request interval × failure threshold, and resolvers keep the old answer for the TTL.',
  fix: 'Lower the record’s TTL, use the 10-s request interval, or lower the failure threshold until detection + TTL fits the RTO.',
  reference: REF.route53HealthOfEndpoints,
};
export const SAME_REGION_PAIR: RuleInfo = {
  id: 'dns-failover-pair-in-one-region',
  layer: 'dns',
  severity: 'high',
  principle:
    'Active-passive failover keeps a standby for when every primary resource is unhealthy: a SECONDARY in the PRIMARY’s Region goes down with it in a Region outage, and Route 53 has nothing healthy left to answer with.',
  fix: 'Point the SECONDARY at a site in another Region (a standby stack, or a static page there), with its own health or target-health evaluation.',
  reference: REF.route53ActivePassive,
};
export const CLAIM_DNS_FAILOVER: RuleInfo = { ...SLOW_FAILOVER, id: 'claim-dns-failover', severity: 'info' };

const routed = (r: DnsRecord) => r.failover !== undefined || r.weight !== undefined || r.region !== undefined || r.multiValueAnswer === true;
const recordArn = (z: HostedZone) => hostedZoneArn(z.id);
const records = (ctx: AuditContext) => ctx.a.hostedZones.flatMap((z) => z.records.map((r) => ({ z, r })));
const lbOf = (ctx: AuditContext, dnsName: string) => {
  const name = dnsName
    .replace(/\.$/, '')
    .replace(/^dualstack\./i, '')
    .toLowerCase();
  return ctx.a.loadBalancers.find((lb) => lb.dnsName.toLowerCase() === name);
};
const label = (r: DnsRecord) => `${r.name.replace(/\.$/, '')} ${r.type}${r.setIdentifier === undefined ? '' : ` (${r.setIdentifier})`}`;

/** The SECONDARY of a primary's pair, and whether the twin answers it (plain values, or an alias to a load balancer it holds). */
function secondaryOf(ctx: AuditContext, z: HostedZone, r: DnsRecord): Secondary | undefined {
  const record = z.records.find((s) => s.failover === 'SECONDARY' && s.name === r.name && s.type === r.type && s.setIdentifier !== r.setIdentifier);
  return record === undefined ? undefined : { record, answered: record.alias === undefined || lbOf(ctx, record.alias.dnsName) !== undefined };
}

/**
 * A PRIMARY failover alias to a load balancer of the architecture with Auto Scaling groups behind it is proven by
 * killing that site; any other routed record (weighted, latency, multivalue, or a primary elsewhere) is not.
 */
function siteLossProof(ctx: AuditContext, z: HostedZone, r: DnsRecord): { experiment: ProvingExperiment } | { unprovable: string } {
  const lb = r.failover === 'PRIMARY' && r.alias !== undefined ? lbOf(ctx, r.alias.dnsName) : undefined;
  const tgs = lb === undefined ? [] : ctx.a.targetGroups.filter((tg) => tg.loadBalancerArns.includes(lb.arn)).map((tg) => tg.arn);
  const groups = ctx.a.autoScalingGroups.filter((g) => g.targetGroupArns.some((arn) => tgs.includes(arn)));
  if (lb === undefined || groups.length === 0)
    return {
      unprovable:
        'The record routes to nothing of this architecture whose site gameday can take down: only a primary alias to a load balancer with Auto Scaling groups behind it is proven.',
    };
  return { experiment: dnsSiteLossExperiment(ctx, NO_HEALTH.id, r, lb, groups, secondaryOf(ctx, z, r)) };
}

function withoutHealth(ctx: AuditContext): Finding[] {
  return records(ctx)
    .filter(({ r }) => routed(r) && r.failover !== 'SECONDARY' && r.healthCheckId === undefined && r.alias?.evaluateTargetHealth !== true)
    .map(({ z, r }) =>
      finding(NO_HEALTH, {
        title: `${r.failover !== undefined ? `Failover ${r.failover}` : 'Routed'} record ${label(r)} has no health check.`,
        evidence: [recordArn(z)],
        ...siteLossProof(ctx, z, r),
      }),
    );
}

function aliasEvaluate(ctx: AuditContext): Finding[] {
  const out: Finding[] = [];
  for (const { z, r } of records(ctx)) {
    if (r.alias === undefined || r.alias.evaluateTargetHealth) continue;
    const lb = lbOf(ctx, r.alias.dnsName);
    // A load balancer of the architecture, or one of another account or region (its name says ELB).
    if (lb === undefined && !/\.elb\.amazonaws\.com\.?$/i.test(r.alias.dnsName)) continue;
    out.push(
      finding(ALIAS_NO_EVALUATE, {
        title: `Alias ${label(r)} to ${r.alias.dnsName} does not evaluate target health.`,
        evidence: [recordArn(z), ...(lb === undefined ? [] : [lb.arn])],
        severity: routed(r) ? 'medium' : 'low',
        unprovable: 'The fault is a load balancer with no healthy target; emptying it takes every instance of a group, which the guards refuse.',
      }),
    );
  }
  return out;
}

function wrongPath(ctx: AuditContext): Finding[] {
  const out: Finding[] = [];
  for (const hc of ctx.a.healthChecks.filter((h) => h.type.startsWith('HTTP'))) {
    const lb = hc.fqdn === undefined ? undefined : lbOf(ctx, hc.fqdn);
    const lbPath = lb === undefined ? undefined : ctx.a.targetGroups.find((tg) => tg.loadBalancerArns.includes(lb.arn))?.healthCheck.path;
    const path = hc.resourcePath ?? '/';
    const wrong = (lbPath !== undefined && path !== lbPath) || path === '/';
    if (!wrong) continue;
    out.push(
      finding(WRONG_PATH, {
        title: `Route 53 health check ${hc.id} asks '${path}'${lbPath === undefined ? '' : ` of ${lb?.name ?? ''}, whose targets are checked on '${lbPath}'`}.`,
        evidence: [healthCheckArn(hc.id), ...(lb === undefined ? [] : [lb.arn])],
        unprovable: 'The fault is an application that serves one path but not the other; the twin’s workloads are healthy or dead as a whole.',
      }),
    );
  }
  return out;
}

/** How long a resolver keeps the record's answer: its TTL, or for an alias its target's (60 s for a load balancer). */
export function ttlOf(r: DnsRecord): number {
  return r.ttl ?? (r.alias === undefined ? 0 : ALIAS_TTL_S);
}

/** Seconds from a failure to a resolver's last stale answer: detection (interval × threshold) plus the TTL. */
export function failoverSeconds(r: DnsRecord, hc: HealthCheck): number {
  return hc.requestIntervalSeconds * hc.failureThreshold + ttlOf(r);
}

function failoverTiming(ctx: AuditContext): Finding[] {
  const out: Finding[] = [];
  for (const { z, r } of records(ctx).filter(({ r }) => r.failover === 'PRIMARY' && r.healthCheckId !== undefined)) {
    const hc = ctx.a.healthChecks.find((h) => h.id === r.healthCheckId);
    if (hc === undefined) continue;
    const total = failoverSeconds(r, hc);
    const ttl = ttlOf(r);
    const title = `Failover of ${label(r)} takes up to ${total} s (${hc.requestIntervalSeconds} s × ${hc.failureThreshold} to detect, TTL ${ttl} s) against an RTO of ${ctx.objectives.rtoSeconds} s.`;
    const rule = total > ctx.objectives.rtoSeconds ? SLOW_FAILOVER : CLAIM_DNS_FAILOVER;
    out.push(
      finding(rule, {
        title,
        evidence: [recordArn(z), healthCheckArn(hc.id)],
        experiment: dnsFailoverExperiment(ctx, rule.id, r, hc, ttl, secondaryOf(ctx, z, r)),
      }),
    );
  }
  return out;
}

const REGION_IN_NAME = /\.([a-z]{2}(?:-[a-z]+)+-\d)\.elb\.amazonaws\.com\.?$/i;
const regionOfArn = (arn: string): string | undefined => arn.split(':')[3] || undefined;

/**
 * The Region a record's answers sit in, when the architecture says: an alias to a load balancer (its ARN, or the
 * Region an ELB name carries), or values that are addresses of the architecture's instances. `undefined` otherwise.
 */
export function regionOfTarget(ctx: AuditContext, r: DnsRecord): string | undefined {
  if (r.alias !== undefined) {
    const lb = lbOf(ctx, r.alias.dnsName);
    return lb === undefined ? REGION_IN_NAME.exec(r.alias.dnsName)?.[1]?.toLowerCase() : regionOfArn(lb.arn);
  }
  const regions = new Set(
    (r.values ?? []).map((v) => ctx.a.instances.find((i) => i.privateIp === v)?.arn).map((arn) => (arn === undefined ? undefined : regionOfArn(arn))),
  );
  const [only] = regions;
  return regions.size === 1 ? only : undefined;
}

function sameRegionPair(ctx: AuditContext): Finding[] {
  const out: Finding[] = [];
  for (const { z, r } of records(ctx).filter(({ r }) => r.failover === 'PRIMARY')) {
    const secondary = secondaryOf(ctx, z, r)?.record;
    const region = regionOfTarget(ctx, r);
    if (secondary === undefined || region === undefined || regionOfTarget(ctx, secondary) !== region) continue;
    const lbs = [r, secondary].map((x) => (x.alias === undefined ? undefined : lbOf(ctx, x.alias.dnsName)?.arn)).filter((arn) => arn !== undefined);
    out.push(
      finding(SAME_REGION_PAIR, {
        title: `Failover pair ${label(r)} and ${label(secondary)} both answer from ${region}: a Region outage takes both.`,
        evidence: [recordArn(z), ...lbs],
        unprovable:
          'Both sites are in one Region, so the twin has no other Region to fail over to; on the account, aws.scenario.region-outage (with the Region in safety.allowedRegions) shows it.',
      }),
    );
  }
  return out;
}

export const dnsRules = [withoutHealth, aliasEvaluate, wrongPath, failoverTiming, sameRegionPair];
