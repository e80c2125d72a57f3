/**
 * The connectivity half of an AZ outage: the zone's subnets are associated with a network ACL that denies all traffic
 * in and out, as FIS's `aws:network:disrupt-connectivity` does
 * (https://docs.aws.amazon.com/fis/latest/userguide/fis-actions-reference.html). Undo:
 * each subnet goes back to the ACL it had, and the deny ACL is deleted.
 */
import type { CreateNetworkAclCommandOutput, DescribeNetworkAclsCommandOutput, DescribeSubnetsCommandOutput, Filter } from '@aws-sdk/client-ec2';
import { awsSend } from '../../aws/call.js';
import { sdk } from '../../aws/sdk.js';
import { ActionFailedError, AwsCallError } from '../../errors/action-error.js';
import type { ActivityContext, Resource } from '../../registry/types.js';
import { partitionOf } from '../ec2/instances.js';

export const EC2_SUBNET = 'aws:ec2:subnet';

/** A subnet cut off by the outage: the ACL to give back, and the deny ACL it was moved to. */
export interface IsolatedSubnet {
  subnetId: string;
  vpcId: string;
  originalAclId: string;
  denyAclId: string;
}

/**
 * The subnets an outage cuts, in `zones` (every zone of the Region when `undefined`): those with `subnetTags` when
 * given, else the zones' subnets in `vpcIds`.
 */
