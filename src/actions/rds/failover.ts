/**
 * `aws.rds.failover` — forces a failover of each selected DB instance or Multi-AZ DB cluster and checks that the
 * writer moved to another zone. A Multi-AZ instance (`aws:rds:db`) fails over with RebootDBInstance ForceFailover; a DB
 * cluster (`targets.type: aws:rds:cluster`), or an instance that is a member of one, fails over with FailoverDBCluster
 * (the cluster picks the next reader). Either way the action waits until the resource is available again. Nothing to
 * undo: the old primary or writer becomes a standby or reader. Refused (invalid-fault) for a single-AZ instance, with
 * AWS's own error.
 */
import type { FailoverDBClusterCommandOutput, RebootDBInstanceCommandOutput } from '@aws-sdk/client-rds';
import { z } from 'zod';
import { sdk } from '../../aws/sdk.js';
import { ActionFailedError } from '../../errors/action-error.js';
import { duration } from '../../experiment/fields.js';
import type { ActionDefinition, ActivityContext, Resource, TargetSpec } from '../../registry/types.js';
import { clusterInventory, clusterWriter, describeCluster, RDS_CLUSTER, waitClusterAvailable } from './db-clusters.js';
import { dbInventory, dbTargets, describeDb, sendRds, waitAvailable } from './db-instances.js';

const args = z.strictObject({
  /** How long to wait for the instance or cluster to be available again (wall time). */
  waitTimeout: duration().default(900_000),
});

/** Targets of type `aws:rds:cluster` are listed with DescribeDBClusters; anything else with DescribeDBInstances. */
async function inventory(spec: TargetSpec, ctx: ActivityContext): Promise<Resource[]> {
  return spec.type === RDS_CLUSTER ? clusterInventory(spec, ctx) : dbInventory(spec, ctx);
}

/** FailoverDBCluster, then waits until the cluster is available with a writer in another zone; returns "from -> to". */
async function failoverCluster(ctx: ActivityContext, id: string, timeoutMs: number): Promise<string> {
  const { FailoverDBClusterCommand } = await sdk.rds();
  const before = await describeCluster(ctx, id);
  if ((before.DBClusterMembers ?? []).length < 2) throw new ActionFailedError(`DB cluster ${id} has fewer than 2 DB instances: it has no reader to fail over to.`);
  const oldWriter = clusterWriter(before);
  const oldZone = oldWriter === undefined ? undefined : (await describeDb(ctx, oldWriter)).AvailabilityZone;
  await sendRds(ctx, new FailoverDBClusterCommand({ DBClusterIdentifier: id }), (out: FailoverDBClusterCommandOutput) => ({
    status: out.DBCluster?.Status,
    writer: clusterWriter(out.DBCluster),
  }));
  const after = await waitClusterAvailable(ctx, id, timeoutMs);
  const newWriter = clusterWriter(after);
  if (newWriter === undefined || newWriter === oldWriter) {
    throw new ActionFailedError(`The failover of DB cluster ${id} did not move the writer: it is still ${oldWriter ?? 'unknown'}.`);
  }
  const newZone = (await describeDb(ctx, newWriter)).AvailabilityZone;
  if (newZone === oldZone) {
    throw new ActionFailedError(`The failover of DB cluster ${id} moved the writer to ${newWriter}, but it is still in ${oldZone ?? 'an unknown zone'}.`);
  }
  return `${oldWriter ?? '?'} (${oldZone ?? '?'}) -> ${newWriter} (${newZone ?? '?'})`;
}

export const rdsFailoverAction: ActionDefinition<z.output<typeof args>> = {
  id: 'aws.rds.failover',
  summary: 'Forces a failover of the selected Multi-AZ DB instances or DB clusters and waits until each serves from another zone.',
  mutating: true,
  args,
  ...dbTargets,
  inventory,
  async run(a, ctx) {
    const { RebootDBInstanceCommand } = await sdk.rds();
    const moved: Record<string, string> = {};
    for (const target of ctx.targets) {
      if (target.type === RDS_CLUSTER) {
        moved[target.id] = await failoverCluster(ctx, target.id, a.waitTimeout);
        continue;
      }
      const before = await describeDb(ctx, target.id);
      const cluster = before.DBClusterIdentifier;
      if (cluster !== undefined && cluster !== '') {
        // A member of a Multi-AZ DB cluster: the cluster fails over (once, however many of its members are selected).
        moved[cluster] ??= await failoverCluster(ctx, cluster, a.waitTimeout);
        continue;
      }
      if (before.MultiAZ !== true) throw new ActionFailedError(`DB instance ${target.id} is not Multi-AZ: it has no standby to fail over to.`);
      await sendRds(ctx, new RebootDBInstanceCommand({ DBInstanceIdentifier: target.id, ForceFailover: true }), (out: RebootDBInstanceCommandOutput) => ({
        status: out.DBInstance?.DBInstanceStatus,
      }));
      const after = await waitAvailable(ctx, target.id, a.waitTimeout);
      if (after.AvailabilityZone === before.AvailabilityZone) {
        throw new ActionFailedError(`The failover of ${target.id} did not move the primary: it is still in ${before.AvailabilityZone ?? 'an unknown zone'}.`);
      }
      moved[target.id] = `${before.AvailabilityZone ?? '?'} -> ${after.AvailabilityZone ?? '?'}`;
    }
    return { output: { [ctx.targets[0]?.type === RDS_CLUSTER ? 'dbClusters' : 'dbInstances']: ctx.targets.map((t) => t.id), moved } };
  },
};
