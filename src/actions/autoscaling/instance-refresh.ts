/**
 * `aws.asg.instance-refresh` — a release as a step of an experiment: StartInstanceRefresh on one Auto Scaling group to
 * a launch template version (or a desired configuration), then, unless `follow: false`, DescribeInstanceRefreshes on the
 * run's clock until the refresh ends, its progress journaled in the output. `$Latest` and `$Default` are resolved to
 * their numbers before the call, because AWS rolls back only to and from numbered versions
 * (https://docs.aws.amazon.com/autoscaling/ec2/userguide/instance-refresh-rollback.html).
 *
 * Blast radius: a release reaches every instance it replaces, so the plan counts the group and each instance the refresh
 * will replace (live instances, less those already on the new version when `skipMatching` is on) as touched resources,
 * with their zones and as members of their group: `maxTargets`, `maxGroupPercent`, `last-healthy` and `maxZones` judge a
 * release as they judge terminating those instances. A bad version reaches the whole group however slowly it rolls, so
 * an experiment that releases to a whole group across zones says so (`allowLastHealthy`, `maxZones`, `maxGroupPercent:
 * 100`). The opt-in tags are the group's: its instances are reached through it.
 *
 * Outcome: `Successful` ends the action; so does `RollbackSuccessful` when `autoRollback` asked for it (the release was
 * stopped; the hypothesis judges whether that is good). A refresh that ends `Failed`, `Cancelled` or `RollbackFailed`,
 * is rolled back by someone else, or outlasts `timeout` is an action failure (verdict invalid-fault: the release never
 * completed) — and since the run undoes only faults that landed, the action first takes the group back itself, and
 * says so in the same sentence. An abort while following (the run stopping) ends the action with its output, so the
 * run's rollback takes the group back.
 *
 * Undo (idempotent), recorded in the run's undo log before StartInstanceRefresh (`ctx.checkpoint`: the group, its launch
 * template and the version it ran), so a worker lost during the call leaves the way back: while the refresh runs, RollbackInstanceRefresh; when AWS refuses that, CancelInstanceRefresh and a
 * refresh back; after it ended, a refresh back to the previous version with skip matching, followed to its end; nothing
 * when the group already runs the previous version. RollbackInstanceRefresh itself cancels the refresh it rolls back,
 * and a cancelled refresh can no longer be rolled back, so the rollback is tried first, not after a cancel.
 * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_StartInstanceRefresh.html
 */
import type { AutoScalingGroup, Instance as GroupInstance, InstanceRefresh, RefreshPreferences } from '@aws-sdk/client-auto-scaling';
import { z } from 'zod';
import { ActionFailedError } from '../../errors/action-error.js';
import { formatDuration } from '../../experiment/duration.js';
import { duration } from '../../experiment/fields.js';
import { no, yes } from '../../registry/capabilities.js';
import type { ActionDefinition, ActionResult, ActivityContext, Resource } from '../../registry/types.js';
import { EC2_INSTANCE, partitionOf } from '../ec2/instances.js';
import { AUTO_SCALING_GROUP, describeGroup, groupInventory, templateOf, type TemplateRef, versionResolver } from './groups.js';
import { followRefresh, type RefreshProgress, restoreGroup, startRefresh, type WayBack } from './refreshes.js';

/** Where moto's refusal of every instance refresh operation is shown. */
export const MOTO_REFRESH_TEST = 'test/actions/asg-instance-refresh-moto.test.ts';

const SPECIAL_VERSIONS = ['$Latest', '$Default'] as const;

