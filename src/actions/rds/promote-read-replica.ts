/**
 * `aws.rds.promote-read-replica` — promotes a read replica to a standalone DB instance (RDS PromoteReadReplica) and
 * waits until it is available, serving writes. It checks first that the instance is a read replica; otherwise it is
 * refused in one sentence and nothing changes. Promotion is irreversible on AWS: replication cannot be resumed, and
 * whatever the replica had not yet applied is lost. The rollback therefore restores nothing: it verifies that the
 * promoted instance is a standalone primary and says that its old source is left as it is.
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_ReadRepl.Promote.html
 */
import type { DBInstance, PromoteReadReplicaCommandOutput } from '@aws-sdk/client-rds';
import { z } from 'zod';
import { sdk } from '../../aws/sdk.js';
import { ActionFailedError } from '../../errors/action-error.js';
import { duration } from '../../experiment/fields.js';
import { no, partial, yes } from '../../registry/capabilities.js';
import type { ActionDefinition, ActivityContext } from '../../registry/types.js';
import { RDS_DB, describeDb, sendRds, waitAvailable } from './db-instances.js';
import { rdsResource } from './listing.js';

const args = z.strictObject({
  /** The read replica to promote: its identifier (or ARN). */
  dbInstanceIdentifier: z.string().min(1),
  /** How long to wait for the promoted instance to be available (wall time). */
  waitTimeout: duration().default(1_800_000),
});

/** The instance's source while it is a read replica, else `undefined`. */
const sourceOf = (db: DBInstance): string | undefined =>
  db.ReadReplicaSourceDBInstanceIdentifier === undefined || db.ReadReplicaSourceDBInstanceIdentifier === ''
    ? undefined
    : db.ReadReplicaSourceDBInstanceIdentifier;

/** Describes the instance and refuses one that is not a read replica, before anything changes. */
async function describeReplica(ctx: ActivityContext, id: string): Promise<{ db: DBInstance; source: string }> {
  const db = await describeDb(ctx, id);
  const source = sourceOf(db);
  if (source === undefined) throw new ActionFailedError(`DB instance ${id} is not a read replica, so there is nothing to promote.`);
  return { db, source };
}

export const promoteReadReplicaAction: ActionDefinition<z.output<typeof args>> = {
  id: 'aws.rds.promote-read-replica',
  summary: 'Promotes an RDS read replica to a standalone DB instance and waits until it serves writes; irreversible.',
  mutating: true,
  permissions: { read: ['rds:DescribeDBInstances'], write: ['rds:PromoteReadReplica'] },
  capabilities: {
    services: ['rds'],
    support: {
      sim: yes(
        'Replication stops at once (what the replica had not applied is lost), the replica is modifying then rebooting for minutes of AWS time, then serves writes.',
      ),
      moto: partial(
        'PromoteReadReplica returns at once and accepts a non-replica, and the instance keeps its ReadReplicaSourceDBInstanceIdentifier (moto 5.2.1 rds/models.py), so gameday reports the promotion as not landed (test/actions/rds-promote-read-replica.test.ts: "reports the promotion as not landed").',
      ),
      'localstack-free': no('RDS is not in the community image.'),
      'localstack-paid': no('Nothing documents PromoteReadReplica on LocalStack RDS, which runs one local database process per instance (unverified).'),
      aws: yes(),
    },
  },
  args,
  /** The replica itself, read first: an unknown instance or one that is not a read replica is refused before anything runs. */
  async plan(a, ctx) {
    const { db } = await describeReplica(ctx, a.dbInstanceIdentifier);
    return [rdsResource(RDS_DB, db.DBInstanceIdentifier, db.DBInstanceArn, db.TagList, db)];
  },
  undo: (a) =>
    `none — promotion is irreversible: the rollback only verifies that ${a.dbInstanceIdentifier} is a standalone primary; its old source is left as it is and replication is not restored`,
  async run(a, ctx) {
    const { source } = await describeReplica(ctx, a.dbInstanceIdentifier);
    const { PromoteReadReplicaCommand } = await sdk.rds();
    await sendRds(ctx, new PromoteReadReplicaCommand({ DBInstanceIdentifier: a.dbInstanceIdentifier }), (out: PromoteReadReplicaCommandOutput) => ({
      status: out.DBInstance?.DBInstanceStatus,
    }));
    const after = await waitAvailable(ctx, a.dbInstanceIdentifier, a.waitTimeout);
    if (sourceOf(after) !== undefined) {
      throw new ActionFailedError(`The promotion of ${a.dbInstanceIdentifier} did not land: it is available but still a read replica of ${source}.`);
    }
    return { output: { dbInstanceIdentifier: a.dbInstanceIdentifier, formerSource: source, status: after.DBInstanceStatus } };
  },
  /** The replica's source before the promotion. */
  async intent(a, _targets, ctx) {
    return { source: sourceOf(await describeDb(ctx, a.dbInstanceIdentifier)) ?? null };
  },
  /** Says whether the lost run promoted the replica: a promotion cannot be undone, so it is reported as lasting. */
  async reconcile(a, prior, _targets, ctx) {
    const db = await describeDb(ctx, a.dbInstanceIdentifier);
    const source = sourceOf(db);
    if (prior.source === null || prior.source === undefined || source !== undefined) {
      return {
        landed: false,
        found: [`DB instance ${a.dbInstanceIdentifier} is ${source === undefined ? 'standalone' : `a read replica of ${source}`}, as before the fault`],
        done: [],
        lasting: [],
      };
    }
    return {
      landed: true,
      found: [`DB instance ${a.dbInstanceIdentifier} is ${db.DBInstanceStatus ?? 'in an unknown state'} and standalone: the lost run promoted it`],
      done: [],
      lasting: [`${a.dbInstanceIdentifier} was promoted and stays a standalone primary; replication from ${String(prior.source)} cannot be restored`],
    };
  },
  async rollback(a, result, ctx) {
    const formerSource = String(result.output.formerSource ?? '');
    const db = await describeDb(ctx, a.dbInstanceIdentifier);
    if (sourceOf(db) !== undefined) {
      throw new ActionFailedError(`DB instance ${a.dbInstanceIdentifier} is a read replica again, of ${sourceOf(db)}; gameday did not make it one.`);
    }
    return {
      output: {
        dbInstanceIdentifier: a.dbInstanceIdentifier,
        standalone: true,
        status: db.DBInstanceStatus,
        formerSource,
        note: `Promotion cannot be undone: ${a.dbInstanceIdentifier} stays a standalone primary, its former source ${formerSource} is left as it is, and replication is not restored.`,
      },
    };
  },
};
