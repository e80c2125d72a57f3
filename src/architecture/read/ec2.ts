import { sdk } from '../../aws/sdk.js';
import type { Instance, LaunchTemplate, RouteTable } from '../model.js';
import { allPages, readPart, tagsOf, type ReadContext } from './reading.js';

/**
 * The network and compute of the region: zones, VPCs, subnets, NAT gateways, route tables, launch templates and
 * their versions, and every instance that is not terminated.
 */
export async function readEc2(ctx: ReadContext): Promise<void> {
  const { arch, options } = ctx;
  const client = await ctx.aws.ec2();
  const {
    DescribeAvailabilityZonesCommand,
    paginateDescribeVpcs,
    paginateDescribeSubnets,
    paginateDescribeNatGateways,
    paginateDescribeRouteTables,
    paginateDescribeLaunchTemplates,
    paginateDescribeLaunchTemplateVersions,
    paginateDescribeInstances,
  } = await sdk.ec2();
  const c = { client };

  await readPart(ctx, 'DescribeAvailabilityZones', 'ec2', async () => {
    const out = await client.send(new DescribeAvailabilityZonesCommand({}), options);
    arch.regionZones = (out.AvailabilityZones ?? [])
      // Local Zones and Wavelength Zones are listed too once opted in; the Region's zones are its Availability Zones.
      .filter((z) => z.State === 'available' && z.ZoneName !== undefined && (z.ZoneType ?? 'availability-zone') === 'availability-zone')
      .map((z) => z.ZoneName as string)
      .sort();
  });
  await readPart(ctx, 'DescribeVpcs', 'ec2', async () => {
    const vpcs = await allPages(paginateDescribeVpcs(c, {}, options), (p) => p.Vpcs);
    arch.vpcs = vpcs.map((v) => ({ id: v.VpcId ?? '', cidr: v.CidrBlock ?? '', isDefault: v.IsDefault === true }));
  });
  await readPart(ctx, 'DescribeSubnets', 'ec2', async () => {
    const subnets = await allPages(paginateDescribeSubnets(c, {}, options), (p) => p.Subnets);
    arch.subnets = subnets.map((s) => ({
      id: s.SubnetId ?? '',
      arn: s.SubnetArn,
      vpcId: s.VpcId ?? '',
      zone: s.AvailabilityZone ?? '',
      cidr: s.CidrBlock ?? '',
      public: s.MapPublicIpOnLaunch === true,
    }));
  });
  await readPart(ctx, 'DescribeNatGateways', 'ec2', async () => {
    const nats = await allPages(paginateDescribeNatGateways(c, {}, options), (p) => p.NatGateways);
    const zoneOf = new Map(arch.subnets.map((s) => [s.id, s.zone]));
    arch.natGateways = nats
      .filter((n) => n.State !== 'deleted')
      .map((n) => ({
        id: n.NatGatewayId ?? '',
        name: n.Tags?.find((t) => t.Key === 'Name')?.Value,
        subnetId: n.SubnetId ?? '',
        zone: zoneOf.get(n.SubnetId ?? '') ?? '',
        state: n.State ?? '',
      }));
  });
  await readPart(ctx, 'DescribeRouteTables', 'ec2', async () => {
    const tables = await allPages(paginateDescribeRouteTables(c, {}, options), (p) => p.RouteTables);
    arch.routeTables = tables.map(
      (t): RouteTable => ({
        id: t.RouteTableId ?? '',
        vpcId: t.VpcId ?? '',
        subnetIds: (t.Associations ?? []).flatMap((a) => (a.SubnetId === undefined ? [] : [a.SubnetId])),
        main: (t.Associations ?? []).some((a) => a.Main === true),
        natGatewayIds: (t.Routes ?? []).flatMap((r) => (r.NatGatewayId === undefined ? [] : [r.NatGatewayId])),
        internetGatewayIds: (t.Routes ?? []).flatMap((r) => (r.GatewayId?.startsWith('igw-') === true ? [r.GatewayId] : [])),
      }),
    );
    markPublicSubnets(ctx);
  });
  await readPart(ctx, 'DescribeLaunchTemplates', 'ec2', async () => {
    const templates = await allPages(paginateDescribeLaunchTemplates(c, {}, options), (p) => p.LaunchTemplates);
    arch.launchTemplates = templates.map(
      (t): LaunchTemplate => ({
        id: t.LaunchTemplateId ?? '',
        name: t.LaunchTemplateName ?? '',
        defaultVersion: t.DefaultVersionNumber ?? 1,
        latestVersion: t.LatestVersionNumber ?? 1,
        versions: [],
      }),
    );
  });
  for (const lt of arch.launchTemplates) {
    await readPart(ctx, 'DescribeLaunchTemplateVersions', lt.id, async () => {
      const versions = await allPages(paginateDescribeLaunchTemplateVersions(c, { LaunchTemplateId: lt.id }, options), (p) => p.LaunchTemplateVersions);
      lt.versions = versions
        .map((v) => ({ number: v.VersionNumber ?? 0, imageId: v.LaunchTemplateData?.ImageId, instanceType: v.LaunchTemplateData?.InstanceType }))
        .sort((a, b) => a.number - b.number);
    });
  }
  await readPart(ctx, 'DescribeInstances', 'ec2', async () => {
    const reservations = await allPages(paginateDescribeInstances(c, {}, options), (p) => p.Reservations);
    arch.instances = reservations
      .flatMap((r) => r.Instances ?? [])
      .filter((i) => i.State?.Name !== 'terminated')
      .map((i): Instance => {
        const tags = tagsOf(i.Tags);
        const ltId = tags['aws:ec2launchtemplate:id'];
        return {
          id: i.InstanceId ?? '',
          arn: `arn:${ctx.partition}:ec2:${arch.region}:${arch.accountId}:instance/${i.InstanceId ?? ''}`,
          zone: i.Placement?.AvailabilityZone ?? '',
          subnetId: i.SubnetId,
          state: i.State?.Name ?? '',
          imageId: i.ImageId ?? '',
          instanceType: i.InstanceType ?? '',
          privateIp: i.PrivateIpAddress,
          launchTemplate: ltId === undefined ? undefined : { id: ltId, version: tags['aws:ec2launchtemplate:version'] ?? '' },
          autoScalingGroup: tags['aws:autoscaling:groupName'],
          lifecycle: i.InstanceLifecycle,
          tags,
        };
      });
  });
}

/**
 * A subnet is public when it maps public addresses on launch or its route table (its own, else its VPC's main one)
 * sends traffic to an internet gateway (VPC user guide, "Subnet types").
 */
function markPublicSubnets(ctx: ReadContext): void {
  for (const s of ctx.arch.subnets) {
    const table = ctx.arch.routeTables.find((t) => t.subnetIds.includes(s.id)) ?? ctx.arch.routeTables.find((t) => t.main && t.vpcId === s.vpcId);
    if (table !== undefined && table.internetGatewayIds.length > 0) s.public = true;
  }
}
