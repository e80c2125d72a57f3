import { SimApiError } from '../protocol/errors.js';
import type { Ec2Result } from '../protocol/ec2-query.js';
import type { QueryParams } from '../protocol/query.js';
import type { XmlValue } from '../protocol/xml.js';
import type { SimWorld } from '../region.js';
import type { SimNatGateway, SimRouteTable } from '../world/network.js';
import { matchesAny, tagFilter, tagSet } from './ec2-glob.js';

/** A zone's id, as EC2 names it (`SimWorld.zoneId`: `use1-az1`). */
export function zoneId(world: SimWorld, zone: string): string {
  return world.zoneId(zone);
}

function natXml(world: SimWorld, nat: SimNatGateway): XmlValue {
  return {
    natGatewayId: nat.id,
    subnetId: nat.subnetId,
    vpcId: world.vpcId,
    state: 'available',
    connectivityType: 'public',
    createTime: nat.createTime.toISOString(),
    natGatewayAddressSet: [
      {
        allocationId: nat.allocationId,
        networkInterfaceId: nat.networkInterfaceId,
        privateIp: nat.privateIp,
        publicIp: nat.publicIp,
        isPrimary: true,
        status: 'succeeded',
      },
    ],
    tagSet: tagSet({ Name: nat.name }),
  };
}

function natMatches(world: SimWorld, nat: SimNatGateway, name: string, values: string[]): boolean {
  switch (name) {
    case 'nat-gateway-id':
      return matchesAny(values, nat.id);
    case 'subnet-id':
      return matchesAny(values, nat.subnetId);
    case 'vpc-id':
      return matchesAny(values, world.vpcId);
    case 'state':
      return matchesAny(values, 'available');
    default: {
      const tag = tagFilter({ Name: nat.name }, name, values);
      if (tag === undefined) throw new SimApiError('InvalidParameterValue', `The filter '${name}' is invalid`);
      return tag;
    }
  }
}

function routeTableXml(world: SimWorld, rt: SimRouteTable): XmlValue {
  const associated = { state: 'associated' };
  return {
    routeTableId: rt.id,
    vpcId: world.vpcId,
    ownerId: world.topology.accountId,
    routeSet: rt.routes.map((r) => ({
      destinationCidrBlock: r.destinationCidrBlock,
      gatewayId: r.gatewayId,
      natGatewayId: r.natGatewayId,
      origin: r.origin,
      state: 'active',
    })),
    associationSet: [
      ...(rt.mainAssociationId === undefined
        ? []
        : [{ routeTableAssociationId: rt.mainAssociationId, routeTableId: rt.id, main: true, associationState: associated }]),
      ...rt.associations.map((a) => ({ routeTableAssociationId: a.id, routeTableId: rt.id, subnetId: a.subnetId, main: false, associationState: associated })),
    ],
    propagatingVgwSet: [],
    tagSet: tagSet(rt.tags),
  };
}

function routeTableMatches(world: SimWorld, rt: SimRouteTable, name: string, values: string[]): boolean {
  switch (name) {
    case 'route-table-id':
      return matchesAny(values, rt.id);
    case 'vpc-id':
      return matchesAny(values, world.vpcId);
    case 'association.main':
      return matchesAny(values, String(rt.main));
    case 'association.subnet-id':
      return rt.associations.some((a) => matchesAny(values, a.subnetId));
    case 'association.route-table-association-id':
      return [rt.mainAssociationId, ...rt.associations.map((a) => a.id)].some((id) => matchesAny(values, id));
    case 'route.nat-gateway-id':
      return rt.routes.some((r) => matchesAny(values, r.natGatewayId));
    case 'route.gateway-id':
      return rt.routes.some((r) => matchesAny(values, r.gatewayId));
    case 'route.destination-cidr-block':
      return rt.routes.some((r) => matchesAny(values, r.destinationCidrBlock));
    default: {
      const tag = tagFilter(rt.tags, name, values);
      if (tag === undefined) throw new SimApiError('InvalidParameterValue', `The filter '${name}' is invalid`);
      return tag;
    }
  }
}

/** The resources of a list by id, or the error EC2 gives for the first unknown id. */
function byIds<T extends { id: string }>(all: readonly T[], ids: string[], notFound: (id: string) => SimApiError): T[] {
  if (ids.length === 0) return [...all];
  const missing = ids.find((id) => !all.some((r) => r.id === id));
  if (missing !== undefined) throw notFound(missing);
  return all.filter((r) => ids.includes(r.id));
}

/**
 * EC2's read-only VPC routing operations: NAT gateways, route tables and internet gateways, or undefined for another
 * action. The shapes are botocore's (ec2 2016-11-15: NatGateway, RouteTable, InternetGateway).
 */
export function ec2NetworkApi(world: SimWorld, params: QueryParams): Ec2Result | undefined {
  const net = world.network;
  switch (params.action) {
    case 'DescribeNatGateways': {
      let found = byIds(net.natGateways, params.ec2List('NatGatewayId'), (id) => new SimApiError('NatGatewayNotFound', `The Nat Gateway ${id} was not found`));
      // DescribeNatGateways names its filters `Filter.N` like the other EC2 describes.
      for (const f of params.ec2Filters()) found = found.filter((n) => natMatches(world, n, f.name, f.values));
      return { natGatewaySet: found.map((n) => natXml(world, n)) };
    }
    case 'DescribeRouteTables': {
      let found = byIds(
        net.routeTables,
        params.ec2List('RouteTableId'),
        (id) => new SimApiError('InvalidRouteTableID.NotFound', `The routeTable ID '${id}' does not exist`),
      );
      for (const f of params.ec2Filters()) found = found.filter((rt) => routeTableMatches(world, rt, f.name, f.values));
      return { routeTableSet: found.map((rt) => routeTableXml(world, rt)) };
    }
    case 'DescribeInternetGateways': {
      const all = net.internetGateway === undefined ? [] : [net.internetGateway];
      let found = byIds(
        all,
        params.ec2List('InternetGatewayId'),
        (id) => new SimApiError('InvalidInternetGatewayID.NotFound', `The internetGateway ID '${id}' does not exist`),
      );
      for (const f of params.ec2Filters()) {
        if (f.name === 'attachment.vpc-id') found = found.filter(() => matchesAny(f.values, world.vpcId));
        else if (f.name === 'internet-gateway-id') found = found.filter((g) => matchesAny(f.values, g.id));
        else if (f.name === 'attachment.state') found = found.filter(() => matchesAny(f.values, 'available'));
        else throw new SimApiError('InvalidParameterValue', `The filter '${f.name}' is invalid`);
      }
      return {
        internetGatewaySet: found.map((g) => ({
          internetGatewayId: g.id,
          ownerId: world.topology.accountId,
          attachmentSet: [{ vpcId: world.vpcId, state: 'available' }],
          tagSet: [],
        })),
      };
    }
    default:
      return undefined;
  }
}
