/**
 * `aws.ec2.reboot-instances` — reboots the selected instances (EC2 RebootInstances). Nothing to undo: the instances
 * come back by themselves. EC2 keeps them `running` throughout, so landing is the call's success.
 */
import { z } from 'zod';
import { awsCall } from '../../aws/call.js';
import type { ActionDefinition } from '../../registry/types.js';
import { EC2_INSTANCE, instanceInventory } from './instances.js';
import { sdk } from '../../aws/sdk.js';

const args = z.strictObject({});

export const rebootInstancesAction: ActionDefinition<z.output<typeof args>> = {
  id: 'aws.ec2.reboot-instances',
  summary: 'Reboots the selected EC2 instances.',
  mutating: true,
  args,
  targetType: EC2_INSTANCE,
  inventory: instanceInventory,
  async run(_a, ctx) {
    const ids = ctx.targets.map((t) => t.id);
    const client = await ctx.aws.ec2();
    await awsCall(ctx, 'ec2', new (await sdk.ec2()).RebootInstancesCommand({ InstanceIds: ids }), (c, o) => client.send(c, o));
    return { output: { instanceIds: ids } };
  },
};