export async function zoneSubnets(
  zones: string[] | undefined,
  subnetTags: Record<string, string> | undefined,
  vpcIds: string[],
  ctx: ActivityContext,
): Promise<Resource[]> {
  if (subnetTags === undefined && vpcIds.length === 0) return [];
  const filters: Filter[] = zones === undefined ? [] : [{ Name: 'availability-zone', Values: zones }];
  if (subnetTags !== undefined) for (const [k, v] of Object.entries(subnetTags)) filters.push({ Name: `tag:${k}`, Values: [v] });
  else filters.push({ Name: 'vpc-id', Values: vpcIds });
  const { DescribeSubnetsCommand } = await sdk.ec2();
  const region = await (await ctx.aws.ec2()).config.region();
  const out: DescribeSubnetsCommandOutput = await awsSend(ctx, 'ec2', new DescribeSubnetsCommand({ Filters: filters }));
  return (out.Subnets ?? []).map((s) => ({
    type: EC2_SUBNET,
    id: s.SubnetId ?? '',
    arn: s.SubnetArn ?? `arn:${partitionOf(region)}:ec2:${region}:${s.OwnerId ?? ''}:subnet/${s.SubnetId ?? ''}`,
    tags: Object.fromEntries((s.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
    attributes: { SubnetId: s.SubnetId, VpcId: s.VpcId, AvailabilityZone: s.AvailabilityZone },
  }));
}

/** The current ACL association of each subnet, by subnet id. */
async function associations(ctx: ActivityContext, subnetIds: string[]): Promise<Map<string, { associationId: string; aclId: string }>> {
  const { DescribeNetworkAclsCommand } = await sdk.ec2();
  const out: DescribeNetworkAclsCommandOutput = await awsSend(
    ctx,
    'ec2',
    new DescribeNetworkAclsCommand({ Filters: [{ Name: 'association.subnet-id', Values: subnetIds }] }),
  );
  const found = new Map<string, { associationId: string; aclId: string }>();
  for (const acl of out.NetworkAcls ?? [])
    for (const a of acl.Associations ?? [])
      if (a.SubnetId !== undefined && subnetIds.includes(a.SubnetId))
        found.set(a.SubnetId, { associationId: a.NetworkAclAssociationId ?? '', aclId: a.NetworkAclId ?? acl.NetworkAclId ?? '' });
  return found;
}

/**
 * Cuts the subnets: one deny-all ACL per VPC (rule 1 denies all traffic in and out; a custom ACL denies what no rule
 * allows anyway), then each subnet's association is replaced. `isolated` receives each subnet as it is cut, so a
 * failure halfway leaves an exact record of what to undo.
 */
export async function isolateSubnets(ctx: ActivityContext, runId: string, subnets: Resource[], isolated: IsolatedSubnet[]): Promise<void> {
  const { CreateNetworkAclCommand, CreateNetworkAclEntryCommand, ReplaceNetworkAclAssociationCommand } = await sdk.ec2();
  const current = await associations(
    ctx,
    subnets.map((s) => s.id),
  );
  const denyAcl = new Map<string, string>();
  for (const subnet of subnets) {
    const vpcId = String((subnet.attributes as { VpcId?: string }).VpcId ?? '');
    const association = current.get(subnet.id);
    if (association === undefined) throw new ActionFailedError(`Subnet ${subnet.id} has no network ACL association to replace.`);
    let aclId = denyAcl.get(vpcId);
    if (aclId === undefined) {
      // The deny ACL is created in the VPC of a planned subnet.
      ctx.fence?.admit(vpcId);
      const created: CreateNetworkAclCommandOutput = await awsSend(
        ctx,
        'ec2',
        new CreateNetworkAclCommand({
          VpcId: vpcId,
          TagSpecifications: [
            {
              ResourceType: 'network-acl',
              Tags: [
                { Key: 'Name', Value: 'gameday-az-outage' },
                { Key: 'gameday:run', Value: runId },
              ],
            },
          ],
        }),
        (o: CreateNetworkAclCommandOutput) => ({ networkAclId: o.NetworkAcl?.NetworkAclId }),
      );
      aclId = created.NetworkAcl?.NetworkAclId;
      if (aclId === undefined) throw new ActionFailedError(`EC2 created no network ACL in ${vpcId}.`);
      ctx.fence?.admit(aclId);
      denyAcl.set(vpcId, aclId);
      isolated.push({ subnetId: '', vpcId, originalAclId: '', denyAclId: aclId });
      for (const Egress of [false, true])
        await awsSend(
          ctx,
          'ec2',
          new CreateNetworkAclEntryCommand({ NetworkAclId: aclId, RuleNumber: 1, Protocol: '-1', RuleAction: 'deny', Egress, CidrBlock: '0.0.0.0/0' }),
        );
    }
    // The association of a planned subnet.
    ctx.fence?.admit(association.associationId);
    await awsSend(ctx, 'ec2', new ReplaceNetworkAclAssociationCommand({ AssociationId: association.associationId, NetworkAclId: aclId }));
    isolated.push({ subnetId: subnet.id, vpcId, originalAclId: association.aclId, denyAclId: aclId });
  }
}

/**
 * Gives each cut subnet its original ACL back, then deletes the deny ACLs. A subnet no longer on the deny ACL (moved
 * by someone else) is left where it is. Safe to run twice.
 */
export async function restoreSubnets(ctx: ActivityContext, isolated: IsolatedSubnet[]): Promise<{ restored: string[]; deleted: string[] }> {
  const { ReplaceNetworkAclAssociationCommand, DeleteNetworkAclCommand } = await sdk.ec2();
  const subnets = isolated.filter((s) => s.subnetId !== '');
  const current =
    subnets.length > 0
      ? await associations(
          ctx,
          subnets.map((s) => s.subnetId),
        )
      : new Map();
  const restored: string[] = [];
  for (const s of subnets) {
    const now = current.get(s.subnetId);
    if (now === undefined || now.aclId !== s.denyAclId) continue;
    // The run created this association and gives the subnet back the ACL it had.
    ctx.fence?.admit(now.associationId);
    ctx.fence?.admit(s.originalAclId);
    await awsSend(ctx, 'ec2', new ReplaceNetworkAclAssociationCommand({ AssociationId: now.associationId, NetworkAclId: s.originalAclId }));
    restored.push(s.subnetId);
  }
  const deleted: string[] = [];
  for (const aclId of new Set(isolated.map((s) => s.denyAclId))) {
    ctx.fence?.admit(aclId);
    try {
      await awsSend(ctx, 'ec2', new DeleteNetworkAclCommand({ NetworkAclId: aclId }));
      deleted.push(aclId);
    } catch (error) {
      // Already gone (an undo that ran before): nothing left to delete.
      if (!(error instanceof AwsCallError && error.awsName === 'InvalidNetworkAclID.NotFound')) throw error;
    }
  }
  return { restored, deleted };
}
