import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type AutoScalingGroup, AutoScalingClient, DescribeAutoScalingGroupsCommand, StartInstanceRefreshCommand } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { awsPreferences, describePreferences, instanceRefreshAction } from '../../src/actions/autoscaling/instance-refresh.js';
import { AwsClientFactory } from '../../src/aws/client-factory.js';
import { makePlan, renderPlan } from '../../src/cli/plan.js';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { ActionFailedError } from '../../src/errors/action-error.js';
import { runExperiment } from '../../src/engine/runner.js';
import { parseExperiment, type LoadedExperiment } from '../../src/experiment/load.js';
import { defaultRegistry } from '../../src/registry/default-registry.js';
import type { ActionContext, CallRecord, Resource } from '../../src/registry/types.js';
import { SimRegion } from '../../src/sim/server.js';
import { parseTopology } from '../../src/sim/topology.js';
import { ROOT } from '../support/cli.js';
import { CREDENTIALS, onSimRegion, requestLog, waitFor } from '../support/sim.js';

/**
 * `aws.asg.instance-refresh`: a release as a step of an experiment. StartInstanceRefresh and its neighbours as AWS
 * documents them: https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_StartInstanceRefresh.html
 */
const parse = (a: unknown) => instanceRefreshAction.args.safeParse(a);
const firstIssue = (a: unknown): string => {
  const r = parse(a);
  assert.equal(r.success, false, `expected ${JSON.stringify(a)} to be refused`);
  return r.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join(' | ') ?? '';
};

describe('aws.asg.instance-refresh arguments', () => {
  it('take a version number or $Latest / $Default, or a desired configuration, never both or neither', () => {
    assert.equal(parse({ launchTemplateVersion: 2 }).success, true);
    assert.equal(parse({ launchTemplateVersion: '$Latest' }).success, true);
    assert.equal(parse({ desiredConfiguration: { LaunchTemplate: { LaunchTemplateName: 'web-lt', Version: '$Default' } } }).success, true);
    assert.match(firstIssue({}), /exactly one of launchTemplateVersion and desiredConfiguration/);
    assert.match(firstIssue({ launchTemplateVersion: 2, desiredConfiguration: { LaunchTemplate: { Version: '2' } } }), /exactly one/);
    assert.match(firstIssue({ launchTemplateVersion: '$Newest' }), /launchTemplateVersion/);
    assert.match(firstIssue({ launchTemplateVersion: 0 }), /launchTemplateVersion/);
    assert.match(firstIssue({ desiredConfiguration: {} }), /names a LaunchTemplate or a MixedInstancesPolicy/);
    assert.match(firstIssue({ launchTemplateVersion: 2, surprise: true }), /surprise|Unrecognized/);
  });

  it('check the preferences as AWS constrains them, one sentence each', () => {
    const prefs = (p: unknown) => firstIssue({ launchTemplateVersion: 2, preferences: p });
    assert.match(prefs({ maxHealthyPercentage: 150 }), /preferences.maxHealthyPercentage: maxHealthyPercentage needs minHealthyPercentage/);
    assert.match(prefs({ minHealthyPercentage: 50, maxHealthyPercentage: 160 }), /at most 100 above minHealthyPercentage/);
    assert.match(prefs({ checkpointPercentages: [50, 20, 100] }), /unique and ascending/);
    assert.match(prefs({ checkpointDelay: '5m' }), /checkpointDelay needs checkpointPercentages/);
    assert.match(prefs({ bakeTime: '49h' }), /bakeTime is at most 48h/);
    assert.match(prefs({ minHealthyPercentage: 101 }), /minHealthyPercentage/);
    assert.match(prefs({ skipMatchin: true }), /skipMatchin|Unrecognized/);
  });

  it('send the preferences in AWS’s shape, durations in seconds, and say them in a few words', () => {
    const a = instanceRefreshAction.args.parse({
      launchTemplateVersion: 2,
      preferences: {
        minHealthyPercentage: 66,
        maxHealthyPercentage: 100,
        instanceWarmup: '1m',
        checkpointPercentages: [50, 100],
        checkpointDelay: '10m',
        skipMatching: true,
        autoRollback: true,
        alarms: ['web-5xx'],
        bakeTime: '5m',
      },
    });
    assert.deepEqual(awsPreferences(a.preferences), {
      MinHealthyPercentage: 66,
      MaxHealthyPercentage: 100,
      InstanceWarmup: 60,
      CheckpointPercentages: [50, 100],
      CheckpointDelay: 600,
      SkipMatching: true,
      AutoRollback: true,
      AlarmSpecification: { Alarms: ['web-5xx'] },
      BakeTime: 300,
    });
    assert.equal(
      describePreferences(a.preferences),
      'min healthy 66%; max healthy 100%; warmup 1m00s; checkpoints at 50%, 100%, 10m00s each; skip matching on; auto rollback on; alarms web-5xx; bake 5m00s',
    );
    const plain = instanceRefreshAction.args.parse({ launchTemplateVersion: '$Latest' });
    assert.deepEqual(awsPreferences(plain.preferences), {});
    assert.equal(describePreferences(plain.preferences), "AWS's defaults");
    assert.equal(plain.follow, true);
    assert.equal(plain.timeout, 3_600_000);
  });
});

