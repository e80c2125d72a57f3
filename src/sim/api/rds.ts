import { SimApiError } from '../protocol/errors.js';
import type { QueryParams } from '../protocol/query.js';
import { awsQueryService, type QueryResult } from '../protocol/aws-query.js';
import { tagList, XmlList, type XmlValue } from '../protocol/xml.js';
import type { SimWorld } from '../region.js';
import type { SimDatabase } from '../world/database.js';
import type { SimClusterMember, SimDbCluster } from '../world/db-cluster.js';

const RDS_NS = 'http://rds.amazonaws.com/doc/2014-10-31/';

/** What every DB instance shows, standalone or a cluster member. */
interface InstanceFields {
  id: string;
  instanceClass: string;
  status: string;
  address: string;
  port: number;
  createdTime: Date;
  zone: string;
}

function instanceXml(i: InstanceFields, extra: Record<string, XmlValue>): Record<string, XmlValue> {
  return {
    DBInstanceIdentifier: i.id,
    ...extra,
    DBInstanceClass: i.instanceClass,
    Engine: 'postgres',
    EngineVersion: '17.5',
    DBInstanceStatus: i.status,
    MasterUsername: 'postgres',
    Endpoint: { Address: i.address, Port: i.port, HostedZoneId: 'Z2R2ITUGPM61AM' },
    InstanceCreateTime: i.createdTime.toISOString(),
    AvailabilityZone: i.zone,
  };
}

function dbXml(db: SimDatabase): XmlValue {
  return {
    ...instanceXml(
      { id: db.id, instanceClass: db.instanceClass, status: db.status, address: db.dnsName, port: db.port, createdTime: db.createdTime, zone: db.zone },
      {},
    ),
    SecondaryAvailabilityZone: db.secondaryZone,
    MultiAZ: db.multiAZ,
    PubliclyAccessible: false,
    StorageType: 'gp3',
    AllocatedStorage: 20,
    DBInstanceArn: db.arn,
    TagList: tagList(db.tags),
  };
}

/** A member of a Multi-AZ DB cluster as DescribeDBInstances shows it. */
function memberXml(cluster: SimDbCluster, m: SimClusterMember): XmlValue {
  return {
    ...instanceXml(
      { id: m.id, instanceClass: cluster.instanceClass, status: 'available', address: m.dnsName, port: cluster.port, createdTime: m.createdTime, zone: m.zone },
      { DBClusterIdentifier: cluster.id },
    ),
    MultiAZ: false,
    PromotionTier: m.promotionTier,
    PubliclyAccessible: false,
    StorageType: 'io1',
    AllocatedStorage: 100,
    DBInstanceArn: m.arn,
    TagList: tagList(cluster.tags),
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
      c.members.map((m) => ({
        DBInstanceIdentifier: m.id,
        IsClusterWriter: m.writer,
        DBClusterParameterGroupStatus: 'in-sync',
        PromotionTier: m.promotionTier,
      })),
    ),
    TagList: tagList(c.tags),
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
function rdsApi(world: SimWorld, params: QueryParams): QueryResult {
  const action = params.action;
  switch (action) {
    case 'DescribeDBInstances': {
      return { DBInstances: new XmlList('DBInstance', instancesXml(world, params.get('DBInstanceIdentifier'))) };
    }
    case 'DescribeDBClusters': {
      const id = params.get('DBClusterIdentifier');
      const clusters = id === undefined ? [...world.dbClusters.values()] : [dbCluster(world, id)];
      return { DBClusters: new XmlList('DBCluster', clusters.map(clusterXml)) };
    }
    case 'FailoverDBCluster': {
      const cluster = dbCluster(world, params.get('DBClusterIdentifier'));
      cluster.failover(params.get('TargetDBInstanceIdentifier'));
      return { DBCluster: clusterXml(cluster) };
    }
    case 'RebootDBCluster': {
      const cluster = dbCluster(world, params.get('DBClusterIdentifier'));
      cluster.reboot();
      return { DBCluster: clusterXml(cluster) };
    }
    case 'RebootDBInstance': {
      const db = database(world, params.get('DBInstanceIdentifier'));
      db.reboot(params.bool('ForceFailover') === true);
      return { DBInstance: dbXml(db) };
    }
    case 'DescribeEvents': {
      const id = params.get('SourceIdentifier');
      const sources = [...world.databases.values(), ...world.dbClusters.values()];
      const arns = new Map(sources.map((s) => [s.id, s.arn]));
      const events = sources
        .flatMap((db) => db.events)
        .filter((e) => id === undefined || e.SourceIdentifier === id)
        .sort((a, b) => a.Date.getTime() - b.Date.getTime());
      return {
        Events: new XmlList(
          'Event',
          events.map((e) => ({
            SourceIdentifier: e.SourceIdentifier,
            SourceType: e.SourceType,
            Message: e.Message,
            Date: e.Date.toISOString(),
            EventCategories: new XmlList('EventCategory', e.EventCategories),
            SourceArn: arns.get(e.SourceIdentifier),
          })),
        ),
      };
    }
    default:
      throw new SimApiError('InvalidAction', `Could not find operation ${action} for version 2014-10-31`);
  }
}

/** RDS as the server serves it: awsQuery. */
export const rdsService = awsQueryService<SimWorld>(RDS_NS, rdsApi);
