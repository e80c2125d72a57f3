/**
 * Load balancing with Auto Scaling: whatever serves traffic is replaced when it fails, the group replaces what the load
 * balancer finds dead, and nothing switches that replacement off.
 */
import type { TargetGroup } from '../../architecture/model.js';
import { ec2Arn } from '../arn.js';
import { appFailureExperiment } from '../experiments/app-failure.js';
import { replacementExperiment } from '../experiments/replacement.js';
import { frontOf } from '../experiments/site.js';
import type { Finding } from '../finding.js';
import { REF } from '../references.js';
import { type AuditContext, finding, type RuleInfo } from './rule.js';

const NOT_REPLACEABLE =
  'Nothing replaces it, so an experiment that takes it away is a permanent loss in the account: none is written. Put it in an Auto Scaling group first; that group’s experiments then apply.';

export const LONE_INSTANCE: RuleInfo = {
  id: 'instance-outside-asg',
  layer: 'load-balancing',
  severity: 'high',
  principle: 'Whatever serves traffic is replaced automatically when it fails: an instance outside an Auto Scaling group is lost for good.',
  fix: 'Launch the instance from a launch template in an Auto Scaling group attached to the target group, then deregister it.',
  reference: REF.asgAttachLoadBalancer,
};
export const LB_WITHOUT_ASG: RuleInfo = {
  id: 'lb-without-asg',
  layer: 'load-balancing',
  severity: 'high',
  principle: 'A load balancer needs an Auto Scaling group behind it, so the targets it loses are replaced.',
  fix: 'Attach an Auto Scaling group to the load balancer’s target groups.',
  reference: REF.asgAttachLoadBalancer,
};
export const EC2_HEALTH_BEHIND_LB: RuleInfo = {
  id: 'asg-ec2-health-check-behind-lb',
  layer: 'load-balancing',
  severity: 'high',
  principle:
    'A group behind a load balancer uses its health checks: with EC2 checks only, an instance whose application died keeps running, out of the load balancer, never replaced.',
  fix: 'Set the group’s health check type to ELB, with a grace period that covers boot and the first passing checks.',
  reference: REF.asgHealthChecks,
};
export const SUSPENDED: RuleInfo = {
  id: 'asg-suspended-processes',
  layer: 'load-balancing',
  severity: 'high',
  principle:
    'Self-healing stays on: a suspended Launch, HealthCheck or ReplaceUnhealthy stops replacement; a suspended AZRebalance leaves the group lopsided after a zone returns.',
  fix: 'Resume the processes (aws autoscaling resume-processes) once the maintenance that suspended them is over.',
  reference: REF.asgSuspend,
};
export const CROSS_ZONE_UNEVEN: RuleInfo = {
  id: 'cross-zone-off-uneven-targets',
  layer: 'load-balancing',
  severity: 'medium',
  principle: 'With cross-zone load balancing off, each zone’s node sends its share to its own zone’s targets: uneven zones overload the smaller ones.',
  fix: 'Turn cross-zone load balancing on, or keep the same number of targets in every zone.',
  reference: REF.crossZone,
};
export const SHALLOW_HEALTH_CHECK: RuleInfo = {
  id: 'target-group-health-check-shallow',
  layer: 'load-balancing',
  severity: 'medium',
  principle:
    'A health check asks the application whether it can serve: a disabled check, or one on `/` while the application has a health path, keeps dead targets in service.',
  fix: 'Enable the target group’s health check on the application’s health path (the one its other checks use).',
  reference: REF.targetGroupHealthChecks,
};
/** The claim that holds: the group replaces a lost instance (info, with the experiment that proves it). */
export const CLAIM_REPLACEMENT: RuleInfo = { ...SUSPENDED, id: 'claim-instance-replacement', severity: 'info' };
/** The claim that holds: an ELB-checked group replaces an instance whose application died (info, with its experiment). */
export const CLAIM_APP_REPLACEMENT: RuleInfo = { ...EC2_HEALTH_BEHIND_LB, id: 'claim-app-failure-replacement', severity: 'info' };

