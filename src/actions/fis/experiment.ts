/**
 * `aws.fis.experiment` — delegates the fault to AWS Fault Injection Service: starts an experiment from a template
 * (StartExperiment) and follows it (GetExperiment) until a final state, recording each action's state and the
 * resolved targets. FIS undoes what its actions define (for example `startInstancesAfterDuration`); aborting the
 * gameday run stops the FIS experiment (StopExperiment) and waits until it has stopped. Lands when FIS completes it;
 * `failed`, `stopped` or `cancelled` mean it did not land, with FIS's reason.
 */
import type { Experiment, GetExperimentCommandOutput, StopExperimentCommandOutput, ListExperimentResolvedTargetsCommandOutput, StartExperimentCommandOutput, GetExperimentTemplateCommandOutput } from '@aws-sdk/client-fis';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { awsSend } from '../../aws/call.js';
import { sdk } from '../../aws/sdk.js';
import { ActionFailedError } from '../../errors/action-error.js';
import { duration } from '../../experiment/fields.js';
import type { ActionDefinition, ActivityContext, Resource } from '../../registry/types.js';
import { instanceInventory } from '../ec2/instances.js';

const args = z.strictObject({
  experimentTemplateId: z.string().regex(/^EXT[A-Za-z0-9]+$/, { error: 'an FIS experiment template id looks like EXT1a2b3c4d5e6f7' }),
  /** How often the experiment is read (AWS time; divided by a simulated region's speed). */
  pollInterval: duration().default(5_000),
  /** Longest the experiment may run before gameday stops it (wall time). */
  timeout: duration().default(3_600_000),
});

type Args = z.output<typeof args>;

const FINAL = new Set(['completed', 'stopped', 'failed', 'cancelled']);

const send = <C extends { input: unknown }, O extends { $metadata?: { requestId?: string | undefined } }>(ctx: ActivityContext, command: C, summarize?: (o: O) => Record<string, unknown>): Promise<O> => awsSend(ctx, 'fis', command, summarize);

const stateOf = (e: Experiment | undefined): Record<string, unknown> => ({
  status: e?.state?.status,
  actions: Object.fromEntries(Object.entries(e?.actions ?? {}).map(([name, a]) => [name, a.state?.status])),
});

async function describe(ctx: ActivityContext, id: string): Promise<Experiment> {
  const { GetExperimentCommand } = await sdk.fis();
  const out: GetExperimentCommandOutput = await send(ctx, new GetExperimentCommand({ id }), (o: GetExperimentCommandOutput) => stateOf(o.experiment));
  return out.experiment ?? {};
}

/** Polls until the experiment reaches a final state; `signal` ends the wait early. */
async function untilFinal(ctx: ActivityContext, id: string, everyMs: number, deadline: number, signal: AbortSignal): Promise<Experiment> {
  for (;;) {
    const e = await describe({ ...ctx, signal: AbortSignal.timeout(30_000) }, id);
    if (FINAL.has(e.state?.status ?? '')) return e;
    if (ctx.clock.now() > deadline) throw new ActionFailedError(`FIS experiment ${id} was still ${e.state?.status ?? 'unknown'} at the timeout.`);
    await ctx.clock.sleep(everyMs, signal);
  }
}

export const fisExperimentAction: ActionDefinition<Args> = {
  id: 'aws.fis.experiment',
  summary: 'Runs an AWS FIS experiment from a template and follows it to its end (stopped when the run is aborted).',
  mutating: true,
  permissions: {
    read: ['fis:GetExperimentTemplate', 'fis:GetExperiment', 'fis:ListExperimentResolvedTargets', 'fis:GetSafetyLever', 'ec2:DescribeInstances'],
    // A template created with a roleArn needs iam:PassRole (a permission, not an API call); tags need fis:TagResource.
    write: ['fis:StartExperiment', 'fis:StopExperiment', 'fis:CreateExperimentTemplate', 'fis:DeleteExperimentTemplate', 'fis:TagResource', 'iam:PassRole'],
  },
  args,
  /** The template, and the instances its targets can select (FIS picks among them): what the guards must allow. */
  async plan(a, ctx): Promise<Resource[]> {
    const { GetExperimentTemplateCommand } = await sdk.fis();
    const out: GetExperimentTemplateCommandOutput = await send(ctx, new GetExperimentTemplateCommand({ id: a.experimentTemplateId }));
    const t = out.experimentTemplate;
    const resources: Resource[] = [{ type: 'aws:fis:experiment-template', id: a.experimentTemplateId, tags: t?.tags ?? {}, attributes: {} }];
    for (const target of Object.values(t?.targets ?? {})) {
      if (target.resourceType !== 'aws:ec2:instance') continue;
      const ids = target.resourceArns?.map((arn) => arn.replace(/^.*instance\//, ''));
      const filters = (target.filters ?? []).map((f) => ({ path: f.path ?? '', values: f.values ?? [] }));
      resources.push(...(await instanceInventory({ ...(ids === undefined ? {} : { ids }), ...(target.resourceTags === undefined ? {} : { tags: target.resourceTags }), filters, selection: { mode: 'ALL' } }, ctx)));
    }
    return resources;
  },
  async run(a, ctx) {
    const { StartExperimentCommand, StopExperimentCommand, ListExperimentResolvedTargetsCommand } = await sdk.fis();
    const started: StartExperimentCommandOutput = await send(ctx, new StartExperimentCommand({ experimentTemplateId: a.experimentTemplateId, clientToken: randomUUID() }), (o: StartExperimentCommandOutput) => ({ id: o.experiment?.id, ...stateOf(o.experiment) }));
    const id = started.experiment?.id;
    if (id === undefined) throw new ActionFailedError('FIS started no experiment.');
    // The run created it, so the run may stop it.
    ctx.fence?.admit(id);
    const every = a.pollInterval / ctx.speed;
    let final: Experiment;
    try {
      final = await untilFinal(ctx, id, every, ctx.clock.now() + a.timeout, ctx.signal);
    } catch (error) {
      // Aborted (or timed out): stop the FIS experiment and wait until it has stopped, whatever the run's signal says.
      const calm = { ...ctx, signal: AbortSignal.timeout(300_000) };
      await send(calm, new StopExperimentCommand({ id }), (o: StopExperimentCommandOutput) => stateOf(o.experiment));
      await untilFinal(calm, id, every, ctx.clock.now() + 300_000, calm.signal);
      throw error;
    }
    const resolved: ListExperimentResolvedTargetsCommandOutput = await send(ctx, new ListExperimentResolvedTargetsCommand({ experimentId: id }));
    const output = {
      experimentId: id,
      state: final.state?.status,
      reason: final.state?.reason,
      actions: stateOf(final).actions,
      resolvedTargets: (resolved.resolvedTargets ?? []).map((r) => ({ target: r.targetName, type: r.resourceType, id: r.targetInformation?.identifier })),
    };
    if (final.state?.status !== 'completed') {
      throw new ActionFailedError(`FIS experiment ${id} ended ${final.state?.status ?? 'unknown'}: ${final.state?.reason ?? 'no reason given'}.`);
    }
    return { output };
  },
};
