import { SimApiError } from '../protocol/errors.js';
import type { QueryParams } from '../protocol/query.js';
import { queryResponse, XmlList, type XmlReply, type XmlValue } from '../protocol/xml.js';
import type { SimWorld } from '../region.js';
import type { SimDatabase } from '../world/database.js';
import type { SimClusterMember, SimDbCluster } from '../world/db-cluster.js';

export const RDS_NS = 'http://rds.amazonaws.com/doc/2014-10-31/';

function dbXml(db: SimDatabase): XmlValue {
  return {
    DBInstanceIdentifier: db.id,
    DBInstanceClass: db.instanceClass,
    Engine: 'postgres',
    EngineVersion: '17.5',
    DBInstanceStatus: db.status,
    MasterUsername: 'postgres',
    Endpoint: { Address: db.dnsName, Port: db.port, HostedZoneId: 'Z2R2ITUGPM61AM' },
    InstanceCreateTime: db.createdTime.toISOString(),
    AvailabilityZone: db.zone,
    SecondaryAvailabilityZone: db.secondaryZone,
    MultiAZ: db.multiAZ,
    PubliclyAccessible: false,
    StorageType: 'gp3',
    AllocatedStorage: 20,
    DBInstanceArn: db.arn,
    TagList: new XmlList('Tag', Object.entries(db.tags).map(([Key, Value]) => ({ Key, Value }))),
  };
}

/** A member of a Multi-AZ DB cluster as DescribeDBInstances shows it. */
function memberXml(cluster: SimDbCluster, m: SimClusterMember): XmlValue {
  return {
    DBInstanceIdentifier: m.id,
    DBClusterIdentifier: cluster.id,
    DBInstanceClass: cluster.instanceClass,
    Engine: 'postgres',
    EngineVersion: '17.5',
    DBInstanceStatus: 'available',
    MasterUsername: 'postgres',
    Endpoint: { Address: m.dnsName, Port: cluster.port, HostedZoneId: 'Z2R2ITUGPM61AM' },
    InstanceCreateTime: m.createdTime.toISOString(),
    AvailabilityZone: m.zone,
    MultiAZ: false,
    PromotionTier: m.promotionTier,
    PubliclyAccessible: false,
    StorageType: 'io1',
    AllocatedStorage: 100,
    DBInstanceArn: m.arn,
    TagList: new XmlList('Tag', Object.entries(cluster.tags).map(([Key, Value]) => ({ Key, Value }))),
  };
}

function clusterXml(c: SimDbCluster): XmlValue {
  return {
    DBClusterIdentifier: c.id,
    DBClusterArn: c.arn,
    DbClusterResourceId: c.resourceId,
    Status: c.status,
    Engine: 'postgres',
    EngineVersion: '17.5',
    EngineMode: 'provisioned',
    DBClusterInstanceClass: c.instanceClass,
    MasterUsername: 'postgres',
    Endpoint: c.dnsName,
    ReaderEndpoint: c.readerDnsName,
    Port: c.port,
    MultiAZ: true,
    AvailabilityZones: new XmlList('AvailabilityZone', c.zones),
    ClusterCreateTime: c.createdTime.toISOString(),
    StorageType: 'io1',
    AllocatedStorage: 100,
    DBClusterMembers: new XmlList(
      'DBClusterMember',
      c.members.map((m) => ({ DBInstanceIdentifier: m.id, IsClusterWriter: m.writer, DBClusterParameterGroupStatus: 'in-sync', PromotionTier: m.promotionTier })),
    ),
    TagList: new XmlList('Tag', Object.entries(c.tags).map(([Key, Value]) => ({ Key, Value }))),
  };
}

function dbCluster(world: SimWorld, id: string | undefined): SimDbCluster {
  const c = id === undefined ? undefined : world.dbClusters.get(id);
  if (c === undefined) throw new SimApiError('DBClusterNotFoundFault', `DBCluster ${id ?? ''} not found.`, 404);
  return c;
}

