import { sdk } from '../../aws/sdk.js';
import type { DbCluster, DbInstance } from '../model.js';
import { allPages, readPart, tagsOf, type ReadContext } from './reading.js';

type SubnetGroupShape = {
  DBSubnetGroupName?: string | undefined;
  Subnets?: { SubnetAvailabilityZone?: { Name?: string | undefined } | undefined }[] | undefined;
};

/** A DB subnet group's name and the zones its subnets are in. */
function subnetGroupOf(g: SubnetGroupShape | undefined): { name: string; zones: string[] } | undefined {
  if (g?.DBSubnetGroupName === undefined) return undefined;
  const zones = (g.Subnets ?? []).flatMap((s) => (s.SubnetAvailabilityZone?.Name === undefined ? [] : [s.SubnetAvailabilityZone.Name]));
  return { name: g.DBSubnetGroupName, zones: [...new Set(zones)].sort() };
}

/** RDS DB instances, DB clusters (Multi-AZ DB clusters and Aurora) and the zones of their DB subnet groups. */
export async function readDatabases(ctx: ReadContext): Promise<void> {
  const { arch, options } = ctx;
  const client = await ctx.aws.rds();
  const { paginateDescribeDBInstances, paginateDescribeDBClusters, paginateDescribeDBSubnetGroups } = await sdk.rds();
  await readPart(ctx, 'DescribeDBInstances', 'rds', async () => {
    const dbs = await allPages(paginateDescribeDBInstances({ client }, {}, options), (p) => p.DBInstances);
    arch.databases = dbs.map(
      (d): DbInstance => ({
        id: d.DBInstanceIdentifier ?? '',
        arn: d.DBInstanceArn ?? '',
        engine: d.Engine ?? '',
        instanceClass: d.DBInstanceClass ?? '',
        status: d.DBInstanceStatus ?? '',
        multiAZ: d.MultiAZ === true,
        zone: d.AvailabilityZone,
        secondaryZone: d.SecondaryAvailabilityZone,
        port: d.Endpoint?.Port ?? d.DbInstancePort,
        endpoint: d.Endpoint?.Address,
        subnetGroup: subnetGroupOf(d.DBSubnetGroup),
        clusterId: d.DBClusterIdentifier,
        readReplicaIds: [...(d.ReadReplicaDBInstanceIdentifiers ?? [])],
        replicaSourceId: d.ReadReplicaSourceDBInstanceIdentifier,
        tags: tagsOf(d.TagList),
      }),
    );
  });
  await readPart(ctx, 'DescribeDBClusters', 'rds', async () => {
    const clusters = await allPages(paginateDescribeDBClusters({ client }, {}, options), (p) => p.DBClusters);
    const byId = new Map(arch.databases.map((d) => [d.id, d]));
    arch.dbClusters = clusters.map(
      (c): DbCluster => ({
        id: c.DBClusterIdentifier ?? '',
        arn: c.DBClusterArn ?? '',
        engine: c.Engine ?? '',
        status: c.Status ?? '',
        multiAZ: c.MultiAZ === true,
        zones: [...(c.AvailabilityZones ?? [])].sort(),
        members: (c.DBClusterMembers ?? []).map((m) => {
          const db = byId.get(m.DBInstanceIdentifier ?? '');
          return { id: m.DBInstanceIdentifier ?? '', writer: m.IsClusterWriter === true, zone: db?.zone, instanceClass: db?.instanceClass };
        }),
        subnetGroup: c.DBSubnetGroup === undefined ? undefined : { name: c.DBSubnetGroup, zones: [] },
        port: c.Port,
        endpoint: c.Endpoint,
        readerEndpoint: c.ReaderEndpoint,
        instanceClass: c.DBClusterInstanceClass,
        tags: tagsOf(c.TagList),
      }),
    );
  });
  await readPart(ctx, 'DescribeDBSubnetGroups', 'rds', async () => {
    const groups = new Map(
      (await allPages(paginateDescribeDBSubnetGroups({ client }, {}, options), (p) => p.DBSubnetGroups)).map((g) => [g.DBSubnetGroupName, subnetGroupOf(g)]),
    );
    for (const db of [...arch.databases, ...arch.dbClusters]) {
      const read = db.subnetGroup === undefined ? undefined : groups.get(db.subnetGroup.name);
      if (read !== undefined) db.subnetGroup = read;
    }
  });
}
