import { SimApiError } from '../protocol/errors.js';
import type { QueryParams } from '../protocol/query.js';
import { awsQueryService, type QueryResult } from '../protocol/aws-query.js';
import { tagList, XmlList, type XmlValue } from '../protocol/xml.js';
import type { SimWorld } from '../region.js';
import type { SimDatabase } from '../world/database.js';
import type { SimClusterMember, SimDbCluster } from '../world/db-cluster.js';
import type { DbSubnetGroup } from '../world/rds-resource.js';

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

/** A DB subnet group as RDS shapes it (botocore rds DBSubnetGroup). */
function subnetGroupXml(g: DbSubnetGroup | undefined): XmlValue {
  if (g === undefined) return undefined;
  return {
    DBSubnetGroupName: g.name,
    DBSubnetGroupDescription: `Subnets of ${g.name}`,
    VpcId: g.vpcId,
    SubnetGroupStatus: 'Complete',
    Subnets: new XmlList(
      'Subnet',
      g.subnets.map((s) => ({ SubnetIdentifier: s.id, SubnetAvailabilityZone: { Name: s.zone }, SubnetStatus: 'Active' })),
    ),
    DBSubnetGroupArn: g.arn,
    SupportedNetworkTypes: new XmlList('member', ['IPV4']),
  };
}

/** DescribeDBSubnetGroups: the groups of the region's databases and clusters, one by name or all. */
function describeDbSubnetGroups(world: SimWorld, params: QueryParams): QueryResult {
  const groups = [...world.databases.values(), ...world.dbClusters.values()].map((d) => d.subnetGroup).filter((g) => g !== undefined);
  const name = params.get('DBSubnetGroupName');
  const named = name === undefined ? groups : groups.filter((g) => g.name === name);
  if (name !== undefined && named.length === 0) throw new SimApiError('DBSubnetGroupNotFoundFault', `DB subnet group '${name}' not found.`, 404);
  const { items, marker } = page(params, named);
  return { DBSubnetGroups: new XmlList('DBSubnetGroup', items.map(subnetGroupXml)), Marker: marker };
}

/** How one DB instance names another in a read replica relation: by identifier in its own Region, by ARN across Regions. */
const nameFrom = (db: SimDatabase, other: SimDatabase): string => (other.region === db.region ? other.id : other.arn);

function dbXml(db: SimDatabase): XmlValue {
  const replication = db.replication;
  return {
    ...instanceXml(
      { id: db.id, instanceClass: db.instanceClass, status: db.status, address: db.dnsName, port: db.port, createdTime: db.createdTime, zone: db.zone },
      {},
    ),
    ReadReplicaSourceDBInstanceIdentifier: db.replicaSource === undefined ? undefined : nameFrom(db, db.replicaSource),
    ReadReplicaDBInstanceIdentifiers: new XmlList(
      'ReadReplicaDBInstanceIdentifier',
      [...db.replicas].map((r) => nameFrom(db, r)),
    ),
    // botocore rds DBInstanceStatusInfo: StatusType "read replication", Status replicating | error | ….
    StatusInfos:
      replication === undefined
        ? undefined
        : new XmlList('DBInstanceStatusInfo', [
            { StatusType: 'read replication', Normal: replication.normal, Status: replication.status, Message: replication.message },
          ]),
    SecondaryAvailabilityZone: db.secondaryZone,
    MultiAZ: db.multiAZ,
    DBSubnetGroup: subnetGroupXml(db.subnetGroup),
    PubliclyAccessible: false,
    StorageType: 'gp3',
    AllocatedStorage: 20,
    DbiResourceId: db.resourceId,
    DBInstanceArn: db.arn,
    TagList: tagList(db.tags),
  };
}

