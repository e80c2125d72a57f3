import type {
  AutoScalingGroup,
  DescribeInstanceRefreshesCommandOutput,
  InstanceRefresh,
  RefreshPreferences,
  StartInstanceRefreshCommandOutput,
} from '@aws-sdk/client-auto-scaling';
import { sdk } from '../../aws/sdk.js';
import { ActionFailedError, AwsCallError } from '../../errors/action-error.js';
import type { ActivityContext } from '../../registry/types.js';
import { describeGroup, sendAsg, templateOf, type TemplateRef, versionResolver } from './groups.js';

/**
 * Statuses of a refresh that has not ended: AWS allows one such refresh per group at a time.
 * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_InstanceRefresh.html
 */
export const ACTIVE_STATUSES: ReadonlySet<string> = new Set(['Pending', 'InProgress', 'Baking', 'Cancelling', 'RollbackInProgress']);

/** One step of a refresh's progress, as the action's output journals it whenever the status or a percentage changes. */
export interface RefreshProgress {
  /** Milliseconds (wall time) since the action started following the refresh. */
  at: number;
  status: string;
  percentageComplete?: number | undefined;
  instancesToUpdate?: number | undefined;
  rollbackPercentageComplete?: number | undefined;
  rollbackInstancesToUpdate?: number | undefined;
}

/** What the journal keeps of a DescribeInstanceRefreshes answer: the status and progress of each refresh. */
function summarize(out: DescribeInstanceRefreshesCommandOutput): Record<string, unknown> {
  return {
    refreshes: (out.InstanceRefreshes ?? []).map((r) => ({
      id: r.InstanceRefreshId,
      status: r.Status,
      percentageComplete: r.PercentageComplete,
      instancesToUpdate: r.InstancesToUpdate,
      ...(r.RollbackDetails === undefined
        ? {}
        : { rollbackPercentageComplete: r.RollbackDetails.PercentageCompleteOnRollback, rollbackReason: r.RollbackDetails.RollbackReason }),
    })),
  };
}

/** The group's refreshes, newest first as AWS lists them, or only the one named. */
export async function describeRefreshes(ctx: ActivityContext, group: string, id?: string): Promise<InstanceRefresh[]> {
  const { DescribeInstanceRefreshesCommand } = await sdk.autoScaling();
  const out: DescribeInstanceRefreshesCommandOutput = await sendAsg(
    ctx,
    new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: group, ...(id === undefined ? {} : { InstanceRefreshIds: [id] }) }),
    summarize,
  );
  return out.InstanceRefreshes ?? [];
}

const progressOf = (r: InstanceRefresh, at: number): RefreshProgress => ({
  at,
  status: r.Status ?? 'unknown',
  percentageComplete: r.PercentageComplete,
  instancesToUpdate: r.InstancesToUpdate,
  ...(r.RollbackDetails === undefined
    ? {}
    : { rollbackPercentageComplete: r.RollbackDetails.PercentageCompleteOnRollback, rollbackInstancesToUpdate: r.RollbackDetails.InstancesToUpdateOnRollback }),
});

const sameStep = (a: RefreshProgress, b: RefreshProgress): boolean =>
  a.status === b.status &&
  a.percentageComplete === b.percentageComplete &&
  a.instancesToUpdate === b.instancesToUpdate &&
  a.rollbackPercentageComplete === b.rollbackPercentageComplete;

/** How a followed refresh ended: its last description, whether the wait ran out first, and its progress. */
export interface Followed {
  refresh: InstanceRefresh;
  timedOut: boolean;
  progress: RefreshProgress[];
}

/**
 * Polls DescribeInstanceRefreshes until the refresh ends or `wallTimeoutMs` runs out, with backoff up to 15 s of AWS
 * time between polls (divided by the world's speed); awaits a condition, never a fixed time. Every change of status or
 * percentage is kept in `progress` and logged. An abort of `ctx.signal` is thrown as is.
 */
