/**
 * `aws.scenario.az-outage` — one Availability Zone goes dark: its instances (those carrying the given tags) are
 * terminated or stopped, every Multi-AZ DB instance whose primary is in the zone fails over, and so does every Multi-AZ
 * DB cluster whose writer is there; their targets leave the load balancers as the instances go. Composed from the EC2
 * and RDS actions. What it touches is found before the run (`plan`), so the plan, the guards and the fence see it.
 * Undo: stopped instances are started again (terminated ones are for their groups to replace; failed-over databases
 * stay on their new primary).
 */
import type { StopInstancesCommandOutput, TerminateInstancesCommandOutput } from '@aws-sdk/client-ec2';
import type { DBCluster, DBInstance } from '@aws-sdk/client-rds';
import { z } from 'zod';
import { sdk } from '../../aws/sdk.js';
import { ActionFailedError } from '../../errors/action-error.js';
import { duration } from '../../experiment/fields.js';
import { no, partial, yes } from '../../registry/capabilities.js';
import type { ActionDefinition, ActionResult, ActivityContext, Resource } from '../../registry/types.js';
import { EC2_INSTANCE, instanceInventory, sendEc2, stateSummary, terminationUndo, verifyStates } from '../ec2/instances.js';
import { STOPPED_OR_REPLACED, stopInstancesAction } from '../ec2/stop-instances.js';
import { clusterInventory, clusterWriter, confirmClusterFailover, RDS_CLUSTER, startClusterFailover } from '../rds/db-clusters.js';
import { dbInventory, RDS_DB, sendRds, waitAvailable } from '../rds/db-instances.js';

const args = z.strictObject({
  availabilityZone: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d[a-z]$/, { error: "expected a zone such as 'us-east-1a'" }),
  /** Only instances with every one of these tags go dark (for example the opt-in tag); at least one is required. */
  instanceTags: z
    .record(z.string(), z.string())
    .refine((t) => Object.keys(t).length > 0, { error: 'name at least one tag: an AZ outage never selects every instance implicitly' }),
  instances: z.enum(['terminate', 'stop']).default('terminate'),
  failoverDatabases: z.boolean().default(true),
  waitTimeout: duration().default(900_000),
});

type Args = z.output<typeof args>;

/**
 * What the outage will touch, read-only: the zone's running instances with the tags, its Multi-AZ DB instances whose
 * primary is there and its DB clusters whose writer is there.
 */
async function inZone(a: Args, ctx: ActivityContext): Promise<Resource[]> {
  const instances = await instanceInventory(
    { tags: a.instanceTags, filters: [{ path: 'Placement.AvailabilityZone', values: [a.availabilityZone] }], selection: { mode: 'ALL' } },
    ctx,
  );
  if (!a.failoverDatabases) return instances;
  const dbs = await dbInventory({}, ctx);
  const zoneOf = new Map(dbs.map((r) => [r.id, (r.attributes as DBInstance).AvailabilityZone]));
  const primaries = dbs.filter((r) => {
    const db = r.attributes as DBInstance;
    return db.AvailabilityZone === a.availabilityZone && db.MultiAZ === true && db.DBInstanceStatus === 'available';
  });
  const clusters = (await clusterInventory({}, ctx)).filter((r) => {
    const c = r.attributes as DBCluster;
    return c.Status === 'available' && zoneOf.get(clusterWriter(c) ?? '') === a.availabilityZone;
  });
  return [...instances, ...primaries, ...clusters];
}

