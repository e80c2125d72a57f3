/**
 * What a zone outage and a Region outage share: the power half (the opted-in instances stopped, as FIS's
 * `aws:ec2:stop-instances`, or terminated), the connectivity half (`zone-network.ts`), landing them together so half an
 * outage is never left behind, and the undo in the order a zone comes back.
 */
import type { StopInstancesCommandOutput, TerminateInstancesCommandOutput } from '@aws-sdk/client-ec2';
import { sdk } from '../../aws/sdk.js';
import type { ActionContext, Resource } from '../../registry/types.js';
import { sendEc2, stateSummary } from '../ec2/instances.js';
import { stopInstancesAction } from '../ec2/stop-instances.js';
import { type NarrowedGroup, restoreZones } from './zone-capacity.js';
import { type IsolatedSubnet, isolateSubnets, restoreSubnets } from './zone-network.js';

/** What undoes an outage, from the run's own record (the undo log keeps it for another worker). */
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

/**
 * Everything fails at once, as in a real outage: the instances lose power, the subnets their network, then `more`
 * (a zone's groups lose the zone). On a failure, what landed is undone before the failure is reported.
 */
export async function landOutage(
  ctx: ActionContext,
  what: { instanceIds: string[]; mode: 'stop' | 'terminate'; subnets: Resource[]; waitTimeout: number },
  done: OutageUndo,
  more: () => Promise<void> = async () => undefined,
): Promise<void> {
  const { TerminateInstancesCommand, StopInstancesCommand } = await sdk.ec2();
  const ids = what.instanceIds;
  try {
    if (ids.length > 0) {
      if (what.mode === 'terminate')
        await sendEc2(ctx, new TerminateInstancesCommand({ InstanceIds: ids }), (o: TerminateInstancesCommandOutput) => stateSummary(o.TerminatingInstances));
      else
        await sendEc2(ctx, new StopInstancesCommand({ InstanceIds: ids, Force: true }), (o: StopInstancesCommandOutput) => stateSummary(o.StoppingInstances));
      done.instanceIds = ids;
    }
    if (what.subnets.length > 0) await isolateSubnets(ctx, ctx.runId, what.subnets, done.subnets);
    await more();
  } catch (error) {
    await undoOutage(what.waitTimeout, done, ctx).catch(() => undefined);
    throw error;
  }
}

/** Undoes in the order a zone comes back: network, then the groups' subnets, then power. Safe to run twice. */
export async function undoOutage(waitTimeout: number, done: OutageUndo, ctx: ActionContext): Promise<Record<string, unknown>> {
  const network = await restoreSubnets(ctx, done.subnets);
  const groups = await restoreZones(ctx, done.groups);
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
