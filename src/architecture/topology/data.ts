import type { DbCluster, DbInstance } from '../model.js';
import { type MapContext, userTags } from './context.js';

type Json = Record<string, unknown>;

/** A database's engine as the twin serves it: PostgreSQL, the only engine of the simulated region. */
function engineNote(ctx: MapContext, kind: string, id: string, engine: string): void {
  if (!/postgres/.test(engine)) ctx.notes.push(`${kind} '${id}' runs ${engine}; the twin serves it as PostgreSQL.`);
}

/** The zones of a database's DB subnet group, when it does not span every zone. */
function subnetGroupZones(ctx: MapContext, db: DbInstance | DbCluster, spec: Json): void {
  const zones = db.subnetGroup?.zones.filter((z) => ctx.zones.includes(z)) ?? [];
  if (zones.length === 0 || zones.length === ctx.zones.length) return;
  spec.subnetGroupZones = zones.map((z) => ctx.zone(z));
}

/** RDS DB instances that are not members of a DB cluster. */
export function databasesOf(ctx: MapContext): Json[] {
  const out: Json[] = [];
  for (const db of ctx.a.databases) {
    if (db.clusterId !== undefined) continue;
    const id = ctx.names.db.name(db.id);
    engineNote(ctx, 'DB instance', db.id, db.engine);
    if (db.replicaSourceId !== undefined)
      ctx.notes.push(`DB instance '${db.id}' is a read replica of '${db.replicaSourceId}'; the twin has it as an instance of its own.`);
    const spec: Json = { id, instanceClass: db.instanceClass, multiAZ: db.multiAZ };
    if (db.zone !== undefined) spec.availabilityZone = ctx.zone(db.zone);
    if (db.port !== undefined) spec.port = db.port;
    spec.tags = userTags(db.tags);
    if (db.multiAZ && db.secondaryZone !== undefined && db.zone !== undefined) {
      const next = ctx.zones[(ctx.zones.indexOf(db.zone) + 1) % ctx.zones.length];
      if (next !== db.secondaryZone)
        ctx.notes.push(`DB instance '${db.id}' has its standby in ${db.secondaryZone}; the twin puts it in ${next ?? 'the next zone'}.`);
    }
    subnetGroupZones(ctx, db, spec);
    out.push(spec);
  }
  return out;
}

/** DB clusters: a writer and readers, spread over the zones from the writer's. */
export function dbClustersOf(ctx: MapContext): Json[] {
  const out: Json[] = [];
  for (const c of ctx.a.dbClusters) {
    const id = ctx.names.db.name(c.id);
    engineNote(ctx, 'DB cluster', c.id, c.engine);
    const writer = c.members.find((m) => m.writer) ?? c.members[0];
    const spec: Json = { id, members: Math.max(1, Math.min(15, c.members.length)) };
    const zone = writer?.zone ?? c.zones[0];
    if (zone !== undefined) spec.availabilityZone = ctx.zone(zone);
    const instanceClass = c.instanceClass ?? writer?.instanceClass;
    if (instanceClass !== undefined) spec.instanceClass = instanceClass;
    if (c.port !== undefined) spec.port = c.port;
    spec.tags = userTags(c.tags);
    const expected = c.members.map((_, i) => `${c.id}-instance-${i + 1}`);
    if (c.members.some((m) => !expected.includes(m.id)))
      ctx.notes.push(`DB cluster '${c.id}' has members ${c.members.map((m) => m.id).join(', ')}; the twin names them ${id}-instance-1..${c.members.length}.`);
    subnetGroupZones(ctx, c, spec);
    out.push(spec);
  }
  return out;
}