const preferences = z
  .strictObject({
    /** Share of the desired capacity kept healthy and in service (0-100); AWS's default 90, or the group's instance maintenance policy. */
    minHealthyPercentage: z.number().int().min(0).max(100).optional(),
    /** Share of the desired capacity allowed in service or pending (100-200); needs minHealthyPercentage, at most 100 above it. */
    maxHealthyPercentage: z.number().int().min(100).max(200).optional(),
    /** How long a new instance warms up before the next is replaced (AWS time); default the group's DefaultInstanceWarmup. */
    instanceWarmup: duration().optional(),
    /** Percentages at which the refresh pauses, ascending and unique; the last must be 100 to replace every instance. */
    checkpointPercentages: z.array(z.number().int().min(1).max(100)).min(1).optional(),
    /** The pause at each checkpoint (AWS time, at most 48h); needs checkpointPercentages; AWS's default 1h. */
    checkpointDelay: duration().optional(),
    /** Leave instances already on the desired configuration alone (AWS's default false). */
    skipMatching: z.boolean().optional(),
    /** Roll back by itself when the refresh fails or an alarm goes to ALARM (AWS's default false). */
    autoRollback: z.boolean().optional(),
    /** CloudWatch alarms (names) that fail the refresh, or roll it back with autoRollback, when in ALARM. */
    alarms: z.array(z.string().min(1).max(255)).min(1).optional(),
    /** How long the refresh waits at its end before it counts as complete (AWS time, at most 48h). */
    bakeTime: duration().optional(),
  })
  .superRefine((p, ctx) => {
    const cps = p.checkpointPercentages ?? [];
    if (cps.some((v, i) => i > 0 && v <= (cps[i - 1] ?? 0)))
      ctx.addIssue({ code: 'custom', path: ['checkpointPercentages'], message: 'checkpoint percentages must be unique and ascending' });
    if (p.checkpointDelay !== undefined && p.checkpointPercentages === undefined)
      ctx.addIssue({ code: 'custom', path: ['checkpointDelay'], message: 'checkpointDelay needs checkpointPercentages' });
    for (const key of ['checkpointDelay', 'bakeTime'] as const) {
      const ms = p[key];
      if (ms !== undefined && ms > 172_800_000) ctx.addIssue({ code: 'custom', path: [key], message: `${key} is at most 48h (172800 seconds)` });
    }
    if (p.maxHealthyPercentage !== undefined) {
      if (p.minHealthyPercentage === undefined)
        ctx.addIssue({ code: 'custom', path: ['maxHealthyPercentage'], message: 'maxHealthyPercentage needs minHealthyPercentage' });
      else if (p.maxHealthyPercentage - p.minHealthyPercentage > 100)
        ctx.addIssue({ code: 'custom', path: ['maxHealthyPercentage'], message: 'maxHealthyPercentage may be at most 100 above minHealthyPercentage' });
    }
  });

const launchTemplateSpec = z.strictObject({
  LaunchTemplateId: z.string().min(1).optional(),
  LaunchTemplateName: z.string().min(3).max(128).optional(),
  Version: z.string().min(1).optional(),
});

const args = z
  .strictObject({
    /** The launch template version to release: a number, or `$Latest` / `$Default`, resolved to its number when planned and when run. */
    launchTemplateVersion: z.union([z.number().int().min(1), z.enum(SPECIAL_VERSIONS)]).optional(),
    /** Instead: AWS's DesiredConfiguration as is (LaunchTemplate and/or MixedInstancesPolicy); a `$Latest` / `$Default` version is resolved too. */
    desiredConfiguration: z
      .strictObject({ LaunchTemplate: launchTemplateSpec.optional(), MixedInstancesPolicy: z.record(z.string(), z.unknown()).optional() })
      .refine((d) => d.LaunchTemplate !== undefined || d.MixedInstancesPolicy !== undefined, {
        message: 'a desired configuration names a LaunchTemplate or a MixedInstancesPolicy',
      })
      .optional(),
    /** The refresh's preferences (AWS's RefreshPreferences, in camelCase; durations with units). */
    preferences: preferences.default({}),
    /** Wait for the refresh to end (default), or return once it started. */
    follow: z.boolean().default(true),
    /** How long to follow the refresh (AWS time, divided by the world's speed like the run's other waits); the undo waits as long. */
    timeout: duration().default(3_600_000),
  })
  .refine((a) => (a.launchTemplateVersion === undefined) !== (a.desiredConfiguration === undefined), {
    message: 'give exactly one of launchTemplateVersion and desiredConfiguration',
  });

type Args = z.output<typeof args>;
type Desired = {
  LaunchTemplate?: { LaunchTemplateId?: string; LaunchTemplateName?: string; Version?: string };
  MixedInstancesPolicy?: Record<string, unknown>;
};

