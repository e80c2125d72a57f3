import { bool, number, tags } from './values.js';
import type { Resource, TranslationContext, Zones } from './context.js';

/* RDS for PostgreSQL DB instances. */

/** An RDS for PostgreSQL instance; what the region does not model about it is noted. */
export function database(ctx: TranslationContext, r: Resource, zones: Zones): Record<string, unknown> {
  const p = ctx.props(r);
  const at = (k: string): string => `${r.path}.Properties.${k}`;
  const engine = typeof p.Engine === 'string' ? p.Engine : 'postgres';
  if (engine !== 'postgres') ctx.note(`${at('Engine')} is ${engine}; the simulated database speaks PostgreSQL.`);
  if (p.DBClusterIdentifier !== undefined) ctx.note(`${at('DBClusterIdentifier')}: cluster membership is not modelled; the instance stands alone.`);
  if (p.ReadReplicaSourceDBInstanceIdentifier !== undefined || p.SourceDBInstanceIdentifier !== undefined)
    ctx.note(`${r.path}: read replicas are not modelled; the instance stands alone.`);
  const multiAZ = bool(p.MultiAZ ?? undefined, at('MultiAZ'), false);
  const az = typeof p.AvailabilityZone === 'string' ? p.AvailabilityZone : zones.list[0];
  return {
    id: ctx.name(r.id),
    ...(typeof p.DBInstanceClass === 'string' ? { instanceClass: p.DBInstanceClass } : {}),
    multiAZ,
    ...(az === undefined ? {} : { availabilityZone: az }),
    port: number(p.Port ?? undefined, at('Port'), 5432),
    tags: tags(p.Tags ?? undefined, at('Tags')),
  };
}