const SPEED = 100;

/** A web tier of three instances on version 1 of web-lt, which has a version 2, spread over three zones. */
const topology = (group: Record<string, unknown> = {}) =>
  parseTopology({
    region: 'us-east-1',
    availabilityZones: ['a', 'b', 'c'],
    launchTemplates: [{ name: 'web-lt', versions: [{ imageId: 'ami-0release00000002' }] }],
    autoScalingGroups: [
      {
        name: 'web-asg',
        launchTemplate: 'web-lt',
        launchTemplateVersion: 1,
        min: 3,
        max: 6,
        desired: 3,
        tags: { 'gameday:allowed': 'true' },
        ...group,
      },
    ],
  });

/** An experiment releasing to web-asg, with `args` and `safety` as YAML flow mappings. */
const release = (args: string, safety: string): string => `apiVersion: gameday/v1
metadata: { name: release }
environment: { type: sim, speed: ${SPEED} }
probes:
  - { name: group, probe: aws.asg.in-service, args: { autoScalingGroupName: web-asg }, interval: 30s }
faults:
  - name: deploy
    action: aws.asg.instance-refresh
    targets: { ids: [web-asg] }
    args: ${args}
recovery: { stableFor: 10s, timeout: 30m }
# Three samples 30 s apart take a minute of AWS time: the default 30 s (0.3 s of wall time here) is not enough.
steadyState: { timeout: 5m }
safety: ${safety}
`;

async function onRegion(
  t: ReturnType<typeof topology>,
  use: (load: (text: string) => LoadedExperiment, aws: AwsClientFactory, endpoint: string) => Promise<void>,
): Promise<void> {
  await onSimRegion(t, SPEED, use);
}

const WIDE = '{ maxZones: 3, allowLastHealthy: true, requireTags: { "gameday:allowed": "true" } }';

