/**
 * Zones: every tier spread over at least three Availability Zones, evenly, with enough capacity that losing the
 * largest zone leaves what the group needs (static stability: no scaling has to happen during the outage).
 */
import { ec2Arn } from '../arn.js';
import { zoneLossExperiment } from '../experiments/zone-loss.js';
import type { Finding } from '../finding.js';
import { needOf } from '../need.js';
import { REF } from '../references.js';
import { largestZone, perZone } from '../zones-of.js';
import { type AuditContext, finding, type RuleInfo } from './rule.js';

/** Three zones: losing one leaves two, so one more failure still leaves a zone serving. */
const MIN_ZONES = 3;

const fewZones = (id: string, what: string): RuleInfo => ({
  id,
  layer: 'zones',
  severity: 'high',
  principle: `Deploy the workload to multiple locations: ${what} in three Availability Zones survives the loss of one with two left.`,
  fix: `Spread the ${what} over at least three Availability Zones (one subnet in each).`,
  reference: REF.multiAz,
});
export const GROUP_FEW_ZONES = fewZones('asg-fewer-than-three-zones', 'an Auto Scaling group');
export const LB_FEW_ZONES = fewZones('lb-fewer-than-three-zones', 'a load balancer');
export const VPC_FEW_ZONES = fewZones('subnets-fewer-than-three-zones', "a VPC's subnets");

export const IMBALANCED: RuleInfo = {
  id: 'zone-imbalanced-capacity',
  layer: 'zones',
  severity: 'medium',
  principle: 'Capacity spread evenly over zones: the loss of the fullest zone costs more than its share.',
  fix: 'Let the group rebalance (resume AZRebalance) or set its desired capacity to a multiple of its zones.',
  reference: REF.staticStability,
};

export const ZONE_LOSS: RuleInfo = {
  id: 'capacity-below-need-after-zone-loss',
  layer: 'zones',
  severity: 'critical',
  principle: 'Static stability: after losing its largest zone, a group must still have what it needs in service, before any replacement launches.',
  fix: 'Raise the group’s minimum and desired capacity so that every zone but the largest still holds the need, or add a zone.',
  reference: REF.staticStability,
};

/** The claim that holds: the group survives its largest zone's loss (info, with the experiment that proves it). */
export const CLAIM_ZONE_LOSS: RuleInfo = { ...ZONE_LOSS, id: 'claim-zone-loss', severity: 'info' };

/** How few zones is how bad: one zone is no redundancy at all. */
const zoneSeverity = (n: number) => (n <= 1 ? 'critical' : 'high');

function groupRules(ctx: AuditContext): Finding[] {
  const out: Finding[] = [];
  for (const g of ctx.a.autoScalingGroups) {
    const zones = [...new Set(g.zones)];
    const largest = largestZone(g);
    const { need, source } = needOf(ctx.a, g, ctx.objectives);
    const proof = (rule: string) =>
      largest === undefined
        ? { unprovable: `${g.name} has no instance in service to lose.` }
        : { experiment: zoneLossExperiment(ctx, rule, g, largest.zone, need, largest.count === largest.total) };
    if (zones.length < MIN_ZONES)
      out.push(
        finding(GROUP_FEW_ZONES, {
          title: `Auto Scaling group ${g.name} spans ${zones.length} zone(s): ${zones.join(', ')}.`,
          evidence: [g.arn],
          severity: zoneSeverity(zones.length),
          ...proof(GROUP_FEW_ZONES.id),
        }),
      );
    const counts = [...perZone(g).values()];
    if (counts.length > 1 && Math.max(...counts) - Math.min(...counts) > 1)
      out.push(
        finding(IMBALANCED, {
          title: `Auto Scaling group ${g.name} is uneven across zones: ${[...perZone(g)].map(([z, n]) => `${z} ${n}`).join(', ')}.`,
          evidence: [g.arn],
          ...proof(IMBALANCED.id),
        }),
      );
    if (largest === undefined) continue;
    const left = largest.total - largest.count;
    const title = `Losing ${largest.zone} leaves ${g.name} ${left} in service of ${largest.total}; it needs ${need} (${source}).`;
    if (left < need) out.push(finding(ZONE_LOSS, { title, evidence: [g.arn], severity: left === 0 ? 'critical' : 'high', ...proof(ZONE_LOSS.id) }));
    else out.push(finding(CLAIM_ZONE_LOSS, { title, evidence: [g.arn], ...proof(CLAIM_ZONE_LOSS.id) }));
  }
  return out;
}

function loadBalancerRules(ctx: AuditContext): Finding[] {
  return ctx.a.loadBalancers
    .filter((lb) => new Set(lb.zones).size < MIN_ZONES)
    .map((lb) =>
      finding(LB_FEW_ZONES, {
        title: `Load balancer ${lb.name} is enabled in ${new Set(lb.zones).size} zone(s): ${[...new Set(lb.zones)].join(', ')}.`,
        evidence: [lb.arn],
        severity: zoneSeverity(new Set(lb.zones).size),
        unprovable: 'A load balancer node is lost with its zone: the zone-loss experiment of the group behind it shows what users meet.',
      }),
    );
}

function subnetRules(ctx: AuditContext): Finding[] {
  const out: Finding[] = [];
  for (const vpc of ctx.a.vpcs) {
    const subnets = ctx.a.subnets.filter((s) => s.vpcId === vpc.id);
    const zones = [...new Set(subnets.map((s) => s.zone))].sort();
    if (subnets.length === 0 || zones.length >= MIN_ZONES) continue;
    out.push(
      finding(VPC_FEW_ZONES, {
        title: `VPC ${vpc.id} has subnets in ${zones.length} zone(s): ${zones.join(', ')}.`,
        evidence: subnets.map((s) => s.arn ?? ec2Arn(ctx.a, 'subnet', s.id)),
        severity: zoneSeverity(zones.length),
        unprovable: 'Subnets only place what runs in them: the groups’ and databases’ own findings carry the experiments.',
      }),
    );
  }
  return out;
}

export const zoneRules = [groupRules, loadBalancerRules, subnetRules];
