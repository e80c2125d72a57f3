import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { MOTO_TEST, no, partial, yes } from '../../registry/capabilities.js';
import type { ProbeDefinition } from '../../registry/types.js';
import { describeGroup } from './asg-group.js';
import { checkCount, countTolerance, type CountTolerance } from './count-tolerance.js';

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
    return {
      async sample(signal) {
        const started = performance.now();
        const group = await describeGroup(ctx, a.autoScalingGroupName, signal);
        if ('error' in group) return { error: group.error };
        const n = (group.Instances ?? []).filter((i) => i.LifecycleState === 'InService' && i.HealthStatus === 'Healthy').length;
        return { value: n, latencyMs: performance.now() - started, text: String(group.DesiredCapacity ?? '') };
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