describe('aws.asg.instance-refresh in the plan', () => {
  it('shows the group, the versions from and to, every instance it will replace and the preferences, with read-only calls', async () => {
    await onRegion(topology(), async (load, aws, endpoint) => {
      const before = (await requestLog(endpoint)).length;
      const loaded = load(release('{ launchTemplateVersion: $Latest, preferences: { minHealthyPercentage: 66, skipMatching: true } }', WIDE));
      const { plan, calls } = await makePlan(loaded, aws, 1);
      assert.equal(plan.refusal, null, plan.refusal?.message);
      assert.deepEqual(
        (await requestLog(endpoint)).slice(before).filter((r) => !/^(Describe|Get|List)/.test(r.action)),
        [],
        'no mutating call reached the region',
      );
      assert.equal(calls.filter((c) => c.mutating).length, 0);
      const [fault] = plan.faults;
      assert.deepEqual(fault?.resources.map((r) => r.type).sort(), ['aws:ec2:autoscaling-group', 'aws:ec2:instance', 'aws:ec2:instance', 'aws:ec2:instance']);
      assert.ok(fault?.resources.filter((r) => r.type === 'aws:ec2:instance').every((r) => r.tags['aws:autoscaling:groupName'] === 'web-asg'));
      assert.deepEqual(fault?.detail, [
        'release: group web-asg, launch template web-lt version 1 -> 2',
        'replaces 3 of 3 instance(s) (skip matching: 0 already on version 2 kept)',
        'preferences: min healthy 66%; skip matching on',
        'follows the refresh to its end, at most 60m00s of AWS time',
      ]);
      // The group and the three instances it replaces are touched, in three zones, all of the group.
      const guards = Object.fromEntries(plan.guards.map((g) => [g.guard, g.detail]));
      assert.match(guards['max-targets'] ?? '', /^4 resource\(s\)/);
      assert.match(guards['max-zones'] ?? '', /us-east-1a, us-east-1b, us-east-1c/);
      assert.match(guards['max-group-percent'] ?? '', /group web-asg: 3 of 3 \(100%\)/);
      const text = renderPlan(loaded, plan, calls);
      assert.match(text, /fault deploy \(aws\.asg\.instance-refresh\) in us-east-1: 1 of 1 aws:ec2:autoscaling-group/);
      assert.match(text, /\n {2}release: group web-asg, launch template web-lt version 1 -> 2\n/);
      assert.match(text, /\n {2}undo: automatic — web-asg goes back to the version it ran before the release \(1, as a number\)/);
    });
  });

  it('counts only the instances not yet on the new version when skip matching is on, and all of them when it is off', async () => {
    // The group names version 2; one of its three instances still runs version 1.
    await onRegion(topology({ launchTemplateVersion: 2, driftedInstances: 1 }), async (load, aws) => {
      const skipping = (await makePlan(load(release('{ launchTemplateVersion: 2, preferences: { skipMatching: true } }', WIDE)), aws, 1)).plan;
      assert.equal(skipping.faults[0]?.detail?.[1], 'replaces 1 of 3 instance(s) (skip matching: 2 already on version 2 kept)');
      assert.equal(skipping.faults[0]?.resources.filter((r) => r.type === 'aws:ec2:instance').length, 1);
      const all = (await makePlan(load(release('{ launchTemplateVersion: 2 }', WIDE)), aws, 1)).plan;
      assert.equal(all.faults[0]?.detail?.[1], 'replaces 3 of 3 instance(s) (skip matching off: every live instance is replaced)');
      // AWS's own DesiredConfiguration, its $Latest resolved to the number as launchTemplateVersion's is.
      const given = (
        await makePlan(
          load(
            release(
              '{ desiredConfiguration: { LaunchTemplate: { LaunchTemplateName: web-lt, Version: $Latest } }, preferences: { skipMatching: true } }',
              WIDE,
            ),
          ),
          aws,
          1,
        )
      ).plan;
      assert.deepEqual(given.faults[0]?.detail?.slice(0, 2), [
        'release: group web-asg, launch template web-lt version 2 -> 2',
        'replaces 1 of 3 instance(s) (skip matching: 2 already on version 2 kept)',
      ]);
    });
  });

  it('is refused like any fault on the whole group: zones, a group’s last healthy instance, its share and the caps', async () => {
    await onRegion(topology(), async (load, aws) => {
      const refusal = async (safety: string): Promise<string> =>
        (await makePlan(load(release('{ launchTemplateVersion: 2 }', safety)), aws, 1)).plan.refusal?.message ?? 'not refused';
      assert.match(await refusal('{}'), /would touch 3 Availability Zones/);
      assert.match(await refusal('{ maxZones: 3 }'), /every healthy instance of group web-asg \(3\); set safety.allowLastHealthy/);
      assert.match(await refusal('{ maxZones: 3, allowLastHealthy: true, maxGroupPercent: 50 }'), /3 of 3 instances of group web-asg \(100%\)/);
      assert.match(await refusal('{ maxZones: 3, allowLastHealthy: true, maxTargetsPerFault: 3 }'), /fault 'deploy' would touch 4 resources/);
      assert.equal(await refusal('{ maxZones: 3, allowLastHealthy: true }'), 'not refused');
    });
  });
});

