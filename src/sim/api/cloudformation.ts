import { SimApiError } from '../protocol/errors.js';
import type { QueryParams } from '../protocol/query.js';
import { awsQueryService, type QueryResult } from '../protocol/aws-query.js';
import type { XmlValue } from '../protocol/xml.js';
import type { SimWorld } from '../region.js';
import { fillSimReferences } from '../topology.js';

const CLOUDFORMATION_NS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';

/** The region's stack, as the read-only operations see it: what the template made, its ids filled in. */
interface StackView {
  id: string;
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
  return {
    StackId: s.id,
    StackName: s.name,
    CreationTime: s.createdTime.toISOString(),
    StackStatus: 'CREATE_COMPLETE',
    DisableRollback: false,
    NotificationARNs: [],
    Outputs: s.outputs,
    Tags: [],
    EnableTerminationProtection: false,
    DriftInformation: { StackDriftStatus: 'NOT_CHECKED' },
  };
}

/**
 * CloudFormation (awsQuery) of the simulated region, read-only: the one stack a template given as the topology made,
 * its resources with the physical ids the region gave them, and its template's text. Every resource is
 * CREATE_COMPLETE, as in a stack that finished creating.
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
      const time = s.createdTime.toISOString();
      return {
        StackResourceSummaries: s.resources.map((r) => ({
          LogicalResourceId: r.logicalId,
          PhysicalResourceId: r.physicalId,
          ResourceType: r.type,
          LastUpdatedTimestamp: time,
          ResourceStatus: 'CREATE_COMPLETE',
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
          Timestamp: s.createdTime.toISOString(),
          ResourceStatus: 'CREATE_COMPLETE',
          DriftInformation: DRIFT_NOT_CHECKED,
        })),
      };
    }
    case 'GetTemplate': {
      const s = namedStack(world, params.get('StackName'));
      if (s.template === undefined) throw new SimApiError('ValidationError', `Stack with id ${s.name} has no template the simulated region kept`);
      return { TemplateBody: s.template, StagesAvailable: ['Original', 'Processed'] };
    }
    default:
      throw new SimApiError('InvalidAction', `Could not find operation ${params.action} for version 2010-05-15`);
  }
}

/** CloudFormation as the server serves it: awsQuery. */
export const cloudFormationService = awsQueryService<SimWorld>(CLOUDFORMATION_NS, cloudFormationApi);