export const azOutageAction: ActionDefinition<Args> = {
  id: 'aws.scenario.az-outage',
  summary: 'Takes one AZ dark: its tagged instances terminated or stopped, its Multi-AZ database primaries failed over.',
  mutating: true,
  permissions: {
    read: ['ec2:DescribeInstances', 'rds:DescribeDBInstances', 'rds:DescribeDBClusters'],
    write: ['ec2:TerminateInstances', 'ec2:StopInstances', 'ec2:StartInstances', 'rds:RebootDBInstance', 'rds:FailoverDBCluster'],
  },
  capabilities: {
    services: ['ec2', 'rds'],
    support: {
      sim: yes(),
      moto: partial(
        "The zone's instances go at once; a Multi-AZ primary never moves (RebootDBInstance ignores ForceFailover), so a zone with one ends not landed.",
      ),
      'localstack-free': no("The plan lists the zone's databases, and RDS is not in the community image."),
      'localstack-paid': partial(
        'Instances only: a zone holding a Multi-AZ primary or a DB cluster writer ends not landed (no ForceFailover evidence, no FailoverDBCluster).',
      ),
      aws: yes(),
    },
  },
  args,
  plan: inZone,
  async run(a, ctx) {
    // Exactly what the plan found: the zone's instances, database primaries and cluster writers.
    const ids = ctx.targets.filter((r) => r.type === EC2_INSTANCE).map((r) => r.id);
    const databases = ctx.targets.filter((r) => r.type === RDS_DB).map((r) => r.attributes as DBInstance);
    const clusters = ctx.targets.filter((r) => r.type === RDS_CLUSTER).map((r) => r.attributes as DBCluster);
    if (ctx.targets.length === 0) {
      throw new ActionFailedError(`Nothing runs in ${a.availabilityZone} with tags ${JSON.stringify(a.instanceTags)}: the AZ outage would not land.`);
    }
    const { TerminateInstancesCommand, StopInstancesCommand } = await sdk.ec2();
    const { RebootDBInstanceCommand } = await sdk.rds();
    // Everything in the zone fails at once, as in a real outage: instances and database primaries together.
    if (ids.length > 0) {
      if (a.instances === 'terminate')
        await sendEc2(ctx, new TerminateInstancesCommand({ InstanceIds: ids }), (o: TerminateInstancesCommandOutput) => stateSummary(o.TerminatingInstances));
      else
        await sendEc2(ctx, new StopInstancesCommand({ InstanceIds: ids, Force: true }), (o: StopInstancesCommandOutput) => stateSummary(o.StoppingInstances));
    }
    for (const db of databases) await sendRds(ctx, new RebootDBInstanceCommand({ DBInstanceIdentifier: db.DBInstanceIdentifier, ForceFailover: true }));
    const failingOver = [];
    for (const c of clusters) failingOver.push(await startClusterFailover(ctx, c.DBClusterIdentifier ?? ''));
    if (ids.length > 0)
      await verifyStates(
        ctx,
        ids,
        a.instances === 'terminate' ? ['shutting-down', 'terminated'] : STOPPED_OR_REPLACED,
        `The outage of ${ids.length} instance(s) in ${a.availabilityZone}`,
      );
    const moved: Record<string, string> = {};
    for (const db of databases) {
      const id = db.DBInstanceIdentifier ?? '';
      const after = await waitAvailable(ctx, id, a.waitTimeout);
      if (after.AvailabilityZone === a.availabilityZone)
        throw new ActionFailedError(`The failover of ${id} did not move its primary out of ${a.availabilityZone}.`);
      moved[id] = `${a.availabilityZone} -> ${after.AvailabilityZone ?? '?'}`;
    }
    for (const started of failingOver) moved[started.id] = await confirmClusterFailover(ctx, started, a.waitTimeout);
    return { output: { availabilityZone: a.availabilityZone, instanceIds: ids, mode: a.instances, databases: moved } };
  },
  undo: (a, resources) =>
    `${a.instances === 'stop' ? 'automatic — the stopped instances are started again' : terminationUndo(resources)}${a.failoverDatabases ? '; failed-over databases stay on their new primary' : ''}`,
  async rollback(a, result, ctx): Promise<ActionResult> {
    if (a.instances !== 'stop' || stopInstancesAction.rollback === undefined) return { output: { restarted: [] } };
    return stopInstancesAction.rollback({ force: true, restartTimeout: a.waitTimeout }, result, ctx);
  },
};
