import type { StackUpdatePlan } from '../cloudformation/update.js';
import type { SimScheduler } from '../timing.js';
import { TIMING_TABLE } from '../timing-table.js';
import type { AsgMember, ScalingProcess, SimAutoScalingGroup } from './auto-scaling-group.js';
import type { SimLaunchTemplate } from './launch-template.js';
import type { SimStack } from './stack.js';

/* A CloudFormation stack update in the simulated region: new launch template versions rolled out by UpdatePolicy. */

/** What a stack update needs of the region. */
export interface StackUpdateWorld {
  readonly scheduler: SimScheduler;
  readonly launchTemplates: ReadonlyMap<string, SimLaunchTemplate>;
  readonly autoScalingGroups: ReadonlyMap<string, SimAutoScalingGroup>;
}

type Rollout = NonNullable<StackUpdatePlan['groups'][number]['rollout']>;

/** A batch (or the new group) that did not become healthy in time: the update rolls back. */
class RolloutFailed extends Error {}

/** One group's part of the update: how to finish it (cleanup) and how to undo it (rollback). */
interface GroupUpdate {
  group: SimAutoScalingGroup;
  logicalId: string;
  oldVersion: string;
  desired: number;
  /** Processes the rollout suspended, resumed when it ends. */
  suspended: ScalingProcess[];
}

const ASG = 'AWS::AutoScaling::AutoScalingGroup';
const LT = 'AWS::EC2::LaunchTemplate';

/**
 * Runs an update the API accepted: UPDATE_IN_PROGRESS; each changed launch template gets a new version (its
 * LatestVersionNumber increments); each group whose version follows it rolls or is replaced as its UpdatePolicy says
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-updatepolicy.html);
 * UPDATE_COMPLETE_CLEANUP_IN_PROGRESS (a replaced group's old instances go); UPDATE_COMPLETE. A batch that is not
 * healthy in time fails the update: UPDATE_ROLLBACK_IN_PROGRESS, the groups go back to their old version, and
 * UPDATE_ROLLBACK_COMPLETE.
 */
