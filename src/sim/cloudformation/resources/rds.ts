import { bool, number, tags } from './values.js';
import { TemplateError } from '../template-error.js';
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
  const group = dbSubnetGroup(ctx, p.DBSubnetGroupName ?? undefined, zones, at('DBSubnetGroupName'));
  const az = typeof p.AvailabilityZone === 'string' ? p.AvailabilityZone : (group?.subnetGroupZones ?? zones.list)[0];
  return {
    id: ctx.name(r.id),
    ...(typeof p.DBInstanceClass === 'string' ? { instanceClass: p.DBInstanceClass } : {}),
    multiAZ,
    ...(az === undefined ? {} : { availabilityZone: az }),
    port: number(p.Port ?? undefined, at('Port'), 5432),
    tags: tags(p.Tags ?? undefined, at('Tags')),
    ...group,
  };
}

/**
 * The zones of the AWS::RDS::DBSubnetGroup a DB instance names (its SubnetIds' zones), or undefined when it names
 * none of the template's (RDS then uses the default VPC's group, every zone).
 */
function dbSubnetGroup(
  ctx: TranslationContext,
  name: unknown,
  zones: Zones,
  path: string,
): { subnetGroupName: string; subnetGroupZones: string[] } | undefined {
  if (name === undefined) return undefined;
  const group = ctx.ownerOf(name as string);
  if (group?.type !== 'AWS::RDS::DBSubnetGroup') {
    ctx.note(`${path} does not name a DB subnet group of the template; the simulated database's group spans every zone of the stack.`);
    return undefined;
  }
  const subnetIds = ctx.props(group).SubnetIds;
  const covered = zones.of(subnetIds ?? undefined, `${group.path}.Properties.SubnetIds`);
  if (covered === undefined) throw new TemplateError(`${group.path}.Properties.SubnetIds`, 'a DB subnet group needs SubnetIds');
  // RDS stores subnet group names in lower case.
  return { subnetGroupName: ctx.name(group.id).toLowerCase(), subnetGroupZones: covered };
}