/** Processes whose suspension stops replacement (high) or rebalancing (medium). */
const REPLACING = ['Launch', 'HealthCheck', 'ReplaceUnhealthy'];

function loneInstances(ctx: AuditContext): Finding[] {
  const grouped = new Set(ctx.a.autoScalingGroups.flatMap((g) => g.instances.map((i) => i.id)));
  const out: Finding[] = [];
  for (const tg of ctx.a.targetGroups.filter((t) => t.targetType === 'instance')) {
    for (const t of tg.targets) {
      const instance = ctx.a.instances.find((i) => i.id === t.id);
      if (grouped.has(t.id) || instance?.autoScalingGroup !== undefined) continue;
      out.push(
        finding(LONE_INSTANCE, {
          title: `Instance ${t.id} serves target group ${tg.name} outside any Auto Scaling group.`,
          evidence: [instance?.arn ?? ec2Arn(ctx.a, 'instance', t.id), tg.arn],
          unprovable: NOT_REPLACEABLE,
        }),
      );
    }
  }
  return out;
}

function loadBalancersWithoutGroups(ctx: AuditContext): Finding[] {
  const attached = new Set(ctx.a.autoScalingGroups.flatMap((g) => g.targetGroupArns));
  return ctx.a.loadBalancers
    .filter((lb) => !ctx.a.targetGroups.some((tg) => tg.loadBalancerArns.includes(lb.arn) && attached.has(tg.arn)))
    .map((lb) =>
      finding(LB_WITHOUT_ASG, { title: `Load balancer ${lb.name} has no Auto Scaling group behind it.`, evidence: [lb.arn], unprovable: NOT_REPLACEABLE }),
    );
}

function groupRules(ctx: AuditContext): Finding[] {
  const out: Finding[] = [];
  for (const g of ctx.a.autoScalingGroups) {
    const behindLb = g.targetGroupArns.length > 0 || g.loadBalancerNames.length > 0;
    const front = frontOf(ctx, g);
    if (behindLb && g.healthCheckType === 'EC2')
      out.push(
        finding(EC2_HEALTH_BEHIND_LB, {
          title: `Auto Scaling group ${g.name} serves through a load balancer but replaces instances on EC2 health checks only.`,
          evidence: [g.arn],
          ...(front === undefined
            ? { unprovable: 'It serves through a Classic Load Balancer only; the experiment counts healthy targets of an ELBv2 target group.' }
            : { experiment: appFailureExperiment(ctx, EC2_HEALTH_BEHIND_LB.id, g, front) }),
        }),
      );
    else if (front !== undefined && g.healthCheckType === 'ELB' && g.desired > 0)
      out.push(
        finding(CLAIM_APP_REPLACEMENT, {
          title: `Auto Scaling group ${g.name} replaces an instance whose application died: it uses the load balancer’s health checks.`,
          evidence: [g.arn],
          experiment: appFailureExperiment(ctx, CLAIM_APP_REPLACEMENT.id, g, front),
        }),
      );
    const stopped = g.suspendedProcesses.filter((p) => REPLACING.includes(p));
    if (stopped.length > 0)
      out.push(
        finding(SUSPENDED, {
          title: `Auto Scaling group ${g.name} has ${stopped.join(', ')} suspended: a lost instance is not replaced.`,
          evidence: [g.arn],
          experiment: replacementExperiment(ctx, SUSPENDED.id, g),
        }),
      );
    else if (g.desired > 0)
      out.push(
        finding(CLAIM_REPLACEMENT, {
          title: `Auto Scaling group ${g.name} replaces what it loses: no process that replacement needs is suspended.`,
          evidence: [g.arn],
          experiment: replacementExperiment(ctx, CLAIM_REPLACEMENT.id, g),
        }),
      );
    if (g.suspendedProcesses.includes('AZRebalance'))
      out.push(
        finding(SUSPENDED, {
          title: `Auto Scaling group ${g.name} has AZRebalance suspended: after a zone returns, the group stays lopsided.`,
          evidence: [g.arn],
          severity: 'medium',
          unprovable: 'Rebalancing happens after the zone returns, outside any RTO an experiment measures; the zone-imbalance rule judges the result.',
        }),
      );
  }
  return out;
}

