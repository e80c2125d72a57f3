import { randomUUID } from 'node:crypto';
import { SimApiError } from '../protocol/errors.js';
import type { QueryParams } from '../protocol/query.js';
import type { XmlValue } from '../protocol/xml.js';
import type { SimWorld } from '../region.js';
import type { SimAutoScalingGroup } from '../world/auto-scaling-group.js';
import { SimInstanceRefresh, type RefreshConfig, type RefreshPreferences } from '../world/instance-refresh.js';
import { versionOf } from '../world/launch-template.js';

/**
 * StartInstanceRefresh, CancelInstanceRefresh, RollbackInstanceRefresh and DescribeInstanceRefreshes' shape
 * (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_StartInstanceRefresh.html). Only the top-level members
 * are checked against the model before an operation runs (`protocol/validate.ts`); the nested preferences are checked
 * here, with the model's ranges and the rules API_RefreshPreferences states. AWS's wording of these messages is assumed.
 */

const S = 1_000;

/** A launch template and version, by id or name, resolved in the region; `$Default` when no version is given. */
export function resolveConfig(world: SimWorld, spec: { id?: string | undefined; name?: string | undefined; version?: string | undefined }): RefreshConfig {
  if (spec.id !== undefined && spec.name !== undefined)
    throw new SimApiError('ValidationError', 'Valid requests must contain either launchTemplateId or LaunchTemplateName, not both.');
  const lt = [...world.launchTemplates.values()].find((t) => (spec.id !== undefined ? t.id === spec.id : t.name === spec.name));
  if (lt === undefined) {
    if (spec.id === undefined && spec.name === undefined)
      throw new SimApiError('ValidationError', 'Valid requests must contain either launchTemplateId or LaunchTemplateName.');
    throw new SimApiError(
      'ValidationError',
      spec.id !== undefined
        ? `The specified launch template, with template ID ${spec.id}, does not exist.`
        : `The specified launch template, with template name ${spec.name}, does not exist.`,
    );
  }
  const version = spec.version ?? '$Default';
  if (!/^(\$Latest|\$Default|[1-9]\d*)$/.test(version)) throw new SimApiError('ValidationError', `The launch template version ${version} is not valid.`);
  if (/^\d+$/.test(version) && Number(version) > lt.versions.length)
    throw new SimApiError('ValidationError', `The specified launch template, with template ID ${lt.id}, has no version ${version}.`);
  const v = versionOf(lt, version);
  return { id: lt.id, name: lt.name, version, number: v.number, imageId: v.imageId, instanceType: v.instanceType };
}

function isNumbered(version: string): boolean {
  return /^\d+$/.test(version);
}

function inRange(value: number, min: number, max: number, name: string): number {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new SimApiError('ValidationError', `${name} must be between ${min} and ${max}, got ${value}.`);
  return value;
}

/**
 * The preferences with AWS's defaults for the CLI and SDKs
 * (https://docs.aws.amazon.com/autoscaling/ec2/userguide/understand-instance-refresh-default-values.html): minimum 90 %,
 * maximum 100 %, the group's DefaultInstanceWarmup or else its grace period, a checkpoint delay of one hour, no bake time.
 */
