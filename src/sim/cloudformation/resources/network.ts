import { TemplateError } from '../template-error.js';
import type { Resource, TranslationContext, Zones } from './context.js';

/* NAT gateways and the routes that send private subnets through them. */

/** A NAT gateway's spec: its name and the zone of its subnet. */
export function natGateway(ctx: TranslationContext, r: Resource, zones: Zones): { name: string; availabilityZone: string } {
  const p = ctx.props(r);
  const zone = zones.of(p.SubnetId === undefined ? undefined : [p.SubnetId], `${r.path}.Properties.SubnetId`)?.[0];
  if (zone === undefined) throw new TemplateError(`${r.path}.Properties.SubnetId`, 'a NAT gateway needs the subnet it lives in');
  return { name: ctx.name(r.id), availabilityZone: zone };
}

/**
 * Which NAT gateway each zone's private subnets route through: an AWS::EC2::Route to a NAT gateway names a route
 * table, and AWS::EC2::SubnetRouteTableAssociation ties subnets to that table. A zone whose subnets route through
 * several NAT gateways keeps the first.
 */
export function natRoutes(ctx: TranslationContext, routes: Resource[], associations: Resource[], zones: Zones): Record<string, string> {
  const natOfTable = new Map<string, string>();
  for (const r of routes) {
    const p = ctx.props(r);
    const nat = ctx.ownerOf(p.NatGatewayId ?? undefined);
    const table = ctx.ownerOf(p.RouteTableId ?? undefined);
    if (nat?.type === 'AWS::EC2::NatGateway' && table !== undefined) natOfTable.set(table.id, ctx.name(nat.id));
  }
  const out: Record<string, string> = {};
  for (const a of associations) {
    const p = ctx.props(a);
    const table = ctx.ownerOf(p.RouteTableId ?? undefined);
    const nat = table === undefined ? undefined : natOfTable.get(table.id);
    if (nat === undefined) continue;
    const zone = zones.of(p.SubnetId === undefined ? undefined : [p.SubnetId], `${a.path}.Properties.SubnetId`)?.[0];
    if (zone !== undefined && out[zone] === undefined) out[zone] = nat;
  }
  return out;
}