/** A member of a Multi-AZ DB cluster as DescribeDBInstances shows it. */
function memberXml(cluster: SimDbCluster, m: SimClusterMember): XmlValue {
  // While the whole cluster reboots, so does each of its DB instances.
  const status = cluster.status === 'rebooting' ? 'rebooting' : m.status;
  return {
    ...instanceXml(
      { id: m.id, instanceClass: cluster.instanceClass, status, address: m.dnsName, port: cluster.port, createdTime: m.createdTime, zone: m.zone },
      { DBClusterIdentifier: cluster.id },
    ),
    MultiAZ: false,
    DBSubnetGroup: subnetGroupXml(cluster.subnetGroup),
    PromotionTier: m.promotionTier,
    PubliclyAccessible: false,
    StorageType: 'io1',
    AllocatedStorage: 100,
    DbiResourceId: m.resourceId,
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
    DBSubnetGroup: c.subnetGroup?.name,
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

/** Whether `given` names a resource: its identifier (not case-sensitive, as RDS documents) or its ARN. */
const names = (given: string, r: { id: string; arn: string }): boolean => given.toLowerCase() === r.id || given === r.arn;

function dbCluster(world: SimWorld, id: string | undefined): SimDbCluster {
  const c = id === undefined ? undefined : [...world.dbClusters.values()].find((x) => names(id, x));
  if (c === undefined) throw new SimApiError('DBClusterNotFoundFault', `DBCluster ${id ?? ''} not found.`, 404);
  return c;
}

/** One DB instance as the describe operations see it: a standalone instance or a member of a DB cluster. */
interface InstanceEntry {
  id: string;
  arn: string;
  resourceId: string;
  cluster: SimDbCluster | undefined;
  xml: () => XmlValue;
}

function instances(world: SimWorld): InstanceEntry[] {
  return [
    ...[...world.databases.values()].map((db) => ({ id: db.id, arn: db.arn, resourceId: db.resourceId, cluster: undefined, xml: () => dbXml(db) })),
    ...[...world.dbClusters.values()].flatMap((c) =>
      c.members.map((m) => ({ id: m.id, arn: m.arn, resourceId: m.resourceId, cluster: c, xml: () => memberXml(c, m) })),
    ),
  ];
}

/** The member of a DB cluster that `id` names, with its cluster. */
function clusterMember(world: SimWorld, id: string | undefined): { cluster: SimDbCluster; member: SimClusterMember } | undefined {
  if (id === undefined) return undefined;
  for (const cluster of world.dbClusters.values()) {
    const member = cluster.members.find((m) => names(id, m));
    if (member !== undefined) return { cluster, member };
  }
  return undefined;
}

function database(world: SimWorld, id: string | undefined): SimDatabase {
  const db = id === undefined ? undefined : [...world.databases.values()].find((d) => names(id, d));
  if (db === undefined) throw new SimApiError('DBInstanceNotFound', `DBInstance ${id ?? ''} not found.`, 404);
  return db;
}

/**
 * The `Filters` of a describe operation, checked against the names it supports (a name it does not know is
 * `InvalidParameterValue` "Unrecognized filter name: …", as AWS answers), as one predicate.
 */
function filtersOf<T>(params: QueryParams, supported: Record<string, (item: T, value: string) => boolean>): (item: T) => boolean {
  const checks = params.queryFilters().map((f) => {
    const match = Object.hasOwn(supported, f.name) ? supported[f.name] : undefined;
    if (match === undefined) throw new SimApiError('InvalidParameterValue', `Unrecognized filter name: ${f.name}`);
    return { match, values: f.values };
  });
  // Each filter narrows the list; any of a filter's values matches.
  return (item) => checks.every((c) => c.values.some((v) => c.match(item, v)));
}

/** DescribeDBInstances filters (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBInstances.html). */
const INSTANCE_FILTERS: Record<string, (i: InstanceEntry, v: string) => boolean> = {
  'db-cluster-id': (i, v) => i.cluster !== undefined && names(v, i.cluster),
  'db-instance-id': (i, v) => names(v, i),
  'dbi-resource-id': (i, v) => i.resourceId === v,
  // No instance of the region joins an Active Directory domain.
  domain: () => false,
  engine: (_i, v) => v === 'postgres',
};

/** DescribeDBClusters filters (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBClusters.html). */
const CLUSTER_FILTERS: Record<string, (c: SimDbCluster, v: string) => boolean> = {
  // A Multi-AZ DB cluster is never an Aurora clone.
  'clone-group-id': () => false,
  'db-cluster-id': (c, v) => names(v, c),
  'db-cluster-resource-id': (c, v) => c.resourceId === v,
  domain: () => false,
  engine: (_c, v) => v === 'postgres',
};

/**
 * One page of a describe operation: `MaxRecords` (default 100, 20–100, outside that AWS's InvalidParameterValue) from
 * `Marker`, with the marker of the next page while records remain.
 */
function page<T>(params: QueryParams, items: T[]): { items: T[]; marker: string | undefined } {
  const raw = params.get('MaxRecords');
  const max = raw === undefined ? 100 : Number(raw);
  if (!Number.isInteger(max) || max < 20 || max > 100)
    throw new SimApiError('InvalidParameterValue', `Invalid value ${raw ?? ''} for MaxRecords. Must be between 20 and 100`);
  const marker = params.get('Marker');
  // The marker is opaque to clients; it carries the offset of the next record.
  const offset = marker === undefined ? '0' : /^o:(\d+)$/.exec(Buffer.from(marker, 'base64url').toString('utf8'))?.[1];
  const start = Number(offset ?? Number.NaN);
  if (!Number.isInteger(start) || start > items.length) throw new SimApiError('InvalidParameterValue', `The marker ${marker ?? ''} is not valid.`);
  const end = start + max;
  return { items: items.slice(start, end), marker: end < items.length ? Buffer.from(`o:${end}`).toString('base64url') : undefined };
}

const MINUTE = 60_000;
/** RDS keeps events for 14 days (DescribeEvents: "for the past 14 days"). */
const RETENTION = 14 * 24 * 60 * MINUTE;

function timestamp(params: QueryParams, name: string): number | undefined {
  const raw = params.get(name);
  if (raw === undefined) return undefined;
  const t = Date.parse(raw);
  if (Number.isNaN(t)) throw new SimApiError('InvalidParameterValue', `Invalid value ${raw} for ${name}.`);
  return t;
}

/**
 * The window DescribeEvents reads: StartTime to EndTime, or `Duration` minutes (default 60: "By default, RDS returns
 * events that were generated in the past hour") ending at EndTime or now, or starting at StartTime.
 * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeEvents.html
 */
function eventWindow(params: QueryParams, now: number): { from: number; to: number } {
  const start = timestamp(params, 'StartTime');
  const end = timestamp(params, 'EndTime');
  const rawDuration = params.get('Duration');
  const minutes = rawDuration === undefined ? undefined : Number(rawDuration);
  if (minutes !== undefined && (!Number.isInteger(minutes) || minutes < 0))
    throw new SimApiError('InvalidParameterValue', `Invalid value ${rawDuration} for Duration.`);
  const span = (minutes ?? 60) * MINUTE;
  let from: number;
  let to: number;
  if (start !== undefined) {
    from = start;
    to = end ?? (minutes === undefined ? now : start + span);
  } else {
    to = end ?? now;
    from = to - span;
  }
  return { from: Math.max(from, now - RETENTION), to };
}

function describeEvents(world: SimWorld, params: QueryParams): QueryResult {
  const type = params.get('SourceType');
  const id = params.get('SourceIdentifier');
  // An unknown SourceType is refused before this runs, by the model's enum (protocol/validate.ts).
  // The model: "If SourceIdentifier is supplied, SourceType must also be provided." The code and wording are assumed.
  if (id !== undefined && type === undefined) throw new SimApiError('InvalidParameterCombination', 'Cannot specify a SourceIdentifier without a SourceType.');
  const categories = params.namedList('EventCategories', 'EventCategory');
  const { from, to } = eventWindow(params, Date.now());
  const events = [...world.databases.values(), ...world.dbClusters.values()]
    .flatMap((r) => r.events)
    .filter(
      (e) =>
        (type === undefined || e.SourceType === type) &&
        (id === undefined || e.SourceIdentifier === id.toLowerCase()) &&
        (categories.length === 0 || e.EventCategories.some((c) => categories.includes(c))) &&
        e.Date.getTime() >= from &&
        e.Date.getTime() <= to,
    )
    .sort((a, b) => a.Date.getTime() - b.Date.getTime());
  const { items, marker } = page(params, events);
  return {
    Events: new XmlList(
      'Event',
      items.map((e) => ({
        SourceIdentifier: e.SourceIdentifier,
        SourceType: e.SourceType,
        Message: e.Message,
        Date: e.Date.toISOString(),
        EventCategories: new XmlList('EventCategory', e.EventCategories),
        SourceArn: e.SourceArn,
      })),
    ),
    Marker: marker,
  };
}

function describeDbInstances(world: SimWorld, params: QueryParams): QueryResult {
  const id = params.get('DBInstanceIdentifier');
  const all = instances(world);
  const named = id === undefined ? all : all.filter((i) => names(id, i));
  if (id !== undefined && named.length === 0) throw new SimApiError('DBInstanceNotFound', `DBInstance ${id} not found.`, 404);
  const { items, marker } = page(params, named.filter(filtersOf(params, INSTANCE_FILTERS)));
  return {
    DBInstances: new XmlList(
      'DBInstance',
      items.map((i) => i.xml()),
    ),
    Marker: marker,
  };
}

function describeDbClusters(world: SimWorld, params: QueryParams): QueryResult {
  const id = params.get('DBClusterIdentifier');
  const clusters = id === undefined ? [...world.dbClusters.values()] : [dbCluster(world, id)];
  const { items, marker } = page(params, clusters.filter(filtersOf(params, CLUSTER_FILTERS)));
  return { DBClusters: new XmlList('DBCluster', items.map(clusterXml)), Marker: marker };
}

/** RDS's `Tags.Tag.N.Key` / `Tags.Tag.N.Value` (botocore rds TagList, member locationName Tag). */
function tagsOf(params: QueryParams): Record<string, string> {
  const keys = new Map<string, string>();
  const values = new Map<string, string>();
  for (const [name, value] of params.entries()) {
    const m = /^Tags\.Tag\.(\d+)\.(Key|Value)$/.exec(name);
    if (m !== null) (m[2] === 'Key' ? keys : values).set(m[1] ?? '', value);
  }
  return Object.fromEntries([...keys].map(([n, key]) => [key, values.get(n) ?? '']));
}

/** CreateDBInstanceReadReplica of a PostgreSQL DB instance, named by identifier or (any Region's) ARN. */
function createReadReplica(world: SimWorld, params: QueryParams): SimDatabase {
  const id = params.get('DBInstanceIdentifier') ?? '';
  const source = params.get('SourceDBInstanceIdentifier');
  if (source === undefined) {
    // A read replica of a DB cluster (SourceDBClusterIdentifier) is not simulated.
    throw new SimApiError(
      'InvalidParameterCombination',
      'SourceDBInstanceIdentifier is required: the simulated region makes read replicas of DB instances only.',
    );
  }
  return world.createReadReplica({
    id: id.toLowerCase(),
    source,
    instanceClass: params.get('DBInstanceClass'),
    zone: params.get('AvailabilityZone'),
    multiAZ: params.bool('MultiAZ') === true,
    port: params.int('Port'),
    tags: tagsOf(params),
  });
}

/** RDS (awsQuery) API of the simulated region: DB instances and Multi-AZ DB clusters, reboot, failover, stop and start, events. */
function rdsApi(world: SimWorld, params: QueryParams): QueryResult {
  const action = params.action;
  switch (action) {
    case 'DescribeDBInstances':
      return describeDbInstances(world, params);
    case 'DescribeDBClusters':
      return describeDbClusters(world, params);
    case 'DescribeDBSubnetGroups':
      return describeDbSubnetGroups(world, params);
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
    case 'StopDBCluster':
    case 'StartDBCluster':
      return dbCluster(world, params.get('DBClusterIdentifier')).refuseStopStart();
    case 'RebootDBInstance': {
      const id = params.get('DBInstanceIdentifier');
      const forceFailover = params.bool('ForceFailover') === true;
      const inCluster = clusterMember(world, id);
      if (inCluster !== undefined) {
        inCluster.cluster.rebootMember(inCluster.member, forceFailover);
        return { DBInstance: memberXml(inCluster.cluster, inCluster.member) };
      }
      const db = database(world, id);
      db.reboot(forceFailover);
      return { DBInstance: dbXml(db) };
    }
    case 'StopDBInstance':
    case 'StartDBInstance': {
      const id = params.get('DBInstanceIdentifier');
      const inCluster = clusterMember(world, id);
      if (inCluster !== undefined) return inCluster.cluster.refuseStopStart(inCluster.member.id);
      const db = database(world, id);
      if (action === 'StopDBInstance') db.stopDbInstance(params.get('DBSnapshotIdentifier'));
      else db.startDbInstance();
      return { DBInstance: dbXml(db) };
    }
    case 'CreateDBInstanceReadReplica':
      return { DBInstance: dbXml(createReadReplica(world, params)) };
    case 'PromoteReadReplica': {
      const id = params.get('DBInstanceIdentifier');
      if (clusterMember(world, id) !== undefined) throw new SimApiError('InvalidDBInstanceState', `DB instance ${id ?? ''} is not a read replica.`);
      const db = database(world, id);
      db.promote();
      return { DBInstance: dbXml(db) };
    }
    case 'DescribeEvents':
      return describeEvents(world, params);
    default:
      throw new SimApiError('InvalidAction', `Could not find operation ${action} for version 2014-10-31`);
  }
}

/** RDS as the server serves it: awsQuery. */
export const rdsService = awsQueryService<SimWorld>(RDS_NS, rdsApi);
