import { zoneName, zoneNames, type Topology } from '../topology.js';
import type { DbSubnetGroup } from '../world/rds-resource.js';
import type { GroundTruth } from '../ground-truth.js';
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
}

/**
 * Builds the topology's RDS DB instances and Multi-AZ DB clusters (not yet started). Each node has its own loopback
 * address 127.<net>.<2xx>.<n>: a DB instance's per zone, a cluster's per member.
 */
export function declareDatabases(world: DatabaseWorld, net: number): void {
  for (const [i, spec] of world.topology.databases.entries()) {
    const zone = zoneName(world.topology, spec.availabilityZone);
    const group = subnetGroupOf(world, spec);
    // The standby goes to the next zone of its DB subnet group: RDS places it in another zone of the group.
    const groupZones = [...new Set(group.subnets.map((s) => s.zone))];
    const standby = groupZones[(groupZones.indexOf(zone) + 1) % groupZones.length];
    const db = new SimDatabase({
      id: spec.id,
      region: world.topology.region,
      accountId: world.topology.accountId,
      multiAZ: spec.multiAZ,
      instanceClass: spec.instanceClass,
      zone,
      secondaryZone: spec.multiAZ && standby !== zone ? standby : undefined,
      // A node per zone, each on its own loopback address; the endpoint's DNS name answers the primary's.
      hostIn: (z) => `127.${net}.${200 + Math.max(0, world.zones.indexOf(z))}.${10 + i}`,
      port: spec.port,
      tags: spec.tags,
      scheduler: world.scheduler,
      truth: world.truth,
      timings: {
        failover: () => world.durations.draw('dbFailover', spec.id),
        reboot: () => world.durations.draw('dbReboot', spec.id),
        stop: () => world.durations.draw('dbStop', spec.id),
        start: () => world.durations.draw('dbStart', spec.id),
      },
    });
    db.subnetGroup = group;
    world.databases.set(db.id, db);
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
