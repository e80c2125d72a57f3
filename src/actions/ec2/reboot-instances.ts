/**
 * `aws.ec2.reboot-instances` — reboots the selected instances (EC2 RebootInstances). Nothing to undo: the instances
 * come back by themselves. EC2 keeps them `running` throughout, so landing is the call's success.
 */
import { z } from 'zod';
import { sdk } from '../../aws/sdk.js';
import { MOTO_TEST, partial, yes } from '../../registry/capabilities.js';
import type { ActionDefinition } from '../../registry/types.js';
import { instanceIntent, instanceStates, instanceTargets, priorStates, sendEc2 } from './instances.js';

const args = z.strictObject({});

export const rebootInstancesAction: ActionDefinition<z.output<typeof args>> = {
  id: 'aws.ec2.reboot-instances',
  summary: 'Reboots the selected EC2 instances.',
  mutating: true,
  permissions: { read: ['ec2:DescribeInstances'], write: ['ec2:RebootInstances'] },
  capabilities: {
    services: ['ec2'],
    support: {
      sim: yes(),
      moto: partial(`Accepted, nothing reboots; the instances stay running (${MOTO_TEST}: "aws.ec2.reboot-instances").`),
      'localstack-free': partial('RebootInstances is implemented in community EC2 (moto): nothing reboots.'),
      'localstack-paid': partial('Mock VM manager: nothing reboots; the Docker VM manager restarts the container.'),
      aws: yes(),
    },
  },
  args,
  ...instanceTargets,
  intent: (_a, targets, ctx) => instanceIntent(targets, ctx),
  /**
   * Nothing to undo: a rebooted instance comes back by itself. A reboot leaves no state to read back, so whether the
   * lost run's reboot happened is reported as unknown, with each instance's state then and now.
   */
  async reconcile(_a, prior, targets, ctx) {
    const before = priorStates(prior);
    const now = await instanceStates(
      ctx,
      targets.map((t) => t.id),
    );
    const found = targets.map(
      (t) =>
        `${t.id} is ${now.get(t.id) ?? 'gone'} (${before[t.id] ?? 'unknown'} before the fault); a reboot leaves nothing to read back, so whether the lost run rebooted it is unknown, and there is nothing to undo`,
    );
    return { landed: 'unknown' as const, found, done: [], lasting: [] };
  },
  async run(_a, ctx) {
    const ids = ctx.targets.map((t) => t.id);
    const { RebootInstancesCommand } = await sdk.ec2();
    await sendEc2(ctx, new RebootInstancesCommand({ InstanceIds: ids }));
    return { output: { instanceIds: ids } };
  },
};
