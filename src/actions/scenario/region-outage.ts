/**
 * `aws.scenario.region-outage` — every Availability Zone of one Region goes dark at once: the zone outage of
 * `az-outage.ts` (after FIS's "AZ Availability: Power Interruption" scenario,
 * https://docs.aws.amazon.com/fis/latest/userguide/az-availability-scenario.html) applied to all the Region's zones,
 * through the same EC2 APIs:
 * - power: the Region's instances with the given tags are stopped (`aws:ec2:stop-instances`); undo starts them again;
 * - connectivity: every subnet of those instances' VPCs, in every zone, gets a deny-all network ACL; undo gives the
 *   subnets their ACLs back.
 * No FIS action or scenario takes a whole Region: the AZ scenario takes one zone, and the cross-Region connectivity
 * scenario (https://docs.aws.amazon.com/fis/latest/userguide/cross-region-scenario.html) cuts the traffic between
 * Regions while each keeps running. Databases are left alone: a Multi-AZ failover moves the primary to a standby in
 * another zone of the same Region (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Concepts.MultiAZ.Failover.html),
 * and every zone is out, so failing over inside the Region cannot help; what recovers is in another Region (a read
 * replica promoted, DNS failover). Groups keep their subnets: there is no zone of the Region left to move them to.
 * The AWS APIs of the Region still answer: gameday cannot take AWS's control plane down, only what runs on it.
 */
import { z } from 'zod';
import { ActionFailedError } from '../../errors/action-error.js';
import { awsRegion, duration } from '../../experiment/fields.js';
import { partial, yes } from '../../registry/capabilities.js';
import type { ActionDefinition, ActionResult, ActivityContext, Resource } from '../../registry/types.js';
import { EC2_INSTANCE, instanceInventory, verifyStates } from '../ec2/instances.js';
import { STOPPED_OR_REPLACED } from '../ec2/stop-instances.js';
import { landOutage, NETWORK_CUT_WRITES, type OutageUndo, recordedUndo, stopPower, undoOutage, vpcsOf } from './outage.js';
import { EC2_SUBNET, zoneSubnets } from './zone-network.js';

const args = z.strictObject({
  /** The Region that goes dark; never the environment's by default: a Region outage is always named. */
  region: awsRegion(),
  /** Only instances with every one of these tags lose power (for example the opt-in tag); at least one is required. */
  instanceTags: z
    .record(z.string(), z.string())
    .refine((t) => Object.keys(t).length > 0, { error: 'name at least one tag: a Region outage never selects every instance implicitly' }),
  /** Deny all traffic of every subnet of the instances' VPCs with a network ACL. */
  connectivity: z.boolean().default(true),
  waitTimeout: duration().default(900_000),
});

type Args = z.output<typeof args>;

/** What the outage will touch, read-only, in the Region its clients sign for: the tagged running instances and their VPCs' subnets. */
async function inRegion(a: Args, ctx: ActivityContext): Promise<Resource[]> {
  // Running instances only (the inventory's default), in every zone.
  const instances = await instanceInventory({ tags: a.instanceTags, selection: { mode: 'ALL' } }, ctx);
  const network = a.connectivity ? await zoneSubnets(undefined, undefined, vpcsOf(instances), ctx) : [];
  return [...instances, ...network];
}

export const regionOutageAction: ActionDefinition<Args> = {
  id: 'aws.scenario.region-outage',
  summary:
    'Takes every AZ of one Region dark at once (FIS has no such action): tagged instances stopped, every subnet of their VPCs cut by a deny-all network ACL, databases left to fail (a Multi-AZ failover stays in the Region). Needs the Region in safety.allowedRegions.',
  mutating: true,
  reconcileExempt:
    "not yet reconciled: its undo (the deny network ACLs it creates, the groups' subnets it changes) is known only from its own calls, so a worker lost while injecting it is reported with its outcome unknown (issue 21).",
  permissions: {
    read: ['ec2:DescribeInstances', 'ec2:DescribeSubnets', 'ec2:DescribeNetworkAcls'],
    write: ['ec2:StopInstances', 'ec2:StartInstances', ...NETWORK_CUT_WRITES],
  },
  capabilities: {
    services: ['ec2'],
    support: {
      sim: yes("Every zone's tagged instances stop and every subnet is cut; the Region's APIs keep answering, as the outage is of what runs there."),
      moto: partial(
        'Instances stop and the deny ACLs apply at once, and nothing stops answering or fails over (moto serves every Region without a data plane).',
      ),
      'localstack-free': partial('Community EC2 (moto semantics): instances stop and ACLs apply at once; nothing stops answering.'),
      'localstack-paid': partial("Mock VM manager: as free; the Docker VM manager stops the instances' containers, and ACLs cut nothing."),
      aws: yes(),
    },
  },
  args,
  region: (a) => a.region,
  plan: inRegion,
  async run(a, ctx) {
    // Exactly what the plan found: the Region's tagged instances and their VPCs' subnets.
    const ids = ctx.targets.filter((r) => r.type === EC2_INSTANCE).map((r) => r.id);
    const subnets = ctx.targets.filter((r) => r.type === EC2_SUBNET);
    if (ids.length === 0)
      throw new ActionFailedError(`Nothing runs in ${a.region} with tags ${JSON.stringify(a.instanceTags)}: the Region outage would not land.`);
    const done: OutageUndo = { instanceIds: [], mode: 'stop', subnets: [], groups: [] };
    await landOutage(ctx, { instanceIds: ids, subnets }, done, {
      power: (instanceIds) => stopPower(ctx, instanceIds),
      undo: () => undoOutage(a.waitTimeout, done, ctx),
    });
    await verifyStates(ctx, ids, STOPPED_OR_REPLACED, `The outage of ${ids.length} instance(s) in ${a.region}`);
    const zoneOf = (r: Resource): string | undefined => {
      const at = r.attributes as { Placement?: { AvailabilityZone?: string }; AvailabilityZone?: string };
      return at.Placement?.AvailabilityZone ?? at.AvailabilityZone;
    };
    const zones = [...new Set(ctx.targets.map(zoneOf).filter((z) => z !== undefined))].sort();
    return { output: { region: a.region, zones, instanceIds: ids, mode: 'stop', subnets: done.subnets, groups: [] } };
  },
  undo: (a) =>
    [
      'automatic — the stopped instances are started again',
      ...(a.connectivity ? ['the subnets get their network ACLs back and the deny ACLs are deleted'] : []),
      'databases were not touched',
    ].join('; '),
  async rollback(a, result, ctx): Promise<ActionResult> {
    return { output: await undoOutage(a.waitTimeout, recordedUndo(result.output, 'stop'), ctx) };
  },
};
