import { isoDurationMs } from '../iso-duration.js';
import { CONNECTIVITY_SCOPES } from '../network-faults.js';
import { SimApiError } from '../protocol/errors.js';
import { readFisSelection } from './fis-selection.js';

/**
 * Experiment templates of the simulated FIS: the action ids it runs, the template's shape, and the checks
 * CreateExperimentTemplate makes.
 */

/** FIS action ids the simulated region runs. */
export const SIM_FIS_ACTIONS = [
  'aws:ec2:stop-instances',
  'aws:ec2:terminate-instances',
  'aws:ec2:reboot-instances',
  'aws:rds:reboot-db-instances',
  'aws:rds:failover-db-cluster',
  'aws:network:disrupt-connectivity',
  'aws:ec2:asg-insufficient-instance-capacity-error',
  'aws:ec2:api-insufficient-instance-capacity-error',
  'aws:fis:wait',
  // Actions of AWS's AZ Availability: Power Interruption scenario on resources the region does not host: their
  // targets resolve to nothing, so with emptyTargetResolutionMode `skip` (as the scenario sets) they are skipped.
  'aws:ebs:pause-volume-io',
  'aws:elasticache:replicationgroup-interrupt-az-power',
  'aws:arc:start-zonal-autoshift',
] as const;

/** Resource types the region has none of: targets of these types resolve to nothing. */
export const ABSENT_RESOURCE_TYPES = ['aws:ec2:ebs-volume', 'aws:elasticache:replicationgroup', 'aws:arc:zonal-shift-managed-resource'];

export interface FisTarget {
  resourceType: string;
  resourceArns?: string[];
  resourceTags?: Record<string, string>;
  filters?: { path: string; values: string[] }[];
  /** Resource-type parameters, such as aws:rds:cluster's writerAvailabilityZoneIdentifiers. */
  parameters?: Record<string, string>;
  selectionMode: string;
}

/** Template options (https://docs.aws.amazon.com/fis/latest/userguide/experiment-options.html). */
export interface FisExperimentOptions {
  accountTargeting?: string;
  /** `fail` (the default) fails the experiment when a target resolves to nothing; `skip` skips the actions on it. */
  emptyTargetResolutionMode?: string;
}

export interface FisAction {
  actionId: string;
  description?: string;
  parameters?: Record<string, string>;
  targets?: Record<string, string>;
  startAfter?: string[];
}

export interface FisTemplate {
  id: string;
  arn: string;
  description: string;
  roleArn: string;
  targets: Record<string, FisTarget>;
  actions: Record<string, FisAction>;
  stopConditions: { source: string; value?: string }[];
  experimentOptions?: FisExperimentOptions;
  tags: Record<string, string>;
  creationTime: Date;
  lastUpdateTime: Date;
}

/** ISO 8601 duration (PT5M, PT30S, PT1H) in ms; FIS's ValidationException when it is not one. */
export function isoDuration(value: string | undefined, where: string): number {
  const ms = isoDurationMs(value);
  if (ms === undefined) throw new SimApiError('ValidationException', `${where}: '${value ?? ''}' is not an ISO 8601 duration such as PT5M.`);
  return ms;
}

/** Checks a template the way CreateExperimentTemplate does. */
export function validateTemplate(t: Pick<FisTemplate, 'targets' | 'actions' | 'stopConditions' | 'roleArn' | 'description' | 'experimentOptions'>): void {
  const mode = t.experimentOptions?.emptyTargetResolutionMode;
  if (mode !== undefined && mode !== 'fail' && mode !== 'skip')
    throw new SimApiError('ValidationException', `experimentOptions.emptyTargetResolutionMode must be fail or skip, not '${mode}'.`);
  if (t.roleArn === '' || t.description === '') throw new SimApiError('ValidationException', 'roleArn and description are required.');
  for (const [name, target] of Object.entries(t.targets)) {
    if (target.resourceArns === undefined && target.resourceTags === undefined)
      throw new SimApiError('ValidationException', `Target ${name} must have resourceArns or resourceTags.`);
    if (readFisSelection(target.selectionMode) === undefined)
      throw new SimApiError('ValidationException', `Target ${name} has an invalid selectionMode ${target.selectionMode}.`);
  }
  for (const [name, action] of Object.entries(t.actions)) {
    if (!(SIM_FIS_ACTIONS as readonly string[]).includes(action.actionId))
      throw new SimApiError('ValidationException', `Action type ${action.actionId} in action ${name} is not supported.`);
    for (const target of Object.values(action.targets ?? {}))
      if (t.targets[target] === undefined) throw new SimApiError('ValidationException', `Action ${name} refers to target ${target}, which is not defined.`);
    for (const after of action.startAfter ?? [])
      if (t.actions[after] === undefined) throw new SimApiError('ValidationException', `Action ${name} starts after ${after}, which is not defined.`);
    if (action.actionId === 'aws:fis:wait' || action.actionId === 'aws:network:disrupt-connectivity')
      isoDuration(action.parameters?.duration, `action ${name} duration`);
    const scope = action.parameters?.scope ?? 'all';
    if (action.actionId === 'aws:network:disrupt-connectivity' && !(CONNECTIVITY_SCOPES as readonly string[]).includes(scope))
      throw new SimApiError(
        'ValidationException',
        `Action ${name}: scope '${scope}' of aws:network:disrupt-connectivity is not one of ${CONNECTIVITY_SCOPES.join(', ')}.`,
      );
    if (action.actionId === 'aws:ec2:asg-insufficient-instance-capacity-error' || action.actionId === 'aws:ec2:api-insufficient-instance-capacity-error')
      capacityParameters(action, name);
  }
  for (const sc of t.stopConditions)
    if (sc.source !== 'none' && sc.source !== 'aws:cloudwatch:alarm')
      throw new SimApiError('ValidationException', `Stop condition source ${sc.source} is not supported.`);
}

/**
 * The parameters of aws:ec2:asg-insufficient-instance-capacity-error and aws:ec2:api-insufficient-instance-capacity-error
 * (FIS actions reference): `availabilityZoneIdentifiers` (comma-separated zone names), `percentage` (1–100) and
 * `duration` (ISO 8601).
 */
export function capacityParameters(action: FisAction, name: string): { zones: string[]; percentage: number; ms: number } {
  const zones = (action.parameters?.availabilityZoneIdentifiers ?? '')
    .split(',')
    .map((z) => z.trim())
    .filter((z) => z !== '');
  if (zones.length === 0) throw new SimApiError('ValidationException', `Action ${name}: parameter availabilityZoneIdentifiers names no Availability Zone.`);
  const percentage = Number(action.parameters?.percentage ?? '');
  if (!Number.isInteger(percentage) || percentage < 1 || percentage > 100)
    throw new SimApiError(
      'ValidationException',
      `Action ${name}: parameter percentage must be a whole number from 1 to 100, not '${action.parameters?.percentage ?? ''}'.`,
    );
  return { zones, percentage, ms: isoDuration(action.parameters?.duration, `action ${name} duration`) };
}
