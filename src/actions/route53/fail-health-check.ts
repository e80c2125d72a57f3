/**
 * `aws.route53.fail-health-check` — makes a Route 53 health check report unhealthy by setting Inverted (and clearing
 * Disabled, which would read as healthy), under the HealthCheckVersion lock. Before the change it reads the check, so
 * the previous configuration is in the journal; the undo restores Inverted and Disabled as they were.
 */
import type { GetHealthCheckCommandOutput, ListTagsForResourceCommandOutput, UpdateHealthCheckCommandOutput } from '@aws-sdk/client-route-53';
import { z } from 'zod';
import { awsSend } from '../../aws/call.js';
import { sdk } from '../../aws/sdk.js';
import { ActionFailedError } from '../../errors/action-error.js';
import { MOTO_DATA_TEST, partial, yes } from '../../registry/capabilities.js';
import type { ActionDefinition, ActivityContext } from '../../registry/types.js';

const args = z.strictObject({ healthCheckId: z.string().min(1) });

function send<C extends { input: unknown }, O extends { $metadata?: { requestId?: string | undefined } }>(
  ctx: ActivityContext,
  command: C,
  summarize?: (o: O) => Record<string, unknown>,
): Promise<O> {
  return awsSend(ctx, 'route53', command, summarize);
}

const configSummary = (o: GetHealthCheckCommandOutput | UpdateHealthCheckCommandOutput): Record<string, unknown> => ({
  version: o.HealthCheck?.HealthCheckVersion,
  inverted: o.HealthCheck?.HealthCheckConfig?.Inverted,
  disabled: o.HealthCheck?.HealthCheckConfig?.Disabled,
});

