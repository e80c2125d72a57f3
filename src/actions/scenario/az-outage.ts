/**
 * `aws.scenario.az-outage` — one Availability Zone goes dark, as in AWS FIS's "AZ Availability: Power Interruption"
 * scenario (https://docs.aws.amazon.com/fis/latest/userguide/az-availability-scenario.html), through the plain EC2,
 * Auto Scaling and RDS APIs:
 * - power: the zone's instances with the given tags are stopped (or terminated), as the scenario's
 *   `aws:ec2:stop-instances`; undo starts the stopped ones again;
 * - connectivity: the zone's subnets get a deny-all network ACL (`zone-network.ts`); undo gives their ACLs back;
 * - capacity: the instances' Auto Scaling groups lose the zone's subnets (`zone-capacity.ts`), so replacements land
 *   in the other zones; undo gives the subnets back. This is not an insufficient-capacity error (FIS only);
 * - databases: Multi-AZ primaries and cluster writers in the zone fail over (`failoverDatabases`), or, with `false`,
 *   RDS is left to detect the lost zone and fail over by itself.
 * What it touches is found before the run (`plan`), so the plan, the guards and the fence see it.
 */
import type { TerminateInstancesCommandOutput } from '@aws-sdk/client-ec2';
import type { DBCluster, DBInstance } from '@aws-sdk/client-rds';
import { z } from 'zod';
import { sdk } from '../../aws/sdk.js';
import { ActionFailedError } from '../../errors/action-error.js';
import { duration } from '../../experiment/fields.js';
import { no, partial, yes } from '../../registry/capabilities.js';
import type { ActionContext, ActionDefinition, ActionResult, ActivityContext, Resource } from '../../registry/types.js';
import { EC2_INSTANCE, instanceInventory, sendEc2, stateSummary, terminationUndo, verifyStates } from '../ec2/instances.js';
import { STOPPED_OR_REPLACED } from '../ec2/stop-instances.js';
import { landOutage, NETWORK_CUT_WRITES, type OutageUndo, recordedUndo, stopPower, undoOutage, vpcsOf } from './outage.js';
import { ASG, groupResources, keepOutOfZone, restoreZones } from './zone-capacity.js';
import { EC2_SUBNET, zoneSubnets } from './zone-network.js';
import { clusterInventory, clusterWriter, confirmClusterFailover, RDS_CLUSTER, startClusterFailover } from '../rds/db-clusters.js';
import { dbInventory, RDS_DB, sendRds, waitAvailable } from '../rds/db-instances.js';

const args = z.strictObject({
  /**
   * An Availability Zone (`us-east-1a`), a Local Zone (`us-east-1-bos-1a`) or a Wavelength Zone
   * (`us-east-1-wl1-bos-wlz-1`): each is a failure domain of its own with its own subnets.
   */
  availabilityZone: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d([a-z]|-[a-z]{3}-\d+[a-z]|-wl\d+-[a-z]{3}-wlz-\d+)$/, {
    error: "expected a zone such as 'us-east-1a', a Local Zone such as 'us-east-1-bos-1a' or a Wavelength Zone such as 'us-east-1-wl1-bos-wlz-1'",
  }),
  /** Only instances with every one of these tags go dark (for example the opt-in tag); at least one is required. */
  instanceTags: z
    .record(z.string(), z.string())
    .refine((t) => Object.keys(t).length > 0, { error: 'name at least one tag: an AZ outage never selects every instance implicitly' }),
  /** `stop` loses power as the FIS scenario does (started again on undo); `terminate` loses the instances. */
  instances: z.enum(['terminate', 'stop']).default('stop'),
  /** Deny all traffic of the zone's subnets with a network ACL. */
  connectivity: z.boolean().default(true),
  /** The subnets to cut, by tag (in the zone); without it, the zone's subnets in the VPCs of the selected instances. */
  subnetTags: z
    .record(z.string(), z.string())
    .refine((t) => Object.keys(t).length > 0, { error: 'name at least one tag, or leave subnetTags out' })
    .optional(),
  /** Remove the zone's subnets from the instances' Auto Scaling groups, so they launch elsewhere. */
  capacity: z.boolean().default(true),
  /** Fail the zone's database primaries over; `false` leaves RDS to detect the outage and fail over by itself. */
  failoverDatabases: z.boolean().default(true),
  waitTimeout: duration().default(900_000),
});

type Args = z.output<typeof args>;

/**
 * What the outage will touch, read-only: the zone's running instances with the tags, the zone's subnets, the instances'
 * Auto Scaling groups, its Multi-AZ DB instances whose primary is there and its DB clusters whose writer is there.
 */
async function inZone(a: Args, ctx: ActivityContext): Promise<Resource[]> {
  const instances = await instanceInventory(
    { tags: a.instanceTags, filters: [{ path: 'Placement.AvailabilityZone', values: [a.availabilityZone] }], selection: { mode: 'ALL' } },
    ctx,
  );
  const network = a.connectivity ? await zoneSubnets([a.availabilityZone], a.subnetTags, vpcsOf(instances), ctx) : [];
  const groups = a.capacity
    ? await groupResources([...new Set(instances.map((r) => r.tags['aws:autoscaling:groupName']).filter((g) => g !== undefined))], ctx)
    : [];
  const zonal = [...instances, ...network, ...groups];
  if (!a.failoverDatabases) return zonal;
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
  return [...zonal, ...primaries, ...clusters];
}