function preferences(params: QueryParams, g: SimAutoScalingGroup, world: SimWorld): RefreshPreferences {
  const p = (name: string): string => `Preferences.${name}`;
  const minHealthy = inRange(params.int(p('MinHealthyPercentage')) ?? 90, 0, 100, 'MinHealthyPercentage');
  const maxGiven = params.int(p('MaxHealthyPercentage'));
  const maxHealthy = inRange(maxGiven ?? 100, 100, 200, 'MaxHealthyPercentage');
  // API_InstanceMaintenancePolicy: "the difference between them cannot be greater than 100".
  if (maxHealthy - minHealthy > 100)
    throw new SimApiError(
      'ValidationError',
      `The difference between MaxHealthyPercentage (${maxHealthy}) and MinHealthyPercentage (${minHealthy}) cannot be greater than 100.`,
    );
  const warmup = params.int(p('InstanceWarmup'));
  if (warmup !== undefined) inRange(warmup, 0, Number.MAX_SAFE_INTEGER, 'InstanceWarmup');
  const checkpoints = params.memberList(p('CheckpointPercentages')).map((c) => inRange(Number(c), 1, 100, 'CheckpointPercentages'));
  for (let i = 1; i < checkpoints.length; i++)
    if ((checkpoints[i] as number) <= (checkpoints[i - 1] as number))
      throw new SimApiError('ValidationError', 'CheckpointPercentages must be unique and in ascending order.');
  const delay = params.int(p('CheckpointDelay'));
  // API_RefreshPreferences: "if you specify a value for it, you must also specify a value for CheckpointPercentages".
  if (delay !== undefined && checkpoints.length === 0) throw new SimApiError('ValidationError', 'CheckpointDelay requires CheckpointPercentages.');
  const bake = params.int(p('BakeTime'));
  const alarms = params.memberList(`${p('AlarmSpecification')}.Alarms`);
  if (alarms.length > 10) throw new SimApiError('ValidationError', 'You can specify up to 10 alarms.');
  const missing = alarms.filter((a) => !world.alarms.has(a));
  if (missing.length > 0) throw new SimApiError('ValidationError', `The following alarms do not exist: ${missing.join(', ')}.`);
  const enumOf = (name: string, values: string[], fallback: string): string => {
    const v = params.get(p(name)) ?? fallback;
    if (!values.includes(v)) throw new SimApiError('ValidationError', `${name} must be one of ${values.join(', ')}, got ${v}.`);
    return v;
  };
  return {
    minHealthyPercentage: minHealthy,
    maxHealthyPercentage: maxHealthy,
    instanceWarmup: warmup !== undefined ? warmup * S : (g.options.defaultInstanceWarmup ?? g.options.healthCheckGracePeriod),
    checkpointPercentages: checkpoints,
    checkpointDelay: delay !== undefined ? inRange(delay, 0, 172_800, 'CheckpointDelay') * S : 3_600 * S,
    skipMatching: params.bool(p('SkipMatching')) ?? false,
    autoRollback: params.bool(p('AutoRollback')) ?? false,
    alarms,
    bakeTime: bake !== undefined ? inRange(bake, 0, 172_800, 'BakeTime') * S : 0,
    // The sim has neither scale-in protection nor standby instances: accepted and shown, with nothing to act on.
    scaleInProtectedInstances: enumOf('ScaleInProtectedInstances', ['Refresh', 'Ignore', 'Wait'], 'Wait'),
    standbyInstances: enumOf('StandbyInstances', ['Terminate', 'Ignore', 'Wait'], 'Wait'),
  };
}

/** StartInstanceRefresh with the Rolling strategy. */
export function startInstanceRefresh(world: SimWorld, g: SimAutoScalingGroup, params: QueryParams): { InstanceRefreshId: string } {
  const strategy = params.get('Strategy') ?? 'Rolling';
  if (strategy !== 'Rolling')
    throw new SimApiError('ValidationError', 'The ReplaceRootVolume strategy requires a mixed instances policy, which this Auto Scaling group does not have.');
  if (
    params.get('DesiredConfiguration.MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification.LaunchTemplateId') !== undefined ||
    params.get('DesiredConfiguration.MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification.LaunchTemplateName') !== undefined
  )
    throw new SimApiError('ValidationError', 'The simulated region does not support mixed instances policies.');
  const lt = 'DesiredConfiguration.LaunchTemplate';
  const given = [`${lt}.LaunchTemplateId`, `${lt}.LaunchTemplateName`, `${lt}.Version`].some((k) => params.get(k) !== undefined);
  const desired = given
    ? resolveConfig(world, { id: params.get(`${lt}.LaunchTemplateId`), name: params.get(`${lt}.LaunchTemplateName`), version: params.get(`${lt}.Version`) })
    : undefined;
  const previous = resolveConfig(world, { name: g.options.launchTemplate.name, version: g.options.launchTemplate.version });
  const prefs = preferences(params, g, world);
  if (prefs.autoRollback) {
    // API_RefreshPreferences: "A rollback is not supported in the following situations: There is no desired
    // configuration specified for the instance refresh. [...] The Auto Scaling group uses the launch template's
    // $Latest or $Default version."
    if (desired === undefined)
      throw new SimApiError('ValidationError', 'AutoRollback requires a desired configuration: specify DesiredConfiguration to use it.');
    if (!isNumbered(previous.version))
      throw new SimApiError(
        'ValidationError',
        `AutoRollback is not supported when the Auto Scaling group uses the launch template's ${previous.version} version.`,
      );
  }
  const refresh = new SimInstanceRefresh({
    id: randomUUID(),
    group: g,
    desiredConfiguration: desired,
    previous,
    preferences: prefs,
    alarmState: (name) => world.alarms.get(name)?.state,
    scheduler: world.scheduler,
    truth: world.truth,
    checkInterval: world.timings.instanceRefreshCheckInterval,
    noProgressTimeout: world.timings.instanceRefreshNoProgress,
  });
  g.startRefresh(refresh);
  return { InstanceRefreshId: refresh.id };
}

