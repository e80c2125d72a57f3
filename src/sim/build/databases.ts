import { zoneName, zoneNames, type Topology } from '../topology.js';
import type { DbSubnetGroup } from '../world/rds-resource.js';
import type { GroundTruth } from '../ground-truth.js';
import { SimApiError } from '../protocol/errors.js';
import type { Durations, SimScheduler } from '../timing.js';
import { SimDatabase } from '../world/database.js';
import { SimDbCluster } from '../world/db-cluster.js';
import type { EngineState } from '../world/postgres-endpoint.js';

/** What the databases are built from and into. */
export interface DatabaseWorld {
  readonly topology: Topology;
  readonly zones: readonly string[];
  readonly vpcId: string;
  readonly subnets: readonly { id: string; zone: string }[];
  readonly scheduler: SimScheduler;
  readonly truth: GroundTruth;
  readonly durations: Durations;
  readonly databases: Map<string, SimDatabase>;
  readonly dbClusters: Map<string, SimDbCluster>;
  /** Another Region's DB instances, when the simulation holds several Regions (a read replica's source by ARN). */
  readonly peerDatabases?: ((region: string) => ReadonlyMap<string, SimDatabase> | undefined) | undefined;
}

/**
 * Builds the topology's RDS DB instances and Multi-AZ DB clusters (not yet started). Each node has its own loopback
 * address 127.<net>.<2xx>.<n>: a DB instance's per zone, a cluster's per member.
 */
export function declareDatabases(world: DatabaseWorld, net: number): void {
  for (const [i, spec] of world.topology.databases.entries()) {
    const group = subnetGroupOf(world, spec);
    const db = newDatabase(world, net, i, { ...spec, zone: zoneName(world.topology, spec.availabilityZone), group });
    // A read replica's endpoint serves read-only from its start; `connectReplicas` starts its replication.
    if (spec.replicaOf !== undefined) db.endpoint.role = 'read-only';
    world.databases.set(spec.id, db);
  }
  for (const [i, spec] of world.topology.dbClusters.entries()) {
    const zone = zoneName(world.topology, spec.availabilityZone);
    const group = subnetGroupOf(world, spec);
    const groupZones = [...new Set(group.subnets.map((s) => s.zone))];
    const first = Math.max(0, groupZones.indexOf(zone));
    const cluster = new SimDbCluster({
      id: spec.id,
      region: world.topology.region,
      accountId: world.topology.accountId,
      instanceClass: spec.instanceClass,
      // Each member on its own loopback address; the writer endpoint's DNS name answers the writer's.
      members: Array.from({ length: spec.members }, (_, n) => ({
        zone: groupZones[(first + n) % groupZones.length] ?? zone,
        host: `127.${net}.${210 + n}.${10 + i}`,
      })),
      port: spec.port,
      tags: spec.tags,
      scheduler: world.scheduler,
      truth: world.truth,
      failoverMs: () => world.durations.draw('dbClusterFailover', spec.id),
      rebootMs: () => world.durations.draw('dbReboot', spec.id),
    });
    cluster.subnetGroup = group;
    world.dbClusters.set(cluster.id, cluster);
  }
}

/** What one DB instance is built from: a topology's declaration, or a CreateDBInstanceReadReplica request. */
interface InstanceSpec {
  id: string;
  multiAZ: boolean;
  instanceClass: string;
  zone: string;
  port: number;
  tags: Record<string, string>;
  group: DbSubnetGroup;
}

/** A DB instance whose nodes sit at 127.<net>.<2xx>.<10 + n>: one address per zone, `n` unique to it. */
function newDatabase(world: DatabaseWorld, net: number, n: number, spec: InstanceSpec): SimDatabase {
  // The standby goes to the next zone of its DB subnet group: RDS places it in another zone of the group.
  const groupZones = [...new Set(spec.group.subnets.map((s) => s.zone))];
  const standby = groupZones[(groupZones.indexOf(spec.zone) + 1) % groupZones.length];
  const db = new SimDatabase({
    id: spec.id,
    region: world.topology.region,
    accountId: world.topology.accountId,
    multiAZ: spec.multiAZ,
    instanceClass: spec.instanceClass,
    zone: spec.zone,
    secondaryZone: spec.multiAZ && standby !== spec.zone ? standby : undefined,
    // A node per zone, each on its own loopback address; the endpoint's DNS name answers the primary's.
    hostIn: (z) => `127.${net}.${200 + Math.max(0, world.zones.indexOf(z))}.${10 + n}`,
    port: spec.port,
    tags: spec.tags,
    scheduler: world.scheduler,
    truth: world.truth,
    timings: {
      failover: () => world.durations.draw('dbFailover', spec.id),
      reboot: () => world.durations.draw('dbReboot', spec.id),
      stop: () => world.durations.draw('dbStop', spec.id),
      start: () => world.durations.draw('dbStart', spec.id),
      promote: () => world.durations.draw('dbPromote', spec.id),
      replicaLag: () => world.durations.draw('replicaLag', spec.id),
    },
  });
  db.subnetGroup = spec.group;
  return db;
}

/**
 * The source DB instance a read replica names: an identifier or ARN of this Region's, or the ARN of another Region's
 * when the world can see other Regions (`peerDatabases`). Unknown: RDS's DBInstanceNotFound.
 */