export async function followRefresh(ctx: ActivityContext, group: string, id: string, wallTimeoutMs: number): Promise<Followed> {
  const started = ctx.clock.now();
  const deadline = started + wallTimeoutMs;
  const progress: RefreshProgress[] = [];
  const maxDelay = Math.max(100, 15_000 / ctx.speed);
  let delay = 100;
  for (;;) {
    const refresh = (await describeRefreshes(ctx, group, id))[0];
    if (refresh === undefined) throw new ActionFailedError(`Instance refresh ${id} of group ${group} is not listed by DescribeInstanceRefreshes.`);
    const step = progressOf(refresh, Math.round(ctx.clock.now() - started));
    const last = progress.at(-1);
    if (last === undefined || !sameStep(last, step)) {
      progress.push(step);
      ctx.logger.info(`instance refresh ${id} of ${group}: ${step.status}`, { ...step });
    }
    if (!ACTIVE_STATUSES.has(refresh.Status ?? '')) return { refresh, timedOut: false, progress };
    if (ctx.clock.now() + delay > deadline) return { refresh, timedOut: true, progress };
    await ctx.clock.sleep(delay, ctx.signal);
    delay = Math.min(maxDelay, delay * 1.5);
  }
}

/** StartInstanceRefresh; its id. */
export async function startRefresh(
  ctx: ActivityContext,
  group: string,
  desired: { LaunchTemplate?: { LaunchTemplateId?: string; LaunchTemplateName?: string; Version?: string }; MixedInstancesPolicy?: Record<string, unknown> },
  preferences: RefreshPreferences,
): Promise<string> {
  const { StartInstanceRefreshCommand } = await sdk.autoScaling();
  const out: StartInstanceRefreshCommandOutput = await sendAsg(
    ctx,
    new StartInstanceRefreshCommand({
      AutoScalingGroupName: group,
      DesiredConfiguration: desired as never,
      ...(Object.keys(preferences).length === 0 ? {} : { Preferences: preferences }),
    }),
    (o: StartInstanceRefreshCommandOutput) => ({ instanceRefreshId: o.InstanceRefreshId }),
  );
  if (out.InstanceRefreshId === undefined || out.InstanceRefreshId === '')
    throw new ActionFailedError(`StartInstanceRefresh on group ${group} answered without an instance refresh id.`);
  return out.InstanceRefreshId;
}

/** Where the undo takes a group back to: its launch template, the version number before the refresh, and how the group named it. */
export interface WayBack {
  group: string;
  template: Pick<TemplateRef, 'id' | 'name'>;
  fromVersion: number;
  /** The version as the group named it before ($Default, $Latest or the number). */
  fromSetting: string;
  /** The refresh the run started, when it got that far. */
  refreshId?: string | undefined;
  /**
   * The version released: when the worker was lost before it learnt the refresh's id (the undo runs from the
   * checkpoint), an active refresh heading to it is taken for the run's.
   */
  toVersion?: number | undefined;
  /** MinHealthyPercentage of the refresh back (the release's own, else AWS's default). */
  minHealthyPercentage?: number | undefined;
}

/** What the undo did, for its output. */
export interface Restored {
  steps: string[];
  version: number;
  refreshBackId?: string | undefined;
}

const isAws = (error: unknown, ...names: string[]): boolean => error instanceof AwsCallError && names.includes(error.awsName);

/**
 * Takes a group back to the launch template version it had before the run's refresh; idempotent. While the run's
 * refresh is active, RollbackInstanceRefresh (which cancels it and replaces what it deployed); when AWS refuses the
 * rollback (IrreversibleInstanceRefresh, or it ended meanwhile), CancelInstanceRefresh if it is still active, then
 * a refresh back. Once no refresh is active: if the group names the old version and no instance runs another, nothing
 * is left to do; otherwise StartInstanceRefresh back to the old version with skip matching, followed to its end. A
 * refresh the run did not start is left alone and refused in one sentence.
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/instance-refresh-rollback.html
 */
