import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { MOTO_TEST, yes } from '../../registry/capabilities.js';
import type { ProbeDefinition } from '../../registry/types.js';
import { checkCount, countTolerance, type CountTolerance } from './count-tolerance.js';
import { sdk } from '../../aws/sdk.js';

const args = z
  .strictObject({
    instanceIds: z
      .array(z.string().regex(/^i-[0-9a-f]{8,17}$/, { error: 'an instance id looks like i-0123456789abcdef0' }))
      .min(1)
      .optional(),
    tags: z.record(z.string(), z.string()).optional(),
    state: z.enum(['pending', 'running', 'shutting-down', 'terminated', 'stopping', 'stopped']).default('running'),
  })
  .refine((a) => a.instanceIds !== undefined || a.tags !== undefined, { error: 'name the instances by instanceIds or tags' });

/** `aws.ec2.instance-state`: how many of the named instances are in a state; by default all named ids must be running. */
export const instanceStateProbe: ProbeDefinition<z.output<typeof args>, CountTolerance> = {
  id: 'aws.ec2.instance-state',
  summary: 'Counts the named EC2 instances in a state (default: running; tolerance default: all of the named ids, or at least 1 by tags).',
  measures: ['availability'],
  permissions: { read: ['ec2:DescribeInstances'], write: [] },
  capabilities: {
    services: ['ec2'],
    support: {
      sim: yes(),
      moto: yes(`Instant states (${MOTO_TEST}: "aws.ec2.instance-state counts instances in a state").`),
      'localstack-free': yes('Community EC2 (moto semantics: instant states).'),
      'localstack-paid': yes(),
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
        try {
          const client = await ctx.aws.ec2();
          const filters = [
            { Name: 'instance-state-name', Values: [a.state] },
            ...Object.entries(a.tags ?? {}).map(([k, v]) => ({ Name: `tag:${k}`, Values: [v] })),
          ];
          let n = 0;
          let token: string | undefined;
          do {
            const out = await client.send(new (await sdk.ec2()).DescribeInstancesCommand({ InstanceIds: a.instanceIds, Filters: filters, NextToken: token }), {
              abortSignal: signal,
            });
            for (const r of out.Reservations ?? []) n += r.Instances?.length ?? 0;
            token = out.NextToken;
          } while (token !== undefined && token !== '');
          return { value: n, latencyMs: performance.now() - started, text: String(a.instanceIds?.length ?? 1) };
        } catch (error) {
          return { error: `${(error as { name?: string }).name ?? 'Error'}: ${(error as Error).message}` };
        }
      },
      close: async () => undefined,
    };
  },
  check: (o, t) => (o.error !== undefined ? o.error : checkCount(o.value, t, 'instances in the state', Number(o.text ?? '1'))),
};
