/**
 * `aws.fis.experiment` — delegates the fault to AWS Fault Injection Service: starts an experiment from a template
 * (StartExperiment) and follows it (GetExperiment) until a final state, recording each action's state and the
 * resolved targets. FIS undoes what its actions define (for example `startInstancesAfterDuration`); aborting the
 * gameday run stops the FIS experiment (StopExperiment) and waits until it has stopped. Lands when FIS completes it;
 * `failed`, `stopped` or `cancelled` mean it did not land, with FIS's reason.
 */
import type {
  Experiment,
  GetExperimentCommandOutput,
  StopExperimentCommandOutput,
  ListExperimentResolvedTargetsCommandOutput,
  StartExperimentCommandOutput,
  GetExperimentTemplateCommandOutput,
  ListExperimentsCommandOutput,
  ListExperimentTemplatesCommandOutput,
  CreateExperimentTemplateCommandOutput,
  CreateExperimentTemplateCommandInput,
  ExperimentTemplateTarget,
} from '@aws-sdk/client-fis';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { clockTimeout, withClockTimeout } from '../../core/clock.js';
import { awsCall, awsSend } from '../../aws/call.js';
import { sdk } from '../../aws/sdk.js';
import { ActionFailedError, AwsCallError, FaultStoppedError } from '../../errors/action-error.js';
import { SafetyError } from '../../errors/safety-error.js';
import { duration } from '../../experiment/fields.js';
import { no, partial, yes } from '../../registry/capabilities.js';
import type { ActionDefinition, ActionResult, ActivityContext, Resource } from '../../registry/types.js';
import { fisTargetKeys } from '../../safety/fence.js';
import { instanceInventory } from '../ec2/instances.js';
import { clusterInventory } from '../rds/db-clusters.js';
import { dbInventory } from '../rds/db-instances.js';
import { applySelection, parseSelection } from '../../experiment/selection.js';
import { arnId, fisTemplate, type FisTargetBody, type FisTemplateBody } from './template.js';

const args = z
  .strictObject({
    experimentTemplateId: z
      .string()
      .regex(/^EXT[A-Za-z0-9]+$/, { error: 'an FIS experiment template id looks like EXT1a2b3c4d5e6f7' })
      .optional(),
    /** A template gameday creates for this run (CreateExperimentTemplate body, as `gameday fis export` writes it) and deletes after it. */
    template: fisTemplate.optional().meta({
      description:
        'An FIS experiment template (the CreateExperimentTemplate body, as `gameday fis export` writes it), created for the run and deleted after it.',
    }),
    /** How often the experiment is read (AWS time; divided by a simulated region's speed). */
    pollInterval: duration().default(5_000),
    /** Longest the experiment may run before gameday stops it (wall time). */
    timeout: duration().default(3_600_000),
  })
  .refine((a) => (a.experimentTemplateId === undefined) !== (a.template === undefined), { error: 'give exactly one of experimentTemplateId and template' });

type Args = z.output<typeof args>;

const FINAL = new Set(['completed', 'stopped', 'failed', 'cancelled']);

const send = <C extends { input: unknown }, O extends { $metadata?: { requestId?: string | undefined } }>(
  ctx: ActivityContext,
  command: C,
  summarize?: (o: O) => Record<string, unknown>,
): Promise<O> => awsSend(ctx, 'fis', command, summarize);

const stateOf = (e: Experiment | undefined): Record<string, unknown> => ({
  status: e?.state?.status,
  actions: Object.fromEntries(Object.entries(e?.actions ?? {}).map(([name, a]) => [name, a.state?.status])),
});

/** FIS GetSafetyLever, which the installed client lacks: sent signed through the client factory (see `signedJson`). */
class GetSafetyLeverCommand {
  constructor(readonly input: { id: string }) {}
}

