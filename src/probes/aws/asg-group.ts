import type { AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import { sdk } from '../../aws/sdk.js';
import type { ActivityContext } from '../../registry/types.js';

/** One group as DescribeAutoScalingGroups reads it now, or the sentence a probe reports when it cannot. */
export async function describeGroup(ctx: Pick<ActivityContext, 'aws'>, name: string, signal: AbortSignal): Promise<AutoScalingGroup | { error: string }> {
  try {
    const client = await ctx.aws.autoScaling();
    const { DescribeAutoScalingGroupsCommand } = await sdk.autoScaling();
    const out = await client.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }), { abortSignal: signal });
    return out.AutoScalingGroups?.[0] ?? { error: `no Auto Scaling group named ${name}` };
  } catch (error) {
    return { error: `${(error as { name?: string }).name ?? 'Error'}: ${(error as Error).message}` };
  }
}
