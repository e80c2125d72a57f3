import type { DBCluster, DescribeDBClustersCommandOutput, FailoverDBClusterCommandOutput } from '@aws-sdk/client-rds';
import { sdk } from '../../aws/sdk.js';
import { ActionFailedError } from '../../errors/action-error.js';
import type { ActivityContext, Resource, TargetSpec } from '../../registry/types.js';
import { dbInventory, describeDb, sendRds } from './db-instances.js';
import { listRds, rdsResource } from './listing.js';

export const RDS_CLUSTER = 'aws:rds:cluster';

/** Lists DB clusters page by page (by id when the spec names one id). */
export async function clusterInventory(spec: { ids?: string[] | undefined }, ctx: ActivityContext): Promise<Resource[]> {
  const { DescribeDBClustersCommand } = await sdk.rds();
  return listRds(ctx, spec, {
    byId: (id) => new DescribeDBClustersCommand({ DBClusterIdentifier: id }),
    page: (marker) => new DescribeDBClustersCommand({ Marker: marker }),
    items: (out: DescribeDBClustersCommandOutput) => out.DBClusters,
    toResource: (c: DBCluster) => rdsResource(RDS_CLUSTER, c.DBClusterIdentifier, c.DBClusterArn, c.TagList, c),
  });
}

/** Targets of type `aws:rds:cluster` are listed with DescribeDBClusters; anything else with DescribeDBInstances. */
export async function rdsInventory(spec: TargetSpec, ctx: ActivityContext): Promise<Resource[]> {
  return spec.type === RDS_CLUSTER ? clusterInventory(spec, ctx) : dbInventory(spec, ctx);
}

/** The current description of one DB cluster. */
export async function describeCluster(ctx: ActivityContext, id: string): Promise<DBCluster> {
  const { DescribeDBClustersCommand } = await sdk.rds();
  const out: DescribeDBClustersCommandOutput = await sendRds(
    ctx,
    new DescribeDBClustersCommand({ DBClusterIdentifier: id }),
    (o: DescribeDBClustersCommandOutput) => ({
      status: o.DBClusters?.[0]?.Status,
      writer: clusterWriter(o.DBClusters?.[0]),
    }),
  );
  const cluster = out.DBClusters?.[0];
  if (cluster === undefined) throw new ActionFailedError(`DB cluster ${id} is gone.`);
  return cluster;
}

/** The identifier of the cluster's writer instance, if it has one. */
export function clusterWriter(cluster: DBCluster | undefined): string | undefined {
  return cluster?.DBClusterMembers?.find((m) => m.IsClusterWriter === true)?.DBInstanceIdentifier;
}

/** Polls until the cluster is `available`, with backoff, bounded by `timeoutMs`. */
export async function waitClusterAvailable(ctx: ActivityContext, id: string, timeoutMs: number): Promise<DBCluster> {
  const deadline = ctx.clock.now() + timeoutMs;
  let delay = 100;
  for (;;) {
    const cluster = await describeCluster(ctx, id);
    if (cluster.Status === 'available') return cluster;
    if (ctx.clock.now() + delay > deadline) {
      throw new ActionFailedError(`DB cluster ${id} was still ${cluster.Status ?? 'unknown'} after ${Math.round(timeoutMs / 1000)}s.`);
    }
    await ctx.clock.sleep(delay, ctx.signal);
    delay = Math.min(2_000, delay * 1.5);
  }
}

/** A cluster failover that was asked for: the writer and its zone before. */
export interface StartedClusterFailover {
  id: string;
  oldWriter: string | undefined;
  oldZone: string | undefined;
}

/** Sends FailoverDBCluster (the cluster promotes the next reader); refused here for a cluster with one member. */
export async function startClusterFailover(ctx: ActivityContext, id: string): Promise<StartedClusterFailover> {
  const { FailoverDBClusterCommand } = await sdk.rds();
  const before = await describeCluster(ctx, id);
  if ((before.DBClusterMembers ?? []).length < 2)
    throw new ActionFailedError(`DB cluster ${id} has fewer than 2 DB instances: it has no reader to fail over to.`);
  const oldWriter = clusterWriter(before);
  const oldZone = oldWriter === undefined ? undefined : (await describeDb(ctx, oldWriter)).AvailabilityZone;
  await sendRds(ctx, new FailoverDBClusterCommand({ DBClusterIdentifier: id }), (out: FailoverDBClusterCommandOutput) => ({
    status: out.DBCluster?.Status,
    writer: clusterWriter(out.DBCluster),
  }));
  return { id, oldWriter, oldZone };
}

/** Waits until the cluster is available with a writer in another zone; returns "writer (zone) -> writer (zone)". */
export async function confirmClusterFailover(ctx: ActivityContext, started: StartedClusterFailover, timeoutMs: number): Promise<string> {
  const { id, oldWriter, oldZone } = started;
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

/** FailoverDBCluster, then waits until the cluster is available with a writer in another zone. */
export async function failoverCluster(ctx: ActivityContext, id: string, timeoutMs: number): Promise<string> {
  return confirmClusterFailover(ctx, await startClusterFailover(ctx, id), timeoutMs);
}