/** Answers that mean the endpoint has no such operation (moto, LocalStack, older partitions). */
const NOT_OFFERED = /^(UnknownOperationException|ResourceNotFoundException|NotFoundException|InvalidAction|Http404|Http501|NotImplemented)$/;

/**
 * Whether a refusal says the endpoint does not implement the operation. LocalStack answers `InternalFailure` with
 * HTTP 501 for those; any other failure (a real AWS 500 included) is not taken for "not offered".
 */
function notOffered(error: unknown): boolean {
  if (!(error instanceof AwsCallError)) return false;
  return NOT_OFFERED.test(error.awsName) || (error.cause as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode === 501;
}

/**
 * The account's FIS safety lever: engaged means the operator has stopped all FIS experiments, and gameday must not
 * start one. Returns its status, or `not offered` where the endpoint has no such API.
 */
async function checkSafetyLever(ctx: ActivityContext): Promise<string> {
  try {
    const out = await awsCall(
      ctx,
      'fis',
      new GetSafetyLeverCommand({ id: 'default' }),
      (c, o) => ctx.aws.signedJson('fis', 'GetSafetyLever', { method: 'GET', path: `/safetyLevers/${c.input.id}` }, o.abortSignal),
      (o) => ({ state: (o.body as { safetyLever?: { state?: unknown } }).safetyLever?.state }),
    );
    const state = (out.body as { safetyLever?: { state?: { status?: string; reason?: string } } }).safetyLever?.state;
    if (state?.status !== undefined && state.status !== 'disengaged') {
      throw new SafetyError(
        'fis-safety-lever',
        `the account's FIS safety lever is ${state.status}${state.reason ? ` (${state.reason})` : ''}, so no FIS experiment was started`,
      );
    }
    return state?.status ?? 'unknown';
  } catch (error) {
    if (notOffered(error)) return 'not offered by this endpoint';
    throw error;
  }
}

async function describe(ctx: ActivityContext, id: string): Promise<Experiment> {
  const { GetExperimentCommand } = await sdk.fis();
  const out: GetExperimentCommandOutput = await send(ctx, new GetExperimentCommand({ id }), (o: GetExperimentCommandOutput) => stateOf(o.experiment));
  return out.experiment ?? {};
}

/** Where the first fault action of an experiment has got to: the bounds of when it started (monotonic ms). */
interface Landing {
  /** The last poll that saw no fault action started began here (first: the StartExperiment call). */
  lower: number;
  /** The first poll that saw one started ended here. */
  upper?: number;
  /** FIS's own startTime of that action (epoch ms), when it gives one. */
  reportedEpochMs?: number;
}

/** The first action that is a fault (not `aws:fis:wait`) and has started, with FIS's start time. */
function firstFaultStarted(e: Experiment): { startTime?: Date | undefined } | undefined {
  const started = Object.values(e.actions ?? {}).filter(
    (a) => a.actionId !== 'aws:fis:wait' && a.state?.status !== undefined && !['pending', 'initiating'].includes(a.state.status),
  );
  return started.sort((a, b) => (a.startTime?.getTime() ?? Infinity) - (b.startTime?.getTime() ?? Infinity))[0];
}

/**
 * Polls until the experiment reaches a final state; `signal` ends the wait early. Until the first fault action has
 * started, polls at least every second of AWS time, so `landing` brackets that start closely.
 */
async function untilFinal(ctx: ActivityContext, id: string, everyMs: number, deadline: number, signal: AbortSignal, landing?: Landing): Promise<Experiment> {
  for (;;) {
    const asked = ctx.clock.now();
    const e = await withClockTimeout(ctx.clock, 30_000, (signal) => describe({ ...ctx, signal }, id));
    if (landing !== undefined && landing.upper === undefined) {
      const started = firstFaultStarted(e);
      if (started === undefined) landing.lower = asked;
      else {
        landing.upper = ctx.clock.now();
        if (started.startTime !== undefined) landing.reportedEpochMs = started.startTime.getTime();
      }
    }
    if (FINAL.has(e.state?.status ?? '')) return e;
    if (ctx.clock.now() > deadline) throw new ActionFailedError(`FIS experiment ${id} was still ${e.state?.status ?? 'unknown'} at the timeout.`);
    await ctx.clock.sleep(landing !== undefined && landing.upper === undefined ? Math.min(everyMs, 1_000 / ctx.speed) : everyMs, signal);
  }
}

/**
 * When the fault landed: within the polls that saw the first fault action not yet started and started, at FIS's own
 * start time when that falls inside (the two clocks may differ; the polls are gameday's own clock).
 */
function landedAt(landing: Landing, clock: ActivityContext['clock']): ActionResult['landed'] {
  if (landing.upper === undefined) return undefined;
  const reported = landing.reportedEpochMs === undefined ? undefined : landing.reportedEpochMs - clock.toEpochMs(0);
  const value = reported === undefined ? (landing.lower + landing.upper) / 2 : Math.min(landing.upper, Math.max(landing.lower, reported));
  return { value, lower: landing.lower, upper: landing.upper };
}

/** The resources one template target can select: the candidates the guards must allow. */
async function targetCandidates(target: FisTargetBody, ctx: ActivityContext): Promise<Resource[]> {
  const ids = target.resourceArns?.map(arnId);
  switch (target.resourceType) {
    case 'aws:ec2:instance': {
      const filters = (target.filters ?? []).map((f) => ({ path: f.path, values: f.values }));
      return instanceInventory(
        {
          ...(ids === undefined ? {} : { ids }),
          ...(target.resourceTags === undefined ? {} : { tags: target.resourceTags }),
          filters,
          selection: { mode: 'ALL' },
        },
        ctx,
      );
    }
    case 'aws:rds:db':
      return ids === undefined ? [] : dbInventory({ ids }, ctx);
    case 'aws:rds:cluster':
      return ids === undefined ? [] : clusterInventory({ ids }, ctx);
    default:
      return [];
  }
}

/** Template targets of these types gameday lists itself, so it can choose their resources at plan time. */
const INVENTORIED = new Set(['aws:ec2:instance', 'aws:rds:db', 'aws:rds:cluster']);

/** The template target a planned resource was chosen for (`pinned`), kept in its attributes. */
const TARGET_OF = 'gameday:fisTarget';

const targetBody = (target: ExperimentTemplateTarget): FisTargetBody => ({
  resourceType: target.resourceType ?? '',
  selectionMode: target.selectionMode ?? 'ALL',
  ...(target.resourceArns === undefined ? {} : { resourceArns: target.resourceArns }),
  ...(target.resourceTags === undefined ? {} : { resourceTags: target.resourceTags }),
  ...(target.filters === undefined ? {} : { filters: target.filters.map((f) => ({ path: f.path ?? '', values: f.values ?? [] })) }),
});

/**
 * A stored template: FIS chooses among its targets' candidates when it starts, so the plan holds every candidate
 * (the guards must allow all of them).
 */
async function storedTemplateResources(t: NonNullable<GetExperimentTemplateCommandOutput['experimentTemplate']>, ctx: ActivityContext): Promise<Resource[]> {
  const resources: Resource[] = [];
  for (const target of Object.values(t.targets ?? {})) resources.push(...(await targetCandidates(targetBody(target), ctx)));
  return resources;
}

/**
 * A template of the run's own: gameday chooses each target's resources now, as for a native fault (with the run's
 * seed), and `pinned` names exactly those in the template it creates, so FIS acts on what the plan showed and the
 * guards checked.
 * Targets of types gameday does not list stay as written, named by what they select (their tags are their opt-in).
 */
async function ownTemplateResources(t: FisTemplateBody, ctx: ActivityContext): Promise<Resource[]> {
  const resources: Resource[] = [];
  for (const [name, target] of Object.entries(t.targets)) {
    if (INVENTORIED.has(target.resourceType)) {
      const selection = parseSelection(target.selectionMode);
      const candidates = await targetCandidates(target, ctx);
      const chosen = applySelection(selection.ok ? selection.value : { mode: 'ALL' }, candidates, ctx.random ?? Math.random);
      resources.push(...chosen.map((r) => ({ ...r, attributes: { ...r.attributes, [TARGET_OF]: name } })));
    } else {
      for (const key of fisTargetKeys(target))
        resources.push({ type: 'aws:fis:target', id: key, tags: target.resourceTags ?? {}, attributes: { [TARGET_OF]: name } });
    }
  }
  return resources;
}

/** The template with each listed target narrowed to the resources the plan chose for it (after the guards). */
function pinned(t: FisTemplateBody, planned: readonly Resource[]): FisTemplateBody {
  const targets = Object.fromEntries(
    Object.entries(t.targets).map(([name, target]) => {
      if (!INVENTORIED.has(target.resourceType)) return [name, target];
      const arns = planned.filter((r) => r.attributes[TARGET_OF] === name).map((r) => r.arn ?? r.id);
      if (arns.length === 0) throw new ActionFailedError(`FIS target ${name} has no resource left in the plan.`);
      return [
        name,
        {
          resourceType: target.resourceType,
          resourceArns: arns,
          selectionMode: 'ALL',
          ...(target.parameters === undefined ? {} : { parameters: target.parameters }),
        },
      ];
    }),
  );
  return { ...t, targets };
}

export const fisExperimentAction: ActionDefinition<Args> = {
  id: 'aws.fis.experiment',
  summary: 'Runs an AWS FIS experiment, from a template id or a template of its own, and follows it to its end (stopped when the run is aborted).',
  mutating: true,
  permissions: {
    read: [
      'fis:GetExperimentTemplate',
      'fis:GetExperiment',
      'fis:ListExperiments',
      'fis:ListExperimentTemplates',
      'fis:ListExperimentResolvedTargets',
      'fis:GetSafetyLever',
      'ec2:DescribeInstances',
      'rds:DescribeDBInstances',
      'rds:DescribeDBClusters',
    ],
    // A template created with a roleArn needs iam:PassRole (a permission, not an API call); tags need fis:TagResource.
    write: ['fis:StartExperiment', 'fis:StopExperiment', 'fis:CreateExperimentTemplate', 'fis:DeleteExperimentTemplate', 'fis:TagResource', 'iam:PassRole'],
  },
  capabilities: {
    services: ['fis'],
    support: {
      sim: yes(
        'Templates, experiments with the FIS lifecycle, the safety lever, aws:network:disrupt-connectivity (scope all); the experiment lifecycle is tested against the sim only.',
      ),
      moto: no(
        'moto 5.2.1 routes only /experimentTemplates (create, delete) and /tags, so no experiment runs: StartExperiment and GetExperimentTemplate answer an HTML 404. The templates gameday writes are created and deleted there (test/conformance/moto-fis.test.ts).',
      ),
      'localstack-free': no('FIS is not in the community image.'),
      'localstack-paid': partial(
        'Enterprise only; ListExperimentResolvedTargets is not implemented (the journal says the resolved targets are unknown), selection modes are ignored and aws:rds:failover-db-cluster is not executed.',
      ),
      aws: yes(),
    },
  },
  args,
  /** The template, and the resources its targets can select (FIS picks among them): what the guards must allow. */
  async plan(a, ctx): Promise<Resource[]> {
    if (a.template !== undefined) return ownTemplateResources(a.template, ctx);
    const { GetExperimentTemplateCommand } = await sdk.fis();
    const out: GetExperimentTemplateCommandOutput = await send(ctx, new GetExperimentTemplateCommand({ id: a.experimentTemplateId }));
    const t = out.experimentTemplate ?? {};
    return [
      { type: 'aws:fis:experiment-template', id: a.experimentTemplateId ?? '', tags: t.tags ?? {}, attributes: {} },
      ...(await storedTemplateResources(t, ctx)),
    ];
  },
  /**
   * What finds the run's experiment afterwards: the run's tag, which every template and experiment the action creates
   * carries (`gameday:run`), and the template it starts from when it names one.
   */
  async intent(a, _targets, ctx) {
    return { runTag: ctx.runId, experimentTemplateId: a.experimentTemplateId ?? null };
  },
  /**
   * Stops each experiment of the lost run still under way (and waits until FIS says it stopped), then deletes the
   * templates the run created for itself. FIS undoes what its own actions define once stopped.
   */
  async reconcile(a, prior, _targets, ctx) {
    const { ListExperimentsCommand, ListExperimentTemplatesCommand, StopExperimentCommand, DeleteExperimentTemplateCommand } = await sdk.fis();
    const runTag = String(prior.runTag ?? '');
    const experiments = [];
    let nextToken: string | undefined;
    do {
      const page: ListExperimentsCommandOutput = await send(ctx, new ListExperimentsCommand({ maxResults: 100, nextToken }));
      experiments.push(...(page.experiments ?? []));
      nextToken = page.nextToken;
    } while (nextToken !== undefined && nextToken !== '');
    const template = typeof prior.experimentTemplateId === 'string' ? prior.experimentTemplateId : undefined;
    const ours = experiments.filter(
      (e) => e.tags?.['gameday:run'] === runTag && e.id !== undefined && (template === undefined || e.experimentTemplateId === template),
    );
    const found: string[] = [];
    const done: string[] = [];
    for (const e of ours) {
      const id = e.id ?? '';
      const status = e.state?.status ?? 'unknown';
      found.push(`FIS experiment ${id} of the lost run is ${status}`);
      if (FINAL.has(status)) continue;
      // The lost run started it, so its successor may stop it.
      ctx.fence?.admit(id);
      await send(ctx, new StopExperimentCommand({ id }), (o: StopExperimentCommandOutput) => stateOf(o.experiment));
      const final = await untilFinal(ctx, id, a.pollInterval / ctx.speed, ctx.clock.now() + 300_000, ctx.signal);
      done.push(`stopped FIS experiment ${id} (${final.state?.status ?? 'unknown'})`);
    }
    if (a.template !== undefined) {
      const templates: ListExperimentTemplatesCommandOutput = await send(ctx, new ListExperimentTemplatesCommand({}));
      for (const t of templates.experimentTemplates ?? []) {
        if (t.tags?.['gameday:run'] !== runTag || t.id === undefined) continue;
        ctx.fence?.admit(t.id);
        await send(ctx, new DeleteExperimentTemplateCommand({ id: t.id }));
        done.push(`deleted the FIS template ${t.id} the lost run created`);
      }
    }
    if (ours.length === 0) found.push('no FIS experiment of the lost run was started');
    return { landed: ours.length > 0, found, done, lasting: [] };
  },
  async run(a, ctx) {
    const {
      StartExperimentCommand,
      StopExperimentCommand,
      ListExperimentResolvedTargetsCommand,
      CreateExperimentTemplateCommand,
      DeleteExperimentTemplateCommand,
    } = await sdk.fis();
    const safetyLever = await checkSafetyLever(ctx);
    let templateId = a.experimentTemplateId;
    if (a.template !== undefined) {
      const input: CreateExperimentTemplateCommandInput = {
        ...pinned(a.template, ctx.targets),
        clientToken: randomUUID(),
        tags: { ...a.template.tags, 'gameday:run': ctx.runId },
      };
      const created: CreateExperimentTemplateCommandOutput = await send(
        ctx,
        new CreateExperimentTemplateCommand(input),
        (o: CreateExperimentTemplateCommandOutput) => ({ id: o.experimentTemplate?.id }),
      );
      templateId = created.experimentTemplate?.id;
      if (templateId === undefined) throw new ActionFailedError('FIS created no experiment template.');
      ctx.fence?.admit(templateId);
    }
    // Stopping and cleaning up must finish even after an abort, but not forever. Dropped when the action ends.
    const calmLimit = new AbortController();
    const calm = { ...ctx, signal: clockTimeout(ctx.clock, 300_000, calmLimit.signal) };
    try {
      const startCalled = ctx.clock.now();
      const started: StartExperimentCommandOutput = await send(
        ctx,
        new StartExperimentCommand({ experimentTemplateId: templateId, clientToken: randomUUID(), tags: { 'gameday:run': ctx.runId } }),
        (o: StartExperimentCommandOutput) => ({ id: o.experiment?.id, ...stateOf(o.experiment) }),
      );
      const id = started.experiment?.id;
      if (id === undefined) throw new ActionFailedError('FIS started no experiment.');
      // The run created it, so the run may stop it.
      ctx.fence?.admit(id);
      const every = a.pollInterval / ctx.speed;
      const landing: Landing = { lower: startCalled };
      let final: Experiment;
      try {
        final = await untilFinal(ctx, id, every, ctx.clock.now() + a.timeout, ctx.signal, landing);
      } catch (error) {
        // Aborted (or timed out): stop the FIS experiment and wait until it has stopped, whatever the run's signal says.
        await send(calm, new StopExperimentCommand({ id }), (o: StopExperimentCommandOutput) => stateOf(o.experiment));
        await untilFinal(calm, id, every, ctx.clock.now() + 300_000, calm.signal);
        throw error;
      }
      // LocalStack has no ListExperimentResolvedTargets: the journal then says the resolved targets are unknown.
      const resolved: Pick<ListExperimentResolvedTargetsCommandOutput, 'resolvedTargets'> | undefined = await send<
        InstanceType<typeof ListExperimentResolvedTargetsCommand>,
        ListExperimentResolvedTargetsCommandOutput
      >(ctx, new ListExperimentResolvedTargetsCommand({ experimentId: id })).catch((error: unknown) => {
        if (notOffered(error)) return undefined;
        throw error;
      });
      const output = {
        experimentId: id,
        experimentTemplateId: templateId,
        safetyLever,
        state: final.state?.status,
        reason: final.state?.reason,
        actions: stateOf(final).actions,
        resolvedTargets:
          resolved === undefined
            ? 'not offered by this endpoint'
            : (resolved.resolvedTargets ?? []).map((r) => ({ target: r.targetName, type: r.resourceType, id: r.targetInformation?.identifier })),
      };
      // Newer FIS answers carry `error` and the `cancelled` status, which the installed client's types predate.
      const state = (final.state ?? {}) as { status?: string; reason?: string; error?: { code?: string; location?: string } };
      const status = state.status ?? 'unknown';
      const where = state.error?.code === undefined ? '' : ` (${state.error.code}${state.error.location === undefined ? '' : ` at ${state.error.location}`})`;
      const why = `FIS experiment ${id} ended ${status}: ${(state.reason ?? 'no reason given').replace(/\.$/, '')}${where}.`;
      // Stopped (a stop condition, the safety lever, an operator) or cancelled: the fault was cut short, not refused.
      if (status === 'stopped' || status === 'cancelled') throw new FaultStoppedError(why);
      if (status !== 'completed') throw new ActionFailedError(why);
      return { output, landed: landedAt(landing, ctx.clock) };
    } finally {
      // A template made for this run goes with it.
      if (a.template !== undefined && templateId !== undefined) {
        await send(calm, new DeleteExperimentTemplateCommand({ id: templateId })).catch((error: unknown) =>
          ctx.logger.warn(`The FIS template ${templateId} made for this run was not deleted: ${error instanceof Error ? error.message : String(error)}`),
        );
      }
      calmLimit.abort();
    }
  },
};
