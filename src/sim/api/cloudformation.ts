import { SimApiError } from '../protocol/errors.js';
import type { QueryParams } from '../protocol/query.js';
import { awsQueryService, type QueryResult } from '../protocol/aws-query.js';
import type { XmlValue } from '../protocol/xml.js';
import type { SimWorld } from '../region.js';
import { fillSimReferences } from '../topology.js';
import { planStackUpdate, StackUpdateRefused, type StackUpdateRequest } from '../cloudformation/update.js';
import { runStackUpdate } from '../world/stack-update.js';
import type { SimStack } from '../world/stack.js';

const CLOUDFORMATION_NS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';

/** The region's stack, as the read-only operations see it: what the template made, its ids filled in. */
interface StackView {
  id: string;
  state: SimStack | undefined;
  name: string;
  createdTime: Date;
  template: string | undefined;
  outputs: { OutputKey: string; OutputValue: string }[];
  resources: { logicalId: string; type: string; physicalId: string }[];
}

function stackOf(world: SimWorld): StackView | undefined {
  const stack = world.topology.stack;
  if (stack === undefined || world.stackId === undefined) return undefined;
  const out = world.outputs('');
  return {
    id: world.stackId,
    state: world.stack,
    name: stack.name,
    createdTime: world.createdTime,
    template: stack.template,
    // `<LogicalId>.url` keys are the sim's own (where it serves a resource); CloudFormation has only the template's.
    outputs: Object.keys(stack.outputs)
      .filter((k) => !k.includes('.'))
      .map((OutputKey) => ({ OutputKey, OutputValue: out[`stack.${OutputKey}`] ?? '' })),
    resources: stack.resources.map((r) => ({ ...r, physicalId: fillSimReferences(r.physicalId, out) })),
  };
}

/**
 * The stack a request names by `StackName` (its name or its stack id), or the ValidationError CloudFormation gives
 * for another (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html).
 */
function namedStack(world: SimWorld, given: string | undefined): StackView {
  const stack = stackOf(world);
  if (given === undefined) throw new SimApiError('ValidationError', 'StackName must be specified.');
  if (stack === undefined || (given !== stack.name && given !== stack.id)) throw new SimApiError('ValidationError', `Stack with id ${given} does not exist`);
  return stack;
}

const DRIFT_NOT_CHECKED = { StackResourceDriftStatus: 'NOT_CHECKED' };

function stackXml(s: StackView): XmlValue {
  const state = s.state;
  return {
    StackId: s.id,
    StackName: s.name,
    Parameters: Object.entries(state?.parameters ?? {}).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue })),
    CreationTime: s.createdTime.toISOString(),
    ...(state?.lastUpdatedTime === undefined ? {} : { LastUpdatedTime: state.lastUpdatedTime.toISOString() }),
    StackStatus: state?.status ?? 'CREATE_COMPLETE',
    ...(state?.statusReason === undefined ? {} : { StackStatusReason: state.statusReason }),
    DisableRollback: false,
    NotificationARNs: [],
    Outputs: s.outputs,
    Tags: [],
    EnableTerminationProtection: false,
    DriftInformation: { StackDriftStatus: 'NOT_CHECKED' },
  };
}

/**
 * CloudFormation (awsQuery) of the simulated region: the one stack a template given as the topology made, its
 * resources with the physical ids the region gave them, its template's text and events, and UpdateStack of its
 * launch template parameters. A resource no update touched is CREATE_COMPLETE, as in a stack that finished creating.
 */
