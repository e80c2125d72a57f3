import { SimApiError } from '../protocol/errors.js';
import type { SimRequest, SimRoute, WireReply } from '../protocol/reply.js';
import { restJsonError, restJsonReply as reply, restJsonService } from '../protocol/rest-json.js';
import type { SimWorld } from '../region.js';
import type { FisExperiment, FisTemplate } from '../world/fis.js';

const secs = (d: Date | undefined): number | undefined => (d === undefined ? undefined : d.getTime() / 1_000);

/** FIS answers every ValidationException with 400, whatever raised it. */
const fisError = (e: SimApiError): WireReply => restJsonError(e, e.code === 'ValidationException' ? 400 : e.status);

function templateJson(t: FisTemplate): Record<string, unknown> {
  return {
    id: t.id,
    arn: t.arn,
    description: t.description,
    roleArn: t.roleArn,
    targets: t.targets,
    actions: t.actions,
    stopConditions: t.stopConditions,
    experimentOptions: { accountTargeting: 'single-account', emptyTargetResolutionMode: 'fail', ...t.experimentOptions },
    tags: t.tags,
    creationTime: secs(t.creationTime),
    lastUpdateTime: secs(t.lastUpdateTime),
  };
}

function experimentJson(e: FisExperiment): Record<string, unknown> {
  const t = e.template;
  return {
    id: e.id,
    arn: e.arn,
    experimentTemplateId: t.id,
    roleArn: t.roleArn,
    state: e.state,
    targets: t.targets,
    actions: Object.fromEntries(
      Object.entries(t.actions).map(([name, a]) => {
        const s = e.actions[name];
        return [name, { ...a, state: s?.state, startTime: secs(s?.startTime), endTime: secs(s?.endTime) }];
      }),
    ),
    stopConditions: t.stopConditions,
    creationTime: secs(e.creationTime),
    startTime: secs(e.startTime),
    endTime: secs(e.endTime),
    tags: e.tags,
    experimentOptions: { accountTargeting: 'single-account', emptyTargetResolutionMode: 'fail', ...t.experimentOptions, actionsMode: 'run-all' },
  };
}

/** A tag map of a request: string keys to string values, or FIS's ValidationException. */
function stringMap(v: unknown, member: string): Record<string, string> {
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v) || Object.values(v).some((x) => typeof x !== 'string'))
    throw new SimApiError('ValidationException', `${member} must be a map of strings to strings.`, 400);
  return v as Record<string, string>;
}

/**
 * ListExperiments: summaries (id, arn, experimentTemplateId, state, creationTime, tags, experimentOptions), newest
 * first (assumed; FIS does not document the order), optionally of one template, paged by maxResults (1–100)
 * (https://docs.aws.amazon.com/fis/latest/APIReference/API_ListExperiments.html).
 */
function listExperiments(world: SimWorld, query: URLSearchParams): WireReply {
  const rawMax = query.get('maxResults');
  const max = rawMax === null ? 100 : Number(rawMax);
  if (!Number.isInteger(max) || max < 1 || max > 100)
    throw new SimApiError(
      'ValidationException',
      `1 validation error detected: Value '${rawMax ?? ''}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100`,
      400,
    );
  const templateId = query.get('experimentTemplateId');
  const all = [...world.fis.experiments.values()]
    .filter((e) => templateId === null || e.template.id === templateId)
    .sort((a, b) => b.creationTime.getTime() - a.creationTime.getTime() || (a.id < b.id ? -1 : 1));
  const token = query.get('nextToken');
  const start = token === null ? 0 : all.findIndex((e) => e.id === token);
  if (start < 0) throw new SimApiError('ValidationException', 'The nextToken is not valid.', 400);
  const page = all.slice(start, start + max);
  const next = all[start + max];
  return reply({
    experiments: page.map((e) => ({
      id: e.id,
      arn: e.arn,
      experimentTemplateId: e.template.id,
      state: e.state,
      creationTime: secs(e.creationTime),
      tags: e.tags,
      experimentOptions: { accountTargeting: 'single-account', emptyTargetResolutionMode: 'fail', ...e.template.experimentOptions, actionsMode: 'run-all' },
    })),
    ...(next === undefined ? {} : { nextToken: next.id }),
  });
}

