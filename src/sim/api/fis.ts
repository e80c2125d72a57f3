import { randomUUID } from 'node:crypto';
import { SimApiError } from '../protocol/errors.js';
import type { SimWorld } from '../region.js';
import type { FisExperiment, FisTemplate } from '../world/fis.js';
import type { JsonReply } from './cloudwatch.js';

const secs = (d: Date | undefined): number | undefined => (d === undefined ? undefined : d.getTime() / 1_000);

function reply(body: unknown, status = 200): JsonReply {
  return { status, body: JSON.stringify(body), contentType: 'application/json', requestId: randomUUID() };
}

/** A restJson1 error: the code in `x-amzn-ErrorType`, the message in the body. */
export function fisError(e: SimApiError): JsonReply {
  const r = reply({ message: e.message }, e.code === 'ValidationException' ? 400 : e.status);
  r.headers = { 'x-amzn-errortype': e.code };
  return r;
}

function templateJson(t: FisTemplate): Record<string, unknown> {
  return { id: t.id, arn: t.arn, description: t.description, roleArn: t.roleArn, targets: t.targets, actions: t.actions, stopConditions: t.stopConditions, tags: t.tags, creationTime: secs(t.creationTime), lastUpdateTime: secs(t.lastUpdateTime) };
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
    tags: {},
    experimentOptions: { accountTargeting: 'single-account', emptyTargetResolutionMode: 'fail', actionsMode: 'run-all' },
  };
}

/** The operation a FIS request names, from its method and path, for the request log. */
export function fisOperation(method: string, path: string): string {
  const [collection, id, sub] = path.split('/').filter((s) => s !== '');
  if (collection === 'experimentTemplates') return id === undefined ? (method === 'POST' ? 'CreateExperimentTemplate' : 'ListExperimentTemplates') : method === 'DELETE' ? 'DeleteExperimentTemplate' : method === 'PATCH' ? 'UpdateExperimentTemplate' : 'GetExperimentTemplate';
  if (collection === 'experiments') {
    if (sub === 'resolvedTargets') return 'ListExperimentResolvedTargets';
    return id === undefined ? (method === 'POST' ? 'StartExperiment' : 'ListExperiments') : method === 'DELETE' ? 'StopExperiment' : 'GetExperiment';
  }
  if (collection === 'safetyLevers') return sub === 'state' ? 'UpdateSafetyLeverState' : 'GetSafetyLever';
  return `${method} ${path}`;
}

/** FIS (restJson1) of the simulated region: experiment templates and experiments that act on the world. */
export function fisApi(world: SimWorld, method: string, path: string, body: string): JsonReply {
  const operation = fisOperation(method, path);
  const id = decodeURIComponent(path.split('/').filter((s) => s !== '')[1] ?? '');
  let input: Record<string, unknown> = {};
  if (body !== '') {
    try {
      input = JSON.parse(body) as Record<string, unknown>;
    } catch {
      throw new SimApiError('ValidationException', 'The request body is not valid JSON.');
    }
  }
  const fis = world.fis;
  switch (operation) {
    case 'CreateExperimentTemplate': {
      const t = fis.createTemplate({
        description: String(input.description ?? ''),
        roleArn: String(input.roleArn ?? ''),
        targets: (input.targets ?? {}) as FisTemplate['targets'],
        actions: (input.actions ?? {}) as FisTemplate['actions'],
        stopConditions: (input.stopConditions ?? []) as FisTemplate['stopConditions'],
        tags: (input.tags ?? {}) as Record<string, string>,
      });
      return reply({ experimentTemplate: templateJson(t) });
    }
    case 'ListExperimentTemplates':
      return reply({ experimentTemplates: [...fis.templates.values()].map((t) => ({ id: t.id, arn: t.arn, description: t.description, creationTime: secs(t.creationTime), lastUpdateTime: secs(t.lastUpdateTime), tags: t.tags })) });
    case 'GetExperimentTemplate':
      return reply({ experimentTemplate: templateJson(fis.template(id)) });
    case 'DeleteExperimentTemplate': {
      const t = fis.template(id);
      fis.templates.delete(id);
      return reply({ experimentTemplate: templateJson(t) });
    }
    case 'StartExperiment':
      return reply({ experiment: experimentJson(fis.start(String(input.experimentTemplateId ?? ''))) });
    case 'ListExperiments':
      return reply({ experiments: [...fis.experiments.values()].map((e) => ({ id: e.id, arn: e.arn, experimentTemplateId: e.template.id, state: e.state, creationTime: secs(e.creationTime) })) });
    case 'GetExperiment':
      return reply({ experiment: experimentJson(fis.experiment(id)) });
    case 'StopExperiment':
      return reply({ experiment: experimentJson(fis.stop(id)) });
    case 'ListExperimentResolvedTargets': {
      const e = fis.experiment(id);
      return reply({ resolvedTargets: Object.entries(e.resolved).flatMap(([targetName, ids]) => ids.map((resourceId) => ({ resourceType: e.template.targets[targetName]?.resourceType, targetName, targetInformation: { identifier: resourceId } }))) });
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
      throw new SimApiError('ResourceNotFoundException', `The simulated FIS does not serve ${method} ${path}.`, 404);
  }
}
