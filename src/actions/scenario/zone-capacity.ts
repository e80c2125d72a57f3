/**
 * The capacity half of an AZ outage, natively: each Auto Scaling group is kept out of the zone by removing the zone's
 * subnets from its VPCZoneIdentifier (UpdateAutoScalingGroup), so it launches its replacements in the other zones.
 * This is not AWS's insufficient-capacity error: no public API makes a zone refuse launches except FIS's
 * `aws:ec2:asg-insufficient-instance-capacity-error`; use the FIS scenario for that. Undo: the original subnets.
 */
import type { AutoScalingGroup, DescribeAutoScalingGroupsCommandOutput } from '@aws-sdk/client-auto-scaling';
import type { DescribeSubnetsCommandOutput } from '@aws-sdk/client-ec2';
import { awsSend } from '../../aws/call.js';
import { sdk } from '../../aws/sdk.js';
import type { ActivityContext, Resource } from '../../registry/types.js';

export const ASG = 'aws:ec2:autoscaling-group';

/** A group moved out of the zone: the subnets to give back. */
export interface NarrowedGroup {
  name: string;
  vpcZoneIdentifier: string;
}

/** The Auto Scaling groups named, as resources whose attributes are the group. */
export async function groupResources(names: string[], ctx: ActivityContext): Promise<Resource[]> {
  if (names.length === 0) return [];
  const { DescribeAutoScalingGroupsCommand } = await sdk.autoScaling();
  const out: DescribeAutoScalingGroupsCommandOutput = await awsSend(ctx, 'autoScaling', new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: names }));
  return (out.AutoScalingGroups ?? []).map((g) => ({
    type: ASG,
    id: g.AutoScalingGroupName ?? '',
    ...(g.AutoScalingGroupARN === undefined ? {} : { arn: g.AutoScalingGroupARN }),
    tags: Object.fromEntries((g.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
    attributes: { VPCZoneIdentifier: g.VPCZoneIdentifier, Zones: g.AvailabilityZones },
  }));
}

/**
 * Removes the zone's subnets from each group. A group whose subnets are all in the zone cannot leave it and is left
 * as it is (named in `skipped`). `narrowed` receives each group as it changes.
 */
export async function keepOutOfZone(ctx: ActivityContext, zone: string, groups: Resource[], narrowed: NarrowedGroup[]): Promise<{ skipped: string[] }> {
  const { DescribeSubnetsCommand } = await sdk.ec2();
  const { UpdateAutoScalingGroupCommand } = await sdk.autoScaling();
  const skipped: string[] = [];
  for (const g of groups) {
    const original = String((g.attributes as Pick<AutoScalingGroup, 'VPCZoneIdentifier'>).VPCZoneIdentifier ?? '');
    const ids = original
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    if (ids.length === 0) {
      skipped.push(g.id);
      continue;
    }
    const out: DescribeSubnetsCommandOutput = await awsSend(ctx, 'ec2', new DescribeSubnetsCommand({ SubnetIds: ids }));
    const inZone = new Set((out.Subnets ?? []).filter((s) => s.AvailabilityZone === zone).map((s) => s.SubnetId));
    const kept = ids.filter((id) => !inZone.has(id));
    if (inZone.size === 0 || kept.length === 0) {
      skipped.push(g.id);
      continue;
    }
    await awsSend(ctx, 'autoScaling', new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: g.id, VPCZoneIdentifier: kept.join(',') }));
    narrowed.push({ name: g.id, vpcZoneIdentifier: original });
  }
  return { skipped };
}

/** Gives each group its original subnets back; the group then rebalances across them as AWS documents. */
export async function restoreZones(ctx: ActivityContext, narrowed: NarrowedGroup[]): Promise<string[]> {
  const { UpdateAutoScalingGroupCommand } = await sdk.autoScaling();
  for (const g of narrowed)
    await awsSend(ctx, 'autoScaling', new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: g.name, VPCZoneIdentifier: g.vpcZoneIdentifier }));
  return narrowed.map((g) => g.name);
}
