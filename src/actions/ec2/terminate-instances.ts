/**
 * `aws.ec2.terminate-instances` — terminates the selected instances (EC2 TerminateInstances). Not undoable: the
 * system under test (an Auto Scaling group) is expected to replace them. Lands when every instance has left `running`.
 */
import { z } from 'zod';
import { awsCall } from '../../aws/call.js';
import type { ActionDefinition } from '../../registry/types.js';
import { EC2_INSTANCE, instanceInventory, verifyStates } from './instances.js';
import { sdk } from '../../aws/sdk.js';

const args = z.strictObject({});

export const terminateInstancesAction: ActionDefinition<z.output<typeof args>> = {
  id: 'aws.ec2.terminate-instances',
  summary: 'Terminates the selected EC2 instances; the fault lands when they have left running.',
  mutating: true,
  args,
  targetType: EC2_INSTANCE,
  inventory: instanceInventory,
  async run(_a, ctx) {
    const ids = ctx.targets.map((t) => t.id);
    const client = await ctx.aws.ec2();
    await awsCall(ctx, 'ec2', new (await sdk.ec2()).TerminateInstancesCommand({ InstanceIds: ids }), (c, o) => client.send(c, o), (out) => ({
      states: (out.TerminatingInstances ?? []).map((i) => `${i.InstanceId ?? ''}:${i.CurrentState?.Name ?? ''}`),
    }));
    const states = await verifyStates(ctx, ids, ['shutting-down', 'terminated'], `Terminating ${ids.join(', ')}`);
    return { output: { instanceIds: ids, states } };
  },
};