function activeOf(g: SimAutoScalingGroup): SimInstanceRefresh {
  const r = g.activeRefresh();
  if (r === undefined)
    throw new SimApiError('ActiveInstanceRefreshNotFound', `No in progress or pending Instance Refresh found for Auto Scaling group ${g.name}`);
  return r;
}

/** CancelInstanceRefresh (WaitForTransitioningInstances defaults to true). */
export function cancelInstanceRefresh(g: SimAutoScalingGroup, params: QueryParams): { InstanceRefreshId: string } {
  const r = activeOf(g);
  if (r.status === 'Cancelling')
    throw new SimApiError('ActiveInstanceRefreshNotFound', `No in progress or pending Instance Refresh found for Auto Scaling group ${g.name}`);
  r.cancel(params.bool('WaitForTransitioningInstances') ?? true);
  return { InstanceRefreshId: r.id };
}

/**
 * RollbackInstanceRefresh: refused for a refresh without a desired configuration or for a group on `$Latest` or
 * `$Default` (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_RollbackInstanceRefresh.html).
 */
export function rollbackInstanceRefresh(world: SimWorld, g: SimAutoScalingGroup): { InstanceRefreshId: string } {
  const r = activeOf(g);
  if (r.status === 'RollbackInProgress' || r.status === 'Cancelling')
    throw new SimApiError('ActiveInstanceRefreshNotFound', `No in progress or pending Instance Refresh found for Auto Scaling group ${g.name}`);
  if (r.desiredConfiguration === undefined)
    throw new SimApiError('IrreversibleInstanceRefresh', 'The instance refresh cannot be rolled back because it was started without a desired configuration.');
  const previous = resolveConfig(world, { name: g.options.launchTemplate.name, version: g.options.launchTemplate.version });
  if (!isNumbered(previous.version))
    throw new SimApiError(
      'IrreversibleInstanceRefresh',
      `The instance refresh cannot be rolled back because the Auto Scaling group uses the launch template's ${previous.version} version.`,
    );
  // AWS's RollbackReason for a manual rollback is assumed.
  r.startRollback('A user requested the rollback of the instance refresh.');
  return { InstanceRefreshId: r.id };
}

function configXml(c: RefreshConfig): XmlValue {
  return { LaunchTemplate: { LaunchTemplateId: c.id, LaunchTemplateName: c.name, Version: c.version } };
}

function preferencesXml(p: RefreshPreferences): XmlValue {
  return {
    MinHealthyPercentage: p.minHealthyPercentage,
    InstanceWarmup: Math.round(p.instanceWarmup / S),
    CheckpointPercentages: p.checkpointPercentages.length === 0 ? undefined : p.checkpointPercentages,
    CheckpointDelay: p.checkpointPercentages.length === 0 ? undefined : Math.round(p.checkpointDelay / S),
    SkipMatching: p.skipMatching,
    AutoRollback: p.autoRollback,
    ScaleInProtectedInstances: p.scaleInProtectedInstances,
    StandbyInstances: p.standbyInstances,
    AlarmSpecification: p.alarms.length === 0 ? undefined : { Alarms: p.alarms },
    MaxHealthyPercentage: p.maxHealthyPercentage,
    BakeTime: Math.round(p.bakeTime / S),
  };
}

/** One InstanceRefresh of DescribeInstanceRefreshes (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_InstanceRefresh.html). */
export function instanceRefreshXml(g: SimAutoScalingGroup, r: SimInstanceRefresh): XmlValue {
  const rollback = r.rollback;
  const onRollback = r.rollbackProgress;
  return {
    InstanceRefreshId: r.id,
    AutoScalingGroupName: g.name,
    Status: r.status,
    StatusReason: r.statusReason,
    StartTime: r.startTime.toISOString(),
    EndTime: r.endTime?.toISOString(),
    PercentageComplete: r.percentageComplete,
    InstancesToUpdate: r.instancesToUpdate,
    ProgressDetails: { LivePoolProgress: { PercentageComplete: r.percentageComplete, InstancesToUpdate: r.instancesToUpdate } },
    Preferences: preferencesXml(r.preferences),
    DesiredConfiguration: r.desiredConfiguration === undefined ? undefined : configXml(r.desiredConfiguration),
    RollbackDetails:
      rollback === undefined
        ? undefined
        : {
            RollbackReason: rollback.reason,
            RollbackStartTime: rollback.startTime.toISOString(),
            PercentageCompleteOnRollback: rollback.percentage,
            InstancesToUpdateOnRollback: rollback.toUpdate,
            ProgressDetailsOnRollback:
              onRollback === undefined
                ? undefined
                : { LivePoolProgress: { PercentageComplete: onRollback.percentage, InstancesToUpdate: onRollback.toUpdate } },
          },
    Strategy: 'Rolling',
  };
}
