import type { DBInstance, DescribeDBInstancesCommandOutput } from '@aws-sdk/client-rds';
import { awsSend } from '../../aws/call.js';
import { sdk } from '../../aws/sdk.js';
import { ActionFailedError } from '../../errors/action-error.js';
import type { ActivityContext, Resource } from '../../registry/types.js';
import { listRds, rdsResource } from './listing.js';

export const RDS_DB = 'aws:rds:db';

/** Sends an RDS command through the context's client, recorded for the journal. */
export function sendRds<C extends { input: unknown }, O extends { $metadata?: { requestId?: string | undefined } }>(
  ctx: ActivityContext,
  command: C,
  summarize?: (output: O) => Record<string, unknown>,
): Promise<O> {
  return awsSend(ctx, 'rds', command, summarize);
}

/** Lists DB instances page by page (by id when the spec names one id). */
export async function dbInventory(spec: { ids?: string[] | undefined }, ctx: ActivityContext): Promise<Resource[]> {
  const { DescribeDBInstancesCommand } = await sdk.rds();
  return listRds(ctx, spec, {
    byId: (id) => new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }),
    page: (marker) => new DescribeDBInstancesCommand({ Marker: marker }),
    items: (out: DescribeDBInstancesCommandOutput) => out.DBInstances,
    toResource: (db: DBInstance) => rdsResource(RDS_DB, db.DBInstanceIdentifier, db.DBInstanceArn, db.TagList, db),
  });
}

/** The current description of one DB instance. */
export async function describeDb(ctx: ActivityContext, id: string): Promise<DBInstance> {
  const { DescribeDBInstancesCommand } = await sdk.rds();
  const out: DescribeDBInstancesCommandOutput = await sendRds(ctx, new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }));
  const db = out.DBInstances?.[0];
  if (db === undefined) throw new ActionFailedError(`DB instance ${id} is gone.`);
  return db;
}

/** Polls until the instance is `available`, with backoff, bounded by `timeoutMs`. */
export async function waitAvailable(ctx: ActivityContext, id: string, timeoutMs: number): Promise<DBInstance> {
  const deadline = ctx.clock.now() + timeoutMs;
  let delay = 100;
  for (;;) {
    const db = await describeDb(ctx, id);
    if (db.DBInstanceStatus === 'available') return db;
    if (ctx.clock.now() + delay > deadline) {
      throw new ActionFailedError(`DB instance ${id} was still ${db.DBInstanceStatus ?? 'unknown'} after ${Math.round(timeoutMs / 1000)}s.`);
    }
    await ctx.clock.sleep(delay, ctx.signal);
    delay = Math.min(2_000, delay * 1.5);
  }
}

export const dbTargets = { targetType: RDS_DB, inventory: dbInventory } as const;