export async function runStackUpdate(world: StackUpdateWorld, stack: SimStack, plan: StackUpdatePlan): Promise<void> {
  const previous = stack.parameters;
  stack.parameters = plan.parameters;
  stack.stackStatus('UPDATE_IN_PROGRESS', 'User Initiated');
  const versions = new Map<string, string>();
  for (const spec of plan.launchTemplates) {
    const lt = world.launchTemplates.get(spec.name);
    if (lt === undefined) continue;
    stack.resource(spec.logicalId, lt.id, LT, 'UPDATE_IN_PROGRESS');
    // "Launch templates are immutable": an update is a new version
    // (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/manage-launch-template-versions.html).
    lt.versions.push({ number: lt.versions.length + 1, imageId: spec.imageId, instanceType: spec.instanceType, createTime: new Date() });
    versions.set(spec.name, String(lt.versions.length));
    stack.resource(spec.logicalId, lt.id, LT, 'UPDATE_COMPLETE');
  }
  const done: GroupUpdate[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  for (const spec of plan.groups) {
    const group = world.autoScalingGroups.get(spec.name);
    const version = versions.get(spec.launchTemplate);
    if (group === undefined || version === undefined) continue;
    stack.resource(spec.logicalId, group.name, ASG, 'UPDATE_IN_PROGRESS');
    const update: GroupUpdate = { group, logicalId: spec.logicalId, oldVersion: group.options.launchTemplate.version, desired: group.desired, suspended: [] };
    done.push(update);
    try {
      if (spec.rollout?.kind === 'rolling') await rolling(world, update, version, spec.rollout);
      else if (spec.rollout?.kind === 'replacing') cleanups.push(await replacing(world, update, version, spec.rollout.timeout));
      // Without an UpdatePolicy the group only launches its next instances from the new version.
      else group.useLaunchTemplateVersion(version);
    } catch (error) {
      if (!(error instanceof RolloutFailed)) throw error;
      stack.resource(spec.logicalId, group.name, ASG, 'UPDATE_FAILED', error.message);
      await rollback(world, stack, done, previous, error.message);
      return;
    }
    resumeAll(update);
    stack.resource(spec.logicalId, group.name, ASG, 'UPDATE_COMPLETE');
  }
  stack.stackStatus('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS');
  for (const cleanup of cleanups) await cleanup();
  stack.stackStatus('UPDATE_COMPLETE');
}

/** Resolves true once `check` holds (looked at every cfnUpdateCheck), false when `timeoutMs` (AWS) passes first. */
function until(scheduler: SimScheduler, check: () => boolean, timeoutMs?: number): Promise<boolean> {
  if (check()) return Promise.resolve(true);
  return new Promise((resolve) => {
    let timer: ReturnType<SimScheduler['after']>;
    const stop = scheduler.every(TIMING_TABLE.cfnUpdateCheck.figure, () => {
      if (!check()) return;
      stop();
      scheduler.cancel(timer);
      resolve(true);
    });
    if (timeoutMs !== undefined)
      timer = scheduler.after(timeoutMs, () => {
        stop();
        resolve(check());
      });
  });
}

/**
 * In service as CloudFormation counts it for a rolling update: InService, healthy, and (standing in for its
 * cfn-signal, which the sim has no agent to send) healthy in every target group of the group.
 */
function serving(group: SimAutoScalingGroup, m: AsgMember): boolean {
  return m.lifecycle === 'InService' && m.health === 'Healthy' && group.options.targetGroups.every((tg) => tg.targets.get(m.instance.id)?.state === 'healthy');
}

function onVersion(group: SimAutoScalingGroup, version: string): AsgMember[] {
  return group.active().filter((m) => m.launchTemplate.version === version);
}

/** `n` members not on `version`, from the zones with the most instances, oldest first (the default termination policy's order). */
function victims(group: SimAutoScalingGroup, version: string, n: number): AsgMember[] {
  const picked: AsgMember[] = [];
  for (let i = 0; i < n; i++) {
    const left = group.active().filter((m) => m.launchTemplate.version !== version && !picked.includes(m));
    const count = (zone: string): number => group.active().filter((m) => !picked.includes(m) && m.instance.spec.availabilityZone === zone).length;
    const next = left.sort(
      (a, b) =>
        count(b.instance.spec.availabilityZone) - count(a.instance.spec.availabilityZone) || a.instance.launchTime.getTime() - b.instance.launchTime.getTime(),
    )[0];
    if (next === undefined) break;
    picked.push(next);
  }
  return picked;
}

function suspendFor(update: GroupUpdate, processes: readonly ScalingProcess[]): void {
  update.suspended = processes.filter((p) => !update.group.suspended.has(p));
  if (update.suspended.length > 0) update.group.suspend(update.suspended);
}

function resumeAll(update: GroupUpdate): void {
  if (update.suspended.length > 0) update.group.resume(update.suspended);
  update.suspended = [];
}

/**
 * AutoScalingRollingUpdate: batches of at most MaxBatchSize old instances. A batch whose removal would leave fewer
 * than MinInstancesInService in service is launched first (the group grows by the batch, which is why
 * MinInstancesInService "must be less than the MaxSize"), its old instances terminated once it serves; otherwise the
 * batch's old instances are terminated and replaced. With WaitOnResourceSignals each batch has PauseTime to serve (the
 * sim's stand-in for its signals), else the update fails; without, it waits PauseTime once the batch is InService.
 */
async function rolling(world: StackUpdateWorld, update: GroupUpdate, version: string, rollout: Extract<Rollout, { kind: 'rolling' }>): Promise<void> {
  const { group } = update;
  suspendFor(update, rollout.suspendProcesses);
  group.useLaunchTemplateVersion(version);
  for (;;) {
    const old = group.active().filter((m) => m.launchTemplate.version !== version);
    if (old.length === 0) return;
    const batch = Math.min(rollout.maxBatchSize, old.length);
    const inService = group.active().filter((m) => serving(group, m)).length;
    const launchFirst = inService - batch < rollout.minInstancesInService;
    const before = new Set(group.members.keys());
    const started = new Date();
    const leaving = victims(group, version, batch);
    if (launchFirst) {
      // Each new instance goes to the zone of the old one it replaces.
      group.desired += leaving.length;
      for (const m of leaving) group.launchInto(m.instance.spec.availabilityZone);
    } else {
      for (const m of leaving) group.terminateMember(m.instance.id, false);
      group.reconcile('desired');
    }
    const fresh = (): AsgMember[] => onVersion(group, version).filter((m) => !before.has(m.instance.id));
    const batchReady = rollout.waitOnResourceSignals
      ? () => fresh().filter((m) => serving(group, m)).length >= batch
      : () => fresh().filter((m) => m.lifecycle === 'InService').length >= batch;
    // A launch the group could not make (no capacity) fails the group's update, as its failed scaling activity does.
    const failed = (): boolean => group.activities.some((a) => a.StatusCode === 'Failed' && a.StartTime >= started && a.Description.startsWith('Launching'));
    const ready = await until(world.scheduler, () => batchReady() || failed(), rollout.waitOnResourceSignals ? rollout.pauseTime : undefined);
    if (failed()) throw new RolloutFailed(`Group ${group.name}: a new instance could not be launched (${launchFailure(group, started)}).`);
    if (!ready || !batchReady())
      throw new RolloutFailed(
        `Group ${group.name}: ${batch} new instance(s) did not become healthy within the PauseTime of ${rollout.pauseTime / 1_000} s (the simulated region's stand-in for their signals).`,
      );
    if (!rollout.waitOnResourceSignals && rollout.pauseTime > 0) await until(world.scheduler, () => false, rollout.pauseTime);
    if (launchFirst) for (const m of leaving) group.terminateMember(m.instance.id, true);
    // The batch is done once its old instances have left the group (drained and terminated).
    await until(world.scheduler, () => leaving.every((m) => !group.members.has(m.instance.id)));
  }
}

/** The message of the group's latest failed launch since `since`. */
function launchFailure(group: SimAutoScalingGroup, since: Date): string {
  return group.activities.find((a) => a.StatusCode === 'Failed' && a.StartTime >= since)?.StatusMessage ?? 'its launch failed';
}

/**
 * AutoScalingReplacingUpdate with WillReplace: the new version at full capacity, which has the CreationPolicy's
 * timeout to become healthy; the old instances go in the cleanup phase, as AWS deletes the old group then. The sim
 * launches the new instances into the same group (AWS creates a new one). Gives the cleanup.
 */
async function replacing(world: StackUpdateWorld, update: GroupUpdate, version: string, timeoutMs: number): Promise<() => Promise<void>> {
  const { group } = update;
  // The old instances are left alone while the new ones come, as in a group of their own.
  suspendFor(update, ['AZRebalance', 'ReplaceUnhealthy']);
  const old = group.active();
  const n = group.desired;
  group.useLaunchTemplateVersion(version);
  group.desired += n;
  group.reconcile('desired');
  const ready = await until(world.scheduler, () => onVersion(group, version).filter((m) => serving(group, m)).length >= n, timeoutMs);
  if (!ready)
    throw new RolloutFailed(
      `Group ${group.name}: the replacement's ${n} instance(s) did not become healthy within ${timeoutMs / 1_000} s (its CreationPolicy timeout).`,
    );
  return async () => {
    for (const m of old) if (group.members.has(m.instance.id)) group.terminateMember(m.instance.id, true);
    await until(world.scheduler, () => old.every((m) => !group.members.has(m.instance.id)));
  };
}

/**
 * UPDATE_ROLLBACK_IN_PROGRESS: every group the update touched launches from its old version again; its instances on
 * the new version are terminated and replaced at its old desired capacity. The launch template keeps the new version
 * (versions are immutable; assumed). UPDATE_ROLLBACK_COMPLETE once every group is back and serving.
 */
async function rollback(world: StackUpdateWorld, stack: SimStack, updates: GroupUpdate[], parameters: Record<string, string>, reason: string): Promise<void> {
  stack.stackStatus('UPDATE_ROLLBACK_IN_PROGRESS', `The following resource(s) failed to update: [${updates.at(-1)?.logicalId ?? ''}]. ${reason}`);
  stack.parameters = parameters;
  for (const update of updates) {
    const { group, oldVersion } = update;
    stack.resource(update.logicalId, group.name, ASG, 'UPDATE_IN_PROGRESS');
    group.useLaunchTemplateVersion(oldVersion);
    group.desired = update.desired;
    for (const m of group.active().filter((m) => m.launchTemplate.version !== oldVersion)) group.terminateMember(m.instance.id, false);
    group.reconcile('desired');
  }
  for (const update of updates) {
    const { group, oldVersion } = update;
    await until(world.scheduler, () => {
      const members = [...group.members.values()];
      return members.length === group.desired && members.every((m) => m.launchTemplate.version === oldVersion && serving(group, m));
    });
    resumeAll(update);
    stack.resource(update.logicalId, group.name, ASG, 'UPDATE_COMPLETE');
  }
  stack.stackStatus('UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS');
  stack.stackStatus('UPDATE_ROLLBACK_COMPLETE');
}
