import { sdk } from '../../aws/sdk.js';
import type { LoadBalancer, TargetGroup } from '../model.js';
import { allPages, readPart, tagsOf, type ReadContext } from './reading.js';

/** ELBv2 load balancers (cross-zone, listeners, tags) and target groups (health checks, deregistration delay, targets). */
export async function readBalancers(ctx: ReadContext): Promise<void> {
  const { arch, options } = ctx;
  const client = await ctx.aws.elbv2();
  const {
    paginateDescribeLoadBalancers,
    DescribeLoadBalancerAttributesCommand,
    paginateDescribeListeners,
    DescribeTagsCommand,
    paginateDescribeTargetGroups,
    DescribeTargetGroupAttributesCommand,
    DescribeTargetHealthCommand,
  } = await sdk.elbv2();
  await readPart(ctx, 'DescribeLoadBalancers', 'elasticloadbalancing', async () => {
    const lbs = await allPages(paginateDescribeLoadBalancers({ client }, {}, options), (p) => p.LoadBalancers);
    arch.loadBalancers = lbs.map(
      (lb): LoadBalancer => ({
        name: lb.LoadBalancerName ?? '',
        arn: lb.LoadBalancerArn ?? '',
        dnsName: lb.DNSName ?? '',
        canonicalHostedZoneId: lb.CanonicalHostedZoneId,
        type: lb.Type ?? 'application',
        scheme: lb.Scheme ?? '',
        zones: (lb.AvailabilityZones ?? []).flatMap((z) => (z.ZoneName === undefined ? [] : [z.ZoneName])).sort(),
        subnetIds: (lb.AvailabilityZones ?? []).flatMap((z) => (z.SubnetId === undefined ? [] : [z.SubnetId])),
        // An ALB balances across zones unless told otherwise; an NLB does not (ELB user guide, "Cross-zone load balancing").
        crossZone: (lb.Type ?? 'application') === 'application',
        listeners: [],
        tags: {},
      }),
    );
  });
  for (const lb of arch.loadBalancers) {
    await readPart(ctx, 'DescribeLoadBalancerAttributes', lb.arn, async () => {
      const out = await client.send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: lb.arn }), options);
      const cross = out.Attributes?.find((a) => a.Key === 'load_balancing.cross_zone.enabled')?.Value;
      if (cross !== undefined) lb.crossZone = cross === 'true';
    });
    await readPart(ctx, 'DescribeListeners', lb.arn, async () => {
      const listeners = await allPages(paginateDescribeListeners({ client }, { LoadBalancerArn: lb.arn }, options), (p) => p.Listeners);
      lb.listeners = listeners.map((l) => ({
        arn: l.ListenerArn ?? '',
        port: l.Port ?? 0,
        protocol: l.Protocol ?? '',
        targetGroupArns: [
          ...new Set(
            (l.DefaultActions ?? []).flatMap((a) => [
              ...(a.TargetGroupArn === undefined ? [] : [a.TargetGroupArn]),
              ...(a.ForwardConfig?.TargetGroups ?? []).flatMap((t) => (t.TargetGroupArn === undefined ? [] : [t.TargetGroupArn])),
            ]),
          ),
        ],
      }));
    });
  }
  // DescribeTags takes at most 20 resources per call (ELBv2 API reference).
  for (let i = 0; i < arch.loadBalancers.length; i += 20) {
    const batch = arch.loadBalancers.slice(i, i + 20);
    await readPart(ctx, 'DescribeTags', 'elasticloadbalancing', async () => {
      const out = await client.send(new DescribeTagsCommand({ ResourceArns: batch.map((lb) => lb.arn) }), options);
      for (const d of out.TagDescriptions ?? []) {
        const lb = batch.find((l) => l.arn === d.ResourceArn);
        if (lb !== undefined) lb.tags = tagsOf(d.Tags);
      }
    });
  }
  await readPart(ctx, 'DescribeTargetGroups', 'elasticloadbalancing', async () => {
    const tgs = await allPages(paginateDescribeTargetGroups({ client }, {}, options), (p) => p.TargetGroups);
    arch.targetGroups = tgs.map(
      (tg): TargetGroup => ({
        name: tg.TargetGroupName ?? '',
        arn: tg.TargetGroupArn ?? '',
        loadBalancerArns: [...(tg.LoadBalancerArns ?? [])],
        port: tg.Port,
        protocol: tg.Protocol,
        targetType: tg.TargetType ?? 'instance',
        healthCheck: {
          enabled: tg.HealthCheckEnabled !== false,
          protocol: tg.HealthCheckProtocol,
          path: tg.HealthCheckPath,
          port: tg.HealthCheckPort,
          intervalSeconds: tg.HealthCheckIntervalSeconds ?? 30,
          timeoutSeconds: tg.HealthCheckTimeoutSeconds ?? 5,
          healthyThreshold: tg.HealthyThresholdCount ?? 5,
          unhealthyThreshold: tg.UnhealthyThresholdCount ?? 2,
          matcher: tg.Matcher?.HttpCode,
        },
        targets: [],
      }),
    );
  });
  const zoneOfInstance = new Map(arch.instances.map((i) => [i.id, i.zone]));
  for (const tg of arch.targetGroups) {
    await readPart(ctx, 'DescribeTargetGroupAttributes', tg.arn, async () => {
      const out = await client.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: tg.arn }), options);
      const delay = out.Attributes?.find((a) => a.Key === 'deregistration_delay.timeout_seconds')?.Value;
      if (delay !== undefined && delay !== '') tg.deregistrationDelaySeconds = Number(delay);
    });
    await readPart(ctx, 'DescribeTargetHealth', tg.arn, async () => {
      const out = await client.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.arn }), options);
      tg.targets = (out.TargetHealthDescriptions ?? []).map((d) => ({
        id: d.Target?.Id ?? '',
        port: d.Target?.Port,
        zone: d.Target?.AvailabilityZone ?? zoneOfInstance.get(d.Target?.Id ?? ''),
        state: d.TargetHealth?.State ?? 'unknown',
      }));
    });
  }
}