export function resolveSourceDatabase(world: Pick<DatabaseWorld, 'databases' | 'topology' | 'peerDatabases'>, idOrArn: string): SimDatabase {
  const arn = /^arn:aws[a-z-]*:rds:([a-z0-9-]+):\d{12}:db:(.+)$/.exec(idOrArn);
  const region = arn?.[1] ?? world.topology.region;
  const candidates = region === world.topology.region ? world.databases : world.peerDatabases?.(region);
  const found = [...(candidates?.values() ?? [])].find((d) => d.arn === idOrArn || (arn === null && d.id === idOrArn.toLowerCase()));
  if (found === undefined) throw new SimApiError('DBInstanceNotFound', `DBInstance ${idOrArn} not found.`, 404);
  return found;
}

/** Starts the replication of the topology's read replicas (`replicaOf`), once every database has started. */
export async function connectReplicas(world: DatabaseWorld): Promise<void> {
  for (const spec of world.topology.databases) {
    if (spec.replicaOf === undefined) continue;
    const replica = world.databases.get(spec.id);
    if (replica === undefined) continue;
    let source: SimDatabase;
    try {
      source = resolveSourceDatabase(world, spec.replicaOf);
    } catch {
      throw new Error(`Database '${spec.id}' is a read replica of '${spec.replicaOf}', which no Region of the simulation holds.`);
    }
    await replica.replicate(source);
  }
}

/** A CreateDBInstanceReadReplica request, as the API read it. */
export interface ReadReplicaRequest {
  id: string;
  source: string;
  instanceClass: string | undefined;
  zone: string | undefined;
  multiAZ: boolean;
  port: number | undefined;
  tags: Record<string, string>;
}

/**
 * CreateDBInstanceReadReplica: a new DB instance, `creating` for the creation time (timing `dbReplicaCreate`), that
 * follows its source from the request on and serves read-only once available
 * (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReadRepl.Create.html).
 */
export function createReadReplica(world: DatabaseWorld, net: number, request: ReadReplicaRequest): SimDatabase {
  if ([...world.databases.keys(), ...[...world.dbClusters.values()].flatMap((c) => c.members.map((m) => m.id))].includes(request.id))
    throw new SimApiError('DBInstanceAlreadyExists', `DB instance already exists: ${request.id}.`);
  const source = resolveSourceDatabase(world, request.source);
  if (source.status !== 'available')
    throw new SimApiError('InvalidDBInstanceState', `DB instance ${source.id} is not in available state, so a read replica cannot be created from it.`);
  const zone = request.zone ?? source.zone;
  if (!world.zones.includes(zone))
    throw new SimApiError('InvalidParameterValue', `AvailabilityZone ${zone} is not an Availability Zone of ${world.topology.region}.`);
  // In its source's Region a replica uses the source's DB subnet group; in another, that Region's default.
  const group = (source.region === world.topology.region ? source.subnetGroup : undefined) ?? subnetGroupOf(world, { id: request.id });
  if (request.multiAZ && new Set(group.subnets.map((s) => s.zone)).size < 2)
    throw new SimApiError('InvalidParameterCombination', `DB subnet group ${group.name} covers one Availability Zone; a Multi-AZ read replica needs two.`);
  const replica = newDatabase(world, net, world.topology.databases.length + world.databases.size, {
    id: request.id,
    multiAZ: request.multiAZ,
    instanceClass: request.instanceClass ?? source.instanceClass,
    zone,
    port: request.port ?? source.port,
    tags: request.tags,
    group,
  });
  world.databases.set(replica.id, replica);
  const ready = replica.replicate(source);
  world.scheduler.after(world.durations.draw('dbReplicaCreate', replica.id), () => {
    void ready.then(() => replica.start()).catch(() => undefined);
  });
  return replica;
}

/** The DB subnet group of a declared database or cluster: the region's private subnets in its `subnetGroupZones`. */
function subnetGroupOf(
  world: DatabaseWorld,
  spec: { id: string; subnetGroupZones?: string[] | undefined; subnetGroupName?: string | undefined },
): DbSubnetGroup {
  // The default group is the Region's Availability Zones, not its edge zones.
  const zones = (spec.subnetGroupZones ?? zoneNames(world.topology)).map((z) => zoneName(world.topology, z));
  const name = spec.subnetGroupName ?? `${spec.id}-subnets`;
  return {
    name,
    arn: `arn:aws:rds:${world.topology.region}:${world.topology.accountId}:subgrp:${name}`,
    vpcId: world.vpcId,
    subnets: world.subnets.filter((s) => zones.includes(s.zone)).map((s) => ({ id: s.id, zone: s.zone })),
  };
}

/** One database's store as `GET /_sim/databases` lists it: `engine` says whether a client ever made it start one. */
export interface DatabaseEngineView {
  id: string;
  kind: 'db-instance' | 'db-cluster';
  status: string;
  engine: EngineState;
}

/** The region's databases and whether each has started its engine. */
export function databaseEngines(world: Pick<DatabaseWorld, 'databases' | 'dbClusters'>): DatabaseEngineView[] {
  return [
    ...[...world.databases.values()].map((db) => ({ id: db.id, kind: 'db-instance' as const, status: db.status, engine: db.endpoint.engine })),
    ...[...world.dbClusters.values()].map((c) => ({ id: c.id, kind: 'db-cluster' as const, status: c.status, engine: c.endpoint.engine })),
  ];
}