/** AWS's RefreshPreferences from the arguments; durations in whole seconds. */
export function awsPreferences(p: Args['preferences']): RefreshPreferences {
  const s = (ms: number | undefined): number | undefined => (ms === undefined ? undefined : Math.round(ms / 1000));
  const out: RefreshPreferences = {
    MinHealthyPercentage: p.minHealthyPercentage,
    MaxHealthyPercentage: p.maxHealthyPercentage,
    InstanceWarmup: s(p.instanceWarmup),
    CheckpointPercentages: p.checkpointPercentages,
    CheckpointDelay: s(p.checkpointDelay),
    SkipMatching: p.skipMatching,
    AutoRollback: p.autoRollback,
    AlarmSpecification: p.alarms === undefined ? undefined : { Alarms: p.alarms },
    BakeTime: s(p.bakeTime),
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as RefreshPreferences;
}

/** A release worked out against the group as it is: the way back, the configuration sent, and what it will replace. */
interface Release {
  way: WayBack;
  template: TemplateRef;
  desired: Desired;
  /** The version released, when the desired configuration names one (a mixed instances policy may not). */
  toVersion: number | undefined;
  /** Live instances of the group before the refresh. */
  live: GroupInstance[];
  /** Those the refresh will replace. */
  replaced: GroupInstance[];
}

const live = (g: AutoScalingGroup): GroupInstance[] => (g.Instances ?? []).filter((i) => !(i.LifecycleState ?? '').startsWith('Terminat'));

/**
 * Works the release out with read-only calls: the group's launch template and the number of the version it runs now,
 * the desired configuration with numbered versions, and the instances to replace (every live one; with skip matching,
 * those not already on the desired version — https://docs.aws.amazon.com/autoscaling/ec2/userguide/asg-instance-refresh-skip-matching.html).
 */
async function workOut(a: Args, group: AutoScalingGroup, ctx: ActivityContext): Promise<Release> {
  const name = group.AutoScalingGroupName ?? '';
  const template = templateOf(group);
  if (template === undefined)
    throw new ActionFailedError(
      `Group ${name} launches from a launch configuration, not a launch template, so there is no version to release or to go back to.`,
    );
  const resolve = versionResolver(ctx);
  const fromVersion = await resolve(template, template.version);
  let desired: Desired;
  let toVersion: number | undefined;
  const ref = (t: {
    LaunchTemplateId?: string | undefined;
    LaunchTemplateName?: string | undefined;
  }): { LaunchTemplateId: string } | { LaunchTemplateName: string } =>
    t.LaunchTemplateId !== undefined && t.LaunchTemplateId !== ''
      ? { LaunchTemplateId: t.LaunchTemplateId }
      : { LaunchTemplateName: t.LaunchTemplateName ?? '' };
  if (a.launchTemplateVersion !== undefined) {
    toVersion = await resolve(template, String(a.launchTemplateVersion));
    desired = { LaunchTemplate: { ...ref({ LaunchTemplateId: template.id, LaunchTemplateName: template.name }), Version: String(toVersion) } };
  } else {
    const given = a.desiredConfiguration ?? {};
    desired = { ...(given.MixedInstancesPolicy === undefined ? {} : { MixedInstancesPolicy: given.MixedInstancesPolicy }) };
    if (given.LaunchTemplate !== undefined) {
      const named = given.LaunchTemplate.LaunchTemplateId !== undefined || given.LaunchTemplate.LaunchTemplateName !== undefined;
      const target = named
        ? { id: given.LaunchTemplate.LaunchTemplateId ?? '', name: given.LaunchTemplate.LaunchTemplateName ?? '' }
        : { id: template.id, name: template.name };
      toVersion = await resolve(target, given.LaunchTemplate.Version ?? '$Default');
      desired.LaunchTemplate = { ...ref({ LaunchTemplateId: target.id, LaunchTemplateName: target.name }), Version: String(toVersion) };
      // Another template: skip matching compares against it, and the way back stays the group's own template.
      if (named && target.id !== template.id && target.name !== template.name) toVersion = undefined;
    }
  }
  const all = live(group);
  const replaced: GroupInstance[] = [];
  for (const i of all) {
    const v = i.LaunchTemplate?.Version;
    const sameTemplate = i.LaunchTemplate?.LaunchTemplateId === undefined || i.LaunchTemplate.LaunchTemplateId === template.id;
    const matches =
      a.preferences.skipMatching === true && toVersion !== undefined && v !== undefined && sameTemplate && (await resolve(template, v)) === toVersion;
    if (!matches) replaced.push(i);
  }
  return {
    way: {
      group: name,
      template: { id: template.id, name: template.name },
      fromVersion,
      fromSetting: template.version,
      minHealthyPercentage: a.preferences.minHealthyPercentage,
    },
    template,
    desired,
    toVersion,
    live: all,
    replaced,
  };
}

/** An instance the refresh will replace, as a resource of the plan: a member of its group, in its zone. */
function instanceResource(i: GroupInstance, group: AutoScalingGroup): Resource {
  const id = i.InstanceId ?? '';
  // arn:partition:autoscaling:region:account:autoScalingGroup:…
  const [, partition = 'aws', , region = '', account = ''] = (group.AutoScalingGroupARN ?? '').split(':');
  const propagated = Object.fromEntries((group.Tags ?? []).filter((t) => t.PropagateAtLaunch === true).map((t) => [t.Key ?? '', t.Value ?? '']));
  return {
    type: EC2_INSTANCE,
    id,
    arn: `arn:${partition === '' ? partitionOf(region) : partition}:ec2:${region}:${account}:instance/${id}`,
    tags: { ...propagated, 'aws:autoscaling:groupName': group.AutoScalingGroupName ?? '' },
    attributes: {
      Placement: { AvailabilityZone: i.AvailabilityZone },
      LifecycleState: i.LifecycleState,
      HealthStatus: i.HealthStatus,
      LaunchTemplate: i.LaunchTemplate,
    },
  };
}

/** The preferences in a few words, for the plan. */
export function describePreferences(p: Args['preferences']): string {
  const parts: string[] = [];
  if (p.minHealthyPercentage !== undefined) parts.push(`min healthy ${p.minHealthyPercentage}%`);
  if (p.maxHealthyPercentage !== undefined) parts.push(`max healthy ${p.maxHealthyPercentage}%`);
  if (p.instanceWarmup !== undefined) parts.push(`warmup ${formatDuration(p.instanceWarmup)}`);
  if (p.checkpointPercentages !== undefined)
    parts.push(
      `checkpoints at ${p.checkpointPercentages.map((c) => `${c}%`).join(', ')}${p.checkpointDelay === undefined ? '' : `, ${formatDuration(p.checkpointDelay)} each`}`,
    );
  if (p.skipMatching !== undefined) parts.push(`skip matching ${p.skipMatching ? 'on' : 'off'}`);
  if (p.autoRollback !== undefined) parts.push(`auto rollback ${p.autoRollback ? 'on' : 'off'}`);
  if (p.alarms !== undefined) parts.push(`alarms ${p.alarms.join(', ')}`);
  if (p.bakeTime !== undefined) parts.push(`bake ${formatDuration(p.bakeTime)}`);
  return parts.length === 0 ? "AWS's defaults" : parts.join('; ');
}

/** What the plan says of a release, line by line: group and versions, what it replaces, preferences, how long it is followed. */
export function releaseLines(a: Args, r: Pick<Release, 'way' | 'template' | 'toVersion' | 'live' | 'replaced' | 'desired'>): string[] {
  const lt = r.template.name || r.template.id;
  const from = r.way.fromSetting === String(r.way.fromVersion) ? `${r.way.fromVersion}` : `${r.way.fromVersion} (${r.way.fromSetting})`;
  const to =
    r.toVersion !== undefined ? `${r.toVersion}` : r.desired.MixedInstancesPolicy !== undefined ? 'a mixed instances policy' : 'another launch template';
  const skipped = r.live.length - r.replaced.length;
  const skipping =
    a.preferences.skipMatching === true
      ? `skip matching: ${skipped} already on version ${r.toVersion ?? '?'} kept`
      : 'skip matching off: every live instance is replaced';
  return [
    `release: group ${r.way.group}, launch template ${lt} version ${from} -> ${to}`,
    `replaces ${r.replaced.length} of ${r.live.length} instance(s) (${skipping})`,
    `preferences: ${describePreferences(a.preferences)}`,
    a.follow ? `follows the refresh to its end, at most ${formatDuration(a.timeout)} of AWS time` : 'returns once the refresh started (follow: false)',
  ];
}

/** The one group a fault refreshes; several are refused in one sentence before anything runs. */
function oneGroup(targets: readonly Resource[]): Resource {
  const groups = targets.filter((t) => t.type === AUTO_SCALING_GROUP);
  const [only] = groups;
  if (only === undefined || groups.length > 1)
    throw new ActionFailedError(
      `aws.asg.instance-refresh releases to one Auto Scaling group per fault, but its targets selected ${groups.length} (${groups.map((g) => g.id).join(', ') || 'none'}); narrow them or write one fault per group.`,
    );
  return only;
}

const iso = (d: Date | undefined): string | undefined => d?.toISOString();

/** The output of a release: the refresh, the versions, the final status and its times, and the progress journal. */
function outputOf(
  r: Release,
  id: string | null,
  refresh: InstanceRefresh | undefined,
  progress: RefreshProgress[],
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const status = refresh?.Status ?? 'Pending';
  return {
    refreshId: id,
    group: r.way.group,
    launchTemplate: r.template.name || r.template.id,
    launchTemplateId: r.template.id,
    fromVersion: r.way.fromVersion,
    fromSetting: r.way.fromSetting,
    toVersion: r.toVersion ?? null,
    instancesPlanned: r.replaced.length,
    status,
    statusReason: refresh?.StatusReason ?? null,
    percentageComplete: refresh?.PercentageComplete ?? null,
    instancesToUpdate: refresh?.InstancesToUpdate ?? null,
    startTime: iso(refresh?.StartTime) ?? null,
    endTime: iso(refresh?.EndTime) ?? null,
    rollbackReason: refresh?.RollbackDetails?.RollbackReason ?? null,
    rollbackStartTime: iso(refresh?.RollbackDetails?.RollbackStartTime) ?? null,
    rolledBackAt: status === 'RollbackSuccessful' ? (iso(refresh?.EndTime) ?? null) : null,
    progress,
    ...extra,
  };
}

/** The way back a result records, for the undo (the run's output, or the undo log's copy of it). */
function wayOf(result: ActionResult, targets: readonly Resource[]): WayBack {
  const o = result.output;
  const group = typeof o.group === 'string' ? o.group : oneGroup(targets).id;
  if (typeof o.fromVersion !== 'number') throw new ActionFailedError(`The release on group ${group} recorded no version to go back to.`);
  return {
    group,
    template: { id: String(o.launchTemplateId ?? ''), name: String(o.launchTemplate ?? '') },
    fromVersion: o.fromVersion,
    fromSetting: typeof o.fromSetting === 'string' ? o.fromSetting : String(o.fromVersion),
    refreshId: typeof o.refreshId === 'string' ? o.refreshId : undefined,
    toVersion: typeof o.toVersion === 'number' ? o.toVersion : undefined,
    minHealthyPercentage: typeof o.minHealthyPercentage === 'number' ? o.minHealthyPercentage : undefined,
  };
}

export const instanceRefreshAction: ActionDefinition<Args> = {
  id: 'aws.asg.instance-refresh',
  summary:
    'Releases a launch template version to an Auto Scaling group with an instance refresh and follows it to its end; undone by a rollback or a refresh back.',
  mutating: true,
  reconcileExempt:
    "it checkpoints its undo (ctx.checkpoint: the group, its launch template and the refresh it may cancel) before StartInstanceRefresh, and its rollback is safe whether the refresh started or not, so a lost worker's successor runs that rollback.",
  permissions: {
    read: ['autoscaling:DescribeAutoScalingGroups', 'autoscaling:DescribeInstanceRefreshes', 'ec2:DescribeLaunchTemplateVersions'],
    // Starting a refresh with a launch template needs the right to launch from it (RunInstances, CreateTags for its
    // tag specifications; iam:PassRole too when it names an instance profile, left to the operator to scope).
    // https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-launch-template-permissions.html
    write: [
      'autoscaling:StartInstanceRefresh',
      'autoscaling:CancelInstanceRefresh',
      'autoscaling:RollbackInstanceRefresh',
      'ec2:RunInstances',
      'ec2:CreateTags',
    ],
  },
  capabilities: {
    services: ['autoscaling', 'ec2'],
    support: {
      sim: yes(
        'StartInstanceRefresh replaces instances in batches kept within the healthy percentages, with warmup, checkpoints, bake time, skip matching, alarms and auto rollback.',
      ),
      moto: no(
        `moto 5.2.1 implements none of StartInstanceRefresh, DescribeInstanceRefreshes, CancelInstanceRefresh and RollbackInstanceRefresh (it answers HTTP 500), so the plan works and the release is refused at its start (${MOTO_REFRESH_TEST}).`,
      ),
      'localstack-free': no('Auto Scaling is not in the community image.'),
      'localstack-paid': no("LocalStack's Auto Scaling runs no instance refresh (unverified: its coverage lists no StartInstanceRefresh)."),
      aws: yes(),
    },
  },
  args,
  targetType: AUTO_SCALING_GROUP,
  inventory: groupInventory,
  /** The instances the refresh will replace, and what it releases, read now: the guards count them, the plan shows them. */
  async reach(a, targets, ctx) {
    const group = await describeGroup(ctx, oneGroup(targets).id);
    const release = await workOut(a, group, ctx);
    return { resources: release.replaced.map((i) => instanceResource(i, group)), detail: releaseLines(a, release) };
  },
  undo: (a, resources) => {
    const group = resources.find((r) => r.type === AUTO_SCALING_GROUP);
    const was = (group?.attributes as AutoScalingGroup | undefined)?.LaunchTemplate?.Version;
    const back = `the version it ran before the release${was === undefined ? '' : ` (${was}, as a number)`}`;
    return `automatic — ${group?.id ?? 'the group'} goes back to ${back}: RollbackInstanceRefresh while the refresh runs, else a refresh back with skip matching, followed to its end (at most ${formatDuration(a.timeout)} of AWS time)`;
  },
  async run(a, ctx) {
    const group = await describeGroup(ctx, oneGroup(ctx.targets).id);
    const release = await workOut(a, group, ctx);
    const extra = { minHealthyPercentage: a.preferences.minHealthyPercentage ?? null };
    // The way back is in the undo log before the refresh starts: a worker lost meanwhile leaves it to another.
    await ctx.checkpoint?.({ output: outputOf(release, null, undefined, [], { ...extra, checkpoint: true }) });
    const id = await startRefresh(ctx, release.way.group, release.desired, awsPreferences(a.preferences));
    const way: WayBack = { ...release.way, refreshId: id, toVersion: release.toVersion };
    if (!a.follow) return { output: outputOf(release, id, undefined, [], { ...extra, followed: false }) };
    const wallTimeout = a.timeout / ctx.speed;
    let followed: Awaited<ReturnType<typeof followRefresh>>;
    try {
      followed = await followRefresh(ctx, way.group, id, wallTimeout);
    } catch (error) {
      // The run is stopping: the refresh started, so the fault landed and the run's rollback takes the group back.
      if (ctx.signal.aborted) return { output: outputOf(release, id, undefined, [], { ...extra, interrupted: true }) };
      throw error;
    }
    const { refresh, timedOut, progress } = followed;
    const status = refresh.Status ?? 'unknown';
    const output = outputOf(release, id, refresh, progress, extra);
    if (!timedOut && (status === 'Successful' || (status === 'RollbackSuccessful' && a.preferences.autoRollback === true))) return { output };
    const why = timedOut
      ? `was still ${status} (${refresh.PercentageComplete ?? 0}% complete) after ${formatDuration(a.timeout)} of AWS time`
      : status === 'RollbackSuccessful'
        ? 'was rolled back by someone outside this run'
        : `ended ${status}${refresh.StatusReason === undefined || refresh.StatusReason === '' ? '' : ` (${refresh.StatusReason.replace(/\.$/, '')})`}`;
    // A fault that did not land is not undone by the run: the group goes back here, before the failure is reported.
    let undone: string;
    try {
      const restored = await restoreGroup(ctx, way, wallTimeout);
      undone = `gameday took group ${way.group} back to version ${restored.version} (${restored.steps.join(', ')})`;
    } catch (error) {
      undone = `taking group ${way.group} back to version ${way.fromVersion} failed too: ${error instanceof Error ? error.message.replace(/\.$/, '') : String(error)}`;
    }
    throw new ActionFailedError(`Instance refresh ${id} of group ${way.group} to version ${release.toVersion ?? '?'} ${why}; ${undone}.`);
  },
  async rollback(a, result, ctx) {
    const way = wayOf(result, ctx.targets);
    const restored = await restoreGroup(ctx, way, a.timeout / ctx.speed);
    return {
      output: {
        group: way.group,
        version: restored.version,
        steps: restored.steps,
        ...(restored.refreshBackId === undefined ? {} : { refreshBackId: restored.refreshBackId }),
      },
    };
  },
};
