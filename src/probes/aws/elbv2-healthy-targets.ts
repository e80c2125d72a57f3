import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { MOTO_TEST, no, partial, yes } from '../../registry/capabilities.js';
import type { ProbeDefinition } from '../../registry/types.js';
import { checkCount, countTolerance, type CountTolerance } from './count-tolerance.js';
import { sdk } from '../../aws/sdk.js';

const args = z
  .strictObject({ targetGroupArn: z.string().startsWith('arn:').optional(), targetGroupName: z.string().min(1).optional() })
  .refine((a) => (a.targetGroupArn === undefined) !== (a.targetGroupName === undefined), { error: 'give exactly one of targetGroupArn or targetGroupName' });

/** `aws.elbv2.healthy-targets`: how many targets of a target group are healthy; by default at least one. */
export const healthyTargetsProbe: ProbeDefinition<z.output<typeof args>, CountTolerance> = {
  id: 'aws.elbv2.healthy-targets',
  summary: 'Counts the healthy targets of an ELBv2 target group (default tolerance: at least 1).',
  measures: ['availability'],
  permissions: { read: ['elasticloadbalancing:DescribeTargetGroups', 'elasticloadbalancing:DescribeTargetHealth'], write: [] },
  capabilities: {
    services: ['elbv2'],
    support: {
      sim: yes("Targets are health-checked over HTTP with ELBv2's thresholds and states."),
      moto: partial(
        `Static health: a registered running instance is healthy at once, never unhealthy (${MOTO_TEST}: "aws.elbv2.healthy-targets counts healthy targets").`,
      ),
      'localstack-free': no('ELBv2 is not in the community image.'),
      'localstack-paid': partial('No evidence of real target health checks: assume static states as in moto (unverified).'),
      aws: yes(),
    },
  },
  args,
  tolerance: countTolerance,
  defaultTolerance: { atLeast: 1 },
  open(a, ctx) {
    let arn = a.targetGroupArn;
    return {
      async sample(signal) {
        const started = performance.now();
        try {
          const client = await ctx.aws.elbv2();
          if (arn === undefined) {
            const groups = await client.send(new (await sdk.elbv2()).DescribeTargetGroupsCommand({ Names: [a.targetGroupName ?? ''] }), {
              abortSignal: signal,
            });
            arn = groups.TargetGroups?.[0]?.TargetGroupArn;
            if (arn === undefined) return { error: `no target group named ${a.targetGroupName ?? ''}` };
          }
          const out = await client.send(new (await sdk.elbv2()).DescribeTargetHealthCommand({ TargetGroupArn: arn }), { abortSignal: signal });
          const n = (out.TargetHealthDescriptions ?? []).filter((d) => d.TargetHealth?.State === 'healthy').length;
          return { value: n, latencyMs: performance.now() - started };
        } catch (error) {
          return { error: `${(error as { name?: string }).name ?? 'Error'}: ${(error as Error).message}` };
        }
      },
      close: async () => undefined,
    };
  },
  check: (o, t) => (o.error !== undefined ? o.error : checkCount(o.value, t, 'healthy targets')),
};