/** Every DB instance: the standalone ones and the members of DB clusters. */
function instancesXml(world: SimWorld, id: string | undefined): XmlValue[] {
  const all: { id: string; xml: () => XmlValue }[] = [
    ...[...world.databases.values()].map((db) => ({ id: db.id, xml: () => dbXml(db) })),
    ...[...world.dbClusters.values()].flatMap((c) => c.members.map((m) => ({ id: m.id, xml: () => memberXml(c, m) }))),
  ];
  if (id === undefined) return all.map((d) => d.xml());
  const found = all.find((d) => d.id === id);
  if (found === undefined) throw new SimApiError('DBInstanceNotFound', `DBInstance ${id} not found.`, 404);
  return [found.xml()];
}

function database(world: SimWorld, id: string | undefined): SimDatabase {
  if (id !== undefined && [...world.dbClusters.values()].some((c) => c.members.some((m) => m.id === id))) {
    throw new SimApiError('InvalidDBInstanceState', `DB instance ${id} is a member of a Multi-AZ DB cluster; use FailoverDBCluster or RebootDBCluster.`);
  }
  const db = id === undefined ? undefined : world.databases.get(id);
  if (db === undefined) throw new SimApiError('DBInstanceNotFound', `DBInstance ${id ?? ''} not found.`, 404);
  return db;
}

/** RDS (awsQuery) API of the simulated region: DB instances and Multi-AZ DB clusters, reboot and failover, events. */
export function rdsApi(world: SimWorld, params: QueryParams): XmlReply {
  const action = params.action;
  switch (action) {
    case 'DescribeDBInstances': {
      return queryResponse(RDS_NS, action, { DBInstances: new XmlList('DBInstance', instancesXml(world, params.get('DBInstanceIdentifier'))) });
    }
    case 'DescribeDBClusters': {
      const id = params.get('DBClusterIdentifier');
      const clusters = id === undefined ? [...world.dbClusters.values()] : [dbCluster(world, id)];
      return queryResponse(RDS_NS, action, { DBClusters: new XmlList('DBCluster', clusters.map(clusterXml)) });
    }
    case 'FailoverDBCluster': {
      const cluster = dbCluster(world, params.get('DBClusterIdentifier'));
      cluster.failover(params.get('TargetDBInstanceIdentifier'));
      return queryResponse(RDS_NS, action, { DBCluster: clusterXml(cluster) });
    }
    case 'RebootDBCluster': {
      const cluster = dbCluster(world, params.get('DBClusterIdentifier'));
      cluster.reboot();
      return queryResponse(RDS_NS, action, { DBCluster: clusterXml(cluster) });
    }
    case 'RebootDBInstance': {
      const db = database(world, params.get('DBInstanceIdentifier'));
      db.reboot(params.bool('ForceFailover') === true);
      return queryResponse(RDS_NS, action, { DBInstance: dbXml(db) });
    }
    case 'DescribeEvents': {
      const id = params.get('SourceIdentifier');
      const sources = [...world.databases.values(), ...world.dbClusters.values()];
      const arns = new Map(sources.map((s) => [s.id, s.arn]));
      const events = sources
        .flatMap((db) => db.events)
        .filter((e) => id === undefined || e.SourceIdentifier === id)
        .sort((a, b) => a.Date.getTime() - b.Date.getTime());
      return queryResponse(RDS_NS, action, {
        Events: new XmlList(
          'Event',
          events.map((e) => ({ SourceIdentifier: e.SourceIdentifier, SourceType: e.SourceType, Message: e.Message, Date: e.Date.toISOString(), EventCategories: new XmlList('EventCategory', e.EventCategories), SourceArn: arns.get(e.SourceIdentifier) })),
        ),
      });
    }
    default:
      throw new SimApiError('InvalidAction', `Could not find operation ${action} for version 2014-10-31`);
  }
}