export const failHealthCheckAction: ActionDefinition<z.output<typeof args>> = {
  id: 'aws.route53.fail-health-check',
  summary: 'Inverts a Route 53 health check so it reports unhealthy (restored on rollback).',
  mutating: true,
  permissions: { read: ['route53:GetHealthCheck', 'route53:ListTagsForResource'], write: ['route53:UpdateHealthCheck'] },
  capabilities: {
    services: ['route53'],
    support: {
      sim: yes('The inverted check fails at its next evaluation and DNS fails over.'),
      moto: partial(
        `Inverted is stored and restored (${MOTO_DATA_TEST}: "inverts a Route 53 health check"), but HealthCheckVersion is never bumped and the status never changes.`,
      ),
      'localstack-free': partial("Community Route 53 is moto's: Inverted is stored, the status stays a static success, no DNS failover."),
      'localstack-paid': partial('Health checks probe and DNS fails over only on the Ultimate plan (unverified here).'),
      aws: yes(),
    },
  },
  args,
  /** The check itself, read first: an unknown id is refused (NoSuchHealthCheck) before anything runs. */
  async plan(a, ctx) {
    const { GetHealthCheckCommand, ListTagsForResourceCommand } = await sdk.route53();
    const out: GetHealthCheckCommandOutput = await send(ctx, new GetHealthCheckCommand({ HealthCheckId: a.healthCheckId }), configSummary);
    const tagged: ListTagsForResourceCommandOutput = await send(
      ctx,
      new ListTagsForResourceCommand({ ResourceType: 'healthcheck', ResourceId: a.healthCheckId }),
    );
    const tags: Record<string, string> = {};
    for (const t of tagged.ResourceTagSet?.Tags ?? []) if (t.Key !== undefined) tags[t.Key] = t.Value ?? '';
    return [
      {
        type: 'aws:route53:healthcheck',
        id: a.healthCheckId,
        arn: `arn:aws:route53:::healthcheck/${a.healthCheckId}`,
        tags,
        attributes: (out.HealthCheck ?? {}) as Record<string, unknown>,
      },
    ];
  },
  async run(a, ctx) {
    const { GetHealthCheckCommand, UpdateHealthCheckCommand } = await sdk.route53();
    const before: GetHealthCheckCommandOutput = await send(ctx, new GetHealthCheckCommand({ HealthCheckId: a.healthCheckId }), configSummary);
    const config = before.HealthCheck?.HealthCheckConfig;
    const previous = { inverted: config?.Inverted === true, disabled: config?.Disabled === true };
    const after: UpdateHealthCheckCommandOutput = await send(
      ctx,
      new UpdateHealthCheckCommand({
        HealthCheckId: a.healthCheckId,
        HealthCheckVersion: before.HealthCheck?.HealthCheckVersion,
        Inverted: !previous.inverted,
        Disabled: false,
      }),
      configSummary,
    );
    if (after.HealthCheck?.HealthCheckConfig?.Inverted !== !previous.inverted) {
      throw new ActionFailedError(`Route 53 did not apply the inversion of health check ${a.healthCheckId}.`);
    }
    return { output: { healthCheckId: a.healthCheckId, previous, version: after.HealthCheck?.HealthCheckVersion } };
  },
  /** Inverted and Disabled as they are before the change. */
  async intent(a, _targets, ctx) {
    const { GetHealthCheckCommand } = await sdk.route53();
    const out: GetHealthCheckCommandOutput = await send(ctx, new GetHealthCheckCommand({ HealthCheckId: a.healthCheckId }), configSummary);
    const config = out.HealthCheck?.HealthCheckConfig;
    return { inverted: config?.Inverted === true, disabled: config?.Disabled === true };
  },
  /** Restores Inverted and Disabled when either differs from before the fault (the rollback, from the intent). */
  async reconcile(a, prior, _targets, ctx) {
    const previous = { inverted: prior.inverted === true, disabled: prior.disabled === true };
    const { GetHealthCheckCommand } = await sdk.route53();
    const now: GetHealthCheckCommandOutput = await send(ctx, new GetHealthCheckCommand({ HealthCheckId: a.healthCheckId }), configSummary);
    const config = now.HealthCheck?.HealthCheckConfig;
    const present = { inverted: config?.Inverted === true, disabled: config?.Disabled === true };
    const flags = (f: { inverted: boolean; disabled: boolean }): string => `Inverted ${f.inverted}, Disabled ${f.disabled}`;
    if (present.inverted === previous.inverted && present.disabled === previous.disabled) {
      return {
        landed: false,
        found: [`health check ${a.healthCheckId} has ${flags(present)}, as before the fault: the change did not land`],
        done: [],
        lasting: [],
      };
    }
    await restore(ctx, a.healthCheckId, previous);
    return {
      landed: true,
      found: [`health check ${a.healthCheckId} has ${flags(present)}, changed by the lost run (${flags(previous)} before)`],
      done: [`restored ${flags(previous)} on health check ${a.healthCheckId}`],
      lasting: [],
    };
  },
  async rollback(a, result, ctx) {
    return { output: await restore(ctx, a.healthCheckId, result.output.previous as { inverted: boolean; disabled: boolean }) };
  },
};

/** Puts Inverted and Disabled back as they were; safe to run again. */
async function restore(ctx: ActivityContext, healthCheckId: string, previous: { inverted: boolean; disabled: boolean }): Promise<Record<string, unknown>> {
  const { GetHealthCheckCommand, UpdateHealthCheckCommand } = await sdk.route53();
  // Read the current version: someone (Route 53 itself, an operator) may have changed the check meanwhile.
  const now: GetHealthCheckCommandOutput = await send(ctx, new GetHealthCheckCommand({ HealthCheckId: healthCheckId }), configSummary);
  const out: UpdateHealthCheckCommandOutput = await send(
    ctx,
    new UpdateHealthCheckCommand({
      HealthCheckId: healthCheckId,
      HealthCheckVersion: now.HealthCheck?.HealthCheckVersion,
      Inverted: previous.inverted,
      Disabled: previous.disabled,
    }),
    configSummary,
  );
  return { restored: previous, version: out.HealthCheck?.HealthCheckVersion };
}
