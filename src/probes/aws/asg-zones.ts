import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { no, partial, yes } from '../../registry/capabilities.js';
import type { ProbeDefinition } from '../../registry/types.js';
import { describeGroup } from './asg-group.js';
import { checkCount, countTolerance, type CountTolerance } from './count-tolerance.js';

const args = z.strictObject({
  autoScalingGroupName: z.string().min(1),
  /** The zone that is out: an instance the group has there counts only if it was there before, or the group launches there again. */
  impairedZone: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d[a-z]$/, { error: "expected a zone such as 'us-east-1a'" }),
});

/**
 * `aws.asg.zones`: how many of a group's instances serve (InService and Healthy) from healthy zones. An instance in
 * `impairedZone` counts only if it was already there when the probe opened, or once the group's Availability Zones
 * include the zone again: so while the zone is out, the group is whole only when its replacements landed elsewhere.
 */
export const asgZonesProbe: ProbeDefinition<z.output<typeof args>, CountTolerance> = {
  id: 'aws.asg.zones',
  summary:
    "Counts a group's InService and Healthy instances, leaving out those launched into the impaired zone while the group excludes it (default tolerance: at least the desired capacity).",
  measures: ['availability'],
  permissions: { read: ['autoscaling:DescribeAutoScalingGroups'], write: [] },
  capabilities: {
    services: ['autoscaling'],
    support: {
      sim: yes('Replacements launch in the zones the group keeps; instances and zones as DescribeAutoScalingGroups reports them.'),
      moto: partial('Replacement is instant and health never changes by itself.'),
      'localstack-free': no('Auto Scaling is not in the community image.'),
      'localstack-paid': partial('Mock VM manager only (unverified).'),
      aws: yes(),
    },
  },
  args,
  tolerance: countTolerance,
  defaultTolerance: {},
  open(a, ctx) {
    let before: Set<string> | undefined;
    return {
      async sample(signal) {
        const started = performance.now();
        const group = await describeGroup(ctx, a.autoScalingGroupName, signal);
        if ('error' in group) return { error: group.error };
        const members = group.Instances ?? [];
        before ??= new Set(members.filter((i) => i.AvailabilityZone === a.impairedZone).map((i) => i.InstanceId ?? ''));
        const zoneBack = (group.AvailabilityZones ?? []).includes(a.impairedZone);
        const serving = members.filter((i) => i.LifecycleState === 'InService' && i.HealthStatus === 'Healthy');
        const counted = serving.filter((i) => i.AvailabilityZone !== a.impairedZone || zoneBack || before?.has(i.InstanceId ?? '') === true);
        return { value: counted.length, latencyMs: performance.now() - started, text: String(group.DesiredCapacity ?? '') };
      },
      close: async () => undefined,
    };
  },
  check(o, t) {
    if (o.error !== undefined) return o.error;
    const desired = o.text === undefined || o.text === '' ? undefined : Number(o.text);
    return checkCount(o.value, t, 'instances serving from healthy zones', desired);
  },
};