/** Targets per zone of a load balancer's target groups (the target's zone, else its instance's). */
function targetsPerZone(ctx: AuditContext, groups: TargetGroup[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const t of groups.flatMap((g) => g.targets)) {
    const zone = t.zone ?? ctx.a.instances.find((i) => i.id === t.id)?.zone;
    if (zone !== undefined) counts.set(zone, (counts.get(zone) ?? 0) + 1);
  }
  return counts;
}

function crossZone(ctx: AuditContext): Finding[] {
  const out: Finding[] = [];
  for (const lb of ctx.a.loadBalancers.filter((l) => !l.crossZone)) {
    const counts = targetsPerZone(
      ctx,
      ctx.a.targetGroups.filter((tg) => tg.loadBalancerArns.includes(lb.arn)),
    );
    for (const z of lb.zones) if (!counts.has(z)) counts.set(z, 0);
    const values = [...counts.values()];
    if (values.length > 1 && Math.max(...values) !== Math.min(...values))
      out.push(
        finding(CROSS_ZONE_UNEVEN, {
          title: `Load balancer ${lb.name} has cross-zone load balancing off over uneven zones: ${[...counts].map(([z, n]) => `${z} ${n}`).join(', ')}.`,
          evidence: [lb.arn],
          unprovable: 'The harm is the load on the smaller zone’s targets; gameday measures availability, not per-target load.',
        }),
      );
  }
  return out;
}

/**
 * What "the application has a health path" means here: another health check of the same application (another target
 * group of the load balancer, or a Route 53 check of the load balancer's name) asks a path other than `/`.
 */
function knownHealthPath(ctx: AuditContext, tg: TargetGroup): string | undefined {
  const lbs = ctx.a.loadBalancers.filter((lb) => tg.loadBalancerArns.includes(lb.arn));
  const siblings = ctx.a.targetGroups
    .filter((o) => o !== tg && o.loadBalancerArns.some((arn) => tg.loadBalancerArns.includes(arn)))
    .map((o) => o.healthCheck.path);
  const route53 = ctx.a.healthChecks
    .filter((hc) => lbs.some((lb) => hc.fqdn?.replace(/\.$/, '').toLowerCase() === lb.dnsName.toLowerCase()))
    .map((hc) => hc.resourcePath);
  return [...siblings, ...route53].find((p): p is string => p !== undefined && p !== '/' && p !== '');
}

function shallowChecks(ctx: AuditContext): Finding[] {
  const out: Finding[] = [];
  for (const tg of ctx.a.targetGroups) {
    if (!tg.healthCheck.enabled) {
      out.push(
        finding(SHALLOW_HEALTH_CHECK, {
          title: `Target group ${tg.name} has its health check disabled.`,
          evidence: [tg.arn],
          severity: 'high',
          unprovable: 'No check means no detection: there is nothing for a fault to trip.',
        }),
      );
      continue;
    }
    const path = tg.healthCheck.path ?? '/';
    const better = path === '/' ? knownHealthPath(ctx, tg) : undefined;
    if (better !== undefined)
      out.push(
        finding(SHALLOW_HEALTH_CHECK, {
          title: `Target group ${tg.name} checks '/' while the application answers health on '${better}'.`,
          evidence: [tg.arn],
          unprovable: 'The fault is an application that serves `/` but is unhealthy; the twin’s workloads are healthy or dead as a whole.',
        }),
      );
  }
  return out;
}

export const loadBalancingRules = [loneInstances, loadBalancersWithoutGroups, groupRules, crossZone, shallowChecks];
