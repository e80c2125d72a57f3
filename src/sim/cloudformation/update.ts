import { parseTopology, type Topology } from '../topology.js';
import { isMap } from './resources/context.js';
import { TemplateError } from './template-error.js';
import { parseTemplateYaml } from './template-yaml.js';
import { translateTemplate } from './translate.js';

/** A stack update the simulated region will not make; its message is one sentence, CloudFormation's ValidationError. */
export class StackUpdateRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StackUpdateRefused';
  }
}

/** What UpdateStack asks: the template (its own, or a new text) and each parameter's value. */
export interface StackUpdateRequest {
  templateBody: string | undefined;
  usePreviousTemplate: boolean;
  /** As given: a value, or UsePreviousValue. A parameter not named takes its Default again, as in CloudFormation. */
  parameters: { key: string; value: string | undefined; usePreviousValue: boolean }[];
}

/** The stack as the region built it: what a new translation is compared with. */
export interface StackOrigin {
  name: string;
  region: string;
  accountId: string;
  template: string | undefined;
  parameters: Record<string, string>;
}

type GroupSpec = Topology['autoScalingGroups'][number];

/** What an update does to the region: new launch template versions, and the groups whose version they change. */
export interface StackUpdatePlan {
  /** Every parameter's value after the update. */
  parameters: Record<string, string>;
  /** Launch templates (by name and logical id) that get a new version with this data. */
  launchTemplates: { name: string; logicalId: string; imageId: string; instanceType: string }[];
  /**
   * Groups whose `LaunchTemplate.Version` is `!GetAtt <Lt>.LatestVersionNumber` of a template that gets a new version:
   * the version property changes, which triggers their UpdatePolicy (`rollout`).
   */
  groups: { name: string; logicalId: string; launchTemplate: string; rollout: GroupSpec['rollout'] }[];
}

const ONLY = 'The simulated region updates only launch template parameters (such as an AMI id or instance type) of the template it was built from';

/**
 * Plans an UpdateStack (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_UpdateStack.html) by
 * translating the template with the stack's parameters and with the new ones: the two must differ only in launch
 * templates' data (image, instance type) and groups' UpdatePolicy, or the update is refused; none at all is
 * CloudFormation's "No updates are to be performed."
 */
