/** Database: a synchronous standby in another zone, which RDS fails over to by itself, with no acknowledged write lost. */
import { DEFAULT_OPT_IN_TAG } from '../../safety/iam-policy.js';
import { dbFailoverExperiment, type FailoverTarget } from '../experiments/db-failover.js';
import { dbZoneLossExperiment } from '../experiments/db-zone-loss.js';
import type { Finding, ProvingExperiment } from '../finding.js';
import { REF } from '../references.js';
import { type AuditContext, finding, type RuleInfo } from './rule.js';

export const SINGLE_AZ: RuleInfo = {
  id: 'rds-single-az',
  layer: 'database',
  severity: 'high',
  principle: 'A database keeps a synchronous standby in another zone (Multi-AZ): without one, losing its zone loses the database until it is restored.',
  fix: 'Modify the instance to Multi-AZ (a short I/O pause while the standby is created), or move to a Multi-AZ DB cluster.',
  reference: REF.rdsMultiAz,
};
export const SUBNET_GROUP_ONE_ZONE: RuleInfo = {
  id: 'db-subnet-group-one-zone',
  layer: 'database',
  severity: 'high',
  principle: 'A DB subnet group spans zones, so RDS has somewhere to put a standby and to fail over to.',
  fix: 'Add subnets in at least two more zones to the DB subnet group.',
  reference: REF.rdsSubnetGroups,
};
export const CLUSTER_ONE_ZONE: RuleInfo = {
  id: 'db-cluster-single-zone',
  layer: 'database',
  severity: 'high',
  principle: 'A DB cluster has a member in another zone than its writer, so a zone loss promotes it.',
  fix: 'Add a reader in another zone (or use a Multi-AZ DB cluster, three zones).',
  reference: REF.rdsMultiAzCluster,
};
export const REPLICA_ONLY_COPY: RuleInfo = {
  id: 'db-read-replica-only-copy',
  layer: 'database',
  severity: 'info',
  principle: 'A read replica is asynchronous and promoted by hand: as the only copy in another zone it loses the writes it lagged, and time.',
  fix: 'Make the primary Multi-AZ; keep the replica for reads.',
  reference: REF.rdsReadReplicas,
};
export const CLAIM_DB_FAILOVER: RuleInfo = { ...SINGLE_AZ, id: 'claim-db-failover', severity: 'info' };

/**
 * The claim of an instance (Multi-AZ or not) is that it survives the loss of its primary's zone, so its experiment
 * darkens that zone. The outage finds the zone's subnets through the VPC of the opted-in instances it takes down with
 * it (`aws.scenario.az-outage`), so a zone where none runs, or a primary whose zone the account does not say, cannot
 * be darkened.
 */
function zoneLoss(
  ctx: AuditContext,
  rule: string,
  target: FailoverTarget,
  zone: string | undefined,
): { experiment: ProvingExperiment } | { unprovable: string } {
  if (zone === undefined) return { unprovable: `The account does not say which zone ${target.id}'s primary is in, so no zone can be taken from it.` };
  const optedIn = ctx.a.instances.some((i) => i.zone === zone && i.state === 'running' && i.tags[DEFAULT_OPT_IN_TAG.key] === DEFAULT_OPT_IN_TAG.value);
  if (!optedIn)
    return {
      unprovable: `No instance tagged ${DEFAULT_OPT_IN_TAG.key}=${DEFAULT_OPT_IN_TAG.value} runs in ${zone}: the zone outage finds the subnets it cuts through the instances it takes down there.`,
    };
  return { experiment: dbZoneLossExperiment(ctx, rule, target, zone) };
}

function instances(ctx: AuditContext): Finding[] {
  const out: Finding[] = [];
  for (const db of ctx.a.databases) {
    const target = { id: db.id, kind: 'instance' as const, endpoint: db.endpoint, port: db.port };
    if (db.clusterId === undefined && db.replicaSourceId === undefined) {
      if (!db.multiAZ)
        out.push(
          finding(SINGLE_AZ, {
            title: `RDS instance ${db.id} is single-AZ${db.zone === undefined ? '' : ` (in ${db.zone})`}.`,
            evidence: [db.arn],
            ...zoneLoss(ctx, SINGLE_AZ.id, target, db.zone),
          }),
        );
      else
        out.push(
          finding(CLAIM_DB_FAILOVER, {
            title: `RDS instance ${db.id} is Multi-AZ (${db.zone ?? '?'} → ${db.secondaryZone ?? '?'}).`,
            evidence: [db.arn],
            ...zoneLoss(ctx, CLAIM_DB_FAILOVER.id, target, db.zone),
          }),
        );
    }
    const zones = new Set(db.subnetGroup?.zones ?? []);
    if (db.subnetGroup !== undefined && zones.size < 2)
      out.push(
        finding(SUBNET_GROUP_ONE_ZONE, {
          title: `DB subnet group ${db.subnetGroup.name} of ${db.id} spans one zone.`,
          evidence: [db.arn],
          unprovable: 'No standby can exist outside the one zone: the single-AZ finding’s experiment shows the consequence.',
        }),
      );
    if (!db.multiAZ && db.clusterId === undefined && db.replicaSourceId === undefined) {
      const replicas = ctx.a.databases.filter((r) => db.readReplicaIds.includes(r.id) && r.zone !== undefined && r.zone !== db.zone);
      if (replicas.length > 0)
        out.push(
          finding(REPLICA_ONLY_COPY, {
            title: `${db.id}'s only copy in another zone is read replica ${replicas.map((r) => r.id).join(', ')}.`,
            evidence: [db.arn, ...replicas.map((r) => r.arn)],
            unprovable: 'Promoting a replica is a manual step, not a fault gameday injects.',
          }),
        );
    }
  }
  return out;
}

function clusters(ctx: AuditContext): Finding[] {
  const out: Finding[] = [];
  for (const c of ctx.a.dbClusters) {
    const target = { id: c.id, kind: 'cluster' as const, endpoint: c.endpoint, port: c.port };
    const writerZone = c.members.find((m) => m.writer)?.zone;
    const elsewhere = c.members.filter((m) => !m.writer && m.zone !== undefined && m.zone !== writerZone);
    if (elsewhere.length === 0)
      out.push(
        finding(CLUSTER_ONE_ZONE, {
          title: `DB cluster ${c.id} has no member outside its writer's zone${writerZone === undefined ? '' : ` (${writerZone})`}.`,
          evidence: [c.arn],
          experiment: dbFailoverExperiment(ctx, CLUSTER_ONE_ZONE.id, target),
        }),
      );
    else
      out.push(
        finding(CLAIM_DB_FAILOVER, {
          title: `DB cluster ${c.id} has members in ${new Set(c.members.map((m) => m.zone)).size} zones.`,
          evidence: [c.arn],
          experiment: dbFailoverExperiment(ctx, CLAIM_DB_FAILOVER.id, target),
        }),
      );
  }
  return out;
}

export const databaseRules = [instances, clusters];