/** The operation a FIS request names, from its method and path. */
function fisOperation(method: string, [collection, id, sub, ...rest]: string[]): string | undefined {
  // Deeper paths (`/experimentTemplates/{id}/targetAccountConfigurations/…`) are other operations, not these.
  if (rest.length > 0 || (collection === 'experimentTemplates' && sub !== undefined)) return undefined;
  if (collection === 'experimentTemplates')
    return id === undefined
      ? method === 'POST'
        ? 'CreateExperimentTemplate'
        : 'ListExperimentTemplates'
      : method === 'DELETE'
        ? 'DeleteExperimentTemplate'
        : method === 'PATCH'
          ? 'UpdateExperimentTemplate'
          : 'GetExperimentTemplate';
  if (collection === 'experiments') {
    if (sub === 'resolvedTargets') return 'ListExperimentResolvedTargets';
    if (sub !== undefined) return undefined;
    return id === undefined ? (method === 'POST' ? 'StartExperiment' : 'ListExperiments') : method === 'DELETE' ? 'StopExperiment' : 'GetExperiment';
  }
  if (collection === 'safetyLevers') return sub === 'state' ? 'UpdateSafetyLeverState' : 'GetSafetyLever';
  return undefined;
}

/** FIS (restJson1) of the simulated region: experiment templates and experiments that act on the world. */
function fisApi(world: SimWorld, { operation, path }: SimRoute, input: Record<string, unknown>, { query }: SimRequest): WireReply {
  const id = path[1] ?? '';
  const fis = world.fis;
  switch (operation) {
    case 'CreateExperimentTemplate': {
      const t = fis.createTemplate({
        description: String(input.description ?? ''),
        roleArn: String(input.roleArn ?? ''),
        targets: (input.targets ?? {}) as FisTemplate['targets'],
        actions: (input.actions ?? {}) as FisTemplate['actions'],
        stopConditions: (input.stopConditions ?? []) as FisTemplate['stopConditions'],
        ...(input.experimentOptions === undefined ? {} : { experimentOptions: input.experimentOptions as FisTemplate['experimentOptions'] }),
        tags: (input.tags ?? {}) as Record<string, string>,
      });
      return reply({ experimentTemplate: templateJson(t) });
    }
    case 'ListExperimentTemplates':
      return reply({
        experimentTemplates: [...fis.templates.values()].map((t) => ({
          id: t.id,
          arn: t.arn,
          description: t.description,
          creationTime: secs(t.creationTime),
          lastUpdateTime: secs(t.lastUpdateTime),
          tags: t.tags,
        })),
      });
    case 'GetExperimentTemplate':
      return reply({ experimentTemplate: templateJson(fis.template(id)) });
    case 'DeleteExperimentTemplate': {
      const t = fis.template(id);
      fis.templates.delete(id);
      return reply({ experimentTemplate: templateJson(t) });
    }
    case 'StartExperiment':
      return reply({ experiment: experimentJson(fis.start(String(input.experimentTemplateId ?? ''), stringMap(input.tags, 'tags'))) });
    case 'ListExperiments':
      return listExperiments(world, query);
    case 'GetExperiment':
      return reply({ experiment: experimentJson(fis.experiment(id)) });
    case 'StopExperiment':
      return reply({ experiment: experimentJson(fis.stop(id)) });
    case 'ListExperimentResolvedTargets': {
      const e = fis.experiment(id);
      return reply({
        resolvedTargets: Object.entries(e.resolved).flatMap(([targetName, ids]) =>
          ids.map((resourceId) => ({ resourceType: e.template.targets[targetName]?.resourceType, targetName, targetInformation: { identifier: resourceId } })),
        ),
      });
    }
    case 'GetSafetyLever':
    case 'UpdateSafetyLeverState': {
      if (id !== 'default') throw new SimApiError('ResourceNotFoundException', `Safety lever ${id} not found.`, 404);
      if (operation === 'UpdateSafetyLeverState') {
        const state = (input.state ?? {}) as { status?: unknown; reason?: unknown };
        fis.setLever(String(state.status ?? ''), String(state.reason ?? ''));
      }
      const w = world.topology;
      return reply({ safetyLever: { id, arn: `arn:aws:fis:${w.region}:${w.accountId}:safety-lever/${id}`, state: fis.lever } });
    }
    default:
      throw new SimApiError('UnknownOperationException', `The simulated FIS does not serve ${operation}.`, 404);
  }
}

/** FIS as the server serves it: restJson1. */
export const fisService = restJsonService<SimWorld>({ route: fisOperation, operations: fisApi, error: fisError, malformed: 'ValidationException' });
