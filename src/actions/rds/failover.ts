/**
 * `aws.rds.failover` — forces a failover of each selected DB instance or Multi-AZ DB cluster and checks that the
 * writer moved to another zone. A Multi-AZ instance (`aws:rds:db`) fails over with RebootDBInstance ForceFailover; a DB
 * cluster (`targets.type: aws:rds:cluster`), or an instance that is a member of one, fails over with FailoverDBCluster
 * (the cluster picks the next reader). Either way the action waits until the resource is available again. Nothing to
 * undo: the old primary or writer becomes a standby or reader. Refused (invalid-fault) for a single-AZ instance, with
 * AWS's own error.
 */
import type { RebootDBInstanceCommandOutput } from '@aws-sdk/client-rds';
import { z } from 'zod';
import { sdk } from '../../aws/sdk.js';
import { ActionFailedError } from '../../errors/action-error.js';
import { duration } from '../../experiment/fields.js';
import { MOTO_DATA_TEST, no, partial, yes } from '../../registry/capabilities.js';
import type { ActionDefinition, ActivityContext, Resource } from '../../registry/types.js';
import { clusterWriter, describeCluster, failoverCluster, RDS_CLUSTER, rdsInventory, waitClusterAvailable } from './db-clusters.js';
import { dbTargets, describeDb, sendRds, waitAvailable } from './db-instances.js';

const args = z.strictObject({
  /** How long to wait for the instance or cluster to be available again (wall time). */
  waitTimeout: duration().default(900_000),
});

export const rdsFailoverAction: ActionDefinition<z.output<typeof args>> = {
  id: 'aws.rds.failover',
  summary: 'Forces a failover of the selected Multi-AZ DB instances or DB clusters and waits until each serves from another zone.',
  mutating: true,
  permissions: { read: ['rds:DescribeDBInstances', 'rds:DescribeDBClusters'], write: ['rds:RebootDBInstance', 'rds:FailoverDBCluster'] },
  capabilities: {
    services: ['rds'],
    support: {
      sim: yes('Multi-AZ instances fail over in 90 s of AWS time, DB clusters in about 35 s; the endpoint name follows the primary.'),
      moto: partial(
        `RebootDBInstance ignores ForceFailover, so gameday reports the failover as not landed (${MOTO_DATA_TEST}: "reports a failover that did not move the primary"); FailoverDBCluster swaps the writer at once (not covered by a test).`,
      ),
      'localstack-free': no('RDS is not in the community image.'),
      'localstack-paid': no(
        'FailoverDBCluster is not implemented; RebootDBInstance exists but nothing shows ForceFailover moving the primary, so the action ends not landed.',
      ),
      aws: yes(),
    },
  },
  args,
  ...dbTargets,
  inventory: rdsInventory,
  /** Where each target's primary is (a cluster's writer) before the failover. */
  async intent(_a, targets, ctx) {
    const primaries: Record<string, string> = {};
    for (const t of targets) primaries[t.id] = await primaryOf(ctx, t);
    return { primaries };
  },
  /**
   * Waits until each target is available (a failover under way ends) and says whose primary moved. Nothing is failed
   * back, as after a landed failover: the old primary is the standby or a reader now.
   */
  async reconcile(a, prior, targets, ctx) {
    const before = (prior.primaries as Record<string, string> | undefined) ?? {};
    const found: string[] = [];
    let landed = false;
    for (const t of targets) {
      if (t.type === RDS_CLUSTER) await waitClusterAvailable(ctx, t.id, a.waitTimeout);
      else await waitAvailable(ctx, t.id, a.waitTimeout);
      const now = await primaryOf(ctx, t);
      const was = before[t.id] ?? 'unknown';
      if (now !== was) landed = true;
      found.push(
        now === was
          ? `${t.id}'s primary is still ${now}: the failover did not land`
          : `${t.id} was failed over by the lost run (primary ${was} before, ${now} now); a failover is not undone, the old primary serves as standby`,
      );
    }
    return { landed, found, done: [], lasting: [] };
  },
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

/** Where a database's primary is: a cluster's writer instance, a cluster member's cluster writer, an instance's zone. */
async function primaryOf(ctx: ActivityContext, target: Resource): Promise<string> {
  if (target.type === RDS_CLUSTER) return `writer ${clusterWriter(await describeCluster(ctx, target.id)) ?? 'none'}`;
  const db = await describeDb(ctx, target.id);
  const cluster = db.DBClusterIdentifier;
  if (cluster !== undefined && cluster !== '') return `writer ${clusterWriter(await describeCluster(ctx, cluster)) ?? 'none'}`;
  return db.AvailabilityZone ?? 'unknown';
}
