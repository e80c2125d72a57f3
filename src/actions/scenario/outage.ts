/**
 * What a zone outage and a Region outage share: the power half (the opted-in instances stopped, as FIS's
 * `aws:ec2:stop-instances`, or terminated), the connectivity half (`zone-network.ts`), landing them together so half an
 * outage is never left behind, and the undo in the order a zone comes back.
 */
import type { StopInstancesCommandOutput } from '@aws-sdk/client-ec2';
import { sdk } from '../../aws/sdk.js';
import type { ActionContext, Resource } from '../../registry/types.js';
import { sendEc2, stateSummary } from '../ec2/instances.js';
import { stopInstancesAction } from '../ec2/stop-instances.js';
import type { NarrowedGroup } from './zone-capacity.js';
import { type IsolatedSubnet, isolateSubnets, restoreSubnets } from './zone-network.js';

/** What undoes an outage, from the run's own record (the undo log keeps it for another worker). */
/** What cutting subnets with a deny-all network ACL, and giving them back, calls (zone and Region outages). */
export const NETWORK_CUT_WRITES = [
  'ec2:CreateNetworkAcl',
  'ec2:CreateNetworkAclEntry',
  'ec2:ReplaceNetworkAclAssociation',
  'ec2:DeleteNetworkAcl',
  'ec2:CreateTags',
] as const;

export interface OutageUndo {
  instanceIds: string[];
  mode: 'stop' | 'terminate';
  subnets: IsolatedSubnet[];
  groups: NarrowedGroup[];
}

/** The VPCs the instances run in: the outage cuts their subnets. */
export function vpcsOf(instances: readonly Resource[]): string[] {
  return [...new Set(instances.map((r) => String((r.attributes as { VpcId?: string }).VpcId ?? '')))].filter((v) => v !== '');
}

/** Power is lost as FIS's `aws:ec2:stop-instances` takes it: the instances are stopped, forced (no clean shutdown). */
export async function stopPower(ctx: ActionContext, ids: string[]): Promise<void> {
  const { StopInstancesCommand } = await sdk.ec2();
  await sendEc2(ctx, new StopInstancesCommand({ InstanceIds: ids, Force: true }), (o: StopInstancesCommandOutput) => stateSummary(o.StoppingInstances));
}

/**
 * Everything fails at once, as in a real outage: the instances lose power (`power`), the subnets their network, then
 * `more` (a zone's groups lose the zone). On a failure, what landed is undone (`undo`) before the failure is reported.
 */
export async function landOutage(
  ctx: ActionContext,
  what: { instanceIds: string[]; subnets: Resource[] },
  done: OutageUndo,
  steps: { power: (ids: string[]) => Promise<void>; more?: () => Promise<void>; undo: () => Promise<unknown> },
): Promise<void> {
  try {
    if (what.instanceIds.length > 0) {
      await steps.power(what.instanceIds);
      done.instanceIds = what.instanceIds;
    }
    if (what.subnets.length > 0) await isolateSubnets(ctx, ctx.runId, what.subnets, done.subnets);
    await steps.more?.();
  } catch (error) {
    await steps.undo().catch(() => undefined);
    throw error;
  }
}

/**
 * Undoes in the order a zone comes back: network, then the groups' subnets (`restoreGroups`, for a zone outage),
 * then power. Safe to run twice.
 */
export async function undoOutage(
  waitTimeout: number,
  done: OutageUndo,
  ctx: ActionContext,
  restoreGroups: (groups: NarrowedGroup[]) => Promise<unknown> = async () => [],
): Promise<Record<string, unknown>> {
  const network = await restoreSubnets(ctx, done.subnets);
  const groups = await restoreGroups(done.groups);
  let restarted: unknown = [];
  if (done.mode === 'stop' && stopInstancesAction.rollback !== undefined && done.instanceIds.length > 0)
    restarted = (await stopInstancesAction.rollback({ force: true, restartTimeout: waitTimeout }, { output: { instanceIds: done.instanceIds } }, ctx)).output;
  return { subnets: network.restored, deletedAcls: network.deleted, groups, restarted };
}

/** The undo record a finished outage's output holds (what `landOutage` filled in), for its rollback. */
export function recordedUndo(output: Record<string, unknown>, mode: 'stop' | 'terminate'): OutageUndo {
  const o = output as { instanceIds?: string[]; mode?: 'stop' | 'terminate'; subnets?: IsolatedSubnet[]; groups?: NarrowedGroup[] };
  return { instanceIds: o.instanceIds ?? [], mode: o.mode ?? mode, subnets: o.subnets ?? [], groups: o.groups ?? [] };
}
