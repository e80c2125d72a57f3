import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { sdk } from '../../aws/sdk.js';
import { MOTO_DATA_TEST, partial, yes } from '../../registry/capabilities.js';
import type { ProbeDefinition } from '../../registry/types.js';

const args = z.strictObject({ healthCheckId: z.string().min(1) });
const tolerance = z.strictObject({ status: z.enum(['healthy', 'unhealthy']).default('healthy') });

/** Route 53 considers an endpoint healthy when more than 18% of its checkers report it healthy. */
const HEALTHY_SHARE = 0.18;

/** `aws.route53.health-check-status`: what Route 53's checkers report (GetHealthCheckStatus). */
export const healthCheckStatusProbe: ProbeDefinition<z.output<typeof args>, z.output<typeof tolerance>> = {
  id: 'aws.route53.health-check-status',
  summary: 'Reads a Route 53 health check’s status from its checkers (healthy when more than 18% report success).',
  measures: ['availability'],
  permissions: { read: ['route53:GetHealthCheckStatus'], write: [] },
  capabilities: {
    services: ['route53'],
    support: {
      sim: yes('Eight checker regions (or the named ones) probe the endpoint, staggered; Inverted and Disabled apply.'),
      moto: partial(`A static success whatever the endpoint, Inverted or Disabled (${MOTO_DATA_TEST}: "inverts a Route 53 health check").`),
      'localstack-free': partial("Community Route 53 is moto's: a static success, no probing."),
      'localstack-paid': partial('Real probing on the Ultimate plan (unverified here).'),
      aws: yes(),
    },
  },
  args,
  tolerance,
  defaultTolerance: { status: 'healthy' },
  open(a, ctx) {
    return {
      async sample(signal) {
        const started = performance.now();
        try {
          const client = await ctx.aws.route53();
          const { GetHealthCheckStatusCommand } = await sdk.route53();
          const out = await client.send(new GetHealthCheckStatusCommand({ HealthCheckId: a.healthCheckId }), { abortSignal: signal });
          const observations = out.HealthCheckObservations ?? [];
          const ok = observations.filter((o) => (o.StatusReport?.Status ?? '').startsWith('Success')).length;
          const share = observations.length === 0 ? 0 : ok / observations.length;
          return { value: share > HEALTHY_SHARE ? 'healthy' : 'unhealthy', latencyMs: performance.now() - started, text: `${ok}/${observations.length}` };
        } catch (error) {
          return { error: `${(error as { name?: string }).name ?? 'Error'}: ${(error as Error).message}` };
        }
      },
      close: async () => undefined,
    };
  },
  check: (o, t) =>
    o.error !== undefined ? o.error : o.value === t.status ? null : `${String(o.value)} (${o.text ?? ''} checkers report success), expected ${t.status}`,
};