/** Whether the simulated region serves StartInstanceRefresh: an unknown group is refused as a ValidationError, an unknown operation as InvalidAction. */
async function simRefreshes(): Promise<boolean> {
  const region = await SimRegion.start({ topology: topology(), speed: SPEED });
  const asg = new AutoScalingClient({ region: 'us-east-1', endpoint: region.endpoint, credentials: CREDENTIALS, maxAttempts: 1 });
  try {
    await asg.send(new StartInstanceRefreshCommand({ AutoScalingGroupName: 'gameday-no-such-group' }));
    return true;
  } catch (error) {
    return (error as { name?: string }).name !== 'InvalidAction';
  } finally {
    asg.destroy();
    await region.stop();
  }
}

const served = await simRefreshes();

describe('aws.asg.instance-refresh on the simulated region', { skip: served ? false : 'needs sim StartInstanceRefresh' }, () => {
  let region: SimRegion;
  let aws: AwsClientFactory;
  let asg: AutoScalingClient;
  before(async () => {
    region = await SimRegion.start({ topology: topology({ healthCheckGracePeriod: '5m' }), speed: SPEED });
    await region.world.ready(60_000);
    aws = new AwsClientFactory({ kind: 'sim', region: 'us-east-1', endpoint: region.endpoint, credentials: CREDENTIALS });
    asg = new AutoScalingClient({ region: 'us-east-1', endpoint: region.endpoint, credentials: CREDENTIALS, maxAttempts: 1 });
  });
  after(async () => {
    asg.destroy();
    await aws.destroy();
    await region.stop();
  });

  const context = (targets: Resource[]): { ctx: ActionContext; calls: CallRecord[] } => {
    const calls: CallRecord[] = [];
    return {
      calls,
      ctx: {
        runId: 'refresh-test',
        signal: AbortSignal.timeout(120_000),
        clock: systemClock,
        logger: silentLogger,
        aws,
        speed: SPEED,
        targets,
        recordCall: (c) => calls.push(c),
      },
    };
  };
  const web = async (): Promise<AutoScalingGroup> => {
    const g = (await asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web-asg'] }))).AutoScalingGroups?.[0];
    assert.ok(g !== undefined);
    return g;
  };
  const versions = (g: AutoScalingGroup): string[] =>
    (g.Instances ?? [])
      .filter((i) => i.LifecycleState === 'InService')
      .map((i) => i.LaunchTemplate?.Version ?? '?')
      .sort();
  const mutating = (calls: CallRecord[]) => calls.filter((c) => c.mutating).map((c) => c.operation);

  it('releases version 2 to the group and follows it to Successful; its undo takes the group back to version 1, and a second undo changes nothing', async () => {
    const a = instanceRefreshAction.args.parse({ launchTemplateVersion: '$Latest', preferences: { minHealthyPercentage: 66 }, timeout: '2h' });
    const plan = context([]);
    const [group] = (await instanceRefreshAction.inventory?.({ ids: ['web-asg'], selection: { mode: 'ALL' } }, plan.ctx)) ?? [];
    assert.ok(group !== undefined);
    const reached = await instanceRefreshAction.reach?.(a, [group], plan.ctx);
    const targets = [group, ...(reached?.resources ?? [])];

    const { ctx, calls } = context(targets);
    const result = await instanceRefreshAction.run(a, ctx);
    assert.deepEqual(mutating(calls), ['StartInstanceRefresh']);
    assert.equal(result.output.status, 'Successful');
    assert.equal(result.output.fromVersion, 1);
    assert.equal(result.output.toVersion, 2);
    assert.equal(result.output.group, 'web-asg');
    assert.match(String(result.output.refreshId), /.+/);
    assert.notEqual(result.output.startTime, null);
    assert.notEqual(result.output.endTime, null);
    assert.equal(result.output.rolledBackAt, null);
    const progress = result.output.progress as { status: string }[];
    assert.equal(progress.at(-1)?.status, 'Successful');
    const released = await web();
    assert.equal(released.LaunchTemplate?.Version, '2');
    assert.deepEqual(versions(released), ['2', '2', '2']);

    const undo = context(targets);
    const back = await instanceRefreshAction.rollback?.(a, result, undo.ctx);
    assert.deepEqual(mutating(undo.calls), ['StartInstanceRefresh']);
    assert.equal(back?.output.version, 1);
    const restored = await web();
    assert.equal(restored.LaunchTemplate?.Version, '1');
    assert.deepEqual(versions(restored), ['1', '1', '1']);

    const again = context(targets);
    await instanceRefreshAction.rollback?.(a, result, again.ctx);
    assert.deepEqual(mutating(again.calls), [], 'the undo is idempotent');
  });

  it('runs as a fault of an experiment: the plan’s guards pass, the release lands, and the run’s rollback takes the group back', async () => {
    // The test before took the group back with a refresh: its old instances drain before they go, and the plan
    // counts only the live ones. Start from a group of three on version 1 and nothing else.
    await waitFor(
      'the group to be three instances on version 1',
      async () => {
        const g = await web();
        return (g.Instances ?? []).length === 3 && versions(g).length === 3 && versions(g).every((v) => v === '1');
      },
      { timeoutMs: 60_000 },
    );
    const registry = defaultRegistry();
    const loaded = parseExperiment(
      release('{ launchTemplateVersion: 2, preferences: { minHealthyPercentage: 66 }, timeout: 2h }', WIDE),
      join(ROOT, 'experiments', 'inline.yaml'),
      { registry, env: {}, simOutputs: region.outputs() },
    );
    const journal = await runExperiment(loaded, { registry, aws });
    const fault = journal.activities.find((x) => x.kind === 'fault');
    assert.equal(fault?.status, 'succeeded', JSON.stringify(fault?.error ?? journal.verdict));
    assert.equal(fault?.output?.status, 'Successful');
    assert.equal(journal.activities.find((x) => x.kind === 'auto-rollback')?.status, 'succeeded');
    assert.equal(journal.targets[0]?.selected.length, 4, 'the group and the three instances it replaces');
    const restored = await web();
    assert.equal(restored.LaunchTemplate?.Version, '1');
    assert.ok(versions(restored).every((v) => v === '1'));
  });

  it('returns once the refresh started with follow: false, and its undo while the refresh runs rolls it back', async () => {
    const a = instanceRefreshAction.args.parse({ launchTemplateVersion: 2, follow: false, timeout: '2h' });
    const targets: Resource[] = [{ type: 'aws:ec2:autoscaling-group', id: 'web-asg', tags: {}, attributes: {} }];
    const { ctx } = context(targets);
    const result = await instanceRefreshAction.run(a, ctx);
    assert.equal(result.output.followed, false);
    assert.equal(result.output.status, 'Pending');
    const undo = context(targets);
    const back = await instanceRefreshAction.rollback?.(a, result, undo.ctx);
    assert.equal(mutating(undo.calls)[0], 'RollbackInstanceRefresh');
    assert.match(String((back?.output.steps as string[] | undefined)?.[0]), /^rolled back refresh /);
    const restored = await web();
    assert.equal(restored.LaunchTemplate?.Version, '1');
    assert.ok(versions(restored).every((v) => v === '1'));
  });
});

/**
 * The web tier behind a load balancer, with an alarm in ALARM as soon as it is evaluated (fewer than 100 healthy
 * hosts): a release that watches it is stopped at once.
 */
const alarmed = () =>
  parseTopology({
    region: 'us-east-1',
    availabilityZones: ['a', 'b', 'c'],
    launchTemplates: [{ name: 'web-lt', versions: [{ imageId: 'ami-0release00000002' }] }],
    loadBalancers: [{ name: 'web-alb', targetGroup: { name: 'web-tg', healthCheck: { path: '/health' } } }],
    autoScalingGroups: [
      {
        name: 'web-asg',
        launchTemplate: 'web-lt',
        launchTemplateVersion: 1,
        min: 3,
        max: 6,
        desired: 3,
        healthCheckType: 'ELB',
        healthCheckGracePeriod: '600s',
        targetGroups: ['web-tg'],
      },
    ],
    alarms: [
      { name: 'never-enough-hosts', loadBalancer: 'web-alb', metric: 'HealthyHostCount', threshold: 100, comparison: 'LessThanThreshold', period: '60s' },
    ],
  });

describe('aws.asg.instance-refresh stopped by its alarm on the simulated region', { skip: served ? false : 'needs sim StartInstanceRefresh' }, () => {
  let region: SimRegion;
  let aws: AwsClientFactory;
  let asg: AutoScalingClient;
  before(async () => {
    region = await SimRegion.start({ topology: alarmed(), speed: SPEED });
    aws = new AwsClientFactory({ kind: 'sim', region: 'us-east-1', endpoint: region.endpoint, credentials: CREDENTIALS });
    asg = new AutoScalingClient({ region: 'us-east-1', endpoint: region.endpoint, credentials: CREDENTIALS, maxAttempts: 1 });
    // Never "ready" (its alarm is in ALARM on purpose): the group in service is what the release needs.
    await waitFor(
      'the group to be in service',
      async () =>
        ((await asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web-asg'] }))).AutoScalingGroups?.[0]?.Instances ?? []).filter(
          (i) => i.LifecycleState === 'InService',
        ).length === 3,
      { timeoutMs: 60_000, intervalMs: 50 },
    );
    const cw = new CloudWatchClient({ region: 'us-east-1', endpoint: region.endpoint, credentials: CREDENTIALS, maxAttempts: 1 });
    try {
      await waitFor(
        'the alarm to be in ALARM',
        async () => (await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['never-enough-hosts'] }))).MetricAlarms?.[0]?.StateValue === 'ALARM',
        { timeoutMs: 30_000, intervalMs: 50 },
      );
    } finally {
      cw.destroy();
    }
  });
  after(async () => {
    asg.destroy();
    await aws.destroy();
    await region.stop();
  });

  const run = async (preferences: Record<string, unknown>) => {
    const a = instanceRefreshAction.args.parse({ launchTemplateVersion: 2, preferences: { alarms: ['never-enough-hosts'], ...preferences }, timeout: '2h' });
    const ctx: ActionContext = {
      runId: 'refresh-alarm-test',
      signal: AbortSignal.timeout(120_000),
      clock: systemClock,
      logger: silentLogger,
      aws,
      speed: SPEED,
      targets: [{ type: 'aws:ec2:autoscaling-group', id: 'web-asg', tags: {}, attributes: {} }],
      recordCall: () => undefined,
    };
    return instanceRefreshAction.run(a, ctx);
  };
  const version = async (): Promise<string | undefined> =>
    (await asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web-asg'] }))).AutoScalingGroups?.[0]?.LaunchTemplate?.Version;

  it('ends RollbackSuccessful with autoRollback, which is the release being stopped, not an action error', async () => {
    const result = await run({ autoRollback: true });
    assert.equal(result.output.status, 'RollbackSuccessful');
    assert.notEqual(result.output.rolledBackAt, null);
    assert.match(String(result.output.rollbackReason), /never-enough-hosts/);
    assert.equal(await version(), '1');
  });

  it('fails the action when the refresh ends Failed, having taken the group back first, in one sentence', async () => {
    await assert.rejects(
      run({}),
      (e: unknown) =>
        e instanceof ActionFailedError &&
        /^Instance refresh \S+ of group web-asg to version 2 ended Failed \(.*never-enough-hosts.*\); gameday took group web-asg back to version 1 \(.+\)\.$/.test(
          e.message,
        ),
    );
    assert.equal(await version(), '1');
  });
});
