import { sdk } from '../../aws/sdk.js';
import type { AutoScalingGroup } from '../model.js';
import { allPages, isoOf, readPart, tagsOf, type ReadContext } from './reading.js';

/** Auto Scaling groups, their instances and their instance refreshes (newest first). */
export async function readGroups(ctx: ReadContext): Promise<void> {
  const { arch, options } = ctx;
  const client = await ctx.aws.autoScaling();
  const { paginateDescribeAutoScalingGroups, paginateDescribeInstanceRefreshes } = await sdk.autoScaling();
  await readPart(ctx, 'DescribeAutoScalingGroups', 'autoscaling', async () => {
    const groups = await allPages(paginateDescribeAutoScalingGroups({ client }, {}, options), (p) => p.AutoScalingGroups);
    arch.autoScalingGroups = groups.map((g): AutoScalingGroup => {
      const subnetIds = (g.VPCZoneIdentifier ?? '').split(',').filter((s) => s !== '');
      const lt = g.LaunchTemplate ?? g.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification;
      if (g.MixedInstancesPolicy !== undefined)
        arch.unmodelled.push({
          resource: g.AutoScalingGroupARN ?? g.AutoScalingGroupName ?? '',
          what: 'Its mixed instances policy is read as its launch template only.',
        });
      return {
        name: g.AutoScalingGroupName ?? '',
        arn: g.AutoScalingGroupARN ?? '',
        min: g.MinSize ?? 0,
        max: g.MaxSize ?? 0,
        desired: g.DesiredCapacity ?? 0,
        zones: [...(g.AvailabilityZones ?? [])].sort(),
        subnetIds,
        healthCheckType: g.HealthCheckType ?? 'EC2',
        healthCheckGracePeriodSeconds: g.HealthCheckGracePeriod ?? 0,
        launchTemplate: lt === undefined ? undefined : { id: lt.LaunchTemplateId ?? '', name: lt.LaunchTemplateName ?? '', version: lt.Version ?? '$Default' },
        launchConfigurationName: g.LaunchConfigurationName,
        suspendedProcesses: (g.SuspendedProcesses ?? []).flatMap((p) => (p.ProcessName === undefined ? [] : [p.ProcessName])),
        targetGroupArns: [...(g.TargetGroupARNs ?? [])],
        loadBalancerNames: [...(g.LoadBalancerNames ?? [])],
        instances: (g.Instances ?? []).map((i) => ({
          id: i.InstanceId ?? '',
          zone: i.AvailabilityZone ?? '',
          lifecycleState: i.LifecycleState ?? '',
          healthStatus: i.HealthStatus ?? '',
          launchTemplateVersion: i.LaunchTemplate?.Version,
        })),
        tags: tagsOf(g.Tags),
        instanceRefreshes: [],
      };
    });
  });
  for (const g of arch.autoScalingGroups) {
    await readPart(ctx, 'DescribeInstanceRefreshes', g.arn || g.name, async () => {
      const refreshes = await allPages(paginateDescribeInstanceRefreshes({ client }, { AutoScalingGroupName: g.name }, options), (p) => p.InstanceRefreshes);
      g.instanceRefreshes = refreshes
        .map((r) => ({ id: r.InstanceRefreshId ?? '', status: r.Status ?? '', startTime: isoOf(r.StartTime) }))
        .sort((a, b) => (b.startTime ?? '').localeCompare(a.startTime ?? ''));
    });
  }
}
