import { hex } from '../hex.js';
import { zoneName, type Topology } from '../topology.js';

/** A subnet of the region's VPC. */
export interface SimSubnet {
  id: string;
  zone: string;
  cidr: string;
  /** Tags (CreateTags), which FIS targets select on. */
  tags: Record<string, string>;
  /** A public subnet: it maps public addresses on launch and routes to the internet gateway. */
  public?: boolean;
}

export interface SimNatGateway {
  id: string;
  name: string;
  zone: string;
  subnetId: string;
  privateIp: string;
  publicIp: string;
  allocationId: string;
  networkInterfaceId: string;
  createTime: Date;
}

export interface SimRoute {
  destinationCidrBlock: string;
  gatewayId?: string;
  natGatewayId?: string;
  origin: 'CreateRouteTable' | 'CreateRoute';
}

export interface SimRouteTable {
  id: string;
  main: boolean;
  /** Subnets explicitly associated, each with its association id. */
  associations: { id: string; subnetId: string }[];
  mainAssociationId: string | undefined;
  routes: SimRoute[];
  tags: Record<string, string>;
}

/** The VPC's routing: public subnets, internet gateway, NAT gateways and route tables. */
export interface SimNetwork {
  publicSubnets: SimSubnet[];
  internetGateway: { id: string } | undefined;
  natGateways: SimNatGateway[];
  routeTables: SimRouteTable[];
}

/**
 * Builds the VPC's routing from the topology. Every VPC has a main route table with its `local` route. With NAT
 * gateways declared, the VPC also has an internet gateway and a public subnet per zone (a NAT gateway lives in a public
 * subnet whose route table sends 0.0.0.0/0 to the internet gateway), and each private subnet is associated with a
 * route table that sends 0.0.0.0/0 to its NAT gateway
 * (https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-scenarios.html). Addresses are illustrative: nothing
 * in the region leaves loopback.
 */
export function buildNetwork(t: Topology, zones: readonly string[], privateSubnets: readonly SimSubnet[]): SimNetwork {
  const local: SimRoute = { destinationCidrBlock: t.vpcCidr, gatewayId: 'local', origin: 'CreateRouteTable' };
  const main: SimRouteTable = { id: `rtb-${hex(17)}`, main: true, associations: [], mainAssociationId: `rtbassoc-${hex(17)}`, routes: [local], tags: {} };
  if (t.natGateways.length === 0) return { publicSubnets: [], internetGateway: undefined, natGateways: [], routeTables: [main] };
  const publicSubnets = zones.map((zone, i) => ({
    id: `subnet-${hex(17)}`,
    zone,
    cidr: `10.0.${128 + i * 16}.0/20`,
    tags: { Name: `public-${zone}` },
    public: true,
  }));
  const internetGateway = { id: `igw-${hex(17)}` };
  const natGateways = t.natGateways.map((spec, i): SimNatGateway => {
    const zone = zoneName(t, spec.availabilityZone);
    const subnet = publicSubnets.find((s) => s.zone === zone) as SimSubnet;
    return {
      id: `nat-${hex(17)}`,
      name: spec.name,
      zone,
      subnetId: subnet.id,
      privateIp: `10.0.${128 + zones.indexOf(zone) * 16}.${10 + i}`,
      publicIp: `198.51.100.${10 + i}`,
      allocationId: `eipalloc-${hex(17)}`,
      networkInterfaceId: `eni-${hex(17)}`,
      createTime: new Date(),
    };
  });
  const publicTable: SimRouteTable = {
    id: `rtb-${hex(17)}`,
    main: false,
    associations: publicSubnets.map((s) => ({ id: `rtbassoc-${hex(17)}`, subnetId: s.id })),
    mainAssociationId: undefined,
    routes: [local, { destinationCidrBlock: '0.0.0.0/0', gatewayId: internetGateway.id, origin: 'CreateRoute' }],
    tags: { Name: 'public' },
  };
  const natOf = (zone: string): SimNatGateway => {
    const named = Object.entries(t.natRoutes).find(([z]) => zoneName(t, z) === zone)?.[1];
    return natGateways.find((n) => n.name === named) ?? natGateways.find((n) => n.zone === zone) ?? (natGateways[0] as SimNatGateway);
  };
  const privateTables = natGateways
    .map(
      (nat): SimRouteTable => ({
        id: `rtb-${hex(17)}`,
        main: false,
        associations: privateSubnets.filter((s) => natOf(s.zone) === nat).map((s) => ({ id: `rtbassoc-${hex(17)}`, subnetId: s.id })),
        mainAssociationId: undefined,
        routes: [local, { destinationCidrBlock: '0.0.0.0/0', natGatewayId: nat.id, origin: 'CreateRoute' }],
        tags: { Name: `private-${nat.name}` },
      }),
    )
    .filter((rt) => rt.associations.length > 0);
  return { publicSubnets, internetGateway, natGateways, routeTables: [main, publicTable, ...privateTables] };
}
