import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { MOTO_TEST, no, partial, yes } from '../../registry/capabilities.js';
import type { ProbeDefinition } from '../../registry/types.js';
import { checkCount, countTolerance, type CountTolerance } from './count-tolerance.js';
import { sdk } from '../../aws/sdk.js';

const args = z.strictObject({ autoScalingGroupName: z.string().min(1) });

/** `aws.asg.in-service`: how many instances of a group are InService and Healthy; by default at least the desired capacity. */
export const asgInServiceProbe: ProbeDefinition<z.output<typeof args>, CountTolerance> = {
  id: 'aws.asg.in-service',
  summary: 'Counts the InService and Healthy instances of an Auto Scaling group (default tolerance: at least the desired capacity).',
  measures: ['availability'],
  permissions: { read: ['autoscaling:DescribeAutoScalingGroups'], write: [] },
  capabilities: {
    services: ['autoscaling'],
    support: {
      sim: yes('Pending → InService after launch and grace period; unhealthy instances are replaced.'),
      moto: partial(
        `Replacement is instant and health never changes by itself (${MOTO_TEST}: "aws.asg.in-service reports an unknown group", "terminates one group instance").`,
      ),
      'localstack-free': no('Auto Scaling is not in the community image.'),
      'localstack-paid': partial("Mock VM manager only; replacement probably as instant as moto's (unverified)."),
      aws: yes(),
    },
  },
  args,
  tolerance: countTolerance,
  defaultTolerance: {},
  open(a, ctx) {
    let desired: number | undefined;
    return {
      async sample(signal) {
        const started = performance.now();
        try {
          const client = await ctx.aws.autoScaling();
          const out = await client.send(new (await sdk.autoScaling()).DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [a.autoScalingGroupName] }), {
            abortSignal: signal,
          });
          const group = out.AutoScalingGroups?.[0];
          if (group === undefined) return { error: `no Auto Scaling group named ${a.autoScalingGroupName}` };
          desired = group.DesiredCapacity;
          const n = (group.Instances ?? []).filter((i) => i.LifecycleState === 'InService' && i.HealthStatus === 'Healthy').length;
          return { value: n, latencyMs: performance.now() - started, text: String(desired ?? '') };
        } catch (error) {
          return { error: `${(error as { name?: string }).name ?? 'Error'}: ${(error as Error).message}` };
        }
      },
      close: async () => undefined,
    };
  },
  check(o, t) {
    if (o.error !== undefined) return o.error;
    const desired = o.text === undefined || o.text === '' ? undefined : Number(o.text);
    return checkCount(o.value, t, 'instances in service', desired);
  },
};
