/** Network: each zone's egress is its own, so a zone's loss cuts no other zone off the internet. */
import type { Subnet } from '../../architecture/model.js';
import { ec2Arn } from '../arn.js';
import type { Finding } from '../finding.js';
import { REF } from '../references.js';
import { type AuditContext, finding, type RuleInfo } from './rule.js';

export const SHARED_NAT: RuleInfo = {
  id: 'nat-gateway-shared-across-zones',
  layer: 'network',
  severity: 'high',
  principle: 'Zone-independent egress: subnets in other zones routed through one zone’s NAT gateway lose the internet when that zone goes.',
  fix: 'Create a NAT gateway in each zone and route each zone’s private subnets to their own zone’s gateway (or use a regional NAT gateway).',
  reference: REF.natGateway,
};

/** A subnet's route table: the one explicitly associated with it, else its VPC's main one. */
function routeTableOf(ctx: AuditContext, s: Subnet) {
  return ctx.a.routeTables.find((rt) => rt.subnetIds.includes(s.id)) ?? ctx.a.routeTables.find((rt) => rt.main && rt.vpcId === s.vpcId);
}

function sharedNat(ctx: AuditContext): Finding[] {
  const out: Finding[] = [];
  for (const nat of ctx.a.natGateways) {
    const served = ctx.a.subnets.filter((s) => routeTableOf(ctx, s)?.natGatewayIds.includes(nat.id) === true);
    const otherZones = served.filter((s) => s.zone !== nat.zone);
    if (otherZones.length === 0) continue;
    out.push(
      finding(SHARED_NAT, {
        title: `NAT gateway ${nat.id} in ${nat.zone} is the egress of subnets in ${[...new Set(otherZones.map((s) => s.zone))].sort().join(', ')}.`,
        evidence: [ec2Arn(ctx.a, 'natgateway', nat.id), ...otherZones.map((s) => s.arn ?? ec2Arn(ctx.a, 'subnet', s.id))],
        unprovable:
          'The twin does not model NAT gateways or internet egress, so cutting the gateway’s zone shows nothing there; run it against the account with aws.scenario.az-outage (connectivity) and an outbound probe.',
      }),
    );
  }
  return out;
}

export const networkRules = [sharedNat];