/** The zone's instances lose power: stopped as the FIS scenario does, or terminated. */
async function cutPower(ctx: ActionContext, mode: 'stop' | 'terminate', ids: string[]): Promise<void> {
  if (mode === 'stop') return stopPower(ctx, ids);
  const { TerminateInstancesCommand } = await sdk.ec2();
  await sendEc2(ctx, new TerminateInstancesCommand({ InstanceIds: ids }), (o: TerminateInstancesCommandOutput) => stateSummary(o.TerminatingInstances));
}

export const azOutageAction: ActionDefinition<Args> = {
  id: 'aws.scenario.az-outage',
  summary:
    "Takes one AZ dark as FIS's power-interruption scenario does: tagged instances stopped, subnets cut by a deny-all network ACL, groups kept out of the zone by their subnets (not an insufficient-capacity error: FIS only), database primaries failed over or left to RDS.",
  mutating: true,
  reconcileExempt:
    "not yet reconciled: its undo (the deny network ACLs it creates, the groups' subnets it changes) is known only from its own calls, so a worker lost while injecting it is reported with its outcome unknown (issue 21).",
  permissions: {
    read: [
      'ec2:DescribeInstances',
      'ec2:DescribeSubnets',
      'ec2:DescribeNetworkAcls',
      'autoscaling:DescribeAutoScalingGroups',
      'rds:DescribeDBInstances',
      'rds:DescribeDBClusters',
    ],
    write: [
      'ec2:TerminateInstances',
      'ec2:StopInstances',
      'ec2:StartInstances',
      ...NETWORK_CUT_WRITES,
      'autoscaling:UpdateAutoScalingGroup',
      'rds:RebootDBInstance',
      'rds:FailoverDBCluster',
    ],
  },
  capabilities: {
    services: ['ec2', 'autoscaling', 'rds'],
    support: {
      sim: yes("The deny-all ACL cuts the subnets' instances (connections hang); groups launch in the other zones and rebalance when given the zone back."),
      moto: partial(
        'Instances, network ACLs and group subnets change at once and nothing stops answering; a Multi-AZ primary never moves (RebootDBInstance ignores ForceFailover), so a zone with one ends not landed.',
      ),
      'localstack-free': no("The plan lists the zone's groups and databases, and Auto Scaling and RDS are not in the community image."),
      'localstack-paid': partial(
        'Instances, ACLs and groups only: a zone holding a Multi-AZ primary or a DB cluster writer ends not landed (no ForceFailover evidence, no FailoverDBCluster).',
      ),
      aws: yes(),
    },
  },
  args,
  plan: inZone,
  async run(a, ctx) {
    // Exactly what the plan found: the zone's instances, subnets, groups, database primaries and cluster writers.
    const ids = ctx.targets.filter((r) => r.type === EC2_INSTANCE).map((r) => r.id);
    const subnets = ctx.targets.filter((r) => r.type === EC2_SUBNET);
    const groups = ctx.targets.filter((r) => r.type === ASG);
    const databases = ctx.targets.filter((r) => r.type === RDS_DB).map((r) => r.attributes as DBInstance);
    const clusters = ctx.targets.filter((r) => r.type === RDS_CLUSTER).map((r) => r.attributes as DBCluster);
    if (ctx.targets.length === 0) {
      throw new ActionFailedError(`Nothing runs in ${a.availabilityZone} with tags ${JSON.stringify(a.instanceTags)}: the AZ outage would not land.`);
    }
    const { RebootDBInstanceCommand } = await sdk.rds();
    const done: OutageUndo = { instanceIds: [], mode: a.instances, subnets: [], groups: [] };
    let skippedGroups: string[] = [];
    // Everything in the zone fails at once, as in a real outage: power, network, capacity and database primaries.
    await landOutage(ctx, { instanceIds: ids, subnets }, done, {
      power: (instanceIds) => cutPower(ctx, a.instances, instanceIds),
      more: async () => {
        if (groups.length > 0) skippedGroups = (await keepOutOfZone(ctx, a.availabilityZone, groups, done.groups)).skipped;
      },
      undo: () => undoOutage(a.waitTimeout, done, ctx, (g) => restoreZones(ctx, g)),
    });
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
    return {
      output: {
        availabilityZone: a.availabilityZone,
        instanceIds: ids,
        mode: a.instances,
        subnets: done.subnets,
        groups: done.groups,
        ...(skippedGroups.length > 0 ? { groupsLeftInZone: skippedGroups } : {}),
        databases: moved,
      },
    };
  },
  undo: (a, resources) =>
    [
      a.instances === 'stop' ? 'automatic — the stopped instances are started again' : terminationUndo(resources),
      ...(resources.some((r) => r.type === EC2_SUBNET) ? ['the subnets get their network ACLs back and the deny ACL is deleted'] : []),
      ...(resources.some((r) => r.type === ASG) ? ["the groups get the zone's subnets back"] : []),
      ...(a.failoverDatabases ? ['failed-over databases stay on their new primary'] : []),
    ].join('; '),
  async rollback(a, result, ctx): Promise<ActionResult> {
    return { output: await undoOutage(a.waitTimeout, recordedUndo(result.output, a.instances), ctx, (g) => restoreZones(ctx, g)) };
  },
};