function cloudFormationApi(world: SimWorld, params: QueryParams): QueryResult {
  switch (params.action) {
    case 'DescribeStacks': {
      const given = params.get('StackName');
      const stacks = given === undefined ? [stackOf(world)].filter((s) => s !== undefined) : [namedStack(world, given)];
      return { Stacks: stacks.map(stackXml) };
    }
    case 'ListStackResources': {
      const s = namedStack(world, params.get('StackName'));
      return {
        StackResourceSummaries: s.resources.map((r) => ({
          LogicalResourceId: r.logicalId,
          PhysicalResourceId: r.physicalId,
          ResourceType: r.type,
          LastUpdatedTimestamp: (s.state?.resourceStatus.get(r.logicalId)?.time ?? s.createdTime).toISOString(),
          ResourceStatus: s.state?.resourceStatus.get(r.logicalId)?.status ?? 'CREATE_COMPLETE',
          DriftInformation: DRIFT_NOT_CHECKED,
        })),
      };
    }
    case 'DescribeStackResources': {
      const physical = params.get('PhysicalResourceId');
      const given = params.get('StackName');
      if (given === undefined && physical === undefined) throw new SimApiError('ValidationError', 'Either StackName or PhysicalResourceId must be specified.');
      const s = given !== undefined ? namedStack(world, given) : stackOf(world);
      const logical = params.get('LogicalResourceId');
      const resources = (s?.resources ?? []).filter(
        (r) => (physical === undefined || r.physicalId === physical) && (logical === undefined || r.logicalId === logical),
      );
      if (s === undefined || (physical !== undefined && resources.length === 0))
        throw new SimApiError('ValidationError', `Stack for ${physical ?? given ?? ''} does not exist`);
      return {
        StackResources: resources.map((r) => ({
          StackName: s.name,
          StackId: s.id,
          LogicalResourceId: r.logicalId,
          PhysicalResourceId: r.physicalId,
          ResourceType: r.type,
          Timestamp: (s.state?.resourceStatus.get(r.logicalId)?.time ?? s.createdTime).toISOString(),
          ResourceStatus: s.state?.resourceStatus.get(r.logicalId)?.status ?? 'CREATE_COMPLETE',
          DriftInformation: DRIFT_NOT_CHECKED,
        })),
      };
    }
    case 'GetTemplate': {
      const s = namedStack(world, params.get('StackName'));
      if (s.template === undefined) throw new SimApiError('ValidationError', `Stack with id ${s.name} has no template the simulated region kept`);
      return { TemplateBody: s.template, StagesAvailable: ['Original', 'Processed'] };
    }
    case 'UpdateStack':
      return updateStack(world, params);
    case 'DescribeStackEvents': {
      const s = namedStack(world, params.get('StackName'));
      return { StackEvents: (s.state?.events ?? []).map((e) => ({ ...e, Timestamp: e.Timestamp.toISOString() })) };
    }
    default:
      throw new SimApiError('InvalidAction', `Could not find operation ${params.action} for version 2010-05-15`);
  }
}

/**
 * UpdateStack for the deployment users make: the stack's own template (UsePreviousTemplate, or the same TemplateBody)
 * with new parameter values that reach a launch template's data. It answers with the stack id at once and the update
 * runs on (`runStackUpdate`); any other change is refused with a ValidationError
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_UpdateStack.html).
 */
function updateStack(world: SimWorld, params: QueryParams): QueryResult {
  const s = namedStack(world, params.get('StackName'));
  const state = s.state;
  const stack = world.topology.stack;
  if (state === undefined || stack === undefined) throw new SimApiError('ValidationError', `Stack with id ${s.name} does not exist`);
  if (state.busy) throw new SimApiError('ValidationError', `Stack:${s.id} is in ${state.status} state and can not be updated.`);
  if (params.get('TemplateURL') !== undefined)
    throw new SimApiError('ValidationError', 'The simulated region reads no template from a URL; give TemplateBody or UsePreviousTemplate.');
  const request: StackUpdateRequest = {
    templateBody: params.get('TemplateBody'),
    usePreviousTemplate: params.bool('UsePreviousTemplate') ?? false,
    parameters: params.memberStructs('Parameters').map((p) => ({
      key: p.ParameterKey ?? '',
      value: p.ParameterValue,
      usePreviousValue: p.UsePreviousValue === 'true',
    })),
  };
  let plan: ReturnType<typeof planStackUpdate>;
  try {
    plan = planStackUpdate(
      { name: s.name, region: world.topology.region, accountId: world.topology.accountId, template: stack.template, parameters: state.parameters },
      request,
    );
  } catch (error) {
    if (error instanceof StackUpdateRefused) throw new SimApiError('ValidationError', error.message);
    throw error;
  }
  void runStackUpdate(world, state, plan).catch((error: unknown) => {
    state.stackStatus('UPDATE_ROLLBACK_COMPLETE', `The simulated region could not run the update: ${error instanceof Error ? error.message : String(error)}`);
  });
  return { StackId: s.id };
}

/** CloudFormation as the server serves it: awsQuery. */
export const cloudFormationService = awsQueryService<SimWorld>(CLOUDFORMATION_NS, cloudFormationApi);