export function planStackUpdate(origin: StackOrigin, request: StackUpdateRequest): StackUpdatePlan {
  if (origin.template === undefined) throw new StackUpdateRefused(`Stack ${origin.name} has no template the simulated region kept, so it cannot be updated.`);
  if (request.usePreviousTemplate && request.templateBody !== undefined)
    throw new StackUpdateRefused('Exactly one of TemplateBody or UsePreviousTemplate must be specified.');
  if (!request.usePreviousTemplate && request.templateBody === undefined)
    throw new StackUpdateRefused('Either Template URL or Template Body must be specified.');
  const doc = parseTemplateYaml(origin.template) as Record<string, unknown>;
  if (request.templateBody !== undefined && JSON.stringify(readable(request.templateBody)) !== JSON.stringify(doc))
    throw new StackUpdateRefused(`${ONLY}: give UsePreviousTemplate or the stack's own template, with new parameter values.`);
  const declared = isMap(doc.Parameters) ? doc.Parameters : {};
  const parameters: Record<string, string> = {};
  for (const p of request.parameters) {
    if (!(p.key in declared)) throw new StackUpdateRefused(`Parameters: [${p.key}] do not exist in the template`);
    const previous = origin.parameters[p.key];
    if (p.usePreviousValue) {
      if (previous === undefined) throw new StackUpdateRefused(`Parameter ${p.key} has no previous value to use.`);
      parameters[p.key] = previous;
    } else if (p.value !== undefined) parameters[p.key] = p.value;
  }
  const translate = (overrides: Record<string, string>): Record<string, unknown> =>
    translateTemplate(doc, { stackName: origin.name, region: origin.region, accountId: origin.accountId, parameters: overrides, templateBody: origin.template })
      .topology;
  const before = translate(origin.parameters);
  let after: Record<string, unknown>;
  try {
    after = translate(parameters);
  } catch (error) {
    if (error instanceof TemplateError) throw new StackUpdateRefused(error.message.endsWith('.') ? error.message : `${error.message}.`);
    throw error;
  }
  const changed = Object.keys({ ...comparable(before), ...comparable(after) }).filter(
    (k) => JSON.stringify(comparable(before)[k]) !== JSON.stringify(comparable(after)[k]),
  );
  if (changed.length > 0) throw new StackUpdateRefused(`${ONLY}; these parameter values also change its ${changed.join(', ')}.`);
  const old = parseTopology(before, `stack ${origin.name}`);
  const next = parseTopology(after, `stack ${origin.name}`);
  const effective = (next.stack?.parameters ?? {}) as Record<string, string>;
  const launchTemplates = next.launchTemplates
    .filter((lt) => {
      const was = old.launchTemplates.find((o) => o.name === lt.name);
      return was === undefined || was.imageId !== lt.imageId || was.instanceType !== lt.instanceType;
    })
    .map((lt) => ({ name: lt.name, logicalId: logicalIdOf(next, lt.name, 'AWS::EC2::LaunchTemplate'), imageId: lt.imageId, instanceType: lt.instanceType }));
  const rolled = new Set(launchTemplates.map((lt) => lt.name));
  const resources = isMap(doc.Resources) ? doc.Resources : {};
  const groups = next.autoScalingGroups
    .filter((g) => rolled.has(g.launchTemplate))
    .map((g) => ({ g, logicalId: g.tags['aws:cloudformation:logical-id'] ?? g.name }))
    .filter(({ g, logicalId }) => followsLatest(resources[logicalId], launchTemplates.find((lt) => lt.name === g.launchTemplate)?.logicalId))
    .map(({ g, logicalId }) => ({ name: g.name, logicalId, launchTemplate: g.launchTemplate, rollout: g.rollout }));
  const rolloutsChanged = next.autoScalingGroups.some(
    (g) => JSON.stringify(g.rollout) !== JSON.stringify(old.autoScalingGroups.find((o) => o.name === g.name)?.rollout),
  );
  if (launchTemplates.length === 0 && !rolloutsChanged) throw new StackUpdateRefused('No updates are to be performed.');
  return { parameters: effective, launchTemplates, groups };
}

/** A template body's document, or the refusal of a text that is not YAML or JSON. */
function readable(body: string): unknown {
  try {
    return parseTemplateYaml(body);
  } catch {
    throw new StackUpdateRefused('Template format error: the TemplateBody is not well-formed YAML or JSON.');
  }
}

/** A translation without what an update may change: launch templates' data, groups' UpdatePolicy, the stack's notes. */
function comparable(t: Record<string, unknown>): Record<string, unknown> {
  const strip = (list: unknown, keys: string[]): unknown =>
    Array.isArray(list) ? list.map((x) => (isMap(x) ? Object.fromEntries(Object.entries(x).filter(([k]) => !keys.includes(k))) : x)) : list;
  const stack = isMap(t.stack) ? { ...t.stack, notes: undefined, parameters: undefined } : t.stack;
  return {
    ...t,
    launchTemplates: strip(t.launchTemplates, ['imageId', 'instanceType']),
    autoScalingGroups: strip(t.autoScalingGroups, ['rollout']),
    stack,
  };
}

function logicalIdOf(t: Topology, name: string, type: string): string {
  return t.stack?.resources.find((r) => r.type === type && r.physicalId.includes(`lt.${name}.`))?.logicalId ?? name;
}

/** Whether a group's template names its launch template's version as `!GetAtt <lt>.LatestVersionNumber`. */
function followsLatest(raw: unknown, lt: string | undefined): boolean {
  if (!isMap(raw) || !isMap(raw.Properties) || lt === undefined) return false;
  const spec = isMap(raw.Properties.LaunchTemplate)
    ? raw.Properties.LaunchTemplate
    : isMap(raw.Properties.MixedInstancesPolicy) && isMap(raw.Properties.MixedInstancesPolicy.LaunchTemplate)
      ? raw.Properties.MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification
      : undefined;
  const version = isMap(spec) ? spec.Version : undefined;
  const att = isMap(version) ? version['Fn::GetAtt'] : undefined;
  const [id, attribute] = typeof att === 'string' ? att.split('.') : Array.isArray(att) ? att : [];
  return id === lt && attribute === 'LatestVersionNumber';
}