export async function restoreGroup(ctx: ActivityContext, way: WayBack, wallTimeoutMs: number): Promise<Restored> {
  const { RollbackInstanceRefreshCommand, CancelInstanceRefreshCommand } = await sdk.autoScaling();
  const resolve = versionResolver(ctx);
  const steps: string[] = [];
  const deadline = ctx.clock.now() + wallTimeoutMs;
  const left = (): number => Math.max(0, deadline - ctx.clock.now());
  const headsTo = async (r: InstanceRefresh, version: number | undefined): Promise<boolean> => {
    const v = r.DesiredConfiguration?.LaunchTemplate?.Version;
    return version !== undefined && v !== undefined && (await resolve(way.template, v)) === version;
  };
  const ours = async (r: InstanceRefresh): Promise<boolean> =>
    way.refreshId !== undefined ? r.InstanceRefreshId === way.refreshId : await headsTo(r, way.toVersion);
  const waitEnd = async (id: string, what: string): Promise<InstanceRefresh> => {
    const followed = await followRefresh(ctx, way.group, id, left());
    if (followed.timedOut)
      throw new ActionFailedError(
        `Instance refresh ${id} of group ${way.group} was still ${followed.refresh.Status ?? 'unknown'} when the time to ${what} ran out.`,
      );
    return followed.refresh;
  };

  const active = (await describeRefreshes(ctx, way.group)).find((r) => ACTIVE_STATUSES.has(r.Status ?? ''));
  if (active !== undefined) {
    const id = active.InstanceRefreshId ?? '';
    const status = active.Status ?? '';
    const mine = await ours(active);
    // A refresh heading back to the old version is an earlier undo's: waiting for it is enough.
    if (!mine && !(await headsTo(active, way.fromVersion))) {
      throw new ActionFailedError(
        `Group ${way.group} has an instance refresh (${id}, ${status}) that this run did not start; gameday left it alone and did not restore version ${way.fromVersion}.`,
      );
    }
    if (mine && (status === 'Pending' || status === 'InProgress' || status === 'Baking')) {
      try {
        await sendAsg(ctx, new RollbackInstanceRefreshCommand({ AutoScalingGroupName: way.group }));
        steps.push(`rolled back refresh ${id}`);
      } catch (error) {
        if (!isAws(error, 'IrreversibleInstanceRefreshFault', 'ActiveInstanceRefreshNotFoundFault')) throw error;
        steps.push(`AWS refused to roll back refresh ${id} (${(error as AwsCallError).awsName})`);
        try {
          await sendAsg(ctx, new CancelInstanceRefreshCommand({ AutoScalingGroupName: way.group }));
          steps.push(`cancelled refresh ${id}`);
        } catch (cancelError) {
          if (!isAws(cancelError, 'ActiveInstanceRefreshNotFoundFault')) throw cancelError;
        }
      }
    }
    await waitEnd(id, 'end it');
  }

  const group = await describeGroup(ctx, way.group);
  if (await onVersion(group, way, resolve))
    return { steps: steps.length === 0 ? ['nothing to do: the group already runs its old version'] : steps, version: way.fromVersion };
  // The group's own setting when it still means the old version (the group ends as it was), else the number.
  const setting = (await resolve(way.template, way.fromSetting)) === way.fromVersion ? way.fromSetting : String(way.fromVersion);
  const refreshBackId = await startRefresh(
    ctx,
    way.group,
    { LaunchTemplate: { ...(way.template.id !== '' ? { LaunchTemplateId: way.template.id } : { LaunchTemplateName: way.template.name }), Version: setting } },
    { SkipMatching: true, ...(way.minHealthyPercentage === undefined ? {} : { MinHealthyPercentage: way.minHealthyPercentage }) },
  );
  steps.push(`started refresh ${refreshBackId} back to version ${setting}`);
  const back = await waitEnd(refreshBackId, 'go back');
  if (back.Status !== 'Successful')
    throw new ActionFailedError(
      `The refresh back to version ${way.fromVersion} of group ${way.group} ended ${back.Status ?? 'unknown'}${back.StatusReason === undefined ? '' : `: ${back.StatusReason}`}.`,
    );
  return { steps, version: way.fromVersion, refreshBackId };
}

/**
 * Whether the group names the old version and none of its live instances runs another. An instance whose launch
 * template AWS does not report counts as matching: nothing says otherwise.
 */
async function onVersion(group: AutoScalingGroup, way: WayBack, resolve: ReturnType<typeof versionResolver>): Promise<boolean> {
  const named = templateOf(group);
  if (named === undefined || (await resolve(way.template, named.version)) !== way.fromVersion) return false;
  for (const i of group.Instances ?? []) {
    if ((i.LifecycleState ?? '').startsWith('Terminat')) continue;
    const other = i.LaunchTemplate?.LaunchTemplateId;
    if (other !== undefined && way.template.id !== '' && other !== way.template.id) return false;
    const v = i.LaunchTemplate?.Version;
    if (v !== undefined && (await resolve(way.template, v)) !== way.fromVersion) return false;
  }
  return true;
}
