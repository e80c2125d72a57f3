import { isoDurationMs } from '../../iso-duration.js';
import { TIMING_TABLE } from '../../timing-table.js';
import { SCALING_PROCESSES, type ScalingProcess } from '../../world/auto-scaling-group.js';
import type { CfnValue } from '../intrinsics.js';
import { TemplateError } from '../template-error.js';
import { bool, number } from './values.js';
import { isMap, type Resource } from './context.js';

/* How an Auto Scaling group's UpdatePolicy says a stack update reaches its instances. */

/** The UpdatePolicy's reading: what the region does when an update changes the group's launch template version. */
export type Rollout =
  | {
      kind: 'rolling';
      minInstancesInService: number;
      maxBatchSize: number;
      /** AWS ms, as `<n>s` for the topology. */
      pauseTime: string;
      waitOnResourceSignals: boolean;
      suspendProcesses: ScalingProcess[];
    }
  | {
      kind: 'replacing';
      /** How long the new group has to become healthy (its CreationPolicy's ResourceSignal Timeout), as `<n>s`. */
      timeout: string;
    };

const ROLLING_KEYS = new Set([
  'MaxBatchSize',
  'MinInstancesInService',
  'MinSuccessfulInstancesPercent',
  'MinActiveInstancesPercent',
  'PauseTime',
  'SuspendProcesses',
  'WaitOnResourceSignals',
]);

/** An ISO 8601 duration property (PauseTime, Timeout) in AWS ms, or `fallback` when it is absent. */
function isoDuration(v: CfnValue | undefined, path: string, fallback: number): number {
  if (v === undefined) return fallback;
  const ms = typeof v === 'string' ? isoDurationMs(v) : undefined;
  if (ms === undefined) throw new TemplateError(path, `'${String(v)}' is not an ISO 8601 duration such as PT10M`);
  return ms;
}

const seconds = (ms: number): string => `${ms / 1_000}s`;

/**
 * The rollout an Auto Scaling group's UpdatePolicy (already evaluated: `!If`, `!Ref`) asks for, per
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-updatepolicy.html: with both
 * policies, "setting the WillReplace property to true gives AutoScalingReplacingUpdate precedence"; MaxBatchSize
 * defaults to 1, MinInstancesInService to 0, and PauseTime to PT0S, or PT5M with WaitOnResourceSignals. A replacing
 * update waits for the new group as its CreationPolicy says (ResourceSignal Timeout, default PT5M). Undefined when
 * the policy neither rolls nor replaces (only AutoScalingScheduledAction, or WillReplace false alone).
 */
export function rolloutOf(
  policy: CfnValue | undefined,
  creationPolicy: CfnValue | undefined,
  r: Resource,
  maxSize: number,
  note: (sentence: string) => void,
): Rollout | undefined {
  const at = `${r.path}.UpdatePolicy`;
  if (policy === undefined) return undefined;
  if (!isMap(policy)) throw new TemplateError(at, 'is a map of update policies');
  const replacing = policy.AutoScalingReplacingUpdate;
  if (replacing !== undefined && !isMap(replacing)) throw new TemplateError(`${at}.AutoScalingReplacingUpdate`, 'is a map with WillReplace');
  if (replacing !== undefined && bool(replacing.WillReplace, `${at}.AutoScalingReplacingUpdate.WillReplace`, false)) {
    const signal = isMap(creationPolicy) && isMap(creationPolicy.ResourceSignal) ? creationPolicy.ResourceSignal : {};
    const timeout = isoDuration(signal.Timeout, `${r.path}.CreationPolicy.ResourceSignal.Timeout`, TIMING_TABLE.cfnSignalTimeout.figure);
    return { kind: 'replacing', timeout: seconds(timeout) };
  }
  const rolling = policy.AutoScalingRollingUpdate;
  if (rolling === undefined) return undefined;
  const path = `${at}.AutoScalingRollingUpdate`;
  if (!isMap(rolling)) throw new TemplateError(path, 'is a map of rolling update settings');
  for (const key of Object.keys(rolling)) if (!ROLLING_KEYS.has(key)) throw new TemplateError(`${path}.${key}`, 'is not a setting of AutoScalingRollingUpdate');
  for (const key of ['MinSuccessfulInstancesPercent', 'MinActiveInstancesPercent'])
    if (rolling[key] !== undefined) note(`${path}.${key} is not modelled: the simulated rolling update needs every new instance to serve.`);
  const maxBatchSize = number(rolling.MaxBatchSize, `${path}.MaxBatchSize`, 1);
  if (!Number.isInteger(maxBatchSize) || maxBatchSize < 1)
    throw new TemplateError(`${path}.MaxBatchSize`, `is ${maxBatchSize}; it is a whole number of at least 1`);
  const minInstancesInService = number(rolling.MinInstancesInService, `${path}.MinInstancesInService`, 0);
  if (!Number.isInteger(minInstancesInService) || minInstancesInService < 0)
    throw new TemplateError(`${path}.MinInstancesInService`, `is ${minInstancesInService}; it is a whole number, 0 or more`);
  // "This value must be less than the MaxSize of the Auto Scaling group."
  if (minInstancesInService >= maxSize)
    throw new TemplateError(`${path}.MinInstancesInService`, `is ${minInstancesInService}; it must be less than the group's MaxSize (${maxSize})`);
  const waitOnResourceSignals = bool(rolling.WaitOnResourceSignals, `${path}.WaitOnResourceSignals`, false);
  const pauseTime = isoDuration(
    rolling.PauseTime,
    `${path}.PauseTime`,
    waitOnResourceSignals ? TIMING_TABLE.cfnSignalPauseTime.figure : TIMING_TABLE.cfnPauseTime.figure,
  );
  const suspend = rolling.SuspendProcesses ?? [];
  if (!Array.isArray(suspend)) throw new TemplateError(`${path}.SuspendProcesses`, 'is a list of scaling processes');
  const suspendProcesses = suspend.map((p, i) => {
    if (typeof p !== 'string' || !(SCALING_PROCESSES as readonly string[]).includes(p))
      throw new TemplateError(`${path}.SuspendProcesses[${i}]`, `'${String(p)}' is not a scaling process (${SCALING_PROCESSES.join(', ')})`);
    return p as ScalingProcess;
  });
  return { kind: 'rolling', minInstancesInService, maxBatchSize, pauseTime: seconds(pauseTime), waitOnResourceSignals, suspendProcesses };
}
