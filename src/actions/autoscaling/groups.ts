import type { AutoScalingGroup, DescribeAutoScalingGroupsCommandOutput, Filter } from '@aws-sdk/client-auto-scaling';
import type { DescribeLaunchTemplateVersionsCommandOutput } from '@aws-sdk/client-ec2';
import { awsSend } from '../../aws/call.js';
import { sdk } from '../../aws/sdk.js';
import { ActionFailedError } from '../../errors/action-error.js';
import type { ActivityContext, Resource, TargetSpec } from '../../registry/types.js';

/** An Auto Scaling group, in FIS spelling (the same type the zone-capacity scenario plans). */
export const AUTO_SCALING_GROUP = 'aws:ec2:autoscaling-group';

/** Sends an Auto Scaling command through the context's client, recorded for the journal. */
export function sendAsg<C extends { input: unknown }, O extends { $metadata?: { requestId?: string | undefined } }>(
  ctx: ActivityContext,
  command: C,
  summarize?: (output: O) => Record<string, unknown>,
): Promise<O> {
  return awsSend(ctx, 'autoScaling', command, summarize);
}

const tagsOf = (g: AutoScalingGroup): Record<string, string> => Object.fromEntries((g.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));

/** A group as a resource: its name, ARN and tags (for the opt-in guard), and the group itself for target filters. */
export function groupResource(g: AutoScalingGroup): Resource {
  return {
    type: AUTO_SCALING_GROUP,
    id: g.AutoScalingGroupName ?? '',
    ...(g.AutoScalingGroupARN === undefined ? {} : { arn: g.AutoScalingGroupARN }),
    tags: tagsOf(g),
    attributes: g as unknown as Record<string, unknown>,
  };
}

/**
 * Lists the groups a target spec can match, page by page: by name when the spec names groups, narrowed by its tags
 * server-side (DescribeAutoScalingGroups' `tag:<key>` filters).
 * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeAutoScalingGroups.html
 */
export async function groupInventory(spec: TargetSpec, ctx: ActivityContext): Promise<Resource[]> {
  const { DescribeAutoScalingGroupsCommand } = await sdk.autoScaling();
  // An ARN names a group too; only names can be asked for, so ARNs are matched after the listing.
  const names = (spec.ids ?? []).filter((id) => !id.startsWith('arn:'));
  const byName = names.length > 0 && names.length === (spec.ids ?? []).length;
  const filters: Filter[] = Object.entries(spec.tags ?? {}).map(([k, v]) => ({ Name: `tag:${k}`, Values: [v] }));
  const out: Resource[] = [];
  let token: string | undefined;
  do {
    const page: DescribeAutoScalingGroupsCommandOutput = await sendAsg(
      ctx,
      new DescribeAutoScalingGroupsCommand({
        ...(byName ? { AutoScalingGroupNames: names } : {}),
        ...(filters.length > 0 ? { Filters: filters } : {}),
        NextToken: token,
      }),
    );
    for (const g of page.AutoScalingGroups ?? []) out.push(groupResource(g));
    token = page.NextToken;
  } while (token !== undefined && token !== '');
  return out;
}

/** The group as DescribeAutoScalingGroups reads it now; a group that is gone is refused in one sentence. */
export async function describeGroup(ctx: ActivityContext, name: string): Promise<AutoScalingGroup> {
  const { DescribeAutoScalingGroupsCommand } = await sdk.autoScaling();
  const out: DescribeAutoScalingGroupsCommandOutput = await sendAsg(ctx, new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }));
  const group = out.AutoScalingGroups?.[0];
  if (group === undefined) throw new ActionFailedError(`There is no Auto Scaling group named ${name}.`);
  return group;
}

/** A launch template as a group names it: its id and name, and the version it names (a number, `$Latest` or `$Default`). */
export interface TemplateRef {
  id: string;
  name: string;
  version: string;
}

/** The launch template a group launches from (its own, or its mixed instances policy's); `undefined` for a launch configuration. */
export function templateOf(g: AutoScalingGroup): TemplateRef | undefined {
  const spec = g.LaunchTemplate ?? g.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification;
  if (spec === undefined || (spec.LaunchTemplateId === undefined && spec.LaunchTemplateName === undefined)) return undefined;
  // AWS's default when a group names no version is $Default.
  // https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_LaunchTemplateSpecification.html
  return { id: spec.LaunchTemplateId ?? '', name: spec.LaunchTemplateName ?? '', version: spec.Version ?? '$Default' };
}

/**
 * Resolves launch template versions (`$Latest`, `$Default` or a number, as text) to their numbers with one
 * DescribeLaunchTemplateVersions per template and version, remembered; an unknown version is AWS's own refusal.
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeLaunchTemplateVersions.html
 */
export function versionResolver(ctx: ActivityContext): (template: Pick<TemplateRef, 'id' | 'name'>, version: string) => Promise<number> {
  const known = new Map<string, number>();
  return async (template, version) => {
    const key = `${template.id || template.name}#${version}`;
    const cached = known.get(key);
    if (cached !== undefined) return cached;
    const { DescribeLaunchTemplateVersionsCommand } = await sdk.ec2();
    const out: DescribeLaunchTemplateVersionsCommandOutput = await awsSend(
      ctx,
      'ec2',
      new DescribeLaunchTemplateVersionsCommand({
        ...(template.id !== '' ? { LaunchTemplateId: template.id } : { LaunchTemplateName: template.name }),
        Versions: [version],
      }),
    );
    const number = out.LaunchTemplateVersions?.[0]?.VersionNumber;
    if (number === undefined) throw new ActionFailedError(`Launch template ${template.name || template.id} has no version ${version}.`);
    known.set(key, number);
    return number;
  };
}
