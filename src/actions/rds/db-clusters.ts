import type { DBCluster, DescribeDBClustersCommandOutput } from '@aws-sdk/client-rds';
import { sdk } from '../../aws/sdk.js';
import { ActionFailedError } from '../../errors/action-error.js';
import type { ActivityContext, Resource } from '../../registry/types.js';
import { sendRds } from './db-instances.js';

export const RDS_CLUSTER = 'aws:rds:cluster';

function toResource(c: DBCluster): Resource {
  const tags: Record<string, string> = {};
  for (const t of c.TagList ?? []) if (t.Key !== undefined) tags[t.Key] = t.Value ?? '';
  return { type: RDS_CLUSTER, id: c.DBClusterIdentifier ?? '', ...(c.DBClusterArn === undefined ? {} : { arn: c.DBClusterArn }), tags, attributes: c as unknown as Record<string, unknown> };
}

/** Lists DB clusters page by page (by id when the spec names one id). */
export async function clusterInventory(spec: { ids?: string[] | undefined }, ctx: ActivityContext): Promise<Resource[]> {
  const { DescribeDBClustersCommand } = await sdk.rds();
  const ids = (spec.ids ?? []).filter((id) => !id.startsWith('arn:'));
  if (ids.length === 1 && spec.ids?.length === 1) {
    const out: DescribeDBClustersCommandOutput = await sendRds(ctx, new DescribeDBClustersCommand({ DBClusterIdentifier: ids[0] }));
    return (out.DBClusters ?? []).map(toResource);
  }
  const all: Resource[] = [];
  let marker: string | undefined;
  do {
    const out: DescribeDBClustersCommandOutput = await sendRds(ctx, new DescribeDBClustersCommand({ Marker: marker }));
    all.push(...(out.DBClusters ?? []).map(toResource));
    marker = out.Marker;
  } while (marker !== undefined && marker !== '');
  return all;
}

/** The current description of one DB cluster. */
export async function describeCluster(ctx: ActivityContext, id: string): Promise<DBCluster> {
  const { DescribeDBClustersCommand } = await sdk.rds();
  const out: DescribeDBClustersCommandOutput = await sendRds(ctx, new DescribeDBClustersCommand({ DBClusterIdentifier: id }), (o: DescribeDBClustersCommandOutput) => ({
    status: o.DBClusters?.[0]?.Status,
    writer: clusterWriter(o.DBClusters?.[0]),
  }));
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
